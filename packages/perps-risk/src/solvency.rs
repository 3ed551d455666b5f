//! Solvency: who pays a winner (DESIGN 6.10). Profits are paid by the vault; while its equity
//! is below zero a realized profit is paid with the haircut `h`; LP claims pay at the lower of
//! two share prices and only as far as the vault's exposure caps and backing still hold;
//! positions stay large enough to be worth liquidating.
//!
//! Rounding (crate policy): every payout rounds down, every requirement up.

use cosmwasm_std::{Decimal256, Int128, Uint128};

use crate::error::RiskError;
use crate::num::{mul_div, signed, Quote, Round};

/// A realized profit `pnl` paid while vault equity is `v`: `pnl·h` with
/// `h = max(0, 1 + V/Σ profits)` when `V < 0` (1 otherwise), rounded down; losses are not
/// touched. `profits` is the sum over positions in profit of `U − A` (or a lower bound of it: a
/// smaller sum gives a smaller `h`, never a larger payout); it is taken at least as large as
/// `pnl` itself, which is one of its terms.
pub fn haircut_profit(pnl: Int128, v: Quote, profits: Quote) -> Result<Int128, RiskError> {
    if pnl <= Int128::zero() || v >= Quote::ZERO {
        return Ok(pnl);
    }
    let own = Quote::from_base_units(pnl);
    let total = profits.max(own);
    let kept = total.checked_add(v)?;
    if kept <= Quote::ZERO {
        return Ok(Int128::zero());
    }
    // pnl · (Σ + V)/Σ, one rounding, down
    Quote(mul_div(own.0, kept.0, total.0, Round::Down)?).floor()
}

/// The haircut ratio `h` itself (for events and queries), rounded down; 1 when `V ≥ 0`.
pub fn haircut_ratio(v: Quote, profits: Quote) -> Result<Decimal256, RiskError> {
    if v >= Quote::ZERO {
        return Ok(Decimal256::one());
    }
    if profits <= Quote::ZERO {
        return Ok(Decimal256::zero());
    }
    let kept = profits.checked_add(v)?.max_zero();
    let h = crate::num::div(kept.0, profits.0, Round::Down)?;
    crate::num::unsigned(h)
}

/// The smallest notional a position may have in a market whose first maintenance ratio is
/// `mmr_1` (DESIGN 6.8): `configured` when set (> 0), else `2·min_reward/mmr_1` rounded up — the
/// least the validation rule allows, so that the reward of a liquidation stays within what the
/// book's maintenance margin holds.
pub fn min_position_notional(
    configured: Uint128,
    min_reward: Uint128,
    mmr_1: Decimal256,
) -> Result<Uint128, RiskError> {
    if !configured.is_zero() || min_reward.is_zero() {
        return Ok(configured);
    }
    let twice = Quote::from_base_units_u(min_reward.checked_mul(Uint128::new(2))?);
    Quote(crate::num::div(twice.0, signed(mmr_1)?, Round::Up)?).to_base_units_u(Round::Up)
}

/// `min_position_notional · mmr_1 ≥ 2 · min_liquidation_reward` for an explicit (non-zero)
/// `min_position_notional`; `market_id` names the market in the error.
pub fn validate_min_position_notional(
    configured: Uint128,
    min_reward: Uint128,
    mmr_1: Decimal256,
    market_id: &str,
) -> Result<(), RiskError> {
    if configured.is_zero() {
        return Ok(());
    }
    let held = Quote::from_base_units_u(configured).mul_ratio(mmr_1, Round::Down)?;
    let needed = Quote::from_base_units_u(min_reward.checked_mul(Uint128::new(2))?);
    if held < needed {
        return Err(RiskError::InvalidParameter {
            name: "min_position_notional",
            reason: format!(
                "{configured} · mmr {mmr_1} of market {market_id} < 2 × min_liquidation_reward {min_reward}"
            ),
        });
    }
    Ok(())
}

/// One market's exposure and its cap ratio, for the equity an LP claim must leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketExposure {
    /// `|K|·P`, base units.
    pub exposure: Quote,
    /// `max_skew_to_vault` of the market (> 0).
    pub max_skew_to_vault: Decimal256,
}

/// The vault equity that must remain after an LP payout (DESIGN 6.7): the backing
/// `vault_min_backing·Σ|K|·P`, and what keeps every exposure cap of 6.10 true
/// (`Σ|K|·P / max_total_skew_to_vault`, `|K_m|·P_m / max_skew_to_vault_m`); rounded up.
pub fn required_equity(
    markets: &[MarketExposure],
    max_total_skew_to_vault: Decimal256,
    vault_min_backing: Decimal256,
) -> Result<Quote, RiskError> {
    let mut total = Quote::ZERO;
    let mut need = Quote::ZERO;
    for m in markets {
        total = total.checked_add(m.exposure)?;
        need = need.max(div_ratio(m.exposure, m.max_skew_to_vault)?);
    }
    need = need.max(div_ratio(total, max_total_skew_to_vault)?);
    need = need.max(total.mul_ratio(vault_min_backing, Round::Up)?);
    Ok(need)
}

