//! Round trips at an unchanged price: the trader loses at least the fees, and vault equity moves
//! by the fees only, whatever the skew (DESIGN 8.8, 8.9; SECURITY 29).

use crate::suite::{fee_market, Suite, USDC};

fn round_trip(pre_skew: &str, size: &str) {
    let mut s = Suite::with_btc(fee_market("BTC", "1000"));
    let [alice, bob] = s.traders(["alice", "bob"], 100_000, 50_000);
    if pre_skew != "0" {
        s.trade(&bob, "BTC", pre_skew);
    }
    let v0 = s.vault().equity.i128();
    let c0 = s.account(&alice).collateral.i128();
    let ins0 = s.config().pending_insurance_fees.u128();
    let open = s.trade(&alice, "BTC", size);
    let close = s.close(&alice, "BTC").unwrap();
    let fee = |r| -> i128 { Suite::attr(r, "trade", "fee").parse().unwrap() };
    let fees = fee(&open) + fee(&close);
    let c1 = s.account(&alice).collateral.i128();
    let insurance = (s.config().pending_insurance_fees.u128() - ins0) as i128;
    let v1 = s.vault().equity.i128();
    assert!(c0 - c1 >= fees, "trader lost {} < fees {fees}", c0 - c1);
    // Vault equity moves by its share of the fees (plus rounding dust in its favour, < 3 units).
    let dv = v1 - v0 - (fees - insurance);
    assert!(
        (0..3).contains(&dv),
        "vault moved by {} for fees {}",
        v1 - v0,
        fees - insurance
    );
    assert!(fees > 0);
}

#[test]
fn round_trips_cost_the_fees_whatever_the_skew() {
    round_trip("0", "1");
    round_trip("1", "1");
    round_trip("1", "-2");
    round_trip("-2", "0.7");
    round_trip("0.5", "-0.333333333333333333");
}

#[test]
fn fees_split_between_vault_and_insurance_and_sweep_to_the_fund() {
    let mut s = Suite::with_btc(fee_market("BTC", "0"));
    let alice = s.trader("alice", 100_000, 50_000);
    let r = s.trade(&alice, "BTC", "1");
    // 1 · 60,000 · 0.1 % = 60 USDC; 20 % = 12 to insurance
    assert_eq!(Suite::attr(&r, "trade", "fee"), (60 * USDC).to_string());
    assert_eq!(
        Suite::attr(&r, "trade", "insurance_fee"),
        (12 * USDC).to_string()
    );
    assert_eq!(s.config().pending_insurance_fees.u128(), 12 * USDC);
    let fund = s.fund.clone();
    let before = s.balance(&fund);
    let keeper = s.trader("keeper", 0, 0);
    s.exec(&keeper, &perps_api::perps::ExecuteMsg::SweepFees {})
        .unwrap();
    assert_eq!(s.balance(&fund), before + 12 * USDC);
    assert_eq!(s.config().pending_insurance_fees.u128(), 0);
    s.rejects(
        &keeper,
        &perps_api::perps::ExecuteMsg::SweepFees {},
        &[],
        "no insurance fees to sweep",
    );
}
