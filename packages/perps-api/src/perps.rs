//! Messages and responses of the `perps` engine (DESIGN.md section 9).
//!
//! Units on the wire: money is an integer amount of the collateral's base units (`Uint128`, or
//! `Int128` where it can be negative); prices are `Decimal256` whole quote units per whole base
//! unit; sizes are `SignedDecimal256` whole base units (positive = long); ratios are `Decimal256`;
//! times are seconds.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Decimal256, Int128, SignedDecimal256, Uint128};

use crate::msg::{none_left, req, superset_deserialize, tagged_or, FieldError};
use crate::record::{self, need};

/// Instantiates the engine. Every ratio is validated; optional fields take the documented default.
// `#[cw_serde]` without its derived `Deserialize`: read through [`ConfigFields`], the struct
// `update_config` is read with (`crate::msg`: one serde copy for both).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
pub struct InstantiateMsg {
    /// Owner (admin); the sender when omitted.
    pub owner: Option<String>,
    /// The one collateral denom, also the quote currency of every market (e.g. `uusdc`).
    pub collateral_denom: String,
    /// Decimals of the collateral denom (6 for `uusdc`).
    pub collateral_decimals: u8,
    /// Address of the price-feed contract (read by raw storage queries).
    pub price_feed: String,
    /// Address of the insurance-fund contract.
    pub insurance_fund: String,
    /// Maximum age of a price, in seconds, for every action that needs one.
    pub max_oracle_age_secs: u64,
    /// Maximum `conf / price` for strict actions.
    pub max_confidence_ratio: Decimal256,
    /// Maximum `|price − ema_price| / ema_price` for strict actions.
    pub max_ema_deviation: Decimal256,
    /// Maximum open positions per account (default 16).
    pub max_positions_per_account: Option<u32>,
    /// Health a partial liquidation restores: equity ≥ MM · this ratio (≥ 1).
    pub liquidation_target_ratio: Decimal256,
    /// Share of the liquidation penalty paid to the liquidator.
    pub liquidator_reward_share: Decimal256,
    /// Share of trading fees accrued for the insurance fund (the rest goes to the vault).
    pub insurance_fee_share: Decimal256,
    /// LP claims must leave vault equity ≥ this ratio · Σ |skew| · price.
    pub vault_min_backing: Decimal256,
    /// Minimum liquidator reward in base units (default 0).
    pub min_liquidation_reward: Option<Uint128>,
    /// Slippage bound applied when a trade omits `acceptable_price` (default 0.01).
    pub default_max_slippage: Option<Decimal256>,
    /// Weight of net unrealized profit in initial-margin checks, in [0, 1] (default 0).
    pub unrealized_profit_weight: Option<Decimal256>,
    /// Delay between an LP withdrawal request and its claim, and minimum age of provided shares
    /// before they can be requested (default 86400).
    pub lp_withdraw_delay_secs: Option<u64>,
    /// Smallest notional a position may have after opening, increasing or reducing, in base
    /// units (default 0: then every market uses `2·min_liquidation_reward/mmr_1`, the least the
    /// validation rule `min_position_notional·mmr_1 ≥ 2·min_liquidation_reward` allows).
    pub min_position_notional: Option<Uint128>,
    /// A trade that increases a market's |skew| is refused when afterwards
    /// `Σ_m |K_m|·P_m > this · V` (default 2).
    pub max_total_skew_to_vault: Option<Decimal256>,
    /// `auto_deleverage` runs while `V < this · Σ_m |K_m|·P_m` or V < 0 (default 0.05).
    pub adl_trigger_ratio: Option<Decimal256>,
    /// Window after `claimable_at` in which a withdrawal request can be claimed; an unrefused
    /// request lapses after it (default 86400).
    pub lp_claim_window_secs: Option<u64>,
    /// Age (seconds) after which an order without an eligible price record expires with a
    /// refund (default 300; DESIGN 6.11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_order_age_secs: Option<u64>,
    /// Most pending orders per account (default 16, at most 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_orders_per_account: Option<u32>,
    /// Paid by an order to whoever executes it, base units (default 0; at most 1 % of
    /// `min_position_notional` when that is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keeper_fee: Option<Uint128>,
}

impl InstantiateMsg {
    /// The engine the test suites, the gas benchmark and the end-to-end scenarios start from:
    /// 6-decimal collateral, prices at most 60 s old with confidence ≤ 1 % and EMA deviation
    /// ≤ 5 %, liquidation back to 1.25 × MM with half the penalty to the liquidator, 20 % of fees
    /// to insurance, LP claims backed to 10 % of |skew|, a 1-hour LP delay, every other option
    /// at its default. Each overrides what it tests (`InstantiateMsg { .., ..reference(..) }`).
    pub fn reference(
        collateral_denom: impl Into<String>,
        price_feed: impl Into<String>,
        insurance_fund: impl Into<String>,
    ) -> Self {
        Self {
            owner: None,
            collateral_denom: collateral_denom.into(),
            collateral_decimals: 6,
            price_feed: price_feed.into(),
            insurance_fund: insurance_fund.into(),
            max_oracle_age_secs: 60,
            max_confidence_ratio: Decimal256::percent(1),
            max_ema_deviation: Decimal256::percent(5),
            max_positions_per_account: None,
            liquidation_target_ratio: Decimal256::percent(125),
            liquidator_reward_share: Decimal256::percent(50),
            insurance_fee_share: Decimal256::percent(20),
            vault_min_backing: Decimal256::percent(10),
            min_liquidation_reward: None,
            default_max_slippage: None,
            unrealized_profit_weight: None,
            lp_withdraw_delay_secs: Some(3600),
            min_position_notional: None,
            max_total_skew_to_vault: None,
            adl_trigger_ratio: None,
            lp_claim_window_secs: None,
            max_order_age_secs: None,
            max_orders_per_account: None,
            keeper_fee: None,
        }
    }
}

crate::record_fields! {
    refuse
    /// Every field of the engine's messages but `update_config`'s and `InstantiateMsg`'s
    /// ([`ConfigFields`]): `ExecuteMsg`'s variants, `QueryMsg`'s, [`MarketConfig`] and
    /// [`MarginTier`] (one reader in the artifact, `crate::record`), each read with its own names
    /// (`*_FIELDS`, in the order the derived readers listed them: a key of another message is
    /// refused with the same text).
    struct MsgFields {
        amount: Option<Uint128>,
        market_id: Option<String>,
        size_delta: Option<SignedDecimal256>,
        acceptable_price: Option<Decimal256>,
        mode: Option<TradeMode>,
        order_ids: Option<Vec<u64>>,
        limit: Option<u32>,
        trigger_price: Option<Decimal256>,
        trigger: Option<Trigger>,
        reduce_only: Option<bool>,
        order_id: Option<u64>,
        account: Option<String>,
        min_reward: Option<Uint128>,
        shares: Option<Uint128>,
        config: Option<MarketConfig>,
        force: Option<bool>,
        status: Option<MarketStatusUpdate>,
        price: Option<Decimal256>,
        new_owner: Option<String>,
        start_after: Option<Cursor>,
        address: Option<String>,
        feed_id: Option<String>,
        margin_tiers: Option<Vec<MarginTier>>,
        taker_fee: Option<Decimal256>,
        skew_scale: Option<Decimal256>,
        max_price_impact: Option<Decimal256>,
        max_funding_rate_per_day: Option<Decimal256>,
        max_long_oi: Option<Uint128>,
        max_short_oi: Option<Uint128>,
        max_position_notional: Option<Uint128>,
        min_order_size: Option<Decimal256>,
        liquidation_fee: Option<Decimal256>,
        max_skew_to_vault: Option<Decimal256>,
        execution: Option<Execution>,
        max_notional: Option<Uint128>,
        initial_margin_ratio: Option<Decimal256>,
        maintenance_margin_ratio: Option<Decimal256>,
        margin: Option<Uint128>,
    }
}

