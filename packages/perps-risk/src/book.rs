//! Books (the cross book, or one isolated position) and their health.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};

use crate::error::RiskError;
use crate::num::{clamp_u128, div, int128, unsigned, Quote, Round};
use crate::position::{accrued_funding, notional, unrealized_pnl, Position};
use crate::tiers::TierTable;

/// The per-market parameters the margin math needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketRisk {
    /// Validated margin brackets.
    pub tiers: TierTable,
    /// Liquidation penalty ratio of the notional closed.
    pub liquidation_fee: Decimal256,
    /// Smallest size a position may keep (whole base units); a liquidation never leaves less.
    pub min_order_size: Decimal256,
}

/// One position of a book, with its market's current mark and funding index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookPosition {
    /// The stored position.
    pub position: Position,
    /// Mark price `P` (or, when `price_live` is false, the market's last price).
    pub mark_price: Decimal256,
    /// Current funding index `F_m`, including accrual since the market's last touch.
    pub funding_index: SignedDecimal256,
    /// Market parameters.
    pub market: MarketRisk,
    /// False when the market's price fails liveness: the position then counts only
    /// `min(0, U − A)` in equity (its full MM still counts) and liquidation does not close it.
    pub price_live: bool,
    /// True when the market is settled at `mark_price`. The position is valued as its close
    /// will book it: `floor(U) − ceil(A)` in base units joins the collateral, and it carries no
    /// initial or maintenance requirement, no notional in the book totals and no liquidation
    /// price. Liquidation never closes it (the engine closes it first). Its value cannot move
    /// any more, so a zero requirement is sound.
    pub settled: bool,
}

/// A book: the cross book (`collateral` = C, every cross position) or one isolated position
/// (`collateral` = its margin M, exactly one position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    /// C for the cross book, M for an isolated book (base units; may be negative).
    pub collateral: Int128,
    /// The book's positions.
    pub positions: Vec<BookPosition>,
}

/// Account-wide parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookParams {
    /// Decimals of the collateral (base units per whole = 10^decimals), at most 18.
    pub collateral_decimals: u8,
    /// Weight `w` ∈ [0, 1] of a net unrealized gain in `Q_im`.
    pub unrealized_profit_weight: Decimal256,
}

/// Exact (18-decimal, directed) values of one position. `funding` > 0 means it owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositionValues {
    /// `N = |s|·P`, rounded up.
    pub notional: Quote,
    /// `U = s·(P − E)`, rounded down.
    pub unrealized_pnl: Quote,
    /// `A = s·(F_m − f_p)`, rounded up.
    pub accrued_funding: Quote,
    /// `U − A` as counted in equity (`min(0, U − A)` when the price is not live; for a settled
    /// position `floor(U) − ceil(A)`, what its close books).
    pub equity_contribution: Quote,
    /// `IM(N)`, rounded up (0 for a settled position).
    pub initial_margin: Quote,
    /// `MM(N)`, rounded up (0 for a settled position).
    pub maintenance_margin: Quote,
}

/// The same values in integer base units, rounded per policy (what a query reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositionReport {
    /// Notional, rounded up.
    pub notional: Uint128,
    /// Unrealized PnL, rounded down.
    pub unrealized_pnl: Int128,
    /// Accrued funding (positive = owes), rounded up.
    pub accrued_funding: Int128,
    /// IM(N), rounded up.
    pub initial_margin: Uint128,
    /// MM(N), rounded up.
    pub maintenance_margin: Uint128,
}

impl PositionValues {
    /// Round per policy.
    pub fn report(&self) -> Result<PositionReport, RiskError> {
        Ok(PositionReport {
            notional: self.notional.to_base_units_u(Round::Up)?,
            unrealized_pnl: self.unrealized_pnl.floor()?,
            accrued_funding: self.accrued_funding.ceil()?,
            initial_margin: self.initial_margin.to_base_units_u(Round::Up)?,
            maintenance_margin: self.maintenance_margin.to_base_units_u(Round::Up)?,
        })
    }
}

