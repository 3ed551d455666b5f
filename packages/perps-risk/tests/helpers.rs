//! Small typed builders shared by the tests.

use std::str::FromStr;

use cosmwasm_std::{Decimal256, Int128, SignedDecimal256, Uint128};
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
    }
}

/// A book.
pub fn book(collateral: Int128, positions: Vec<BookPosition>) -> Book {
    Book {
        collateral,
        positions,
    }
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