const EXECUTE_FIELDS: &[&str] = &[
    "amount",
    "market_id",
    "size_delta",
    "acceptable_price",
    "mode",
    "order_ids",
    "limit",
    "trigger_price",
    "trigger",
    "reduce_only",
    "order_id",
    "account",
    "min_reward",
    "shares",
    "config",
    "force",
    "status",
    "price",
    "new_owner",
];
const QUERY_FIELDS: &[&str] = &[
    "market_id",
    "start_after",
    "limit",
    "address",
    "size_delta",
    "mode",
];
const MARKET_CONFIG_FIELDS: &[&str] = &[
    "feed_id",
    "margin_tiers",
    "taker_fee",
    "skew_scale",
    "max_price_impact",
    "max_funding_rate_per_day",
    "max_long_oi",
    "max_short_oi",
    "max_position_notional",
    "min_order_size",
    "liquidation_fee",
    "max_skew_to_vault",
    "execution",
];
const TIER_FIELDS: &[&str] = &[
    "max_notional",
    "initial_margin_ratio",
    "maintenance_margin_ratio",
];

/// `Deserialize` of a message enum of unit variants through `crate::msg::tagged_enum` with
/// [`MsgFields`] (one reader for the four message enums; the variant names in declaration order).
macro_rules! unit_enum_deserialize {
    ($name:ident, $($variant:ident = $text:literal),+) => {
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const VARIANTS: &[&str] = &[$($text),+];
                let (index, _) =
                    crate::msg::tagged_enum::<D, MsgFields>(d, stringify!($name), VARIANTS, &[])?;
                // `index` is a position in `VARIANTS`
                [$($name::$variant),+]
                    .into_iter()
                    .nth(index)
                    .ok_or_else(|| serde::de::Error::custom("variant index"))
            }
        }
    };
}
unit_enum_deserialize!(Execution, Deferred = "deferred", Immediate = "immediate");
unit_enum_deserialize!(Trigger, Above = "above", Below = "below");
unit_enum_deserialize!(
    MarketStatusUpdate,
    Active = "active",
    ReduceOnly = "reduce_only"
);

impl<'de> serde::Deserialize<'de> for TradeMode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (index, fields) = crate::msg::tagged_enum::<D, MsgFields>(
            d,
            "TradeMode",
            &["cross", "isolated"],
            &[&[], &["margin"]],
        )?;
        match (index, fields) {
            (1, Some(f)) => Ok(TradeMode::Isolated {
                margin: need(f.margin, "margin")?,
            }),
            _ => Ok(TradeMode::Cross),
        }
    }
}

/// One bracket of the margin schedule. Brackets work like income-tax brackets.
// `#[cw_serde]` without its derived `Deserialize`: read through [`MsgFields`] (`crate::record`).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct MarginTier {
    /// Upper bound of this bracket in base units of notional; `None` only on the last tier.
    pub max_notional: Option<Uint128>,
    /// Initial margin ratio applied to notional inside this bracket, in (0, 1].
    pub initial_margin_ratio: Decimal256,
    /// Maintenance margin ratio applied to notional inside this bracket, below the initial one.
    pub maintenance_margin_ratio: Decimal256,
}

/// Parameters of one market.
// `#[cw_serde]` without its derived `Deserialize`: read through [`MsgFields`] (`crate::record`).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct MarketConfig {
    /// Feed id in the price-feed contract.
    pub feed_id: String,
    /// Margin brackets, ascending; the last has no `max_notional`.
    pub margin_tiers: Vec<MarginTier>,
    /// Taker fee ratio applied to `|Δsize| · fill`.
    pub taker_fee: Decimal256,
    /// Skew scale in base units: "0" disables price impact and funding.
    pub skew_scale: Decimal256,
    /// Maximum `|K + Δs/2| / skew_scale` of a trade (required when `skew_scale > 0`).
    pub max_price_impact: Option<Decimal256>,
    /// Funding rate per day at full skew (`|K| ≥ skew_scale`).
    pub max_funding_rate_per_day: Decimal256,
    /// Cap on long open interest, in base units of notional.
    pub max_long_oi: Uint128,
    /// Cap on short open interest, in base units of notional.
    pub max_short_oi: Uint128,
    /// Cap on one account's position notional in this market, in base units.
    pub max_position_notional: Option<Uint128>,
    /// Minimum order size (and minimum size a reduction may leave), in base units of the asset.
    pub min_order_size: Decimal256,
    /// Liquidation penalty ratio of the closed notional.
    pub liquidation_fee: Decimal256,
    /// A trade that increases |skew| is refused when afterwards `|K|·P > this · V` (default 1).
    pub max_skew_to_vault: Option<Decimal256>,
    /// How `trade` and `close_position` run (DESIGN 6.11): `deferred` (the default for a new
    /// market) places a market order filled at the first price record accepted in a later
    /// block; `immediate` fills at the stored price at once. Omitted in `update_market`: kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<Execution>,
}

impl<'de> serde::Deserialize<'de> for MarginTier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f: MsgFields = record::read_only(d, TIER_FIELDS)?;
        Ok(MarginTier {
            max_notional: f.max_notional,
            initial_margin_ratio: need(f.initial_margin_ratio, "initial_margin_ratio")?,
            maintenance_margin_ratio: need(f.maintenance_margin_ratio, "maintenance_margin_ratio")?,
        })
    }
}

impl<'de> serde::Deserialize<'de> for MarketConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f: MsgFields = record::read_only(d, MARKET_CONFIG_FIELDS)?;
        Ok(MarketConfig {
            feed_id: need(f.feed_id, "feed_id")?,
            margin_tiers: need(f.margin_tiers, "margin_tiers")?,
            taker_fee: need(f.taker_fee, "taker_fee")?,
            skew_scale: need(f.skew_scale, "skew_scale")?,
            max_price_impact: f.max_price_impact,
            max_funding_rate_per_day: need(f.max_funding_rate_per_day, "max_funding_rate_per_day")?,
            max_long_oi: need(f.max_long_oi, "max_long_oi")?,
            max_short_oi: need(f.max_short_oi, "max_short_oi")?,
            max_position_notional: f.max_position_notional,
            min_order_size: need(f.min_order_size, "min_order_size")?,
            liquidation_fee: need(f.liquidation_fee, "liquidation_fee")?,
            max_skew_to_vault: f.max_skew_to_vault,
            execution: f.execution,
        })
    }
}

