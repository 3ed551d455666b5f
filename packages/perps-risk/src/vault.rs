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

use cosmwasm_std::{Decimal256, Int128, Int256, SignedDecimal256, Uint128};

use crate::error::RiskError;
use crate::num::{
    add, base_units_per_whole, from_int, mul, mul_div, signed, sub, unsigned_abs, Quote, Round,
};
use crate::position::{notional_of, Position};

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

/// `s·E` as accumulated in `entry_cost_sum` (rounded down, deterministic).
pub fn entry_cost(pos: &Position) -> Result<SignedDecimal256, RiskError> {
    mul(pos.size, signed(pos.entry_price)?, Round::Down)
}

/// `s·f` as accumulated in `funding_basis_sum` (rounded down, deterministic).
pub fn funding_basis(pos: &Position) -> Result<SignedDecimal256, RiskError> {
    mul(pos.size, pos.funding_index_at_entry, Round::Down)
}

impl MarketAggregate {
    /// `K = long_oi − short_oi`.
    pub fn skew(&self) -> Result<SignedDecimal256, RiskError> {
        sub(signed(self.long_oi)?, signed(self.short_oi)?)
    }

    /// Add a position as stored after a change.
    pub fn add(&mut self, pos: &Position) -> Result<(), RiskError> {
        let mag = unsigned_abs(pos.size);
        if pos.size.is_negative() {
            self.short_oi = self.short_oi.checked_add(mag)?;
        } else {
            self.long_oi = self.long_oi.checked_add(mag)?;
        }
        self.entry_cost_sum = add(self.entry_cost_sum, entry_cost(pos)?)?;
        self.funding_basis_sum = add(self.funding_basis_sum, funding_basis(pos)?)?;
        Ok(())
    }

    /// Remove a position as stored before a change. Removing more OI than recorded is an
    /// error (the aggregate would no longer match the positions).
    pub fn remove(&mut self, pos: &Position) -> Result<(), RiskError> {
        let mag = unsigned_abs(pos.size);
        let bad = |_| RiskError::InvalidParameter {
            name: "position",
            reason: "removing more open interest than recorded".to_string(),
        };
        if pos.size.is_negative() {
            self.short_oi = self.short_oi.checked_sub(mag).map_err(bad)?;
        } else {
            self.long_oi = self.long_oi.checked_sub(mag).map_err(bad)?;
        }
        self.entry_cost_sum = sub(self.entry_cost_sum, entry_cost(pos)?)?;
        self.funding_basis_sum = sub(self.funding_basis_sum, funding_basis(pos)?)?;
        Ok(())
    }

    /// Replace `old` (as stored before) by `new` (as stored after); `None` = no position.
    pub fn replace(
        &mut self,
        old: Option<&Position>,
        new: Option<&Position>,
    ) -> Result<(), RiskError> {
        if let Some(o) = old {
            self.remove(o)?;
        }
        if let Some(n) = new {
            self.add(n)?;
        }
        Ok(())
    }

    /// `Σ U` over the market's positions at `price`, base units, rounded in direction `r`.
    pub fn total_unrealized_pnl(
        &self,
        price: Decimal256,
        decimals: u8,
        r: Round,
    ) -> Result<Quote, RiskError> {
        self.total_at(signed(price)?, self.entry_cost_sum, decimals, r)
    }

    /// `Σ A` over the market's positions at `funding_index`, base units, rounded in direction `r`.
    pub fn total_accrued_funding(
        &self,
        funding_index: SignedDecimal256,
        decimals: u8,
        r: Round,
    ) -> Result<Quote, RiskError> {
        self.total_at(funding_index, self.funding_basis_sum, decimals, r)
    }

