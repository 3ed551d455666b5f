//! Small typed builders shared by the tests.

use std::str::FromStr;

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};
use perps_risk::book::{book_health, BookHealth};
use perps_risk::{Book, BookParams, BookPosition, MarginTier, MarketRisk, Position, TierTable};

/// USDC-like collateral: 6 decimals.
pub const DEC: u8 = 6;

/// Decimal from a string.
pub fn d(s: &str) -> Decimal256 {
    Decimal256::from_str(s).unwrap()
}

/// Signed decimal from a string.
pub fn sd(s: &str) -> SignedDecimal256 {
    SignedDecimal256::from_str(s).unwrap()
}

/// Whole USDC to base units.
pub fn usdc(whole: i128) -> Int128 {
    Int128::new(whole * 1_000_000)
}

/// Whole USDC to unsigned base units.
pub fn usdc_u(whole: u128) -> Uint128 {
    Uint128::new(whole * 1_000_000)
}

/// One flat tier.
pub fn flat_tiers(imr: &str, mmr: &str) -> TierTable {
    TierTable::new(&[MarginTier {
        max_notional: None,
        initial_margin_ratio: d(imr),
        maintenance_margin_ratio: d(mmr),
    }])
    .unwrap()
}

/// Three brackets: 10 %/5 % up to 100k USDC, 20 %/10 % up to 1M, 50 %/25 % above.
pub fn three_tiers() -> TierTable {
    TierTable::new(&[
        MarginTier {
            max_notional: Some(usdc_u(100_000)),
            initial_margin_ratio: d("0.1"),
            maintenance_margin_ratio: d("0.05"),
        },
        MarginTier {
            max_notional: Some(usdc_u(1_000_000)),
            initial_margin_ratio: d("0.2"),
            maintenance_margin_ratio: d("0.1"),
        },
        MarginTier {
            max_notional: None,
            initial_margin_ratio: d("0.5"),
            maintenance_margin_ratio: d("0.25"),
        },
    ])
    .unwrap()
}

/// Market parameters with a liquidation fee of 1 % and a minimum order of 0.001.
pub fn market(tiers: TierTable) -> MarketRisk {
    MarketRisk {
        tiers,
        liquidation_fee: d("0.01"),
        min_order_size: d("0.001"),
    }
}

/// A live position with no accrued funding.
pub fn pos(size: &str, entry: &str, mark: &str, tiers: TierTable) -> BookPosition {
    BookPosition {
        position: Position {
            size: sd(size),
            entry_price: d(entry),
            funding_index_at_entry: SignedDecimal256::zero(),
        },
        mark_price: d(mark),
        funding_index: SignedDecimal256::zero(),
        market: market(tiers),
        price_live: true,
        settled: false,
    }
}

/// A book.
pub fn book(collateral: Int128, positions: Vec<BookPosition>) -> Book {
    Book {
        collateral,
        positions,
    }
}

/// A book of positions `(size, entry, mark)`, each at the flat 10 % / 5 % tiers.
pub fn flat_book(collateral: Int128, positions: &[(&str, &str, &str)]) -> Book {
    let tiers = flat_tiers("0.1", "0.05");
    let positions = positions
        .iter()
        .map(|(size, entry, mark)| pos(size, entry, mark, tiers.clone()))
        .collect();
    book(collateral, positions)
}

/// `b`'s health (profit weight 0), asserted: its equity, then its initial margin, maintenance
/// margin, free collateral and total notional, in whole USDC.
pub fn health_is(b: &Book, equity: i128, [im, mm, free, notional]: [u128; 4]) -> BookHealth {
    let h = book_health(b, &params()).unwrap();
    assert_eq!(h.equity, usdc(equity));
    assert_eq!(
        [
            h.initial_margin,
            h.maintenance_margin,
            h.free_collateral,
            h.total_notional
        ],
        [im, mm, free, notional].map(usdc_u)
    );
    h
}

/// 6 decimals, profit weight 0.
pub fn params() -> BookParams {
    BookParams {
        collateral_decimals: DEC,
        unrealized_profit_weight: Decimal256::zero(),
    }
}

/// 6 decimals, profit weight `w`.
pub fn params_w(w: &str) -> BookParams {
    BookParams {
        collateral_decimals: DEC,
        unrealized_profit_weight: d(w),
    }
}

/// The smallest price step.
pub fn tick() -> Decimal256 {
    Decimal256::new(1u128.into())
}

/// A decimal from atomics (18 decimals).
pub fn atoms(a: u128) -> Decimal256 {
    Decimal256::new(a.into())
}

/// A decimal `units + frac/10^6`.
pub fn dec_micro(micro: u128) -> Decimal256 {
    Decimal256::from_atomics(micro, 6).unwrap()
}

/// A signed decimal from a micro-unit count.
pub fn sdec_micro(micro: i128) -> SignedDecimal256 {
    SignedDecimal256::from_atomics(micro, 6).unwrap()
}

/// Tiers from (bound_whole_usdc, mmr_bps, extra_imr_bps) triples: mmr and imr made
/// non-decreasing, bounds strictly ascending, the last unbounded.
pub fn tiers_from(spec: &[(u128, u32, u32)]) -> TierTable {
    let mut out = Vec::new();
    let mut bound = 0u128;
    let (mut mmr, mut imr) = (0u32, 0u32);
    for (k, &(step, m, extra)) in spec.iter().enumerate() {
        mmr = mmr.max(m.clamp(1, 5_000));
        imr = imr.max(mmr + extra.clamp(1, 5_000)).min(10_000);
        bound += step.max(1);
        out.push(MarginTier {
            max_notional: (k + 1 < spec.len()).then(|| Uint128::new(bound * 1_000_000)),
            initial_margin_ratio: Decimal256::bps(imr as u64),
            maintenance_margin_ratio: Decimal256::bps(mmr as u64),
        });
    }
    TierTable::new(&out).unwrap()
}

/// `remove_margin` of exactly `max` from the margin `m` of `p` passes and leaves `left`; one base
/// unit more is refused with the margin after it (`margin_after`, base units, position value
/// included) below `required`.
pub fn assert_remove_margin_bound(
    m: Int128,
    p: &BookPosition,
    (max, left): (Uint128, Int128),
    margin_after: i128,
    required: Uint128,
) {
    use perps_risk::book::check_remove_margin;
    use perps_risk::RiskError;
    assert_eq!(check_remove_margin(m, p, max, DEC).unwrap(), left);
    let amount = max + Uint128::one();
    assert_eq!(
        check_remove_margin(m, p, amount, DEC).unwrap_err(),
        RiskError::RemoveMarginTooLarge {
            amount,
            margin_after: Int128::new(margin_after),
            required,
        }
    );
}
