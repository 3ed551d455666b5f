//! Funding over time: a skewed BTC market (longs pay) and a skewed ETH market (shorts pay) over
//! eight hours, then both positions closed; the vault takes the other side.

use perps_e2e::{Backend, Protocol, Setup, USDC};

use crate::compare::on_both;

fn scenario<B: Backend>(p: &mut Protocol<B>) {
    let alice = p.user("alice", 10_000 * USDC).unwrap();
    let carol = p.user("carol", 50_000 * USDC).unwrap();
    p.deposit(&alice, 10_000 * USDC).unwrap();
    p.deposit(&carol, 50_000 * USDC).unwrap();
    p.trade(&alice, "BTC", "1").unwrap();
    // 60 ETH is the cap skew (0.003·20,000): a larger sale would leave more and is refused
    p.trade(&carol, "ETH", "-60").unwrap();
    let a = p.account(&alice).unwrap();
    assert_eq!(a.positions[0].accrued_funding.i128(), 0);

    // 8 hours: BTC skew 1 of a cap skew of 3 → F += 60,000·0.0003/day·(1/3)·(1/3 day) = 2 per
    // BTC, paid by the long; ETH skew −60, the cap → F += 3,000·0.0003·(−1)/3 = −0.3 per ETH,
    // paid by the short.
    p.advance_and_refresh(8 * 3600).unwrap();
    let a = p.account(&alice).unwrap();
    assert_eq!(a.positions[0].accrued_funding.i128(), 2 * USDC as i128);
    let c = p.account(&carol).unwrap();
    assert_eq!(c.positions[0].accrued_funding.i128(), 18 * USDC as i128);
    // The stored index moves on the next touch only.
    let btc = p.market("BTC").unwrap();
    assert_eq!(btc.state.funding_index.to_string(), "0");

    let r = p.close(&alice, "BTC").unwrap();
    assert_eq!(r.attr("wasm-trade", "funding_paid"), Some("2000000"));
    let r = p.close(&carol, "ETH").unwrap();
    assert_eq!(r.attr("wasm-trade", "funding_paid"), Some("18000000"));
    let btc = p.market("BTC").unwrap();
    // `P·r·Δt` is computed exactly and rounded once (owed up), so the index is exactly 2 and
    // −0.3 (the rate rounded on its own gave 1.999999999296 and −0.4999999999968 before).
    assert_eq!(btc.state.funding_index.to_string(), "2");
    let eth = p.market("ETH").unwrap();
    assert_eq!(eth.state.funding_index.to_string(), "-0.3");
    let a = p.account(&alice).unwrap();
    let c = p.account(&carol).unwrap();
    assert!(a.positions.is_empty() && c.positions.is_empty());
    p.vault().unwrap();
}

#[test]
fn funding_accrues_over_time_and_is_paid_on_close() {
    on_both(&Setup::default(), scenario, scenario);
}