/// Exact book values before the final rounding (for solvers and tests). Settled positions
/// are valued as closed: their value is in `collateral`, and they add nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookValues {
    /// `C' = C + Σ_settled (floor(U) − ceil(A))`: the collateral once the settled positions
    /// are closed (whole base units). Equal to C when none is settled.
    pub collateral: Quote,
    /// `Q = C' + X`.
    pub equity: Quote,
    /// `X = Σ_open (U − A)`.
    pub pnl_net: Quote,
    /// `Q_im = C' + min(X, 0) + w·max(X, 0)`.
    pub equity_for_im: Quote,
    /// `Σ_open IM(N)`.
    pub initial_margin: Quote,
    /// `Σ_open MM(N)`.
    pub maintenance_margin: Quote,
    /// `Σ_open N`.
    pub total_notional: Quote,
}

/// Health of a book in integer base units; every money decision compares these rounded values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookHealth {
    /// `Q`, rounded down.
    pub equity: Int128,
    /// `Q_im`, rounded down.
    pub equity_for_im: Int128,
    /// `IM`, rounded up.
    pub initial_margin: Uint128,
    /// `MM`, rounded up.
    pub maintenance_margin: Uint128,
    /// `max(0, min(C', Q_im) − IM)`: what may leave the book.
    pub free_collateral: Uint128,
    /// `Σ N`, rounded up.
    pub total_notional: Uint128,
    /// `MM/Q`, rounded up; `None` when `Q ≤ 0`.
    pub margin_ratio: Option<Decimal256>,
    /// `ΣN/Q`, rounded up; `None` when `Q ≤ 0`.
    pub leverage: Option<Decimal256>,
    /// `Q < MM` (a book without open positions: `C' < 0`). Equal is healthy.
    pub liquidatable: bool,
    /// `Q < 0`.
    pub bankrupt: bool,
}

/// What closing a settled position books into its book, in base units: the realized PnL at
/// the settlement price (rounded down, as [`crate::trade::apply_fill`] realizes it) minus the
/// funding it owes (rounded up, as [`crate::funding::funding_settlement`] settles it).
pub fn settled_value(bp: &BookPosition, decimals: u8) -> Result<Int128, RiskError> {
    let realized = unrealized_pnl(&bp.position, bp.mark_price, decimals)?.floor()?;
    let funding = accrued_funding(&bp.position, bp.funding_index, decimals)?.ceil()?;
    realized
        .checked_sub(funding)
        .map_err(|_| RiskError::Overflow {
            context: "settled value",
        })
}

/// What closing a settled isolated position returns to the account's `C`, in base units:
/// `max(0, M + settled value)`. A negative remainder is a shortfall for the bad-debt waterfall
/// and never touches `C`, so it counts as 0.
pub fn settled_isolated_return(
    margin: Int128,
    bp: &BookPosition,
    decimals: u8,
) -> Result<Int128, RiskError> {
    let left = margin
        .checked_add(settled_value(bp, decimals)?)
        .map_err(|_| RiskError::Overflow {
            context: "settled isolated return",
        })?;
    Ok(left.max(Int128::zero()))
}

/// Exact values of one position of a book.
pub fn position_values(bp: &BookPosition, decimals: u8) -> Result<PositionValues, RiskError> {
    let n = notional(&bp.position, bp.mark_price, decimals)?;
    let u = unrealized_pnl(&bp.position, bp.mark_price, decimals)?;
    let a = accrued_funding(&bp.position, bp.funding_index, decimals)?;
    if bp.settled {
        return Ok(PositionValues {
            notional: n,
            unrealized_pnl: u,
            accrued_funding: a,
            equity_contribution: Quote::from_base_units(settled_value(bp, decimals)?),
            initial_margin: Quote::ZERO,
            maintenance_margin: Quote::ZERO,
        });
    }
    let net = u.checked_sub(a)?;
    Ok(PositionValues {
        notional: n,
        unrealized_pnl: u,
        accrued_funding: a,
        equity_contribution: if bp.price_live { net } else { net.min_zero() },
        initial_margin: bp.market.tiers.initial(n)?,
        maintenance_margin: bp.market.tiers.maintenance(n)?,
    })
}