/// How a market executes `trade` and `close_position`.
// `#[cw_serde]` without its derived `Deserialize`: read with `crate::msg::tagged_enum`.
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
pub enum Execution {
    /// Market orders, filled at the first price record accepted in a block after placement.
    Deferred,
    /// Fills at the stored price at once (chains whose trades carry a fresh price).
    Immediate,
}

/// Direction of a conditional order's trigger.
// `#[cw_serde]` without its derived `Deserialize`: read with `crate::msg::tagged_enum`.
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Fires on a price record ≥ `trigger_price`.
    Above,
    /// Fires on a price record ≤ `trigger_price`.
    Below,
}

/// Kind of a pending order.
#[cw_serde]
pub enum OrderKind {
    /// From `trade` or `close_position` in a deferred market.
    Market,
    /// From `place_order`: limit, stop-loss or take-profit.
    Conditional,
    /// A deferred `provide_liquidity`.
    Provide,
    /// A deferred `claim_liquidity`.
    Claim,
    /// A failed order whose move is charged at the next record of its market (not cancellable).
    Settlement,
}

/// One pending order.
#[cw_serde]
pub struct OrderResponse {
    /// Order id (ascending in placement order).
    pub order_id: u64,
    /// Market id (absent for LP orders).
    pub market_id: Option<String>,
    /// Kind.
    pub kind: OrderKind,
    /// Signed size change; absent for a `close_position` order (it closes whatever the position
    /// is at execution) and for LP orders.
    pub size_delta: Option<SignedDecimal256>,
    /// Trigger price of a conditional order.
    pub trigger_price: Option<Decimal256>,
    /// Trigger direction of a conditional order.
    pub trigger: Option<Trigger>,
    /// Never increases or flips the position (clamped to it at execution).
    pub reduce_only: bool,
    /// Worst acceptable fill.
    pub acceptable_price: Option<Decimal256>,
    /// Block time of placement, seconds.
    pub placed_at: u64,
    /// Paid to whoever executes the order, base units.
    pub keeper_fee: Uint128,
    /// Collateral reserved by the order (initial margin at the acceptable price, for a sell at
    /// least at the price at placement or its trigger, fee and keeper fee), base units; not free
    /// collateral until the order fills, fails or expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<Uint128>,
    /// Margin mode requested when the order opens a position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TradeMode>,
}

/// The pending orders of one account.
#[cw_serde]
pub struct OrdersResponse {
    /// Orders in id order.
    pub orders: Vec<OrderResponse>,
}

/// One pending order of any account.
#[cw_serde]
pub struct PendingOrderResponse {
    /// Owner of the order.
    pub address: Addr,
    /// Order id.
    pub order_id: u64,
    /// Market id (absent for LP orders).
    pub market_id: Option<String>,
    /// Kind.
    pub kind: OrderKind,
    /// Signed size change (absent for a close and for LP orders).
    pub size_delta: Option<SignedDecimal256>,
    /// Trigger price of a conditional order.
    pub trigger_price: Option<Decimal256>,
    /// Trigger direction of a conditional order.
    pub trigger: Option<Trigger>,
    /// Reduce-only.
    pub reduce_only: bool,
    /// Worst acceptable fill.
    pub acceptable_price: Option<Decimal256>,
    /// Block time of placement, seconds.
    pub placed_at: u64,
    /// Paid to whoever executes the order, base units.
    pub keeper_fee: Uint128,
    /// Collateral reserved by the order, base units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<Uint128>,
}

/// A page of pending orders of every account.
#[cw_serde]
pub struct PendingOrdersResponse {
    /// Orders in id order.
    pub orders: Vec<PendingOrderResponse>,
    /// Pass as `start_after` for the next page; absent on the last page.
    pub next_start_after: Option<u64>,
}

/// Margin mode requested when a trade opens a position.
// `#[cw_serde]` without its derived `Deserialize`: read with `crate::msg::tagged_enum`.
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub enum TradeMode {
    /// The position shares the account's cross book.
    Cross,
    /// The position has its own margin, moved from the account's collateral.
    Isolated {
        /// Margin in base units moved from the account's collateral into the position.
        margin: Uint128,
    },
}

/// Margin mode of an existing position.
#[cw_serde]
pub enum PositionMode {
    /// Part of the cross book.
    Cross,
    /// Its own book.
    Isolated,
}

/// A status the owner can set.
// `#[cw_serde]` without its derived `Deserialize`: read with `crate::msg::tagged_enum`.
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
pub enum MarketStatusUpdate {
    /// Everything allowed.
    Active,
    /// Reductions and liquidations only.
    ReduceOnly,
}

/// Lifecycle status of a market.
#[cw_serde]
pub enum MarketStatus {
    /// Everything allowed.
    Active,
    /// Reductions and liquidations only.
    ReduceOnly,
    /// Closed for good: every position closes at `price` on its next touch.
    Settled {
        /// Settlement price.
        price: Decimal256,
    },
}

/// Health of a book.
#[cw_serde]
pub enum Health {
    /// Equity ≥ maintenance requirement.
    Healthy,
    /// Equity < maintenance requirement.
    Liquidatable,
}

