//! Worked examples: aggregates, vault equity, LP shares.

use cosmwasm_std::{Int128, SignedDecimal256, Uint128};
use perps_risk::vault::{
    impact_change_value, impact_liability, redeem_value, shares_to_mint, vault_equity,
    vault_required_backing, ImpactParams, MarketAggregate, SharesMinted, VaultMarket,
};
use perps_risk::{Position, Quote, RiskError};

use crate::helpers::*;

fn p(size: &str, entry: &str, f: &str) -> Position {
    Position {
        size: sd(size),
        entry_price: d(entry),
        funding_index_at_entry: sd(f),
    }
}

fn sample() -> (MarketAggregate, Vec<Position>) {
    let ps = vec![
        p("2", "100", "0"),
        p("1", "130", "0.5"),
        p("-1", "120", "0.2"),
    ];
    let mut agg = MarketAggregate::default();
    for x in &ps {
        agg.add(x).unwrap();
    }
    (agg, ps)
}

#[test]
fn aggregates_give_sum_u_and_sum_a_in_constant_time() {
    let (agg, ps) = sample();
    // long_oi 3, short_oi 1, K = 2; Σ s·E = 200 + 130 − 120 = 210; Σ s·f = 0 + 0.5 − 0.2 = 0.3
    assert_eq!((agg.long_oi, agg.short_oi), (d("3"), d("1")));
    assert_eq!(agg.skew().unwrap(), sd("2"));
    assert_eq!(
        (agg.entry_cost_sum, agg.funding_basis_sum),
        (sd("210"), sd("0.3"))
    );
    // at P = 110: Σ U = 2·110 − 210 = 10 (= 2·10 + 1·(−20) + (−1)·(−10)); ·10^6 base units
    let u = agg
        .total_unrealized_pnl(d("110"), DEC, perps_risk::Round::Down)
        .unwrap();
    assert_eq!(u.floor().unwrap(), usdc(10));
    // at F = 1: Σ A = 2·1 − 0.3 = 1.7 (= 2·1 + 1·0.5 + (−1)·0.8)
    let a = agg
        .total_accrued_funding(sd("1"), DEC, perps_risk::Round::Down)
        .unwrap();
    assert_eq!(a.floor().unwrap(), Int128::new(1_700_000));
    // remove every position → back to zero exactly
    let mut empty = agg;
    for x in &ps {
        empty.remove(x).unwrap();
    }
    assert_eq!(empty, MarketAggregate::default());
    // removing what was never added is refused
    assert!(matches!(
        MarketAggregate::default().remove(&ps[0]),
        Err(RiskError::InvalidParameter { .. })
    ));
}

#[test]
fn vault_equity_counts_claims_funding_and_the_skew_premium() {
    let (agg, _) = sample();
    // cash 1,000; Σ U = 10; Σ A = 1.7; premium P·K²/(2·scale) = 110·4/200 = 2.2
    // V = 1,000 − (10 − 1.7) − 2.2 = 989.5
    let m = VaultMarket {
        aggregate: agg,
        mark_price: Some(d("110")),
        funding_index: sd("1"),
        skew_scale: d("100"),
        max_price_impact: d("0.5"),
    };
    let v = vault_equity(usdc(1_000), std::slice::from_ref(&m), DEC).unwrap();
    assert_eq!(v, Quote::from_base_units(Int128::new(989_500_000)));
    // no impact term without a scale: 1,000 − 8.3 = 991.7
    let m0 = VaultMarket {
        skew_scale: d("0"),
        ..m.clone()
    };
    assert_eq!(
        vault_equity(usdc(1_000), &[m0], DEC)
            .unwrap()
            .floor()
            .unwrap(),
        Int128::new(991_700_000)
    );
    // backing 0.5·|K|·P = 0.5·2·110 = 110
    let b = vault_required_backing(std::slice::from_ref(&m), d("0.5"), DEC).unwrap();
    assert_eq!(b.ceil().unwrap(), usdc(110));
    // a market with open skew needs a price; with K = 0 it does not
    let no_price = VaultMarket {
        mark_price: None,
        ..m
    };
    assert!(matches!(
        vault_equity(usdc(1), &[no_price], DEC),
        Err(RiskError::InvalidParameter { .. })
    ));
    let mut flat = MarketAggregate::default();
    flat.add(&p("1", "100", "0")).unwrap();
    flat.add(&p("-1", "90", "0")).unwrap();
    // K = 0: Σ U = −(100 − 90) = −10 whatever the price → V = 1,000 + 10
    let m = VaultMarket {
        aggregate: flat,
        mark_price: None,
        funding_index: sd("0"),
        skew_scale: d("100"),
        max_price_impact: d("0.5"),
    };
    assert_eq!(
        vault_equity(usdc(1_000), &[m], DEC)
            .unwrap()
            .floor()
            .unwrap(),
        usdc(1_010)
    );
}

