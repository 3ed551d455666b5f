//! Who pays whom: one pure step per action returns every balance the action moves, and the
//! engine only writes the result back. The steps are the only place where the engine's money
//! changes hands, so the rules below are written once:
//!
//! - realized PnL leaves the vault (a loss is a negative PnL: it enters the vault);
//! - funding a position pays goes to the vault (a negative payment comes from it);
//! - a fee leaves the book: its insurance share waits in `insurance_fees`, the rest goes to
//!   the vault;
//! - a closed isolated position returns its margin to `C`, or, when the margin is negative,
//!   leaves it as a shortfall for the bad-debt waterfall (it never touches `C`);
//! - a bankrupt cross book a trade leaves flat is cleared to 0 and its negative `C` becomes a
//!   shortfall (a settlement leaves a cross loss on `C`, for `liquidate`).
//!
//! Every step conserves money: `total(after) − total(before) = inflow − outflow + shortfall −
//! covered` (see [`Moved::conserves`]), property-tested in `tests/props_ledger.rs`. Steps
//! compose: the flows of a message are the sum of its steps' flows ([`Flows::then`]).

use cosmwasm_std::{Int128, Uint128};

use crate::error::RiskResult;
use crate::liquidation::LiquidationPlan;
use crate::num::{int128, Quote};
use crate::solvency::{payable, settle_profit, Settled};
use crate::waterfall::Waterfall;

/// The balances an action on one account can move, as they stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balances {
    /// Cross collateral `C` of the account, base units.
    pub collateral: Int128,
    /// Isolated margin `M` of the position acted on (`Some(0)` for one being opened); `None`
    /// for a cross action, and after a step that closed the isolated position.
    pub margin: Option<Int128>,
    /// Vault cash, base units.
    pub vault_cash: Int128,
    /// Insurance share of fees accrued and not yet swept, base units.
    pub insurance_fees: Uint128,
}

/// `*v += d`, checked (one body for every credit, so the contract stays small).
#[inline(never)]
fn credit(v: &mut Int128, d: Int128) -> RiskResult<()> {
    *v = v.checked_add(d)?;
    Ok(())
}

/// `*v −= d`, checked.
#[inline(never)]
fn debit(v: &mut Int128, d: Int128) -> RiskResult<()> {
    *v = v.checked_sub(d)?;
    Ok(())
}

impl Balances {
    /// `C + M + vault cash + insurance fees`: the money these balances hold.
    pub fn total(&self) -> RiskResult<Int128> {
        Ok(self
            .collateral
            .checked_add(self.margin.unwrap_or_default())?
            .checked_add(self.vault_cash)?
            .checked_add(int128(self.insurance_fees)?)?)
    }

    /// The book the action is on: `M` when there is one, else `C`.
    fn book_mut(&mut self) -> &mut Int128 {
        match &mut self.margin {
            Some(m) => m,
            None => &mut self.collateral,
        }
    }
}

/// Money that crossed the contract's edge, or became or stopped being debt, in one or more steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flows {
    /// Collateral that came in: attached funds, LP deposits, the insurance fund's cover (credited
    /// when asked; negative when a cover asked for fails).
    pub inflow: Int128,
    /// Owed out of the contract: withdrawals, liquidator rewards, LP payouts, swept fees.
    pub outflow: Uint128,
    /// Negative balances of flat books, cleared to 0: debt for the bad-debt waterfall.
    pub shortfall: Uint128,
    /// Debt paid by the waterfall (fees, fund and vault parts).
    pub covered: Uint128,
}

impl Flows {
    /// The flows of two steps together.
    pub fn then(self, other: &Flows) -> RiskResult<Flows> {
        Ok(Flows {
            inflow: self.inflow.checked_add(other.inflow)?,
            outflow: self.outflow.checked_add(other.outflow)?,
            shortfall: self.shortfall.checked_add(other.shortfall)?,
            covered: self.covered.checked_add(other.covered)?,
        })
    }
}

/// What one step moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moved {
    /// The balances after the step.
    pub after: Balances,
    /// What crossed the edge or became debt.
    pub flows: Flows,
    /// The margin an isolated position ended with when the step closed it (returned to `C`
    /// when ≥ 0, else the shortfall).
    pub closed_margin: Option<Int128>,
    /// How a realized profit was settled: paid into the book, forgiven by the haircut, or left
    /// a pending payout of the account (a claim on the vault, not money: no balance holds it).
    pub payout: Settled,
}

impl Moved {
    fn new(after: Balances) -> Self {
        Moved {
            after,
            ..Moved::default()
        }
    }