/// Execute messages of the engine.
// The admin variants carry a whole `MarketConfig`; a message is decoded once per transaction,
// so its size is of no consequence and boxing would only change how callers build it.
// `#[cw_serde]` without its derived `Deserialize` (`crate::msg`: one serde copy for every
// variant).
#[allow(clippy::large_enum_variant)]
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
pub enum ExecuteMsg {
    /// Credits the attached collateral coin to the sender's collateral.
    Deposit {},
    /// Sends up to the free collateral back to the sender.
    Withdraw {
        /// Amount in base units.
        amount: Uint128,
    },
    /// Opens, increases, reduces or flips the sender's position. Attached funds are deposited first.
    Trade {
        /// Market id.
        market_id: String,
        /// Signed size change in base units of the asset (positive buys).
        size_delta: SignedDecimal256,
        /// Worst acceptable fill (buy: fill ≤ it; sell: fill ≥ it); default from
        /// `default_max_slippage` around the oracle price.
        acceptable_price: Option<Decimal256>,
        /// Margin mode when the trade opens a position (default cross).
        mode: Option<TradeMode>,
    },
    /// Closes the sender's whole position in a market. Attached funds are deposited first.
    ClosePosition {
        /// Market id.
        market_id: String,
        /// Worst acceptable fill.
        acceptable_price: Option<Decimal256>,
    },
    /// Executes ready orders (permissionless; DESIGN 6.11). Without ids: ready orders oldest
    /// first. Within a market orders run in id order whatever ids are passed. The caller earns
    /// each executed or failed order's keeper fee.
    ExecuteOrders {
        /// Orders to execute (older ready orders of the same markets run first).
        order_ids: Option<Vec<u64>>,
        /// Most orders handled (default 5, max 10).
        limit: Option<u32>,
    },
    /// Places a conditional order (limit, stop-loss, take-profit), filled like a market order at
    /// the first price record after placement that meets the trigger.
    PlaceOrder {
        /// Market id.
        market_id: String,
        /// Signed size change (positive buys).
        size_delta: SignedDecimal256,
        /// Trigger price.
        trigger_price: Decimal256,
        /// `above`: fires on a record ≥ the trigger; `below`: on a record ≤ it.
        trigger: Trigger,
        /// Clamped to the position at execution, never increases or flips it; cancelled with a
        /// refund when the position is closed.
        reduce_only: Option<bool>,
        /// Worst acceptable fill (default: no bound).
        acceptable_price: Option<Decimal256>,
        /// Margin mode when the order opens a position (default cross).
        mode: Option<TradeMode>,
    },
    /// Cancels the sender's conditional order (refused once a record after placement meets its
    /// trigger, held or among the feed's last 256 records; market orders cannot be cancelled).
    CancelOrder {
        /// Order id.
        order_id: u64,
    },
    /// Adds margin to an isolated position, from attached funds first, the rest from collateral.
    AddMargin {
        /// Market id of the isolated position.
        market_id: String,
        /// Amount in base units.
        amount: Uint128,
    },
    /// Moves margin from an isolated position back to collateral.
    RemoveMargin {
        /// Market id of the isolated position.
        market_id: String,
        /// Amount in base units.
        amount: Uint128,
    },
    /// Liquidates every liquidatable book of `account` (permissionless).
    Liquidate {
        /// Account to liquidate.
        account: String,
        /// The call fails if the liquidator reward would be below this.
        min_reward: Option<Uint128>,
    },
    /// Deposits the attached collateral into the vault and mints LP shares.
    ProvideLiquidity {},
    /// Locks LP shares in a withdrawal request (claimable after the delay).
    WithdrawLiquidity {
        /// Shares to lock.
        shares: Uint128,
    },
    /// Pays out the sender's matured withdrawal request.
    ClaimLiquidity {},
    /// Cancels the sender's withdrawal request and unlocks its shares.
    CancelWithdrawLiquidity {},
    /// Sends the accrued insurance share of fees to the insurance fund.
    SweepFees {},
    /// Closes up to `limit` positions of a settled market at its settlement price.
    SettlePositions {
        /// Market id (must be settled).
        market_id: String,
        /// Positions to close in this call (default 10, max 30).
        limit: Option<u32>,
    },
    /// Owner: adds a market.
    AddMarket {
        /// New market id.
        market_id: String,
        /// Its parameters.
        config: MarketConfig,
    },
    /// Owner: replaces a market's parameters.
    UpdateMarket {
        /// Market id.
        market_id: String,
        /// New parameters.
        config: MarketConfig,
        /// Allows an update that makes open positions liquidatable at once.
        force: Option<bool>,
    },
    /// Owner: sets a market active or reduce-only.
    SetMarketStatus {
        /// Market id.
        market_id: String,
        /// New status.
        status: MarketStatusUpdate,
    },
    /// Owner: settles a market for good at `price` (default the last fresh oracle price).
    SettleMarket {
        /// Market id.
        market_id: String,
        /// Settlement price.
        price: Option<Decimal256>,
    },
    /// Owner: updates configuration fields (each optional; ownership moves only by
    /// `transfer_ownership`).
    UpdateConfig {
        /// New price-feed address.
        price_feed: Option<String>,
        /// New insurance-fund address.
        insurance_fund: Option<String>,
        /// New maximum oracle age.
        max_oracle_age_secs: Option<u64>,
        /// New maximum confidence ratio.
        max_confidence_ratio: Option<Decimal256>,
        /// New maximum EMA deviation.
        max_ema_deviation: Option<Decimal256>,
        /// New maximum positions per account.
        max_positions_per_account: Option<u32>,
        /// Age (seconds) after which an order without an eligible price record expires with a
        /// refund (default 300).
        max_order_age_secs: Option<u64>,
        /// Most pending orders per account (default 16).
        max_orders_per_account: Option<u32>,
        /// Paid by an order to whoever executes it, base units (default 0).
        keeper_fee: Option<Uint128>,
        /// New liquidation target ratio.
        liquidation_target_ratio: Option<Decimal256>,
        /// New liquidator reward share.
        liquidator_reward_share: Option<Decimal256>,
        /// New insurance fee share.
        insurance_fee_share: Option<Decimal256>,
        /// New vault minimum backing.
        vault_min_backing: Option<Decimal256>,
        /// New minimum liquidation reward.
        min_liquidation_reward: Option<Uint128>,
        /// New default maximum slippage.
        default_max_slippage: Option<Decimal256>,
        /// New unrealized profit weight.
        unrealized_profit_weight: Option<Decimal256>,
        /// New LP withdrawal delay.
        lp_withdraw_delay_secs: Option<u64>,
        /// New minimum position notional.
        min_position_notional: Option<Uint128>,
        /// New total exposure cap ratio.
        max_total_skew_to_vault: Option<Decimal256>,
        /// New auto-deleveraging trigger ratio.
        adl_trigger_ratio: Option<Decimal256>,
        /// New LP claim window.
        lp_claim_window_secs: Option<u64>,
    },
    /// Owner: proposes a new owner.
    TransferOwnership {
        /// Proposed owner.
        new_owner: String,
    },
    /// Proposed owner: accepts ownership.
    AcceptOwnership {},
    /// While the vault's equity is below `adl_trigger_ratio · Σ|K|·P` (or below zero), closes
    /// profitable positions of the side the vault is short to, in index order, at the oracle
    /// price without fee or reward, down to what restores the ratio (permissionless; never the
    /// caller's own position).
    AutoDeleverage {
        /// Market id.
        market_id: String,
        /// Index entries to scan (default 10, max 30).
        limit: Option<u32>,
    },
    /// Records the shortfall of `account`'s bankrupt books (permissionless): every vault equity
    /// the engine checks subtracts it until the books are closed. It first pays `account`'s
    /// pending payout (a realized profit the vault did not hold the cash for) into its
    /// collateral as far as the vault's cash allows (with the haircut while the vault's equity
    /// is below zero), and is accepted on a solvent account when that settled any of it
    /// (attributes `pending_paid`, `pending_forgiven`, `pending_left`).
    MarkBadDebt {
        /// Account whose books are bankrupt, or which has a pending payout.
        account: String,
    },
}

