//! Market configurations and engine messages shared by the tests.

use cosmwasm_std::{Addr, Decimal256};
use perps_api::perps::{
    ExecuteMsg, Execution, InstantiateMsg, MarginTier, MarketConfig, MarketStatusUpdate,
};

use super::{d, usdc, DENOM};

/// Margin tiers from `(max notional in whole USDC (None: the last), initial, maintenance)`.
pub fn margin_tiers(t: &[(Option<u128>, &str, &str)]) -> Vec<MarginTier> {
    t.iter()
        .map(|(max, imr, mmr)| MarginTier {
            max_notional: max.map(usdc),
            initial_margin_ratio: d(imr),
            maintenance_margin_ratio: d(mmr),
        })
        .collect()
}

/// A market with zero fees, no impact, no funding, 10 % / 5 % margins and wide caps.
pub fn plain_market(feed_id: &str) -> MarketConfig {
    MarketConfig {
        feed_id: feed_id.to_string(),
        margin_tiers: margin_tiers(&[(None, "0.1", "0.05")]),
        taker_fee: Decimal256::zero(),
        skew_scale: Decimal256::zero(),
        max_price_impact: None,
        max_funding_rate_per_day: Decimal256::zero(),
        max_long_oi: usdc(100_000_000),
        max_short_oi: usdc(100_000_000),
        max_position_notional: None,
        min_order_size: d("0.001"),
        liquidation_fee: d("0.01"),
        max_skew_to_vault: None,
        // The engine's tests of immediate fills; deferred execution has its own tests
        // (tests/orders) with markets that ask for it.
        execution: Some(Execution::Immediate),
    }
}

/// A market with fees (0.1 %, 20 % to insurance), skew impact (capped at 0.3 %) and funding:
/// 0.03 % a day at the cap skew `0.003·skew_scale`, i.e. 10 % a day per `skew_scale` of skew.
pub fn fee_market(feed_id: &str, skew_scale: &str) -> MarketConfig {
    MarketConfig {
        taker_fee: d("0.001"),
        skew_scale: d(skew_scale),
        max_price_impact: Some(d("0.003")),
        max_funding_rate_per_day: d("0.0003"),
        liquidation_fee: d("0.01"),
        ..plain_market(feed_id)
    }
}

pub fn instantiate_msg(feed: &Addr, fund: &Addr) -> InstantiateMsg {
    InstantiateMsg::reference(DENOM, feed, fund)
}

/// Funding at 0.00432 a day at full skew, which is the cap skew 0.05·600 = 30, chosen so every
/// number is exact: r = 0.00432/86400 · K/30 per second, 1e-8 at K = 6; ΔF = 60,000 · r =
/// 0.0001 USDC per second at K = 1. Margins 20 % / 10 %, impact capped at 5 %, liquidation fee
/// 11 %.
pub fn funding_market() -> MarketConfig {
    MarketConfig {
        margin_tiers: margin_tiers(&[(None, "0.2", "0.1")]),
        skew_scale: d("600"),
        max_price_impact: Some(d("0.05")),
        max_funding_rate_per_day: d("0.00432"),
        liquidation_fee: d("0.11"),
        ..plain_market("BTC")
    }
}

/// An `UpdateConfig` that changes nothing.
pub fn update_config_empty() -> ExecuteMsg {
    ExecuteMsg::UpdateConfig {
        price_feed: None,
        insurance_fund: None,
        max_oracle_age_secs: None,
        max_confidence_ratio: None,
        max_ema_deviation: None,
        max_positions_per_account: None,
        max_order_age_secs: None,
        max_orders_per_account: None,
        keeper_fee: None,
        liquidation_target_ratio: None,
        liquidator_reward_share: None,
        insurance_fee_share: None,
        vault_min_backing: None,
        min_liquidation_reward: None,
        default_max_slippage: None,
        unrealized_profit_weight: None,
        lp_withdraw_delay_secs: None,
        min_position_notional: None,
        max_total_skew_to_vault: None,
        adl_trigger_ratio: None,
        lp_claim_window_secs: None,
    }
}

/// An `UpdateConfig` that sets `field` to `Some(value)` and changes nothing else.
macro_rules! config_update {
    ($field:ident: $value:expr) => {{
        let mut msg = $crate::suite::update_config_empty();
        if let perps_api::perps::ExecuteMsg::UpdateConfig { $field, .. } = &mut msg {
            *$field = Some($value);
        }
        msg
    }};
}
pub(crate) use config_update;

/// One of each owner-only engine message: add SOL, update BTC (forced), BTC reduce-only, settle
/// BTC at `settle_price`, an empty config update, and a transfer of ownership to `to`.
pub fn owner_only_msgs(to: &Addr, settle_price: Option<Decimal256>) -> Vec<ExecuteMsg> {
    vec![
        ExecuteMsg::AddMarket {
            market_id: "SOL".into(),
            config: plain_market("SOL"),
        },
        ExecuteMsg::UpdateMarket {
            market_id: "BTC".into(),
            config: plain_market("BTC"),
            force: Some(true),
        },
        ExecuteMsg::SetMarketStatus {
            market_id: "BTC".into(),
            status: MarketStatusUpdate::ReduceOnly,
        },
        ExecuteMsg::SettleMarket {
            market_id: "BTC".into(),
            price: settle_price,
        },
        update_config_empty(),
        ExecuteMsg::TransferOwnership {
            new_owner: to.to_string(),
        },
    ]
}
