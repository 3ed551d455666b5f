//! The engine messages of the simple steps, and the market configurations the owner switches
//! between.

use cosmwasm_std::{Addr, Int256, SignedDecimal256, Uint128, Uint256};
use perps_api::perps::{ExecuteMsg, MarginTier, MarketConfig, MarketStatusUpdate};

use super::actions::{Action, ModeChoice, LPS, TRADERS};
use super::world::{Exec, Sim, IDS, LOT_ATOMICS};
use crate::suite::{d, fee_market, plain_market, USDC};

/// The market configurations a variant of `update_market` chooses from (all valid ranges).
pub fn market_config(market: usize, variant: u8) -> MarketConfig {
    let base = match market {
        // cap skews of 3 BTC and 60 ETH (0.3 % of the scale): within reach of the traders
        0 => fee_market("BTC", "1000"),
        1 => MarketConfig {
            margin_tiers: vec![
                MarginTier {
                    max_notional: Some(Uint128::new(50_000 * USDC)),
                    initial_margin_ratio: d("0.1"),
                    maintenance_margin_ratio: d("0.05"),
                },
                MarginTier {
                    max_notional: None,
                    initial_margin_ratio: d("0.2"),
                    maintenance_margin_ratio: d("0.1"),
                },
            ],
            ..fee_market("ETH", "20000")
        },
        _ => MarketConfig {
            min_order_size: d("0.1"),
            ..plain_market("SOL")
        },
    };
    match variant {
        1 => MarketConfig {
            taker_fee: d("0.002"),
            ..base
        },
        2 => MarketConfig {
            margin_tiers: base
                .margin_tiers
                .iter()
                .map(|t| MarginTier {
                    initial_margin_ratio: t.initial_margin_ratio * d("1.5"),
                    maintenance_margin_ratio: t.maintenance_margin_ratio * d("1.5"),
                    ..t.clone()
                })
                .collect(),
            ..base
        },
        3 => MarketConfig {
            max_long_oi: Uint128::new(200_000 * USDC),
            max_short_oi: Uint128::new(150_000 * USDC),
            ..base
        },
        4 => MarketConfig {
            max_position_notional: Some(Uint128::new(80_000 * USDC)),
            ..base
        },
        5 => MarketConfig {
            min_order_size: base.min_order_size * d("5"),
            ..base
        },
        6 => MarketConfig {
            max_funding_rate_per_day: d("1"),
            ..base
        },
        // a twentieth of the skew scale: the skew of the other variants can be far above the cap
        // (a change the engine takes only when forced while K ≠ 0)
        7 if !base.skew_scale.is_zero() => MarketConfig {
            skew_scale: base.skew_scale * d("0.05"),
            ..base
        },
        // a third of the impact cap (allowed at any time)
        8 if !base.skew_scale.is_zero() => MarketConfig {
            max_price_impact: Some(d("0.001")),
            ..base
        },
        _ => base,
    }
}