    /// `K·x − basis` in base units, rounded in direction `r`: the sum over the market's positions
    /// of `s·(x − x_entry)`, kept as the running `basis = Σ s·x_entry`.
    fn total_at(
        &self,
        x: SignedDecimal256,
        basis: SignedDecimal256,
        decimals: u8,
        r: Round,
    ) -> Result<Quote, RiskError> {
        let whole = sub(mul(self.skew()?, x, r)?, basis)?;
        mul(whole, base_units_per_whole(decimals)?, r).map(Quote)
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
    /// The market's impact cap (`max_price_impact`; unused when `skew_scale = 0`).
    pub max_price_impact: Decimal256,
}

/// `V = cash − Σ_m (U_m − A_m) − Σ_m L_m`, base units, exact and rounded against the vault
/// (traders' claims up, impact liability up). `L_m` is [`impact_liability`]: `P·K²/(2·S)` while
/// `|K| ≤ 3·max_price_impact·S`, less beyond (the impact a trader can take back is clamped).
pub fn vault_equity(
    cash: Int128,
    markets: &[VaultMarket],
    decimals: u8,
) -> Result<Quote, RiskError> {
    let mut v = Quote::from_base_units(cash);
    for m in markets {
        v = v.checked_sub(market_liability(m, decimals)?)?;
    }
    Ok(v)
}

/// What the vault owes the traders of one market: `Σ U − Σ A + P·K²/(2·skew_scale)`, base
/// units, exact and rounded against the vault (U up, A down, premium up). `V = cash − Σ_m` of
/// it, so the engine can keep `Σ_m` current one market at a time (DESIGN 6.10: other markets at
/// their last price).
pub fn market_liability(m: &VaultMarket, decimals: u8) -> Result<Quote, RiskError> {
    let k = m.aggregate.skew()?;
    let price = valuation_price(m)?;
    let impact = ImpactParams {
        skew_scale: m.skew_scale,
        max_price_impact: m.max_price_impact,
    };
    unrealized_less_accrued(m, price, decimals, [Round::Up, Round::Down])?
        .checked_add(impact_liability(price, k, impact, decimals)?)
}

/// The traders' net `Σ U − Σ A` in one market, base units, rounded DOWN (U down, A up): as a
/// lower bound of the profit its positions hold, `max(0, ·)` summed over markets bounds from
/// below the "Σ over positions in profit" of the haircut (a smaller sum, a smaller `h`).
pub fn market_trader_pnl(m: &VaultMarket, decimals: u8) -> Result<Quote, RiskError> {
    let price = valuation_price(m)?;
    unrealized_less_accrued(m, price, decimals, [Round::Down, Round::Up])
}

/// The price a market's positions are valued at: its mark; with no mark, 0 when `K = 0` (then
/// `Σ U = −Σ s·E` does not depend on the price), refused otherwise.
fn valuation_price(m: &VaultMarket) -> Result<Decimal256, RiskError> {
    match m.mark_price {
        Some(p) => Ok(p),
        None if m.aggregate.skew()?.is_zero() => Ok(Decimal256::zero()),
        None => Err(mark_required()),
    }
}

fn mark_required() -> RiskError {
    RiskError::InvalidParameter {
        name: "mark_price",
        reason: "required for a market with open skew".to_string(),
    }
}

/// `Σ U − Σ A` of one market at `price`, base units, `U` and `A` rounded as `[u, a]` say.
fn unrealized_less_accrued(
    m: &VaultMarket,
    price: Decimal256,
    decimals: u8,
    [u_round, a_round]: [Round; 2],
) -> Result<Quote, RiskError> {
    let u = m.aggregate.total_unrealized_pnl(price, decimals, u_round)?;
    let a = m
        .aggregate
        .total_accrued_funding(m.funding_index, decimals, a_round)?;
    u.checked_sub(a)
}

/// The vault's exposure to one market, `|K|·P` in base units, rounded up (0 when `K = 0`).
pub fn market_exposure(m: &VaultMarket, decimals: u8) -> Result<Quote, RiskError> {
    let k = m.aggregate.skew()?;
    match (k.is_zero(), m.mark_price) {
        (true, _) => Ok(Quote::ZERO),
        (false, Some(p)) => notional_of(k, p, decimals, Round::Up),
        (false, None) => Err(mark_required()),
    }
}

/// The two market parameters the skew impact depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImpactParams {
    /// `S` (0 = no impact).
    pub skew_scale: Decimal256,
    /// `cap`: the largest skew a trade may leave is `cap·S`; a reduction's impact is clamped to
    /// `±cap` (DESIGN 6.5).
    pub max_price_impact: Decimal256,
}

/// How far (in multiples of `cap·S`) the liability stays the unclamped `P·K²/(2S)`.
const UNCLAMPED_REACH: i128 = 3;