    /// True when `total(after) − total(before) = inflow − outflow + shortfall − covered`.
    pub fn conserves(&self, before: &Balances) -> RiskResult<bool> {
        let f = &self.flows;
        let change = self.after.total()?.checked_sub(before.total()?)?;
        let expected = f
            .inflow
            .checked_sub(int128(f.outflow)?)?
            .checked_add(int128(f.shortfall)?)?
            .checked_sub(int128(f.covered)?)?;
        Ok(change == expected)
    }

    /// A closed isolated position returns its margin to `C`; a negative margin is a shortfall
    /// (it never touches `C`).
    fn close_isolated(&mut self) -> RiskResult<()> {
        let Some(margin) = self.after.margin.take() else {
            return Ok(());
        };
        self.closed_margin = Some(margin);
        if margin.is_negative() {
            self.flows.shortfall = self.flows.shortfall.checked_add(margin.unsigned_abs())?;
        } else {
            credit(&mut self.after.collateral, margin)?;
        }
        Ok(())
    }

    /// A bankrupt cross book left flat: its negative `C` is a shortfall and `C` ends at 0.
    fn clear_negative_collateral(&mut self) -> RiskResult<()> {
        if self.after.collateral.is_negative() {
            let debt = self.after.collateral.unsigned_abs();
            self.flows.shortfall = self.flows.shortfall.checked_add(debt)?;
            self.after.collateral = Int128::zero();
        }
        Ok(())
    }

    /// Realized PnL leaves the vault for the book.
    fn realize(&mut self, pnl: Int128) -> RiskResult<()> {
        debit(&mut self.after.vault_cash, pnl)?;
        credit(self.after.book_mut(), pnl)
    }

    /// A realized profit (face value) settled as far as the vault can pay ([`settle_profit`],
    /// [`payable`]): the paid part leaves vault cash for the book, the rest is forgiven or pending.
    fn realize_profit(&mut self, claim: Uint128, terms: &Payout) -> RiskResult<()> {
        let can = payable(
            self.after.vault_cash,
            terms.owed_by_others,
            *self.after.book_mut(),
        )?;
        self.payout = settle_profit(claim, terms.haircut, can)?;
        self.realize(int128(self.payout.paid)?)
    }
}

/// What a realized profit is paid against (DESIGN 6.10, issue 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Payout {
    /// `(V, Σ profits)` while the vault's equity is below zero (the haircut), else `None`.
    pub haircut: Option<(Quote, Quote)>,
    /// Negative balances of every other book (`C < 0`, `M < 0`): cash the vault booked and does
    /// not hold, so never paid out.
    pub owed_by_others: Uint128,
}

/// A plain movement of cash, priced by no one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// Attached collateral credited to `C`.
    Deposit(Uint128),
    /// `C` paid out to the account (the free-collateral check is the caller's).
    Withdraw(Uint128),
    /// Funding settled into the book: paid (negative: received) by the book, to the vault.
    Funding(Int128),
    /// From `C` into the isolated margin `M` (`add_margin`).
    ToMargin(Uint128),
    /// From the isolated margin `M` back to `C` (`remove_margin`; the margin requirement is the
    /// caller's check).
    ToCollateral(Uint128),
    /// An LP deposit into vault cash.
    ProvideLiquidity(Uint128),
    /// An LP payout out of vault cash (the cash and backing checks are the caller's).
    ClaimLiquidity(Uint128),
    /// That much of the pending insurance fees to the fund (at most what
    /// [`crate::solvency::sweepable`] allows: the caller's check).
    SweepFees(Uint128),
    /// The fund's cover failed: it paid nothing, so what it was asked for is socialized.
    CoverFailed(Uint128),
    /// An account left without any position and with `C < 0` (DESIGN 6.10): `C` is written off
    /// to 0 and its debt becomes a shortfall for the waterfall, in the same transaction.
    WriteOff,
}

/// Applies a [`Transfer`] (one body for every plain movement, so the contract stays small).
pub fn transfer(b: Balances, t: Transfer) -> RiskResult<Moved> {
    let mut m = Moved::new(b);
    let a = &mut m.after;
    let f = &mut m.flows;
    match t {
        Transfer::Deposit(x) => {
            f.inflow = int128(x)?;
            credit(&mut a.collateral, f.inflow)?;
        }
        Transfer::Withdraw(x) => {
            debit(&mut a.collateral, int128(x)?)?;
            f.outflow = x;
        }
        Transfer::Funding(paid) => {
            debit(a.book_mut(), paid)?;
            credit(&mut a.vault_cash, paid)?;
        }
        Transfer::ToMargin(x) => {
            let mut margin = a.margin.unwrap_or_default();
            debit(&mut a.collateral, int128(x)?)?;
            credit(&mut margin, int128(x)?)?;
            a.margin = Some(margin);
        }
        Transfer::ToCollateral(x) => {
            let mut margin = a.margin.unwrap_or_default();
            debit(&mut margin, int128(x)?)?;
            credit(&mut a.collateral, int128(x)?)?;
            a.margin = Some(margin);
        }
        Transfer::ProvideLiquidity(x) => {
            f.inflow = int128(x)?;
            credit(&mut a.vault_cash, f.inflow)?;
        }
        Transfer::ClaimLiquidity(x) => {
            debit(&mut a.vault_cash, int128(x)?)?;
            f.outflow = x;
        }
        Transfer::SweepFees(x) => {
            a.insurance_fees = a.insurance_fees.checked_sub(x)?;
            f.outflow = x;
        }
        Transfer::CoverFailed(x) => {
            debit(&mut a.vault_cash, int128(x)?)?;
            debit(&mut f.inflow, int128(x)?)?;
        }
        Transfer::WriteOff => m.clear_negative_collateral()?,
    }
    Ok(m)
}

