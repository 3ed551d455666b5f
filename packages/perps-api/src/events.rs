//! The events the perps engine emits, one typed struct each (DESIGN 6.8 and 9): the engine builds
//! them with `Event::from`, tests, bots and indexers read them back with `TryFrom<Event>` (on a
//! chain a contract's event arrives as `wasm-{type}` with a `_contract_address` attribute; both
//! are accepted). Every attribute is a plain string: money in base units, prices and sizes as
//! decimals. An `Option` field is an attribute written only when it is `Some`.

use std::str::FromStr;

use cosmwasm_std::{Addr, Attribute, Decimal256, Event, Int128, SignedDecimal256, Uint128};
use thiserror::Error;

use crate::perps::PositionMode;

/// Why an event does not read as the typed event asked for.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    #[error("event type {found} is not {expected}")]
    WrongType { expected: String, found: String },
    #[error("event {ty} has no attribute {key}")]
    Missing { ty: String, key: String },
    #[error("attribute {key} of event {ty} does not parse: {value}")]
    Invalid {
        ty: String,
        key: String,
        value: String,
    },
}

/// A value carried by one event attribute.
pub trait AttrValue: Sized {
    /// The attribute's text, or `None` to leave the attribute out.
    fn to_attr(&self) -> Option<String>;
    /// Reads the attribute back (`None`: the attribute is absent).
    fn from_attr(text: Option<&str>) -> Result<Self, String>;
}

macro_rules! attr_by_display {
    ($($t:ty),*) => {$(
        impl AttrValue for $t {
            fn to_attr(&self) -> Option<String> {
                Some(self.to_string())
            }
            fn from_attr(text: Option<&str>) -> Result<Self, String> {
                let text = text.ok_or_else(String::new)?;
                <$t>::from_str(text).map_err(|_| text.to_string())
            }
        }
    )*};
}

attr_by_display!(
    String,
    Uint128,
    Int128,
    Decimal256,
    SignedDecimal256,
    u64,
    bool
);

impl AttrValue for Addr {
    fn to_attr(&self) -> Option<String> {
        Some(self.to_string())
    }
    fn from_attr(text: Option<&str>) -> Result<Self, String> {
        Ok(Addr::unchecked(text.ok_or_else(String::new)?))
    }
}

impl AttrValue for PositionMode {
    fn to_attr(&self) -> Option<String> {
        Some(
            match self {
                PositionMode::Cross => "cross",
                PositionMode::Isolated => "isolated",
            }
            .to_string(),
        )
    }
    fn from_attr(text: Option<&str>) -> Result<Self, String> {
        match text {
            Some("cross") => Ok(PositionMode::Cross),
            Some("isolated") => Ok(PositionMode::Isolated),
            Some(other) => Err(other.to_string()),
            None => Err(String::new()),
        }
    }
}

impl<T: AttrValue> AttrValue for Option<T> {
    fn to_attr(&self) -> Option<String> {
        self.as_ref().and_then(T::to_attr)
    }
    fn from_attr(text: Option<&str>) -> Result<Self, String> {
        text.map(|t| T::from_attr(Some(t))).transpose()
    }
}

/// Appends `key = value` to `ev` when there is a value (one body for every field of every event,
/// so the contract stays small).
#[inline(never)]
pub fn push(ev: &mut Event, key: &str, value: Option<String>) {
    if let Some(value) = value {
        ev.attributes.push(Attribute::new(key, value));
    }
}

/// Reads one attribute of `ev` as `T`.
pub fn attribute<T: AttrValue>(ev: &Event, ty: &str, key: &str) -> Result<T, EventError> {
    let text = ev
        .attributes
        .iter()
        .find(|a| a.key == key)
        .map(|a| a.value.as_str());
    T::from_attr(text).map_err(|value| match text {
        None => EventError::Missing {
            ty: ty.to_string(),
            key: key.to_string(),
        },
        Some(_) => EventError::Invalid {
            ty: ty.to_string(),
            key: key.to_string(),
            value,
        },
    })
}

/// Refuses an event of another type (`ty` or, from a chain, `wasm-{ty}`).
pub fn check_type(ev: &Event, ty: &str) -> Result<(), EventError> {
    if ev.ty == ty || ev.ty.strip_prefix("wasm-") == Some(ty) {
        Ok(())
    } else {
        Err(EventError::WrongType {
            expected: ty.to_string(),
            found: ev.ty.clone(),
        })
    }
}

/// A typed event: its type name, and the conversions both ways.
pub trait TypedEvent: Into<Event> + TryFrom<Event, Error = EventError> {
    /// The event type as the contract emits it (a chain prefixes `wasm-`).
    const TYPE: &'static str;

