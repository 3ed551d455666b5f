//! Fee sweeps and the settlement of positions in settled markets.

use cosmwasm_std::Uint128;
use perps_api::perps::{ConfigResponse, ExecuteMsg, MarketStatus, MarketsResponse, QueryMsg};

use super::{count_events, Ctx, Task};
use crate::chain::SendError;
use crate::log;

/// `sweep_fees` once at least `min_pending` insurance fees are pending.
pub struct SweepFees {
    /// Threshold, collateral base units.
    pub min_pending: Uint128,
}

impl Task for SweepFees {
    fn tick(&mut self, ctx: &mut Ctx) -> Result<String, SendError> {
        let cfg: ConfigResponse = ctx.query(&QueryMsg::Config {})?;
        let pending = cfg.pending_insurance_fees;
        if pending.is_zero() || pending < self.min_pending {
            return Ok(format!("{pending} pending, below {}", self.min_pending));
        }
        match ctx.send(&ctx.perps.clone(), &ExecuteMsg::SweepFees {}) {
            Ok((out, _)) => {
                ctx.metrics.fee_sweeps.inc();
                log::info(
                    ctx.name,
                    &format!("swept {pending} at height {}", out.height),
                );
                Ok(format!("swept {pending}"))
            }
            Err(SendError::Contract(l)) if l.contains("no insurance fees to sweep") => {
                ctx.metrics.fail(ctx.name, "lost_race");
                Ok("another keeper swept first".into())
            }
            // the pending fees are owed by books with C < 0: nothing to sweep until they repay
            Err(SendError::Contract(l)) if l.contains(" not held: cash ") => {
                Ok(format!("{pending} pending, not held yet"))
            }
            Err(SendError::Contract(l)) => {
                ctx.metrics.fail(ctx.name, "contract_error");
                Ok(format!("sweep failed: {l}"))
            }
            Err(e) => Err(e),
        }
    }
}

/// Every market id, page by page.
pub fn all_markets(ctx: &Ctx) -> Result<MarketsResponse, SendError> {
    let mut all = Vec::new();
    let mut start_after: Option<String> = None;
    loop {
        let page: MarketsResponse = ctx.query(&QueryMsg::Markets {
            start_after: start_after.clone(),
            limit: Some(30),
        })?;
        let n = page.markets.len();
        start_after = page.markets.last().map(|m| m.market_id.clone());
        all.extend(page.markets);
        if n < 30 {
            break;
        }
    }
    Ok(MarketsResponse { markets: all })
}

/// `settle_positions` on every settled market that still has open interest.
pub struct SettlePositions {
    /// Positions per call.
    pub limit: u32,
}

impl Task for SettlePositions {
    fn tick(&mut self, ctx: &mut Ctx) -> Result<String, SendError> {
        let markets = all_markets(ctx)?;
        let mut closed = 0u64;
        for m in markets.markets {
            let settled = matches!(m.status, MarketStatus::Settled { .. });
            if !settled || (m.state.long_oi.is_zero() && m.state.short_oi.is_zero()) {
                continue;
            }
            // Bounded: a market with n positions needs n / limit calls.
            for _ in 0..1000 {
                if ctx.stopping() {
                    break;
                }
                let msg = ExecuteMsg::SettlePositions {
                    market_id: m.market_id.clone(),
                    limit: Some(self.limit),
                };
                let sim = match ctx.simulate(&ctx.perps.clone(), &msg) {
                    Ok(s) => s,
                    Err(SendError::Contract(l)) => {
                        ctx.metrics.fail(ctx.name, "contract_error");
                        log::warn(ctx.name, &format!("{}: {l}", m.market_id));
                        break;
                    }
                    Err(e) => return Err(e),
                };
                if count_events(&sim.events, "settle_position") == 0 {
                    break;
                }
                match ctx.send(&ctx.perps.clone(), &msg) {
                    Ok((_, ev)) => {
                        let n = count_events(&ev, "settle_position");
                        closed += n;
                        ctx.metrics.positions_settled.inc_by(n);
                        if n == 0 {
                            break;
                        }
                    }
                    Err(SendError::Contract(l)) => {
                        ctx.metrics.fail(ctx.name, "contract_error");
                        log::warn(ctx.name, &format!("{}: {l}", m.market_id));
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(format!("{closed} positions of settled markets closed"))
    }
}
