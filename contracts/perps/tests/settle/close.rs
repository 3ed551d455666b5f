//! Settled markets (DESIGN 6.9, SECURITY 40).

use perps_api::perps::{ExecuteMsg, MarketStatus};

use crate::suite::{d, int_usdc, Suite, USDC};

#[test]
fn settled_positions_close_on_touch_or_in_batches_without_the_oracle() {
    let mut s = Suite::new();
    let owner = s.owner.clone();
    let [alice, bob, carol] = s.traders(["alice", "bob", "carol"], 20_000, 0);
    s.deposit(&alice, 10_000);
    s.deposit(&bob, 10_000);
    s.deposit(&carol, 10_000);
    s.trade(&alice, "BTC", "1");
    s.try_isolated(&bob, "BTC", "-1", 7_000 * USDC).unwrap();
    s.trade(&carol, "ETH", "1");
    s.settle_market("BTC", Some(d("66000")));
    assert_eq!(
        s.market("BTC").status,
        MarketStatus::Settled { price: d("66000") }
    );
    // The BTC oracle dies; nothing needs it any more.
    s.advance(1_000);
    s.set_price("ETH", "3000");
    s.rejects_trade(&alice, "BTC", "1", "market BTC is settled at 66000");
    // alice's touch (a withdraw) closes her long at 66,000: +6,000
    s.withdraw(&alice, USDC).unwrap();
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    assert_eq!(a.collateral, int_usdc(15_999));
    // bob's isolated short closes in a batch: M 7,000 − 6,000 = 1,000 back to C (3,000)
    let keeper = s.trader("keeper", 0, 0);
    s.settle_positions("BTC");
    let b = s.account(&bob);
    assert!(b.positions.is_empty());
    assert_eq!(b.collateral, int_usdc(4_000));
    assert_eq!(s.market("BTC").state.long_oi, d("0"));
    s.rejects(
        &keeper,
        &ExecuteMsg::SettlePositions {
            market_id: "ETH".into(),
            limit: None,
        },
        &[],
        "market ETH is not settled",
    );
    s.rejects(
        &owner,
        &ExecuteMsg::SetMarketStatus {
            market_id: "BTC".into(),
            status: perps_api::perps::MarketStatusUpdate::Active,
        },
        &[],
        "market BTC is settled at 66000",
    );
}