    /// Every event of this type among `events`, in order.
    fn all_in(events: &[Event]) -> Result<Vec<Self>, EventError> {
        events
            .iter()
            .filter(|e| check_type(e, Self::TYPE).is_ok())
            .map(|e| Self::try_from(e.clone()))
            .collect()
    }
}

macro_rules! typed_event {
    ($(#[$meta:meta])* $name:ident = $ty:literal {
        $($(#[$fmeta:meta])* $field:ident: $fty:ty,)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $fty,)*
        }

        impl TypedEvent for $name {
            const TYPE: &'static str = $ty;
        }

        impl From<$name> for Event {
            fn from(e: $name) -> Event {
                let mut ev = Event::new($ty);
                $(push(&mut ev, stringify!($field), AttrValue::to_attr(&e.$field));)*
                ev
            }
        }

        impl TryFrom<Event> for $name {
            type Error = EventError;
            fn try_from(ev: Event) -> Result<Self, EventError> {
                check_type(&ev, $ty)?;
                Ok($name {
                    $($field: attribute(&ev, $ty, stringify!($field))?,)*
                })
            }
        }
    };
}

typed_event! {
    /// A fill of `trade` or `close_position`.
    TradeEvent = "trade" {
        account: Addr,
        market_id: String,
        /// Mode of the position (after the trade).
        mode: PositionMode,
        size_before: SignedDecimal256,
        size_after: SignedDecimal256,
        oracle_price: Decimal256,
        fill_price: Decimal256,
        /// `(K + Δs/2)/skew_scale`, signed.
        price_impact: SignedDecimal256,
        /// Taker fee, base units.
        fee: Uint128,
        /// Insurance share of the fee, base units.
        insurance_fee: Uint128,
        realized_pnl: Int128,
        /// Funding settled into the book first (positive: paid).
        funding_paid: Int128,
        /// Entry price after the fill (0 when flat).
        entry_price: Decimal256,
        collateral_after: Int128,
        /// Isolated margin after the fill (before a closed position returns it to C).
        margin_after: Option<Int128>,
        /// Negative balance of a book the close left flat, for the bad-debt waterfall.
        shortfall: Option<Uint128>,
        /// The part of a cross book's `shortfall` taken from the account's own pending payout
        /// first (scenario 90); the waterfall pays the rest.
        payout_netted: Option<Uint128>,
    }
}

typed_event! {
    /// A position of a settled market closed at the settlement price.
    SettlePositionEvent = "settle_position" {
        account: Addr,
        market_id: String,
        size_before: SignedDecimal256,
        /// The settlement price.
        price: Decimal256,
        realized_pnl: Int128,
        funding_paid: Int128,
        /// Isolated loss beyond the margin, for the bad-debt waterfall.
        shortfall: Uint128,
    }
}

typed_event! {
    /// One position closed (partly or fully) by `liquidate`.
    LiquidationEvent = "liquidation" {
        account: Addr,
        liquidator: Addr,
        market_id: String,
        /// The book liquidated.
        mode: PositionMode,
        /// Signed size closed (same sign as the position).
        size_closed: SignedDecimal256,
        size_after: SignedDecimal256,
        mark_price: Decimal256,
        realized_pnl: Int128,
        funding_paid: Int128,
        penalty: Uint128,
        /// This close's part of the book's liquidator reward.
        liquidator_reward: Uint128,
        /// This close's part of the book's insurance share.
        insurance_share: Uint128,
        equity_before: Int128,
        maintenance_before: Uint128,
        equity_after: Int128,
        maintenance_after: Uint128,
    }
}

typed_event! {
    /// A shortfall paid through the waterfall: pending fees, the fund, then the vault.
    BadDebtEvent = "bad_debt" {
        account: Addr,
        shortfall: Uint128,
        from_fees: Uint128,
        from_fund: Uint128,
        socialized: Uint128,
    }
}

typed_event! {
    /// One position (partly) closed by `auto_deleverage`, at the oracle price, without fee or
    /// reward (DESIGN 6.10).
    AutoDeleverageEvent = "auto_deleverage" {
        account: Addr,
        caller: Addr,
        market_id: String,
        /// Signed size closed (same sign as the position).
        size_closed: SignedDecimal256,
        size_after: SignedDecimal256,
        price: Decimal256,
        /// Realized PnL paid by the vault (after the haircut while V < 0), base units.
        realized_pnl: Int128,
        /// Funding settled into the book first (positive: paid).
        funding_paid: Int128,
    }
}

typed_event! {
    /// `mark_bad_debt`: the shortfall of an account's bankrupt books recorded as unrecoverable
    /// (0 clears an earlier record), and the vault's total unrecoverable after it.
    BadDebtMarkedEvent = "mark_bad_debt" {
        account: Addr,
        shortfall: Uint128,
        unrecoverable: Uint128,
    }
}

typed_event! {
    /// The insurance fund's cover failed: what was asked of it is socialized on the vault.
    BadDebtCoverFailedEvent = "bad_debt_cover_failed" {
        requested: Uint128,
        socialized: Uint128,
        /// The fund's error.
        error: String,
    }
}

typed_event! {
    /// Margin moved from an isolated position back to `C`.
    RemoveMarginEvent = "remove_margin" {
        account: Addr,
        market_id: String,
        amount: Uint128,
        funding_paid: Int128,
        margin_after: Int128,
        collateral_after: Int128,
    }
}

typed_event! {
    /// A forced `skew_scale` change with open skew, and the vault equity it moved (DESIGN 6.9).
    SkewScaleChangeEvent = "skew_scale_change" {
        market_id: String,
        skew: SignedDecimal256,
        old_skew_scale: Decimal256,
        new_skew_scale: Decimal256,
        /// `L_old − L_new` of the impact liability (perps-risk `impact_liability`; `P·K²/2·(1/S_old
        /// − 1/S_new)` while `|K| ≤ 3·cap·S`), base units.
        vault_equity_change: Int128,
    }
}

typed_event! {
    /// `update_market` changed a parameter funding or the impact liability depend on
    /// (`skew_scale`, `max_price_impact`, `max_funding_rate_per_day`) while `K ≠ 0`: funding was
    /// first accrued to the block under the old parameters, at `price`.
    MarketRiskChangeEvent = "market_risk_change" {
        market_id: String,
        skew: SignedDecimal256,
        /// The price funding was accrued and the liability valued at.
        price: Decimal256,
        /// `oracle` (the live mark) or `last_price` (the oracle is not live: the last price the
        /// engine accepted).
        price_source: String,
        /// Funding index moved by the accrual under the old parameters.
        funding_index_delta: SignedDecimal256,
        old_funding_rate_per_day: SignedDecimal256,
        new_funding_rate_per_day: SignedDecimal256,
        /// The impact cap before and after (0 when `skew_scale = 0`).
        old_max_price_impact: Decimal256,
        new_max_price_impact: Decimal256,
        /// `L_old − L_new` of the impact liability (perps-risk `impact_liability`), base units:
        /// what the change moves into vault equity at an unchanged price.
        vault_equity_change: Int128,
    }
}

typed_event! {
    /// An order placed (DESIGN 6.11): a market order from `trade` / `close_position` in a
    /// deferred market, or a conditional order from `place_order`.
    OrderPlacedEvent = "order_placed" {
        order_id: u64,
        account: Addr,
        market_id: String,
        /// `market`, `conditional`, or for an LP order `provide` / `claim` (`market_id` empty).
        kind: String,
        /// Absent for a `close_position` order (it closes whatever the position is then).
        size_delta: Option<SignedDecimal256>,
        trigger_price: Option<Decimal256>,
        /// `above` or `below`.
        trigger: Option<String>,
        acceptable_price: Option<Decimal256>,
        /// Collateral held back until the order fills, fails or expires, base units.
        reserved: Uint128,
        keeper_fee: Uint128,
        /// Sequence of the market's latest price record at placement: the order fills at a later
        /// record accepted in a later block.
        placed_sequence: u64,
    }
}

typed_event! {
    /// An order filled at its pinned price record (the `trade` event follows it).
    OrderExecutedEvent = "order_executed" {
        order_id: u64,
        account: Addr,
        market_id: String,
        /// Who executed it (earns the keeper fee).
        keeper: Addr,
        /// The price record it filled at.
        sequence: u64,
        price: Decimal256,
        keeper_fee: Uint128,
    }
}

typed_event! {
    /// An order that could not fill at its pinned record: it pays its keeper fee and, to the
    /// vault, the taker fee on its size at that price, never more than its collateral holds;
    /// unless exempt (`settles_at_next_record` false) it stays pending as a settlement and
    /// `order_settled` charges the loss of its fill closed at the first record of its market
    /// after this block (never a gain).
    OrderFailedEvent = "order_failed" {
        order_id: u64,
        account: Addr,
        market_id: String,
        keeper: Addr,
        /// The refusal, as the trade would have reported it.
        reason: String,
        sequence: u64,
        price: Decimal256,
        keeper_fee: Uint128,
        /// Taker fee paid to the vault, base units.
        fee: Uint128,
        /// The loss of the fill closed at the move since the record (`fill · live / record`),
        /// paid to the vault, base units; at most an isolated order's margin; 0 when the price
        /// moved the order's way, its own slippage bound refuses the best fill at the record or
        /// the oracle policy refused the record; 0 when `settles_at_next_record` (the move is
        /// then charged by `order_settled`).
        price_move: Uint128,
        /// The failure pays its move at the first record of its market accepted in a later
        /// block: the order stays pending as a settlement (kind `settlement`) until then
        /// (docs/decisions.md "A failure settles its move at the next record").
        settles_at_next_record: bool,
    }
}

typed_event! {
    /// A failed order's move charged at the first record of its market accepted after the
    /// failure's block (scenario 77): the loss of the fill the order would have had, closed at
    /// that record.
    OrderSettledEvent = "order_settled" {
        order_id: u64,
        account: Addr,
        market_id: String,
        /// The record the move is charged at (0: the market's settlement price).
        sequence: u64,
        price: Decimal256,
        /// Charged, base units (at most an isolated order's margin): paid to the vault from `C`
        /// as far as it holds, the rest netted against the account's pending payout.
        price_move: Uint128,
        /// The part of `price_move` taken from the account's pending payout (scenario 90;
        /// absent when none).
        payout_netted: Option<Uint128>,
    }
}

typed_event! {
    /// An LP order (DESIGN 6.11: `provide_liquidity` or `claim_liquidity` while a market is
    /// deferred) executed at the worse for the LP of the share prices at request and at its
    /// pinned records.
    LpOrderExecutedEvent = "order_lp_executed" {
        order_id: u64,
        account: Addr,
        /// Who executed it (earns the keeper fee).
        keeper: Addr,
        /// `provide` or `claim`.
        kind: String,
        /// Provided to the vault, or paid to the LP (keeper fee deducted), base units.
        amount: Uint128,
        /// Shares minted, or redeemed.
        shares: Uint128,
        keeper_fee: Uint128,
    }
}

typed_event! {
    /// An order removed without a fill or a charge; its reservation is free again.
    OrderCancelledEvent = "order_cancelled" {
        order_id: u64,
        account: Addr,
        market_id: String,
        /// `cancelled` (owner), `expired` (no eligible record in time), `position_closed`
        /// (reduce-only or close with nothing left), `reduce_only` / `settled` (market status),
        /// `liquidation`.
        reason: String,
        /// Reservation released, base units.
        refund: Uint128,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade() -> TradeEvent {
        TradeEvent {
            account: Addr::unchecked("alice"),
            market_id: "BTC".to_string(),
            mode: PositionMode::Isolated,
            size_before: SignedDecimal256::zero(),
            size_after: SignedDecimal256::from_str("-0.5").unwrap(),
            oracle_price: Decimal256::from_str("60000").unwrap(),
            fill_price: Decimal256::from_str("59999.5").unwrap(),
            price_impact: SignedDecimal256::from_str("-0.000001").unwrap(),
            fee: Uint128::new(15_000_000),
            insurance_fee: Uint128::new(1_500_000),
            realized_pnl: Int128::zero(),
            funding_paid: Int128::new(-3),
            entry_price: Decimal256::from_str("59999.5").unwrap(),
            collateral_after: Int128::new(100),
            margin_after: Some(Int128::new(-7)),
            shortfall: None,
            payout_netted: None,
        }
    }

    #[test]
    fn an_event_reads_back_as_written_and_leaves_out_absent_attributes() {
        let ev = Event::from(trade());
        assert_eq!(ev.ty, "trade");
        assert_eq!(ev.attributes.len(), 15);
        assert_eq!(ev.attributes[2].value, "isolated");
        assert_eq!(ev.attributes[14].value, "-7");
        assert_eq!(TradeEvent::try_from(ev).unwrap(), trade());
    }

    #[test]
    fn a_chain_event_reads_too_and_a_wrong_one_says_why() {
        let ev = Event::new("wasm-trade")
            .add_attribute("_contract_address", "engine")
            .add_attributes(Event::from(trade()).attributes);
        assert_eq!(
            TradeEvent::all_in(std::slice::from_ref(&ev)).unwrap(),
            vec![trade()]
        );
        assert_eq!(
            BadDebtEvent::try_from(ev.clone()).unwrap_err().to_string(),
            "event type wasm-trade is not bad_debt"
        );
        let mut bad = ev;
        bad.attributes[4].value = "x".to_string();
        assert_eq!(
            TradeEvent::try_from(bad).unwrap_err().to_string(),
            "attribute size_before of event trade does not parse: x"
        );
        let missing = Event::new("bad_debt").add_attribute("account", "a");
        assert_eq!(
            BadDebtEvent::try_from(missing).unwrap_err().to_string(),
            "event bad_debt has no attribute shortfall"
        );
    }
}