/// `amount / ratio`, rounded up (a zero ratio allows no exposure: any is infinitely far off,
/// so the requirement is the largest representable).
fn div_ratio(amount: Quote, ratio: Decimal256) -> Result<Quote, RiskError> {
    if amount <= Quote::ZERO {
        return Ok(Quote::ZERO);
    }
    if ratio.is_zero() {
        return Ok(Quote(cosmwasm_std::SignedDecimal256::MAX));
    }
    crate::num::div(amount.0, signed(ratio)?, Round::Up).map(Quote)
}

/// A withdrawal request as a claim sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimTerms {
    /// Shares still requested.
    pub shares: Uint128,
    /// What they were worth at the request (`shares·V/total` then, rounded down).
    pub value_at_request: Uint128,
    /// Shares outstanding now.
    pub total_shares: Uint128,
    /// Vault equity now (after `unrecoverable`).
    pub equity: Quote,
    /// Vault cash now.
    pub cash: Int128,
    /// Equity that must remain after the payout ([`required_equity`]).
    pub required: Quote,
}

/// What a claim pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClaimOutcome {
    /// Shares redeemed (burned).
    pub shares: Uint128,
    /// Paid to the LP, base units.
    pub payout: Uint128,
    /// Shares left requested.
    pub shares_left: Uint128,
    /// The request's value cap for the shares left (rounded down).
    pub value_left: Uint128,
}

/// A claim (DESIGN 6.7): each share is paid `min(price at request, V/total now)`, only as far as
/// the payout ≤ cash and `V − payout ≥ required`; the largest number of shares that fits is
/// redeemed, the rest stays requested. Nothing is paid while `V ≤ 0`.
pub fn claim(t: &ClaimTerms) -> Result<ClaimOutcome, RiskError> {
    if t.shares > t.total_shares {
        return Err(RiskError::SharesExceedTotal {
            shares: t.shares,
            total_shares: t.total_shares,
        });
    }
    let nothing = ClaimOutcome {
        shares: Uint128::zero(),
        payout: Uint128::zero(),
        shares_left: t.shares,
        value_left: t.value_at_request,
    };
    if t.shares.is_zero() || t.equity <= Quote::ZERO {
        return Ok(nothing);
    }
    // price = num/den base units per share: the lower of the two prices
    let (req_num, req_den) = (
        Quote::from_base_units_u(t.value_at_request),
        Quote::from_base_units_u(t.shares),
    );
    let (now_num, now_den) = (t.equity, Quote::from_base_units_u(t.total_shares));
    // exact: req_num/req_den ≤ now_num/now_den by cross products in 512 bits
    let req_lower = req_num.0.atomics().full_mul(now_den.0.atomics())
        <= now_num.0.atomics().full_mul(req_den.0.atomics());
    let (num, den) = if req_lower {
        (req_num, req_den)
    } else {
        (now_num, now_den)
    };
    let limit = Quote::from_base_units(t.cash)
        .min(t.equity.checked_sub(t.required)?)
        .max_zero();
    let full =
        Quote(mul_div(req_den.0, num.0, den.0, Round::Down)?).to_base_units_u(Round::Down)?;
    let shares = if Quote::from_base_units_u(full) <= limit {
        t.shares
    } else {
        // the most shares whose payout fits: floor(limit / price)
        Quote(mul_div(limit.0, den.0, num.0, Round::Down)?)
            .to_base_units_u(Round::Down)?
            .min(t.shares)
    };
    let payout = Quote(mul_div(
        Quote::from_base_units_u(shares).0,
        num.0,
        den.0,
        Round::Down,
    )?)
    .to_base_units_u(Round::Down)?;
    // shares that would be paid nothing stay requested
    if payout.is_zero() {
        return Ok(nothing);
    }
    let shares_left = t.shares.checked_sub(shares)?;
    let value_left = Quote(mul_div(
        Quote::from_base_units_u(t.value_at_request).0,
        Quote::from_base_units_u(shares_left).0,
        req_den.0,
        Round::Down,
    )?)
    .to_base_units_u(Round::Down)?;
    Ok(ClaimOutcome {
        shares,
        payout,
        shares_left,
        value_left,
    })
}

/// How a realized profit (or a pending payout) is settled against the vault (DESIGN 6.10,
/// issue 12): what it pays now, what the haircut forgives, what stays a pending payout.
/// `paid + forgiven + pending` is the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settled {
    /// Paid in cash into the account's book now.
    pub paid: Uint128,
    /// Cut by the haircut while V < 0 (stays in the vault: V rises by it).
    pub forgiven: Uint128,
    /// Left as a claim of the account on the vault, at face value.
    pub pending: Uint128,
}

