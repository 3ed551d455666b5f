//! Funding: accrued lazily, settled before a position changes, summing to zero across longs,
//! shorts and the vault (DESIGN 6.6, SECURITY 30).

use cosmwasm_std::Decimal256;
use perps_api::events::TradeEvent;

use crate::suite::{funding_market, Suite};

#[test]
fn funding_paid_by_longs_equals_received_by_shorts_plus_the_vault_share() {
    let mut s = Suite::with_btc(funding_market());
    let [alice, bob] = s.traders(["alice", "bob"], 200_000, 200_000);
    s.trade(&alice, "BTC", "10");
    s.trade(&bob, "BTC", "-4");
    let before = s.market("BTC").state;
    assert_eq!(before.skew, crate::suite::sd("6"));
    // A second touch in the same second adds nothing.
    s.trade(&bob, "BTC", "-0.001");
    s.trade(&bob, "BTC", "0.001");
    assert_eq!(s.market("BTC").state.funding_index, before.funding_index);
    s.advance(86_399);
    s.set_price("BTC", "60000");
    let a = s.close(&alice, "BTC").unwrap();
    let b = s.close(&bob, "BTC").unwrap();
    let after = s.market("BTC").state;
    // ΔF = P·r·Δt = 60,000 · 1e-8 · 86,400 = 51.84
    let delta = after.funding_index - before.funding_index;
    assert_eq!(delta, crate::suite::sd("51.84"));
    let paid_long = Suite::typed::<TradeEvent>(&a)[0].funding_paid.i128();
    let paid_short = Suite::typed::<TradeEvent>(&b)[0].funding_paid.i128();
    // longs pay 10·51.84, shorts receive 4·51.84, the vault takes K·ΔF = 6·51.84
    assert_eq!(paid_long, 518_400_000);
    assert_eq!(paid_short, -207_360_000);
    let vault_share = 311_040_000;
    assert_eq!(paid_long, -paid_short + vault_share);
    let _ = Decimal256::zero();
}

#[test]
fn a_year_long_gap_does_not_overflow() {
    let mut s = Suite::with_btc(funding_market());
    let alice = s.trader("alice", 200_000, 200_000);
    s.trade(&alice, "BTC", "1");
    s.advance(365 * 86_400);
    s.set_price("BTC", "60000");
    // 365 days at 1e-8·60,000/s with K = 1 (rate at K/600): 3,153.6 USDC: the position owes a lot, and the
    // close still settles exactly (conservation is checked by the harness).
    let a = s.account(&alice);
    assert!(a.positions[0].accrued_funding.i128() > 0);
    s.close(&alice, "BTC").unwrap();
}
