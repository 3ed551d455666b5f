//! Cross margin: the seeds' example and netting across markets.

use perps_api::perps::Health;

use crate::suite::{int_usdc, usdc, Suite};

#[test]
fn seeds_cross_example_equity_is_exactly_9000() {
    let (mut s, alice) = Suite::with_alice();
    // long BTC 50,000 notional at 60,000 (5/6 BTC), short ETH 30,000 notional at 3,000 (10 ETH)
    s.trade(&alice, "BTC", "0.833333333333333333");
    s.trade(&alice, "ETH", "-10");
    let a = s.account(&alice);
    assert_eq!(a.collateral, int_usdc(10_000));
    assert_eq!(a.positions.len(), 2);
    // both fall 5 %: BTC 57,000, ETH 2,850
    s.set_price("BTC", "57000");
    s.set_price("ETH", "2850");
    let a = s.account(&alice);
    // 10,000 − 2,499.999999999999999 + 1,500 = 9,000.000000000000001 → floor 9,000
    assert_eq!(a.equity, int_usdc(9_000));
    assert_eq!(a.health, Health::Healthy);
    assert_eq!(a.positions[0].unrealized_pnl.i128(), -2_500 * 1_000_000);
    assert_eq!(a.positions[1].unrealized_pnl, int_usdc(1_500));
    // MM = 5 % of (47,500 + 28,500) = 3,800 (the BTC notional rounds up to the base unit)
    assert_eq!(a.maintenance_margin, usdc(3_800));
}

#[test]
fn unrealized_profit_weight_counts_net_gains_in_initial_margin_only() {
    let mut s = Suite::plain(
        |m| m.unrealized_profit_weight = Some(crate::suite::d("0.5")),
        &["BTC", "ETH"],
    );
    let alice = s.trader("alice", 10_000, 6_000);
    s.trade(&alice, "BTC", "1");
    // +6,000 unrealized: Q_im = 6,000 + 0.5·6,000 = 9,000; IM = 6,600
    s.set_price("BTC", "66000");
    s.set_price("ETH", "3000");
    // the profit cannot be moved into isolated margin: free = min(C, Q_im) − IM = 0
    assert_eq!(s.account(&alice).free_collateral.u128(), 0);
    s.rejects(
        &alice,
        &Suite::isolated_msg("ETH", "0.01", 1),
        &[],
        "withdrawal 1 exceeds free collateral 0",
    );
    // ETH 8 (IM 2,400) would need 9,000: exactly enough
    s.rejects_trade(
        &alice,
        "ETH",
        "8.001",
        "insufficient margin: equity 9000000000 < initial requirement 9000300000",
    );
    s.trade(&alice, "ETH", "8");
    // profit is never withdrawable
    assert_eq!(s.account(&alice).free_collateral.u128(), 0);
    s.rejects(
        &alice,
        &Suite::withdraw_msg(1),
        &[],
        "withdrawal 1 exceeds free collateral 0",
    );
    let _ = (int_usdc(0), usdc(0), Health::Healthy);
}