impl Sim {
    /// Executes the message(s) of a simple step (everything but round trips, prices and time).
    pub fn execute_simple(&mut self, a: &Action) -> Option<(Addr, Exec)> {
        let tr = |i: usize| self.traders[i].clone();
        let owner = self.s.owner.clone();
        let (sender, msg, funds) = match a {
            Action::Deposit { who, amount } => (tr(*who), ExecuteMsg::Deposit {}, *amount),
            Action::Withdraw { who, amount } => {
                let amount = Uint128::new(self.amount(*who, amount));
                (tr(*who), ExecuteMsg::Withdraw { amount }, 0)
            }
            Action::Trade {
                who,
                market,
                lots,
                mode,
                acceptable_bps,
                funds,
            } => (
                tr(*who),
                self.trade_msg(*market, *lots, mode, *acceptable_bps),
                *funds,
            ),
            Action::MaxTrade {
                who,
                market,
                permille,
                short,
                isolated,
            } => {
                let free = self.free(*who);
                let budget = free * (*permille as u128) / 1000;
                // notional 10x the budget (IM 10 %), or 9x an isolated margin of the budget
                let notional = if *isolated { budget * 9 } else { budget * 10 };
                // base units of one lot: price · lot · 10^6 = atomics · atomics / 10^30
                let lot_value = Uint128::try_from(
                    self.prices[*market].atomics() * Uint256::from(LOT_ATOMICS[*market])
                        / Uint256::from(10u128.pow(30)),
                )
                .unwrap()
                .u128();
                let lots = (notional / lot_value.max(1)).min(1_000_000) as i64;
                let mode = if *isolated {
                    ModeChoice::Isolated(budget)
                } else {
                    ModeChoice::Default
                };
                let lots = if *short { -lots } else { lots };
                (tr(*who), self.trade_msg(*market, lots, &mode, None), 0)
            }
            Action::Close { who, market, funds } => (tr(*who), Self::close_msg(*market), *funds),
            Action::SkewToCap {
                who,
                market,
                short,
                over,
            } => {
                let m = self.s.market(IDS[*market]);
                let cap = m.config.max_price_impact.unwrap_or_default() * m.config.skew_scale;
                let k = m
                    .state
                    .long_oi
                    .atomics()
                    .to_string()
                    .parse::<i128>()
                    .unwrap()
                    - m.state
                        .short_oi
                        .atomics()
                        .to_string()
                        .parse::<i128>()
                        .unwrap();
                let cap = cap.atomics().to_string().parse::<i128>().unwrap();
                let over = *over as i128 * LOT_ATOMICS[*market] as i128;
                let target = if *short { -cap - over } else { cap + over };
                let delta = SignedDecimal256::new(Int256::from(target - k));
                (
                    tr(*who),
                    ExecuteMsg::Trade {
                        market_id: IDS[*market].to_string(),
                        size_delta: delta,
                        acceptable_price: None,
                        mode: None,
                    },
                    0,
                )
            }
            Action::AddMargin {
                who,
                market,
                amount,
                funds,
            } => (
                tr(*who),
                ExecuteMsg::AddMargin {
                    market_id: IDS[*market].to_string(),
                    amount: Uint128::new(*amount),
                },
                *funds,
            ),
            Action::RemoveMargin {
                who,
                market,
                amount,
            } => {
                let amount = Uint128::new(self.isolated_margin(*who, *market, amount));
                (
                    tr(*who),
                    ExecuteMsg::RemoveMargin {
                        market_id: IDS[*market].to_string(),
                        amount,
                    },
                    0,
                )
            }
            Action::Liquidate {
                by,
                target,
                min_reward,
            } => (
                if *by == TRADERS {
                    self.liquidator.clone()
                } else {
                    tr(*by)
                },
                ExecuteMsg::Liquidate {
                    account: self.traders[*target].to_string(),
                    min_reward: min_reward.map(Uint128::new),
                },
                0,
            ),
            Action::Provide { lp, amount } => (
                self.lps[*lp % LPS].clone(),
                ExecuteMsg::ProvideLiquidity {},
                *amount,
            ),
            Action::RequestWithdraw { lp, permille } => {
                let who = self.lps[*lp % LPS].clone();
                let shares = self
                    .s
                    .query::<perps_api::perps::LpPositionResponse>(
                        &perps_api::perps::QueryMsg::LpPosition {
                            address: who.to_string(),
                        },
                    )
                    .shares
                    .u128();
                let shares = Uint128::new(shares * (*permille as u128) / 1000);
                (who, ExecuteMsg::WithdrawLiquidity { shares }, 0)
            }
            Action::Claim { lp } => (
                self.lps[*lp % LPS].clone(),
                ExecuteMsg::ClaimLiquidity {},
                0,
            ),
            Action::Cancel { lp } => (
                self.lps[*lp % LPS].clone(),
                ExecuteMsg::CancelWithdrawLiquidity {},
                0,
            ),
            Action::Sweep => (self.liquidator.clone(), ExecuteMsg::SweepFees {}, 0),
            Action::UpdateMarket {
                market,
                variant,
                force,
            } => (
                owner,
                ExecuteMsg::UpdateMarket {
                    market_id: IDS[*market].to_string(),
                    config: market_config(*market, *variant),
                    force: force.then_some(true),
                },
                0,
            ),
            Action::SetStatus {
                market,
                reduce_only,
            } => (
                owner,
                ExecuteMsg::SetMarketStatus {
                    market_id: IDS[*market].to_string(),
                    status: if *reduce_only {
                        MarketStatusUpdate::ReduceOnly
                    } else {
                        MarketStatusUpdate::Active
                    },
                },
                0,
            ),
            Action::Settle { market } => (
                owner,
                ExecuteMsg::SettleMarket {
                    market_id: IDS[*market].to_string(),
                    price: None,
                },
                0,
            ),
            Action::SettlePositions { market } => (
                self.liquidator.clone(),
                ExecuteMsg::SettlePositions {
                    market_id: IDS[*market].to_string(),
                    limit: None,
                },
                0,
            ),
            Action::Whale {
                who,
                market,
                permille,
                short,
            } => {
                let v = self.s.vault().equity.i128().max(0) as u128;
                let whole = v * (*permille as u128) / 1000 / USDC;
                let price = self.prices[*market];
                // lots worth `whole` USDC of notional at the last price
                let lot_value = price.atomics() * Uint256::from(LOT_ATOMICS[*market])
                    / Uint256::from(10u128.pow(36));
                let lots = (Uint256::from(whole) / lot_value.max(Uint256::one()))
                    .to_string()
                    .parse::<i64>()
                    .unwrap_or(0)
                    .max(1);
                let lots = if *short { -lots } else { lots };
                let msg = self.trade_msg(*market, lots, &ModeChoice::Default, None);
                (tr(*who), msg, 2_000_000 * USDC)
            }
            Action::Dust { who, lots } => {
                let msg = self.trade_msg(2, *lots, &ModeChoice::Default, None);
                (tr(*who), msg, 0)
            }
            Action::StaleClaim { lp, .. } => (
                self.lps[*lp % LPS].clone(),
                ExecuteMsg::ClaimLiquidity {},
                0,
            ),
            Action::MarkBadDebt { target } => (
                self.liquidator.clone(),
                ExecuteMsg::MarkBadDebt {
                    account: self.traders[*target].to_string(),
                },
                0,
            ),
            Action::Deleverage { market } => (
                self.liquidator.clone(),
                ExecuteMsg::AutoDeleverage {
                    market_id: IDS[*market].to_string(),
                    limit: None,
                },
                0,
            ),
            _ => return None,
        };
        Some((sender.clone(), self.exec(&sender, &msg, funds)))
    }
}
