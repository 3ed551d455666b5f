//! # perps-risk: the pure margin math of the perps engine
//!
//! Every number that decides money in the engine is computed here: notional, PnL, funding,
//! margin tiers, book health, liquidation price, fills and fees, partial liquidation, vault
//! equity and LP shares. No storage, no `Deps`, no `Addr`, no `f64`, no panics: every fallible
//! function returns [`RiskResult`], and overflow is [`RiskError::Overflow`].
//!
//! ## Units
//! - **Money** is collateral in BASE units (e.g. micro-USDC; `collateral_decimals` = 6 means
//!   1 USDC = 1,000,000). At the edges it is `Uint128`/`Int128` (the wire format); inside, it is
//!   [`Quote`], a signed 18-decimal amount of base units, turned into integers only through
//!   [`Quote::floor`], [`Quote::ceil`] or [`Quote::to_base_units_u`] (the direction is always
//!   written at the call). Tier bounds (`max_notional`) are money too.
//! - **Prices** (`Decimal256`): quote WHOLE units per one whole base-asset unit (BTC "60000.5").
//! - **Sizes, OI, skew `K`, `skew_scale`** (`SignedDecimal256`/`Decimal256`): whole base-asset
//!   units, positive long.
//! - **Funding index** (`SignedDecimal256`): quote whole units per base whole unit
//!   (`F += P·r·Δt`), so `A = s·ΔF·10^decimals` base units.
//! - **Ratios** (`Decimal256`): plain fractions (0.05 = 5 %).
//! - `collateral_decimals` must be ≤ 18.
//!
//! ## Rounding policy (the only place it is stated)
//! Every rounding goes against the user and for the protocol, and every comparison that decides
//! money is made on the rounded integer values:
//! - equity, `Q_im`, unrealized PnL, realized PnL and every payout round DOWN;
//! - initial/maintenance requirements, notional, fees, penalties round UP (a fee with a
//!   positive rate is at least 1 base unit);
//! - funding: owed rounds up, received rounds down (both "up" on the signed line); the dust
//!   stays with the vault; the index increment `P·r·Δt` is rounded once, away from zero (the
//!   payer's side), and is the same for every side;
//! - a reduction of `|K|` whose impact term is clamped to the cap pays more impact than the
//!   liability it removes; the difference stays with the vault;
//! - a fill price rounds against the trader (up for a buy, down for a sell), an entry price
//!   against its position (up for a long, down for a short), a liquidation price so that the
//!   liquidation is reported early (up for a long, down for a short);
//! - intermediate products and quotients are computed in 512 bits and rounded once in the same
//!   direction as the final result ([`num::mul`], [`num::div`], [`num::mul_div`]), so an
//!   18-decimal truncation never favours the user either;
//! - book values are summed exactly and rounded once per book (equity down, requirements up);
//!   amounts that actually move (PnL, funding, fees, penalties) are rounded once per movement.
//!
//! ## Supported maxima (tested not to panic, and not to overflow)
//! price ≤ 10^12, |size| ≤ 10^12, notional ≤ 10^24 base units, collateral ≤ 10^30 base units,
//! 16 positions per book, `collateral_decimals` ≤ 18, funding gaps of years.
//!
//! ## API map
//! - [`num`]: [`Quote`] (money), [`Round`], directed [`num::mul`]/[`num::div`]/[`num::mul_div`],
//!   [`num::base_units_per_whole`], [`num::int128`], [`num::clamp_u128`].
//! - [`tiers`]: [`MarginTier`], [`TierTable::new`] (validation, at most [`tiers::MAX_TIERS`]), [`TierTable::initial`],
//!   [`TierTable::maintenance`], [`TierTable::segments`], [`TierTable::first_mmr`].
//! - [`position`]: [`Position`], [`position::notional`], [`position::notional_of`],
//!   [`position::unrealized_pnl`], [`position::pnl_of`], [`position::accrued_funding`].
//! - [`book`]: [`Book`], [`BookPosition`], [`MarketRisk`], [`BookParams`],
//!   [`book::position_values`] (+ [`book::PositionValues::report`]), [`book::book_values`],
//!   [`book::book_health`] → [`BookHealth`] (equity, Q_im, IM, MM, free collateral, margin
//!   ratio, leverage, liquidatable, bankrupt), [`book::check_initial_margin`],
//!   [`book::check_remove_margin`], [`book::settled_value`] (a position of a settled market
//!   is valued as its close books it, with no requirement).
//! - [`liq_price`]: [`liq_price::liquidation_price`] (cross or isolated, exact per tier).
//! - [`trade`]: [`trade::fill_price`] (impact; the cap bounds the skew a trade leaves, a
//!   reduction of `|K|` ([`trade::reduces_skew`]) is never refused and its impact is clamped to
//!   the cap; fill > 0), [`trade::trade_fee`],
//!   [`trade::split_fee`], [`trade::default_acceptable_price`], [`trade::degraded_close_price`], [`trade::within_acceptable`],
//!   [`trade::apply_fill`] → [`trade::FillOutcome`] (increase / reduce / flip).
//! - [`funding`]: [`funding::funding_rate_per_second`], [`funding::funding_index_delta`] (`P·r·Δt`
//!   with `r` on `K/(max_price_impact·skew_scale)`, rounded once, owed up),
//!   [`funding::accrue_funding_index`], [`funding::funding_settlement`],
//!   [`funding::vault_funding`], [`funding::index_delta`].
//! - [`liquidation`]: [`liquidation::plan_liquidation`] → [`liquidation::LiquidationPlan`],
//!   [`liquidation::apply_plan`], [`liquidation::validate_liquidation_rules`].
//! - [`vault`]: [`vault::MarketAggregate`] (`add`/`remove`/`skew`; how to keep it current is in
//!   the module docs), [`vault::vault_equity`], [`vault::impact_liability`] (the most impact
//!   the vault can be made to pay back, with the clamp), [`vault::impact_change_value`] (ΔV of
//!   a `skew_scale` or `max_price_impact` change), [`vault::vault_required_backing`],
//!   [`vault::shares_to_mint`], [`vault::redeem_value`].
//! - [`ledger`]: who pays whom: [`ledger::Balances`] in, [`ledger::Moved`] (balances after,
//!   [`ledger::Flows`] in/out/shortfall/covered) out, one step per action ([`ledger::fill`],
//!   [`ledger::settle_close`], [`ledger::liquidation`], [`ledger::settle_funding`],
//!   [`ledger::cover`], deposits, withdrawals, margin moves, LP cash, fee sweeps).
//! - [`solvency`]: who pays a winner: [`solvency::haircut_profit`] (profits while V < 0),
//!   [`solvency::min_position_notional`] and its validation, [`solvency::required_equity`] (what
//!   an LP payout must leave), [`solvency::claim`] (min of two share prices, partial payment);
//!   [`vault::market_liability`] and [`vault::market_exposure`] keep V and `Σ|K|·P` per market.
//! - [`adl`]: [`adl::adl_rank`] (a position's place in its market's auto-deleveraging index,
//!   by entry price to four significant digits), [`adl::adl_triggered`], [`adl::adl_close_size`].
//! - [`waterfall`]: [`waterfall::split_reward`] (a book's reward and insurance share over its
//!   closes), [`waterfall::bad_debt_waterfall`] (fees, fund, vault).

pub mod adl;
pub mod book;
pub mod error;
pub mod funding;
pub mod ledger;
pub mod liq_price;
pub mod liquidation;
pub mod num;
pub mod orders;
pub mod position;
pub mod solvency;
pub mod tiers;
pub mod trade;
pub mod vault;
pub mod waterfall;

pub use book::{Book, BookHealth, BookParams, BookPosition, MarketRisk};
pub use error::{RiskError, RiskResult};
pub use num::{Quote, Round};
pub use position::Position;
pub use tiers::{MarginTier, TierTable};