/// Queries of the engine.
// `#[cw_serde]` without its derived `Deserialize` (`crate::msg`).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// Engine configuration.
    #[returns(ConfigResponse)]
    Config {},
    /// One market.
    #[returns(MarketResponse)]
    Market {
        /// Market id.
        market_id: String,
    },
    /// Markets by id.
    #[returns(MarketsResponse)]
    Markets {
        /// Exclusive lower bound.
        start_after: Option<String>,
        /// Page size (default 10, max 30).
        limit: Option<u32>,
    },
    /// One account with every position.
    #[returns(AccountResponse)]
    Account {
        /// Account address.
        address: String,
    },
    /// Accounts by address.
    #[returns(AccountsResponse)]
    Accounts {
        /// Exclusive lower bound.
        start_after: Option<String>,
        /// Page size (default 10, max 30).
        limit: Option<u32>,
    },
    /// Accounts holding a liquidatable book; `limit` bounds the accounts scanned.
    #[returns(LiquidatableAccountsResponse)]
    LiquidatableAccounts {
        /// Exclusive lower bound.
        start_after: Option<String>,
        /// Accounts to scan (default 10, max 30).
        limit: Option<u32>,
    },
    /// What a trade would do now.
    #[returns(SimulateTradeResponse)]
    SimulateTrade {
        /// Trader address.
        address: String,
        /// Market id.
        market_id: String,
        /// Signed size change.
        size_delta: SignedDecimal256,
        /// Margin mode when the trade opens a position.
        mode: Option<TradeMode>,
    },
    /// The pending orders of one account.
    #[returns(OrdersResponse)]
    Orders {
        /// Account address.
        address: String,
    },
    /// Pending orders of every account, by id (keepers).
    #[returns(PendingOrdersResponse)]
    PendingOrders {
        /// Exclusive lower bound (an order id).
        start_after: Option<u64>,
        /// Page size (default 10, max 30).
        limit: Option<u32>,
    },
    /// The liquidity vault.
    #[returns(VaultResponse)]
    Vault {},
    /// One LP's shares.
    #[returns(LpPositionResponse)]
    LpPosition {
        /// LP address.
        address: String,
    },
    /// The auto-deleveraging index of a market on the side the vault is short to, in the order
    /// `auto_deleverage` closes (a page; positions in loss are listed too and skipped by it).
    #[returns(AdlRankingResponse)]
    AdlRanking {
        /// Market id.
        market_id: String,
        /// Exclusive lower bound: an address holding a position in the market.
        start_after: Option<String>,
        /// Page size (default 10, max 30).
        limit: Option<u32>,
    },
}

crate::record_fields! {
    refuse
    /// The fields of `update_config`, read apart from [`MsgFields`] (`crate::msg::tagged_or`),
    /// and of [`InstantiateMsg`] (one serde copy for both).
    struct ConfigFields {
        price_feed: Option<String>,
        insurance_fund: Option<String>,
        max_oracle_age_secs: Option<u64>,
        max_confidence_ratio: Option<Decimal256>,
        max_ema_deviation: Option<Decimal256>,
        max_positions_per_account: Option<u32>,
        max_order_age_secs: Option<u64>,
        max_orders_per_account: Option<u32>,
        keeper_fee: Option<Uint128>,
        liquidation_target_ratio: Option<Decimal256>,
        liquidator_reward_share: Option<Decimal256>,
        insurance_fee_share: Option<Decimal256>,
        vault_min_backing: Option<Decimal256>,
        min_liquidation_reward: Option<Uint128>,
        default_max_slippage: Option<Decimal256>,
        unrealized_profit_weight: Option<Decimal256>,
        lp_withdraw_delay_secs: Option<u64>,
        min_position_notional: Option<Uint128>,
        max_total_skew_to_vault: Option<Decimal256>,
        adl_trigger_ratio: Option<Decimal256>,
        lp_claim_window_secs: Option<u64>,
        owner: Option<String>,
        collateral_denom: Option<String>,
        collateral_decimals: Option<u8>,
    }
}

pub(crate) const EXECUTE_VARIANTS: &[&str] = &[
    "deposit",
    "withdraw",
    "trade",
    "close_position",
    "execute_orders",
    "place_order",
    "cancel_order",
    "add_margin",
    "remove_margin",
    "liquidate",
    "provide_liquidity",
    "withdraw_liquidity",
    "claim_liquidity",
    "cancel_withdraw_liquidity",
    "sweep_fees",
    "settle_positions",
    "add_market",
    "update_market",
    "set_market_status",
    "settle_market",
    "update_config",
    "transfer_ownership",
    "accept_ownership",
    "auto_deleverage",
    "mark_bad_debt",
];

// Fields are taken (`Option::take`), not moved: the struct is then dropped once at the end
// instead of a partial drop per arm (docs/size.md).
impl MsgFields {
    fn into_execute(mut self, variant: &str) -> Result<ExecuteMsg, FieldError> {
        let msg = match variant {
            "deposit" => ExecuteMsg::Deposit {},
            "withdraw" => ExecuteMsg::Withdraw {
                amount: req(self.amount.take(), "amount")?,
            },
            "trade" => ExecuteMsg::Trade {
                market_id: req(self.market_id.take(), "market_id")?,
                size_delta: req(self.size_delta.take(), "size_delta")?,
                acceptable_price: self.acceptable_price.take(),
                mode: self.mode.take(),
            },
            "close_position" => ExecuteMsg::ClosePosition {
                market_id: req(self.market_id.take(), "market_id")?,
                acceptable_price: self.acceptable_price.take(),
            },
            "execute_orders" => ExecuteMsg::ExecuteOrders {
                order_ids: self.order_ids.take(),
                limit: self.limit.take(),
            },
            "place_order" => ExecuteMsg::PlaceOrder {
                market_id: req(self.market_id.take(), "market_id")?,
                size_delta: req(self.size_delta.take(), "size_delta")?,
                trigger_price: req(self.trigger_price.take(), "trigger_price")?,
                trigger: req(self.trigger.take(), "trigger")?,
                reduce_only: self.reduce_only.take(),
                acceptable_price: self.acceptable_price.take(),
                mode: self.mode.take(),
            },
            "cancel_order" => ExecuteMsg::CancelOrder {
                order_id: req(self.order_id.take(), "order_id")?,
            },
            "add_margin" => ExecuteMsg::AddMargin {
                market_id: req(self.market_id.take(), "market_id")?,
                amount: req(self.amount.take(), "amount")?,
            },
            "remove_margin" => ExecuteMsg::RemoveMargin {
                market_id: req(self.market_id.take(), "market_id")?,
                amount: req(self.amount.take(), "amount")?,
            },
            "liquidate" => ExecuteMsg::Liquidate {
                account: req(self.account.take(), "account")?,
                min_reward: self.min_reward.take(),
            },
            "provide_liquidity" => ExecuteMsg::ProvideLiquidity {},
            "withdraw_liquidity" => ExecuteMsg::WithdrawLiquidity {
                shares: req(self.shares.take(), "shares")?,
            },
            "claim_liquidity" => ExecuteMsg::ClaimLiquidity {},
            "cancel_withdraw_liquidity" => ExecuteMsg::CancelWithdrawLiquidity {},
            "sweep_fees" => ExecuteMsg::SweepFees {},
            "settle_positions" => ExecuteMsg::SettlePositions {
                market_id: req(self.market_id.take(), "market_id")?,
                limit: self.limit.take(),
            },
            "add_market" => ExecuteMsg::AddMarket {
                market_id: req(self.market_id.take(), "market_id")?,
                config: req(self.config.take(), "config")?,
            },
            "update_market" => ExecuteMsg::UpdateMarket {
                market_id: req(self.market_id.take(), "market_id")?,
                config: req(self.config.take(), "config")?,
                force: self.force.take(),
            },
            "set_market_status" => ExecuteMsg::SetMarketStatus {
                market_id: req(self.market_id.take(), "market_id")?,
                status: req(self.status.take(), "status")?,
            },
            "settle_market" => ExecuteMsg::SettleMarket {
                market_id: req(self.market_id.take(), "market_id")?,
                price: self.price.take(),
            },
            "transfer_ownership" => ExecuteMsg::TransferOwnership {
                new_owner: req(self.new_owner.take(), "new_owner")?,
            },
            "accept_ownership" => ExecuteMsg::AcceptOwnership {},
            "auto_deleverage" => ExecuteMsg::AutoDeleverage {
                market_id: req(self.market_id.take(), "market_id")?,
                limit: self.limit.take(),
            },
            _ => ExecuteMsg::MarkBadDebt {
                account: req(self.account.take(), "account")?,
            },
        };
        // what the variant did not take is another variant's field
        none_left(&[
            ("amount", self.amount.is_some()),
            ("market_id", self.market_id.is_some()),
            ("size_delta", self.size_delta.is_some()),
            ("acceptable_price", self.acceptable_price.is_some()),
            ("mode", self.mode.is_some()),
            ("order_ids", self.order_ids.is_some()),
            ("limit", self.limit.is_some()),
            ("trigger_price", self.trigger_price.is_some()),
            ("trigger", self.trigger.is_some()),
            ("reduce_only", self.reduce_only.is_some()),
            ("order_id", self.order_id.is_some()),
            ("account", self.account.is_some()),
            ("min_reward", self.min_reward.is_some()),
            ("shares", self.shares.is_some()),
            ("config", self.config.is_some()),
            ("force", self.force.is_some()),
            ("status", self.status.is_some()),
            ("price", self.price.is_some()),
            ("new_owner", self.new_owner.is_some()),
        ])?;
        Ok(msg)
    }
}