#[test]
fn lp_shares_mint_and_redeem() {
    // first deposit: 2 USDC = 2·10^6 → mints 2,000,000 of which 10^6 locked
    let first = shares_to_mint(usdc_u(2), Uint128::zero(), Quote::ZERO, DEC).unwrap();
    assert_eq!(
        first,
        SharesMinted {
            minted: usdc_u(2),
            locked: usdc_u(1)
        }
    );
    // one unit less is refused
    let err =
        shares_to_mint(Uint128::new(1_999_999), Uint128::zero(), Quote::ZERO, DEC).unwrap_err();
    assert_eq!(
        err,
        RiskError::FirstDepositTooSmall {
            amount: Uint128::new(1_999_999),
            minimum: usdc_u(2)
        }
    );
    // total 2,000,000 shares, V = 4 USDC: deposit 1 USDC → 1,000,000·2,000,000/4,000,000 = 500,000
    let v = Quote::from_base_units(usdc(4));
    let m = shares_to_mint(usdc_u(1), usdc_u(2), v, DEC).unwrap();
    assert_eq!(
        m,
        SharesMinted {
            minted: Uint128::new(500_000),
            locked: Uint128::zero()
        }
    );
    // 1 base unit → 0.5 share → 0 → refused
    assert_eq!(
        shares_to_mint(Uint128::one(), usdc_u(2), v, DEC).unwrap_err(),
        RiskError::ZeroShares {
            amount: Uint128::one()
        }
    );
    // V ≤ 0 with shares out → refused
    let err = shares_to_mint(usdc_u(1), usdc_u(2), Quote::ZERO, DEC).unwrap_err();
    assert_eq!(
        err,
        RiskError::VaultInsolvent {
            equity: Int128::zero(),
            total_shares: usdc_u(2)
        }
    );
    // redeem 500,000 of 2,500,000 at V = 5,000,001: floor(1,000,000.2) = 1,000,000
    let v = Quote::from_base_units(Int128::new(5_000_001));
    assert_eq!(
        redeem_value(Uint128::new(500_000), Uint128::new(2_500_000), v).unwrap(),
        Uint128::new(1_000_000)
    );
    // V < 0 → 0; more shares than exist → refused
    let neg = Quote::from_base_units(Int128::new(-5));
    assert_eq!(
        redeem_value(Uint128::new(1), Uint128::new(2), neg).unwrap(),
        Uint128::zero()
    );
    assert!(matches!(
        redeem_value(Uint128::new(3), Uint128::new(2), v),
        Err(RiskError::SharesExceedTotal { .. })
    ));
    let _ = SignedDecimal256::zero();
}

#[test]
fn replace_is_remove_then_add() {
    // long 2 @ 100 grows to 3 @ 102 (entry up): Σ s·E goes 200 → 306, long_oi 2 → 3
    let (mut agg, _) = sample();
    let old = p("2", "100", "0");
    let new = p("3", "102", "0");
    agg.replace(Some(&old), Some(&new)).unwrap();
    assert_eq!((agg.long_oi, agg.entry_cost_sum), (d("4"), sd("316")));
    // closing it entirely
    agg.replace(Some(&new), None).unwrap();
    assert_eq!(
        (agg.long_oi, agg.short_oi, agg.entry_cost_sum),
        (d("1"), d("1"), sd("10"))
    );
    assert_eq!(agg.skew().unwrap(), sd("0"));
}

#[test]
fn redeeming_every_share_pays_the_whole_equity() {
    // 7 of 7 shares at V = 10.5 base units → 10 (down)
    let v = Quote(sd("10.5"));
    assert_eq!(
        redeem_value(Uint128::new(7), Uint128::new(7), v).unwrap(),
        Uint128::new(10)
    );
}

#[test]
fn redeeming_nothing_from_a_vault_without_shares_pays_nothing() {
    // no shares outstanding, V = 100 USDC left (e.g. realized vault PnL after every LP left):
    // redeeming 0 of 0 shares pays 0 and does not divide by the zero total
    let v = Quote::from_base_units(usdc(100));
    assert_eq!(
        redeem_value(Uint128::zero(), Uint128::zero(), v).unwrap(),
        Uint128::zero()
    );
    // 0 shares of a live vault also pay 0; V = 0 with shares out pays 0
    assert_eq!(
        redeem_value(Uint128::zero(), usdc_u(2), v).unwrap(),
        Uint128::zero()
    );
    assert_eq!(
        redeem_value(usdc_u(1), usdc_u(2), Quote::ZERO).unwrap(),
        Uint128::zero()
    );
}