/// Exact book values.
pub fn book_values(book: &Book, params: &BookParams) -> Result<BookValues, RiskError> {
    let mut c = Quote::from_base_units(book.collateral);
    let mut v = BookValues {
        collateral: c,
        equity: c,
        pnl_net: Quote::ZERO,
        equity_for_im: c,
        initial_margin: Quote::ZERO,
        maintenance_margin: Quote::ZERO,
        total_notional: Quote::ZERO,
    };
    for bp in &book.positions {
        let p = position_values(bp, params.collateral_decimals)?;
        if bp.settled {
            // closed in value: what its close books joins the collateral
            c = c.checked_add(p.equity_contribution)?;
            continue;
        }
        v.pnl_net = v.pnl_net.checked_add(p.equity_contribution)?;
        v.initial_margin = v.initial_margin.checked_add(p.initial_margin)?;
        v.maintenance_margin = v.maintenance_margin.checked_add(p.maintenance_margin)?;
        v.total_notional = v.total_notional.checked_add(p.notional)?;
    }
    v.collateral = c;
    v.equity = c.checked_add(v.pnl_net)?;
    let gain = v
        .pnl_net
        .max_zero()
        .mul_ratio(params.unrealized_profit_weight, Round::Down)?;
    v.equity_for_im = c.checked_add(v.pnl_net.min_zero())?.checked_add(gain)?;
    Ok(v)
}

/// `num / den` for two base-unit integers, rounded up; `None` when `den ≤ 0`.
fn ratio_up(num: Uint128, den: Int128) -> Result<Option<Decimal256>, RiskError> {
    if den.i128() <= 0 {
        return Ok(None);
    }
    let q = div(
        Quote::from_base_units_u(num).0,
        Quote::from_base_units(den).0,
        Round::Up,
    )?;
    unsigned(q).map(Some)
}

/// Health of a book, rounded per policy.
pub fn book_health(book: &Book, params: &BookParams) -> Result<BookHealth, RiskError> {
    let v = book_values(book, params)?;
    let equity = v.equity.floor()?;
    let equity_for_im = v.equity_for_im.floor()?;
    let initial_margin = v.initial_margin.to_base_units_u(Round::Up)?;
    let maintenance_margin = v.maintenance_margin.to_base_units_u(Round::Up)?;
    let total_notional = v.total_notional.to_base_units_u(Round::Up)?;
    let collateral = v.collateral.floor()?;
    let withdrawable = collateral.min(equity_for_im);
    let free_collateral = clamp_u128(withdrawable.checked_sub(int128(initial_margin)?).map_err(
        |_| RiskError::Overflow {
            context: "free collateral",
        },
    )?);
    let liquidatable = if book.positions.iter().all(|p| p.settled) {
        collateral.is_negative()
    } else {
        Quote::from_base_units(equity) < Quote::from_base_units_u(maintenance_margin)
    };
    Ok(BookHealth {
        equity,
        equity_for_im,
        initial_margin,
        maintenance_margin,
        free_collateral,
        total_notional,
        margin_ratio: ratio_up(maintenance_margin, equity)?,
        leverage: ratio_up(total_notional, equity)?,
        liquidatable,
        bankrupt: equity.is_negative(),
    })
}

/// `Q_im ≥ IM` on rounded values, or `InsufficientMargin` naming both.
pub fn check_initial_margin(book: &Book, params: &BookParams) -> Result<BookHealth, RiskError> {
    let h = book_health(book, params)?;
    if Quote::from_base_units(h.equity_for_im) < Quote::from_base_units_u(h.initial_margin) {
        return Err(RiskError::InsufficientMargin {
            equity: h.equity_for_im,
            required: h.initial_margin,
        });
    }
    Ok(h)
}

/// `remove_margin` on an isolated position: `M − amount + min(0, U − A) ≥ IM(N)`, rounded
/// values. Returns the margin left (`M − amount`).
pub fn check_remove_margin(
    margin: Int128,
    position: &BookPosition,
    amount: Uint128,
    decimals: u8,
) -> Result<Int128, RiskError> {
    let p = position_values(position, decimals)?;
    let left = Quote::from_base_units(margin).checked_sub(Quote::from_base_units_u(amount))?;
    let margin_after = left
        .checked_add(p.equity_contribution.min_zero())?
        .floor()?;
    let required = p.initial_margin.to_base_units_u(Round::Up)?;
    if Quote::from_base_units(margin_after) < Quote::from_base_units_u(required) {
        return Err(RiskError::RemoveMarginTooLarge {
            amount,
            margin_after,
            required,
        });
    }
    left.floor()
}