impl ConfigFields {
    fn into_instantiate(self) -> Result<InstantiateMsg, FieldError> {
        Ok(InstantiateMsg {
            owner: self.owner,
            collateral_denom: req(self.collateral_denom, "collateral_denom")?,
            collateral_decimals: req(self.collateral_decimals, "collateral_decimals")?,
            price_feed: req(self.price_feed, "price_feed")?,
            insurance_fund: req(self.insurance_fund, "insurance_fund")?,
            max_oracle_age_secs: req(self.max_oracle_age_secs, "max_oracle_age_secs")?,
            max_confidence_ratio: req(self.max_confidence_ratio, "max_confidence_ratio")?,
            max_ema_deviation: req(self.max_ema_deviation, "max_ema_deviation")?,
            max_positions_per_account: self.max_positions_per_account,
            liquidation_target_ratio: req(
                self.liquidation_target_ratio,
                "liquidation_target_ratio",
            )?,
            liquidator_reward_share: req(self.liquidator_reward_share, "liquidator_reward_share")?,
            insurance_fee_share: req(self.insurance_fee_share, "insurance_fee_share")?,
            vault_min_backing: req(self.vault_min_backing, "vault_min_backing")?,
            min_liquidation_reward: self.min_liquidation_reward,
            default_max_slippage: self.default_max_slippage,
            unrealized_profit_weight: self.unrealized_profit_weight,
            lp_withdraw_delay_secs: self.lp_withdraw_delay_secs,
            min_position_notional: self.min_position_notional,
            max_total_skew_to_vault: self.max_total_skew_to_vault,
            adl_trigger_ratio: self.adl_trigger_ratio,
            lp_claim_window_secs: self.lp_claim_window_secs,
            max_order_age_secs: self.max_order_age_secs,
            max_orders_per_account: self.max_orders_per_account,
            keeper_fee: self.keeper_fee,
        })
    }

    fn into_msg(self) -> Result<ExecuteMsg, FieldError> {
        // instantiate's own fields are not `update_config`'s
        none_left(&[
            ("owner", self.owner.is_some()),
            ("collateral_denom", self.collateral_denom.is_some()),
            ("collateral_decimals", self.collateral_decimals.is_some()),
        ])?;
        Ok(ExecuteMsg::UpdateConfig {
            price_feed: self.price_feed,
            insurance_fund: self.insurance_fund,
            max_oracle_age_secs: self.max_oracle_age_secs,
            max_confidence_ratio: self.max_confidence_ratio,
            max_ema_deviation: self.max_ema_deviation,
            max_positions_per_account: self.max_positions_per_account,
            max_order_age_secs: self.max_order_age_secs,
            max_orders_per_account: self.max_orders_per_account,
            keeper_fee: self.keeper_fee,
            liquidation_target_ratio: self.liquidation_target_ratio,
            liquidator_reward_share: self.liquidator_reward_share,
            insurance_fee_share: self.insurance_fee_share,
            vault_min_backing: self.vault_min_backing,
            min_liquidation_reward: self.min_liquidation_reward,
            default_max_slippage: self.default_max_slippage,
            unrealized_profit_weight: self.unrealized_profit_weight,
            lp_withdraw_delay_secs: self.lp_withdraw_delay_secs,
            min_position_notional: self.min_position_notional,
            max_total_skew_to_vault: self.max_total_skew_to_vault,
            adl_trigger_ratio: self.adl_trigger_ratio,
            lp_claim_window_secs: self.lp_claim_window_secs,
        })
    }
}

impl<'de> serde::Deserialize<'de> for InstantiateMsg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ConfigFields::deserialize(d)?
            .into_instantiate()
            .map_err(FieldError::into_de)
    }
}

impl<'de> serde::Deserialize<'de> for ExecuteMsg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = tagged_or::<D, MsgFields, ConfigFields>(
            d,
            EXECUTE_VARIANTS,
            EXECUTE_FIELDS,
            "update_config",
        )?;
        match fields {
            (variant, Ok(fields)) => fields.into_execute(variant).map_err(FieldError::into_de),
            (_, Err(update)) => update.into_msg().map_err(FieldError::into_de),
        }
    }
}

pub(crate) const QUERY_VARIANTS: &[&str] = &[
    "config",
    "market",
    "markets",
    "account",
    "accounts",
    "liquidatable_accounts",
    "simulate_trade",
    "orders",
    "pending_orders",
    "vault",
    "lp_position",
    "adl_ranking",
];