fn impact(skew_scale: &str, cap: &str) -> ImpactParams {
    ImpactParams {
        skew_scale: d(skew_scale),
        max_price_impact: d(cap),
    }
}

#[test]
fn a_skew_scale_change_moves_the_impact_liability() {
    let btc = |k: &str, old: ImpactParams, new: ImpactParams| {
        impact_change_value(d("60000"), sd(k), old, new, DEC).unwrap()
    };
    // 2,000 → 1,000 with K = 5.9 and cap 0.3 % (3·cap·S = 18, then 9: unclamped on both sides):
    // 60,000·34.81/2·(1/2,000 − 1/1,000) = −522.15
    assert_eq!(
        btc("5.9", impact("2000", "0.003"), impact("1000", "0.003")),
        Int128::new(-522_150_000)
    );
    // no skew, no value
    assert_eq!(
        btc("0", impact("2000", "0.003"), impact("1000", "0.003")),
        Int128::zero()
    );
    // BTC 60,000, K = 20: no impact → skew_scale 1,000, cap 0.3 %. K is beyond 3·cap·S = 9, so
    // L = 60,000·(9²/2,000 + 0.003·(20 − 9)) = 60,000·(0.0405 + 0.033) = 4,410 USDC, not the
    // unclamped 60,000·400/2,000 = 12,000: the most the holders can take back (below).
    assert_eq!(
        impact_liability(d("60000"), sd("20"), impact("1000", "0.003"), DEC).unwrap(),
        Quote::from_base_units(usdc(4_410))
    );
    assert_eq!(
        btc("20", impact("0", "0.003"), impact("1000", "0.003")),
        usdc(-4_410)
    );
    // and back: the vault gains it; a short skew moves the same (the side does not matter)
    assert_eq!(
        btc("-20", impact("1000", "0.003"), impact("0", "0.003")),
        usdc(4_410)
    );
}

#[test]
fn the_liability_is_the_most_impact_an_unwind_pays() {
    use perps_risk::trade::fill_price;
    let (price, scale, cap) = (d("60000"), d("1000"), d("0.003"));
    // What the vault pays a trade of `delta` from skew `k`: −Δs·(fill − P), whole USDC.
    let paid = |k: &str, delta: &str| {
        let q = fill_price(price, sd(k), sd(delta), scale, cap).unwrap();
        let fill = SignedDecimal256::try_from(q.fill_price).unwrap();
        let p = SignedDecimal256::try_from(price).unwrap();
        sd(delta).checked_mul(p.checked_sub(fill).unwrap()).unwrap()
    };
    // K = 20 (a forced skew_scale change left it at 6.7·cap·S). One close pays the cap on all
    // 20: 20·180 = 3,600. A sale of 23 (crossing to −3 = −cap·S, allowed: it leaves the cap)
    // pays the cap on 23, then closing the −3 pays 3·60,000·1.5/1,000 = 270: 4,410 = L.
    assert_eq!(paid("20", "-20"), sd("3600"));
    assert_eq!(paid("20", "-23"), sd("4140"));
    assert_eq!(paid("-3", "3"), sd("270"));
    // The integral P·(m²/(2S) + cap·(|K| − m)), m = cap·S = 3, is what small steps pay:
    // 60,000·(9/2,000 + 0.003·17) = 3,330 — less than L, so it cannot value the vault.
    let mut total = SignedDecimal256::zero();
    let mut k = sd("20");
    let step = sd("-0.5");
    while !k.is_zero() {
        total = total.checked_add(paid(&k.to_string(), "-0.5")).unwrap();
        k = k.checked_add(step).unwrap();
    }
    // 17 units at the cap (3,060) + the last 3 in steps: 60,000·9/2,000 = 270 (midpoints exact)
    assert_eq!(total, sd("3330"));
    // Lowering the cap from 0.3 % to 0.1 % at K = 5.9 (3·cap·S = 3): L = 60,000·(9/2,000 +
    // 0.001·2.9) = 444 instead of 60,000·34.81/2,000 = 1,044.3: the vault gains 600.3.
    assert_eq!(
        impact_change_value(
            price,
            sd("5.9"),
            impact("1000", "0.003"),
            impact("1000", "0.001"),
            DEC
        )
        .unwrap(),
        Int128::new(600_300_000)
    );
}