/// Settles a profit claim `claim` (face value, base units) when the vault can pay at most
/// `payable` in cash now. With `haircut = Some((V, Σ))` and `V < 0` the part settled is paid at
/// `h = max(0, 1 + V/Σ)` (`Σ` taken at least `claim`, as [`haircut_profit`]); the part the cash
/// cannot pay is not cut: it stays a claim at face value, to be settled later at the `h` of
/// that time (so the first out is never paid at the expense of the last: settling a fraction
/// `s` at `h` leaves `V/Σ`, hence `h`, unchanged). Rounding: everything paid rounds down.
pub fn settle_profit(
    claim: Uint128,
    haircut: Option<(Quote, Quote)>,
    payable: Uint128,
) -> Result<Settled, RiskError> {
    if claim.is_zero() {
        return Ok(Settled::default());
    }
    let (kept, total) = match haircut {
        Some((v, profits)) if v < Quote::ZERO => {
            let total = profits.max(Quote::from_base_units_u(claim));
            (total.checked_add(v)?, total)
        }
        _ => {
            let paid = claim.min(payable);
            return Ok(Settled {
                paid,
                forgiven: Uint128::zero(),
                pending: claim.checked_sub(paid)?,
            });
        }
    };
    if kept <= Quote::ZERO {
        return Ok(Settled {
            forgiven: claim,
            ..Settled::default()
        });
    }
    let at_h = |s: Uint128| -> Result<Uint128, RiskError> {
        Quote(mul_div(
            Quote::from_base_units_u(s).0,
            kept.0,
            total.0,
            Round::Down,
        )?)
        .to_base_units_u(Round::Down)
    };
    let full = at_h(claim)?;
    let settled = if full <= payable {
        claim
    } else {
        // the largest part whose payment at h fits: floor(payable · Σ / (Σ + V))
        Quote(mul_div(
            Quote::from_base_units_u(payable).0,
            total.0,
            kept.0,
            Round::Down,
        )?)
        .to_base_units_u(Round::Down)?
        .min(claim)
    };
    let paid = at_h(settled)?.min(payable);
    Ok(Settled {
        paid,
        forgiven: settled.checked_sub(paid)?,
        pending: claim.checked_sub(settled)?,
    })
}

/// The most cash the vault can pay into a book now without paying anyone out of money other
/// books owe it (DESIGN 6.10, issue 12): `max(debt, cash − owed_by_others)`, where `debt` is
/// what the book itself owes (`max(0, −balance)`: paying it back moves no real money) and
/// `owed_by_others` the negative balances of every other book (cash the vault booked but does
/// not hold).
pub fn payable(
    vault_cash: Int128,
    owed_by_others: Uint128,
    book_balance: Int128,
) -> Result<Uint128, RiskError> {
    let debt = if book_balance.is_negative() {
        book_balance.unsigned_abs()
    } else {
        Uint128::zero()
    };
    let free = if vault_cash.is_negative() {
        Uint128::zero()
    } else {
        vault_cash.unsigned_abs().saturating_sub(owed_by_others)
    };
    Ok(debt.max(free))
}

/// The insurance fees a sweep may send now (DESIGN 6.8; docs/decisions.md "The fee sweep sends
/// only fees the vault holds"): `min(insurance_fees, max(0, cash + insurance_fees − receivables))`.
/// A fee debited from a book with `C < 0` is booked in `insurance_fees` without the money
/// arriving (it is inside `receivables`), so sweeping it would pay the fund out of other
/// traders' deposits; the rest waits for the book to repay or for the shortfall waterfall.
pub fn sweepable(
    insurance_fees: Uint128,
    vault_cash: Int128,
    receivables: Uint128,
) -> Result<Uint128, RiskError> {
    let held = vault_cash
        .checked_add(crate::num::int128(insurance_fees)?)?
        .checked_sub(crate::num::int128(receivables)?)?;
    if held.is_negative() {
        return Ok(Uint128::zero());
    }
    Ok(insurance_fees.min(held.unsigned_abs()))
}

/// The cash an LP claim may take (DESIGN 6.7, issue 12; scenario 61): the vault's booked cash
/// less what the books owe it (`receivables`: booked, never received) and less the pending
/// payouts (realized profits already owed to traders, paid before any LP). Never below 0.
pub fn lp_free_cash(
    vault_cash: Int128,
    receivables: Uint128,
    pending_payouts: Uint128,
) -> Result<Int128, RiskError> {
    let owed = crate::num::int128(receivables.checked_add(pending_payouts)?)?;
    Ok(vault_cash.checked_sub(owed)?.max(Int128::zero()))
}

/// True when a trade takes a market's skew from `before` to `after` with `|after| > |before|`:
/// the only trades the exposure caps of DESIGN 6.10 judge ("a trade that increases `|K_m|`").
/// A trade across zero that leaves no larger a skew on the other side does not increase the
/// vault's exposure, nor its impact liability `P·K²/(2S)`, and passes.
pub fn grows_skew(
    before: cosmwasm_std::SignedDecimal256,
    after: cosmwasm_std::SignedDecimal256,
) -> bool {
    crate::num::unsigned_abs(after) > crate::num::unsigned_abs(before)
}