impl MsgFields {
    fn into_query(mut self, variant: &str) -> Result<QueryMsg, FieldError> {
        let msg = match variant {
            "config" => QueryMsg::Config {},
            "market" => QueryMsg::Market {
                market_id: req(self.market_id.take(), "market_id")?,
            },
            "markets" => QueryMsg::Markets {
                start_after: text_cursor(self.start_after.take())?,
                limit: self.limit.take(),
            },
            "account" => QueryMsg::Account {
                address: req(self.address.take(), "address")?,
            },
            "accounts" => QueryMsg::Accounts {
                start_after: text_cursor(self.start_after.take())?,
                limit: self.limit.take(),
            },
            "liquidatable_accounts" => QueryMsg::LiquidatableAccounts {
                start_after: text_cursor(self.start_after.take())?,
                limit: self.limit.take(),
            },
            "simulate_trade" => QueryMsg::SimulateTrade {
                address: req(self.address.take(), "address")?,
                market_id: req(self.market_id.take(), "market_id")?,
                size_delta: req(self.size_delta.take(), "size_delta")?,
                mode: self.mode.take(),
            },
            "orders" => QueryMsg::Orders {
                address: req(self.address.take(), "address")?,
            },
            "pending_orders" => QueryMsg::PendingOrders {
                start_after: id_cursor(self.start_after.take())?,
                limit: self.limit.take(),
            },
            "vault" => QueryMsg::Vault {},
            "lp_position" => QueryMsg::LpPosition {
                address: req(self.address.take(), "address")?,
            },
            _ => QueryMsg::AdlRanking {
                market_id: req(self.market_id.take(), "market_id")?,
                start_after: text_cursor(self.start_after.take())?,
                limit: self.limit.take(),
            },
        };
        // what the variant did not take is another variant's field
        none_left(&[
            ("market_id", self.market_id.is_some()),
            ("start_after", self.start_after.is_some()),
            ("limit", self.limit.is_some()),
            ("address", self.address.is_some()),
            ("size_delta", self.size_delta.is_some()),
            ("mode", self.mode.is_some()),
        ])?;
        Ok(msg)
    }
}

superset_deserialize!(
    QueryMsg,
    MsgFields,
    QUERY_VARIANTS,
    QUERY_FIELDS,
    into_query
);

/// `start_after` of the page queries: an id (markets, accounts, ADL ranking) or an order id.
enum Cursor {
    Text(String),
    Id(u64),
}

impl<'de> serde::Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CursorVisitor)
    }
}

struct CursorVisitor;

impl serde::de::Visitor<'_> for CursorVisitor {
    type Value = Cursor;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string or an unsigned integer")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Cursor, E> {
        Ok(Cursor::Text(v.to_string()))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Cursor, E> {
        Ok(Cursor::Id(v))
    }
}

fn text_cursor(c: Option<Cursor>) -> Result<Option<String>, FieldError> {
    match c {
        None => Ok(None),
        Some(Cursor::Text(t)) => Ok(Some(t)),
        Some(Cursor::Id(_)) => Err(FieldError::Type("start_after", "a string")),
    }
}

fn id_cursor(c: Option<Cursor>) -> Result<Option<u64>, FieldError> {
    match c {
        None => Ok(None),
        Some(Cursor::Id(n)) => Ok(Some(n)),
        Some(Cursor::Text(_)) => Err(FieldError::Type("start_after", "u64")),
    }
}

/// One entry of the auto-deleveraging index.
#[cw_serde]
pub struct AdlPosition {
    /// Holder.
    pub address: Addr,
    /// Signed size.
    pub size: SignedDecimal256,
    /// Entry price (the index orders by it: longs ascending, shorts descending).
    pub entry_price: Decimal256,
    /// Unrealized PnL at the oracle price (the last price when it is not live), base units,
    /// rounded down.
    pub unrealized_pnl: Int128,
}

/// A page of the auto-deleveraging index.
#[cw_serde]
pub struct AdlRankingResponse {
    /// Entries in the order `auto_deleverage` takes them.
    pub positions: Vec<AdlPosition>,
    /// Pass as `start_after` for the next page; absent on the last page.
    pub next_start_after: Option<String>,
}

/// Migration message.
// `#[cw_serde]` without its derived `Deserialize`: read with the message reader (`{}`; any key
// refused with the derived text, `unknown field `x`, there are no fields`).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct MigrateMsg {}

impl<'de> serde::Deserialize<'de> for MigrateMsg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        record::read_only::<D, MsgFields>(d, &[])?;
        Ok(MigrateMsg {})
    }
}

/// Engine configuration.
#[cw_serde]
pub struct ConfigResponse {
    /// Owner.
    pub owner: Addr,
    /// Proposed owner waiting to accept.
    pub pending_owner: Option<Addr>,
    /// Collateral denom.
    pub collateral_denom: String,
    /// Collateral decimals.
    pub collateral_decimals: u8,
    /// Price-feed contract.
    pub price_feed: Addr,
    /// Insurance-fund contract.
    pub insurance_fund: Addr,
    /// Maximum oracle age in seconds.
    pub max_oracle_age_secs: u64,
    /// Maximum confidence ratio.
    pub max_confidence_ratio: Decimal256,
    /// Maximum EMA deviation.
    pub max_ema_deviation: Decimal256,
    /// Maximum positions per account.
    pub max_positions_per_account: u32,
    /// Age after which an order without an eligible price record expires, seconds.
    #[serde(default)]
    pub max_order_age_secs: u64,
    /// Most pending orders per account.
    #[serde(default)]
    pub max_orders_per_account: u32,
    /// Keeper fee per order, base units.
    #[serde(default)]
    pub keeper_fee: Uint128,
    /// Liquidation target ratio.
    pub liquidation_target_ratio: Decimal256,
    /// Liquidator reward share.
    pub liquidator_reward_share: Decimal256,
    /// Insurance fee share.
    pub insurance_fee_share: Decimal256,
    /// Vault minimum backing.
    pub vault_min_backing: Decimal256,
    /// Minimum liquidation reward in base units.
    pub min_liquidation_reward: Uint128,
    /// Default maximum slippage.
    pub default_max_slippage: Decimal256,
    /// Unrealized profit weight.
    pub unrealized_profit_weight: Decimal256,
    /// LP withdrawal delay in seconds.
    pub lp_withdraw_delay_secs: u64,
    /// Minimum position notional in base units as configured (0: per market
    /// `2·min_liquidation_reward/mmr_1`).
    pub min_position_notional: Uint128,
    /// Total exposure cap ratio.
    pub max_total_skew_to_vault: Decimal256,
    /// Auto-deleveraging trigger ratio.
    pub adl_trigger_ratio: Decimal256,
    /// LP claim window in seconds.
    pub lp_claim_window_secs: u64,
    /// Insurance fees accrued and not yet swept, in base units.
    pub pending_insurance_fees: Uint128,
}