/// Attached collateral credited to `C`.
pub fn deposit(b: Balances, amount: Uint128) -> RiskResult<Moved> {
    transfer(b, Transfer::Deposit(amount))
}

/// `C` paid out to the account (the free-collateral check is the caller's).
pub fn withdraw(b: Balances, amount: Uint128) -> RiskResult<Moved> {
    transfer(b, Transfer::Withdraw(amount))
}

/// Funding settled into the book: `paid` (negative: received) leaves the book for the vault.
pub fn settle_funding(b: Balances, paid: Int128) -> RiskResult<Moved> {
    transfer(b, Transfer::Funding(paid))
}

/// `amount` moves from `C` into the isolated margin `M` (`add_margin`).
pub fn collateral_to_margin(b: Balances, amount: Uint128) -> RiskResult<Moved> {
    transfer(b, Transfer::ToMargin(amount))
}

/// `amount` moves from the isolated margin `M` back to `C` (`remove_margin`).
pub fn margin_to_collateral(b: Balances, amount: Uint128) -> RiskResult<Moved> {
    transfer(b, Transfer::ToCollateral(amount))
}

/// A fill (a trade or a close at the settlement price), as the risk functions priced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fill {
    /// Margin an isolated position being opened takes out of `C`.
    pub margin_from_collateral: Uint128,
    /// Realized PnL of the reduced part, base units (rounded down by `apply_fill`), at face
    /// value: a profit is settled under `payout`.
    pub realized_pnl: Int128,
    /// Fee the book pays.
    pub fee: Uint128,
    /// Part of `fee` kept for the insurance fund (the rest goes to the vault).
    pub insurance_fee: Uint128,
    /// The fill closed the position: an isolated margin returns to `C` or becomes shortfall.
    pub position_closed: bool,
    /// The fill left the cross book flat and a bankrupt one goes to the bad-debt path.
    pub clear_cross_book: bool,
    /// What a profit is paid against.
    pub payout: Payout,
}

/// A fill: new isolated margin out of `C`, the fee out of the book (insurance share kept apart),
/// a realized loss into the vault and a realized profit from it as far as it can pay
/// (`Moved::payout`), then the close rules.
pub fn fill(b: Balances, f: &Fill) -> RiskResult<Moved> {
    let mut m = Moved::new(b);
    if !f.margin_from_collateral.is_zero() {
        m = collateral_to_margin(b, f.margin_from_collateral)?;
    }
    let vault_fee = f.fee.checked_sub(f.insurance_fee)?;
    debit(m.after.book_mut(), int128(f.fee)?)?;
    credit(&mut m.after.vault_cash, int128(vault_fee)?)?;
    m.after.insurance_fees = m.after.insurance_fees.checked_add(f.insurance_fee)?;
    if f.realized_pnl.is_negative() {
        m.realize(f.realized_pnl)?;
    } else {
        m.realize_profit(f.realized_pnl.unsigned_abs(), &f.payout)?;
    }
    if f.position_closed {
        m.close_isolated()?;
    }
    if f.clear_cross_book && m.after.margin.is_none() && m.closed_margin.is_none() {
        m.clear_negative_collateral()?;
    }
    Ok(m)
}

/// A position of a settled market closes at the settlement price: PnL realized (a profit as far
/// as the vault can pay, no haircut), no fee. A cross loss stays on `C` (a flat cross book below
/// zero is for `liquidate`).
pub fn settle_close(
    b: Balances,
    realized_pnl: Int128,
    owed_by_others: Uint128,
) -> RiskResult<Moved> {
    fill(
        b,
        &Fill {
            realized_pnl,
            position_closed: true,
            payout: Payout {
                haircut: None,
                owed_by_others,
            },
            ..Fill::default()
        },
    )
}

/// Funding a book receives (`amount`, face value) paid from vault cash as far as it can pay
/// (a profit like any other, issue 12: [`payable`]); the rest is pending. No haircut here: the
/// funding stays exact (paid + pending), and a pending part shares the haircut when it is paid.
pub fn receive_funding(b: Balances, amount: Uint128, owed_by_others: Uint128) -> RiskResult<Moved> {
    let mut m = Moved::new(b);
    let terms = Payout {
        haircut: None,
        owed_by_others,
    };
    m.realize_profit(amount, &terms)?;
    Ok(m)
}