/// The most impact the vault can be made to pay back from skew `K` at price `P` before the
/// market is flat, base units, rounded up (0 when `S = 0` or `K = 0`):
///
/// `L = P·(n²/(2S) + cap·(|K| − n))` with `n = min(|K|, 3·cap·S)`.
///
/// Why this and not the integral `P·(m²/(2S) + cap·(|K| − m))`, `m = min(|K|, cap·S)` (the
/// impact paid when the skew unwinds in infinitely small steps): [`crate::trade::fill_price`]
/// clamps the impact of a whole trade at its midpoint, so a trade straddling `cap·S` is paid more
/// than the integral over its width (one close of `K = 2·cap·S` pays `P·K²/(2S)`), and a trade
/// crossing zero (judged by the skew it leaves, `≤ cap·S`) is paid the clamped premium on its
/// opening part too. Over every sequence of trades `fill_price` accepts that ends flat, the vault
/// pays at most `L` (property-tested), and `L` is reached: from `|K| > cap·S` by one trade to
/// `∓cap·S` and its close. So `V` stays a lower bound, as everywhere else. For `|K| ≤ 3·cap·S`
/// (every skew trades can build) it is the unclamped `P·K²/(2S)`; beyond (after a forced
/// `skew_scale` change or a lowered cap) it grows by `P·cap` per unit of skew, not `P·|K|/S`.
pub fn impact_liability(
    price: Decimal256,
    skew: SignedDecimal256,
    impact: ImpactParams,
    decimals: u8,
) -> Result<Quote, RiskError> {
    if impact.skew_scale.is_zero() || skew.is_zero() {
        return Ok(Quote::ZERO);
    }
    let scale = signed(impact.skew_scale)?;
    let cap = signed(impact.max_price_impact)?;
    let abs_k = signed(unsigned_abs(skew))?;
    // rounded up: for n ≥ cap·S a larger n only raises L
    let reach = mul(
        from_int(Int256::from(UNCLAMPED_REACH))?,
        mul(cap, scale, Round::Up)?,
        Round::Up,
    )?;
    let n = abs_k.min(reach);
    let price_bu = mul(signed(price)?, base_units_per_whole(decimals)?, Round::Up)?;
    let two_scale = mul(from_int(Int256::from(2i128))?, scale, Round::Down)?;
    let quadratic = mul_div(mul(price_bu, n, Round::Up)?, n, two_scale, Round::Up)?;
    let linear = mul(mul(price_bu, cap, Round::Up)?, sub(abs_k, n)?, Round::Up)?;
    add(quadratic, linear).map(Quote)
}

/// What a change of a market's impact parameters from `old` to `new` moves into vault equity at
/// an unchanged price: `ΔV = L_old − L_new` ([`impact_liability`]), base units, rounded down
/// (DESIGN 6.9: reported by `update_market`). Negative when the vault loses (it owes more impact
/// back). While `|K| ≤ 3·cap·S` on both sides this is `P·K²/2·(1/S_old − 1/S_new)`.
pub fn impact_change_value(
    price: Decimal256,
    skew: SignedDecimal256,
    old: ImpactParams,
    new: ImpactParams,
    decimals: u8,
) -> Result<Int128, RiskError> {
    let before = impact_liability(price, skew, old, decimals)?;
    let after = impact_liability(price, skew, new, decimals)?;
    before.checked_sub(after)?.floor()
}

/// `vault_min_backing · Σ_m |K_m|·P_m`, base units, rounded up.
pub fn vault_required_backing(
    markets: &[VaultMarket],
    vault_min_backing: Decimal256,
    decimals: u8,
) -> Result<Quote, RiskError> {
    let mut total = Quote::ZERO;
    for m in markets {
        total = total.checked_add(market_exposure(m, decimals)?)?;
    }
    total.mul_ratio(vault_min_backing, Round::Up)
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
) -> Result<SharesMinted, RiskError> {
    if amount.is_zero() {
        return Err(RiskError::ZeroShares { amount });
    }
    if total_shares.is_zero() {
        let locked = Uint128::new(10u128.pow(u32::from(decimals.min(18))));
        let minimum = locked.checked_mul(Uint128::new(2))?;
        if amount < minimum {
            return Err(RiskError::FirstDepositTooSmall { amount, minimum });
        }
        return Ok(SharesMinted {
            minted: amount,
            locked,
        });
    }
    if vault_equity <= Quote::ZERO {
        return Err(RiskError::VaultInsolvent {
            equity: vault_equity.floor()?,
            total_shares,
        });
    }
    let minted = Quote(mul_div(
        Quote::from_base_units_u(amount).0,
        Quote::from_base_units_u(total_shares).0,
        vault_equity.0,
        Round::Down,
    )?)
    .to_base_units_u(Round::Down)?;
    if minted.is_zero() {
        return Err(RiskError::ZeroShares { amount });
    }
    Ok(SharesMinted {
        minted,
        locked: Uint128::zero(),
    })
}

/// Payout for redeeming `shares`: `shares·V/total`, rounded down, 0 when `V ≤ 0`.
pub fn redeem_value(
    shares: Uint128,
    total_shares: Uint128,
    vault_equity: Quote,
) -> Result<Uint128, RiskError> {
    if shares > total_shares {
        return Err(RiskError::SharesExceedTotal {
            shares,
            total_shares,
        });
    }
    if shares.is_zero() || vault_equity <= Quote::ZERO {
        return Ok(Uint128::zero());
    }
    Quote(mul_div(
        Quote::from_base_units_u(shares).0,
        vault_equity.0,
        Quote::from_base_units_u(total_shares).0,
        Round::Down,
    )?)
    .to_base_units_u(Round::Down)
}
