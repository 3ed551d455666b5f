//! The vault: per-market aggregates, vault equity, LP shares.
//!
//! Aggregates make `Σ U` and `Σ A` over every position of a market O(1):
//! `Σ U = K·P − Σ s·E` (times 10^decimals) and `Σ A = K·F − Σ s·f`, with
//! `K = long_oi − short_oi`, `entry_cost_sum = Σ s·E` and `funding_basis_sum = Σ s·f`.
//! The engine must call [`MarketAggregate::remove`] with the position as stored BEFORE every
//! change and [`MarketAggregate::add`] with the position as stored AFTER it (open, increase,
//! reduce, flip, funding settlement, liquidation, settlement close). Both use the same
//! truncated products ([`entry_cost`], [`funding_basis`]), so the aggregate always equals the
//! recomputation from the stored positions exactly.

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};

use crate::error::{RiskError, RiskResult};
use crate::num::Quote;
use crate::position::Position;

/// Per-market aggregates of open positions (part of `MarketState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MarketAggregate {
    /// Σ positive sizes.
    pub long_oi: Decimal256,
    /// Σ |negative sizes|.
    pub short_oi: Decimal256,
    /// Σ s·E (quote whole units; signed).
    pub entry_cost_sum: SignedDecimal256,
    /// Σ s·f (funding index at entry times size; signed).
    pub funding_basis_sum: SignedDecimal256,
}

/// `s·E` as accumulated in `entry_cost_sum` (truncated toward zero, deterministic).
pub fn entry_cost(pos: &Position) -> RiskResult<SignedDecimal256> {
    let _ = pos;
    Err(RiskError::Unimplemented("entry_cost"))
}

/// `s·f` as accumulated in `funding_basis_sum` (truncated toward zero, deterministic).
pub fn funding_basis(pos: &Position) -> RiskResult<SignedDecimal256> {
    let _ = pos;
    Err(RiskError::Unimplemented("funding_basis"))
}

impl MarketAggregate {
    /// `K = long_oi − short_oi`.
    pub fn skew(&self) -> RiskResult<SignedDecimal256> {
        Err(RiskError::Unimplemented("skew"))
    }

    /// Add a position as stored after a change.
    pub fn add(&mut self, pos: &Position) -> RiskResult<()> {
        let _ = pos;
        Err(RiskError::Unimplemented("add"))
    }

    /// Remove a position as stored before a change.
    pub fn remove(&mut self, pos: &Position) -> RiskResult<()> {
        let _ = pos;
        Err(RiskError::Unimplemented("remove"))
    }
}

/// One market as the vault sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultMarket {
    /// The market's aggregates.
    pub aggregate: MarketAggregate,
    /// Mark (or settlement) price; may be `None` only when `K = 0`.
    pub mark_price: Option<Decimal256>,
    /// Current funding index including accrual.
    pub funding_index: SignedDecimal256,
    /// Skew scale (0 = no impact premium).
    pub skew_scale: Decimal256,
}

/// `V = cash − Σ_m (U_m − A_m) − Σ_m P_m·K_m²/(2·skew_scale_m)`, base units, exact and rounded
/// against the vault (traders' claims up, premium up).
pub fn vault_equity(cash: Int128, markets: &[VaultMarket], decimals: u8) -> RiskResult<Quote> {
    let _ = (cash, markets, decimals);
    Err(RiskError::Unimplemented("vault_equity"))
}

/// `vault_min_backing · Σ_m |K_m|·P_m`, base units, rounded up.
pub fn vault_required_backing(
    markets: &[VaultMarket],
    vault_min_backing: Decimal256,
    decimals: u8,
) -> RiskResult<Quote> {
    let _ = (markets, vault_min_backing, decimals);
    Err(RiskError::Unimplemented("vault_required_backing"))
}

/// Shares minted by an LP deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharesMinted {
    /// New shares in total (add to `total_shares`).
    pub minted: Uint128,
    /// Of those, locked forever (first deposit only: `10^decimals`); the LP gets `minted − locked`.
    pub locked: Uint128,
}

/// Shares for a deposit of `amount`: `amount·total/V` rounded down; the first deposit
/// (`total_shares = 0`) mints `amount` with `10^decimals` locked and must be ≥ twice that.
/// Refused when `V ≤ 0` with shares outstanding or when it would mint 0.
pub fn shares_to_mint(
    amount: Uint128,
    total_shares: Uint128,
    vault_equity: Quote,
    decimals: u8,
) -> RiskResult<SharesMinted> {
    let _ = (amount, total_shares, vault_equity, decimals);
    Err(RiskError::Unimplemented("shares_to_mint"))
}

/// Payout for redeeming `shares`: `shares·V/total`, rounded down, 0 when `V ≤ 0`.
pub fn redeem_value(
    shares: Uint128,
    total_shares: Uint128,
    vault_equity: Quote,
) -> RiskResult<Uint128> {
    let _ = (shares, total_shares, vault_equity);
    Err(RiskError::Unimplemented("redeem_value"))
}