/// A pending payout of the account (face value `claim`) settled into `C` as far as the vault can
/// pay ([`settle_profit`] under `terms`); what is neither paid nor forgiven stays pending.
pub fn pay_pending(b: Balances, claim: Uint128, terms: &Payout) -> RiskResult<Moved> {
    let mut m = Moved::new(Balances { margin: None, ..b });
    m.realize_profit(claim, terms)?;
    m.after.margin = b.margin;
    Ok(m)
}

/// A loss of the account beyond what its book holds, taken from its own pending payout `claim`
/// first (scenario 90): the claim is the vault's own liability, so reducing it by the loss
/// covers the loss exactly, at face value (`Moved::payout`: `paid` the part of the claim netted,
/// `pending` the rest). `booked`: the loss is a shortfall the vault's cash was already credited
/// with (a bankrupt book cleared to 0, `Flows::shortfall`): that much leaves vault cash again as
/// covered debt, as the waterfall's socialized part would; otherwise (a charge `C` could not
/// pay) the vault was credited nothing and no balance moves.
pub fn net_pending(b: Balances, loss: Uint128, claim: Uint128, booked: bool) -> RiskResult<Moved> {
    let mut m = Moved::new(b);
    let netted = loss.min(claim);
    m.payout = Settled {
        paid: netted,
        forgiven: Uint128::zero(),
        pending: claim.checked_sub(netted)?,
    };
    if booked {
        debit(&mut m.after.vault_cash, int128(netted)?)?;
        m.flows.covered = netted;
    }
    Ok(m)
}

/// One book's liquidation plan: each close's funding to the vault and PnL from it (a net gain
/// only as far as the vault could pay it: the rest is the plan's pending payout, `Moved::payout`),
/// the book's collateral replaced by the plan's, the insurance share kept, the reward paid out
/// and the bad debt left to the waterfall. A closed isolated position returns what is left of its
/// margin.
pub fn liquidation(
    b: Balances,
    plan: &LiquidationPlan,
    position_closed: bool,
) -> RiskResult<Moved> {
    let mut m = Moved::new(b);
    for c in &plan.closes {
        credit(&mut m.after.vault_cash, c.funding_paid)?;
        debit(&mut m.after.vault_cash, c.realized_pnl)?;
    }
    credit(&mut m.after.vault_cash, int128(plan.pending_payout)?)?;
    m.payout.pending = plan.pending_payout;
    *m.after.book_mut() = plan.collateral_after;
    m.after.insurance_fees = m.after.insurance_fees.checked_add(plan.insurance_share)?;
    m.flows.outflow = plan.liquidator_reward;
    m.flows.shortfall = plan.bad_debt;
    if position_closed {
        m.close_isolated()?;
    }
    Ok(m)
}

/// A shortfall paid through the waterfall: pending insurance fees first, then the fund (its
/// payment arrives in the same transaction, so the vault is credited when it is asked), the
/// rest socialized on vault cash.
pub fn cover(b: Balances, w: &Waterfall) -> RiskResult<Moved> {
    let mut m = Moved::new(b);
    m.after.insurance_fees = b.insurance_fees.checked_sub(w.from_fees)?;
    debit(&mut m.after.vault_cash, int128(w.socialized)?)?;
    m.flows.inflow = int128(w.from_fund)?;
    m.flows.covered = w.shortfall;
    Ok(m)
}

/// The fund's cover failed: it paid nothing, so what it was asked for is socialized.
pub fn cover_failed(b: Balances, requested: Uint128) -> RiskResult<Moved> {
    transfer(b, Transfer::CoverFailed(requested))
}

/// An LP deposit enters vault cash.
pub fn provide_liquidity(b: Balances, amount: Uint128) -> RiskResult<Moved> {
    transfer(b, Transfer::ProvideLiquidity(amount))
}

/// An LP payout leaves vault cash (the cash and backing checks are the caller's).
pub fn claim_liquidity(b: Balances, payout: Uint128) -> RiskResult<Moved> {
    transfer(b, Transfer::ClaimLiquidity(payout))
}

/// A flat account's negative `C` written off as a shortfall (no-op when `C ≥ 0`).
pub fn write_off(b: Balances) -> RiskResult<Moved> {
    transfer(b, Transfer::WriteOff)
}

/// `amount` of the pending insurance fees leaves for the fund (the caller bounds it by
/// [`crate::solvency::sweepable`]).
pub fn sweep_fees(b: Balances, amount: Uint128) -> RiskResult<Moved> {
    transfer(b, Transfer::SweepFees(amount))
}
