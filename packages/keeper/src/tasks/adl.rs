//! Auto-deleveraging (DESIGN 6.10): for every active market with open skew, simulate
//! `auto_deleverage {market_id, limit}`; the engine refuses it unless the vault is below its
//! trigger, and picks the positions itself, top of `adl_ranking` first. When the simulation
//! deleverages something, send it, and repeat while it does.

use perps_api::perps::MarketStatus;
use serde_json::json;

use super::maintenance::all_markets;
use super::{Ctx, Task};
use crate::chain::SendError;
use crate::log;

/// The auto-deleveraging task.
pub struct AutoDeleverage {
    /// Positions per call.
    pub limit: u32,
}

/// Events of positions reduced by auto-deleveraging.
pub fn deleveraged(events: &[crate::chain::Event]) -> u64 {
    events
        .iter()
        .filter(|e| {
            let ty = e.ty.strip_prefix("wasm-").unwrap_or(&e.ty);
            ty == "auto_deleverage" || ty == "adl" || ty == "deleverage"
        })
        .count() as u64
}

impl Task for AutoDeleverage {
    fn tick(&mut self, ctx: &mut Ctx) -> Result<String, SendError> {
        let markets = all_markets(ctx)?;
        let mut total = 0u64;
        for m in markets.markets {
            if !matches!(m.status, MarketStatus::Active | MarketStatus::ReduceOnly)
                || m.state.skew.is_zero()
            {
                continue;
            }
            let msg =
                json!({ "auto_deleverage": { "market_id": m.market_id, "limit": self.limit } });
            for _ in 0..100 {
                if ctx.stopping() {
                    break;
                }
                let sim = match ctx.simulate(&ctx.perps.clone(), &msg) {
                    Ok(s) => s,
                    // not needed (vault above its trigger), or not possible now
                    Err(SendError::Contract(_)) => break,
                    Err(e) => return Err(e),
                };
                if deleveraged(&sim.events) == 0 {
                    break;
                }
                match ctx.send(&ctx.perps.clone(), &msg) {
                    Ok((out, ev)) => {
                        let n = deleveraged(&ev);
                        total += n;
                        ctx.metrics.positions_deleveraged.inc_by(n);
                        log::info(
                            ctx.name,
                            &format!(
                                "{}: {n} positions deleveraged at height {}",
                                m.market_id, out.height
                            ),
                        );
                        if n == 0 {
                            break;
                        }
                    }
                    Err(SendError::Contract(l)) => {
                        // another keeper restored the ratio first
                        ctx.metrics.fail(ctx.name, "lost_race");
                        log::info(ctx.name, &format!("{}: {l}", m.market_id));
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(format!("{total} positions deleveraged"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::Event;

    #[test]
    fn deleveraged_positions_are_counted_from_their_events() {
        let ev = vec![
            Event::with("wasm-auto_deleverage", &[("account", "a")]),
            Event::with("wasm-auto_deleverage", &[("account", "b")]),
            Event::new("wasm-trade"),
            Event::new("wasm"),
        ];
        assert_eq!(deleveraged(&ev), 2);
    }
}