/// Aggregates of one market.
#[cw_serde]
pub struct MarketStateResponse {
    /// Σ positive sizes, in base units of the asset.
    pub long_oi: Decimal256,
    /// Σ |negative sizes|.
    pub short_oi: Decimal256,
    /// Skew `K = long_oi − short_oi`.
    pub skew: SignedDecimal256,
    /// Σ size · entry price over positions (whole quote units; internal aggregate).
    pub entry_cost_sum: SignedDecimal256,
    /// Cumulative funding per unit of long size (whole quote units), as of `last_funding_time`.
    pub funding_index: SignedDecimal256,
    /// Σ size · funding index at entry (whole quote units; internal aggregate).
    pub funding_basis_sum: SignedDecimal256,
    /// Time of the last funding accrual.
    pub last_funding_time: u64,
    /// Last oracle price the market used.
    pub last_price: Option<Decimal256>,
}

/// One market.
#[cw_serde]
pub struct MarketResponse {
    /// Market id.
    pub market_id: String,
    /// Parameters.
    pub config: MarketConfig,
    /// Status.
    pub status: MarketStatus,
    /// Aggregates.
    pub state: MarketStateResponse,
}

/// A page of markets.
#[cw_serde]
pub struct MarketsResponse {
    /// Markets in id order.
    pub markets: Vec<MarketResponse>,
}

/// One position as reported by the `account` query.
#[cw_serde]
pub struct PositionResponse {
    /// Market id.
    pub market_id: String,
    /// Signed size (positive long).
    pub size: SignedDecimal256,
    /// Entry price.
    pub entry_price: Decimal256,
    /// Price used for the valuation (oracle, or the last known price when none is readable,
    /// or the settlement price).
    pub mark_price: Decimal256,
    /// `|size| · mark`, rounded up, in base units.
    pub notional: Uint128,
    /// Unrealized PnL in base units (rounded down).
    pub unrealized_pnl: Int128,
    /// Funding owed by the position (> 0 owes), rounded against the position.
    pub accrued_funding: Int128,
    /// Margin mode.
    pub mode: PositionMode,
    /// Isolated margin in base units.
    pub margin: Option<Uint128>,
    /// Isolated equity `M + U − A` in base units.
    pub equity: Option<Int128>,
    /// Mark price at which the position's book is exactly at maintenance; absent when none.
    pub liquidation_price: Option<Decimal256>,
}

/// An account. Collateral, equity, margins and requirements are its cross book.
#[cw_serde]
pub struct AccountResponse {
    /// Address.
    pub address: Addr,
    /// Collateral `C` in base units.
    pub collateral: Int128,
    /// Cross equity `C + Σ_cross (U − A)`.
    pub equity: Int128,
    /// Cross initial requirement.
    pub initial_margin: Uint128,
    /// Cross maintenance requirement.
    pub maintenance_margin: Uint128,
    /// What `withdraw` may take now.
    pub free_collateral: Uint128,
    /// `MM / equity`; absent when equity ≤ 0.
    pub margin_ratio: Option<Decimal256>,
    /// `Σ notional / equity` of the cross book; absent when equity ≤ 0.
    pub leverage: Option<Decimal256>,
    /// Health of the cross book.
    pub health: Health,
    /// Every position, by market id.
    pub positions: Vec<PositionResponse>,
    /// Realized profit the vault owes the account and did not hold the cash for (DESIGN 6.10):
    /// paid into `collateral` at the account's next message, or by anyone's `mark_bad_debt`,
    /// as cash comes back; while the vault's equity is below zero it is paid with the haircut.
    /// Not in `collateral` nor `equity` until paid. Absent when none (and from older engines).
    #[serde(default)]
    pub pending_payout: Option<Uint128>,
}

/// A page of accounts.
#[cw_serde]
pub struct AccountsResponse {
    /// Accounts in address order.
    pub accounts: Vec<AccountResponse>,
    /// Pass as `start_after` for the next page; absent on the last page.
    pub next_start_after: Option<String>,
}

/// A position whose book is liquidatable.
#[cw_serde]
pub struct PositionAtRisk {
    /// Market id.
    pub market_id: String,
    /// Margin mode (its book).
    pub mode: PositionMode,
    /// Signed size.
    pub size: SignedDecimal256,
}

/// An account with at least one liquidatable book.
#[cw_serde]
pub struct LiquidatableAccount {
    /// Address.
    pub address: Addr,
    /// Cross equity.
    pub equity: Int128,
    /// Cross maintenance requirement.
    pub maintenance_margin: Uint128,
    /// Positions in liquidatable books.
    pub positions: Vec<PositionAtRisk>,
}

/// A page of the liquidation scan.
#[cw_serde]
pub struct LiquidatableAccountsResponse {
    /// Liquidatable accounts among those scanned (may be empty).
    pub accounts: Vec<LiquidatableAccount>,
    /// Last address scanned; absent when the scan reached the end.
    pub next_start_after: Option<String>,
}

/// What a trade would do now.
#[cw_serde]
pub struct SimulateTradeResponse {
    /// Fill price including skew impact.
    pub fill_price: Decimal256,
    /// Fee in base units.
    pub fee: Uint128,
    /// Signed impact ratio `(fill − price) / price`.
    pub price_impact: SignedDecimal256,
    /// The account as it would be after the trade.
    pub account: AccountResponse,
}

/// The liquidity vault.
#[cw_serde]
pub struct VaultResponse {
    /// Cash in base units (negative only after socialized bad debt).
    pub cash: Int128,
    /// Equity `V` in base units.
    pub equity: Int128,
    /// Total shares (including the locked first-deposit shares).
    pub total_shares: Uint128,
    /// Base units per share (`V / total_shares`; 1 when no shares exist).
    pub share_price: Decimal256,
    /// Shortfall of books found bankrupt and not yet covered, in base units (already
    /// subtracted from `equity`).
    pub unrecoverable: Uint128,
    /// `Σ_m |K_m|·P_m` at each market's last price, in base units (rounded up).
    pub exposure: Uint128,
    /// `Σ` of the accounts' pending payouts (already subtracted from `equity`), in base units.
    /// Absent from older engines.
    #[serde(default)]
    pub pending_payouts: Option<Uint128>,
}

/// A pending LP withdrawal.
#[cw_serde]
pub struct PendingWithdrawal {
    /// Locked shares.
    pub shares: Uint128,
    /// Time from which `claim_liquidity` may pay it.
    pub claimable_at: u64,
    /// End of the claim window: after it the request lapses; absent once a claim was refused
    /// or paid in part (such a request never lapses).
    pub expires_at: Option<u64>,
    /// Most it pays: its shares at the share price of the request, base units.
    pub value_at_request: Uint128,
}

/// One LP's position.
#[cw_serde]
pub struct LpPositionResponse {
    /// Shares held, including shares locked in a request.
    pub shares: Uint128,
    /// Their value at the current vault equity, rounded down, in base units.
    pub value: Uint128,
    /// Pending withdrawal request.
    pub pending_withdrawal: Option<PendingWithdrawal>,
}
