//! Attacker review 6: the own-orders-first refusal (`OwnOrderFirst`, deposit and add_margin
//! excepted), the holds of scenario 86, the LP provide's wait for settling entries
//! (docs/decisions.md "Attacker review 6"). Each test asserts the safe outcome; the attacks
//! that work today are `#[ignore]` and fail.

use cosmwasm_std::{Addr, Uint128};
use cw_multi_test::AppResponse;
use perps_api::events::{OrderFailedEvent, OrderSettledEvent};
use perps_api::perps::ExecuteMsg;

use super::failure::wide_impact_btc;
use super::{cond, keeper_run, orders_of};
use crate::suite::{config_update, Suite, USDC};

/// Scenario 93's world with an isolated ETH position: BTC immediate ([`wide_impact_btc`]),
/// keeper fee 0.5; alice (20,000) holds 0.01 ETH isolated with 10 of margin; ten wallets of the
/// attacker (1,000 each) rest conditional sales of 0.001 BTC above 60,500; alice a conditional
/// cross buy of 1 BTC above 60,500 (at most 60,700). The record at 60,600 triggers the eleven
/// (one sweep moves 10); the next record is 48,000. `escape`: seeing it, before any keeper,
/// alice moves `escape` of her `C` into the ETH margin with `add_margin` (no funds attached):
/// the message skips the refusal. The keeper then runs the buy, and the queue at the next record
/// (48,000 again). Returns the suite, alice and the keeper's responses.
fn a_buy_then_add_margin(escape: Option<u128>) -> (Suite, Addr, AppResponse) {
    let setup = |s: &mut Suite, alice: &Addr| {
        s.exec(alice, &Suite::isolated_msg("ETH", "0.01", 10 * USDC))
            .unwrap();
    };
    super::review5::a_buy_behind_ten_triggered("48000", setup, |s, alice, _| {
        if let Some(amount) = escape {
            // today it goes through; once fixed it is refused (her buy must run first)
            if let Err(e) = s.exec(alice, &Suite::add_margin_msg("ETH", amount)) {
                assert!(
                    e.to_string().contains("must run before this message"),
                    "{e}"
                );
            }
        }
    })
}

/// Scenario 104 (high; fixed, failed on the old main): `add_margin` skips the own-order refusal, yet it is not
/// "only adding collateral": without funds attached it moves `C` into an isolated margin, so it
/// changes the cross book a blocked order fills into (scenario 93 through the exception). In
/// [`a_buy_then_add_margin`], after the record at 60,600 triggered her cross buy (blocked: 11
/// triggered orders, one sweep moves 10) and BTC printed 48,000, alice moves her whole free
/// collateral, 13,858.8, into her 0.01-ETH isolated margin (her `C` keeps only the buy's
/// reservation). The keeper's run fails the buy ("insufficient margin: equity 6,040.876306 <
/// initial requirement 6,060": the reservation does not cover the impact, fill 60,629.694),
/// fees 60.6 + 0.5; the next record (48,000) charges the cross move from `C`, which holds only
/// 6,070.1 of the 12,606.174 owed (60,629.694 · (1 − 48,000/60,600)): **6,536.074 unpaid**.
/// Alice's ETH margin holds 13,868.8; she removes 13,858.8 at once: cross equity 13,858.8
/// (the ETH margin 10 as before) instead of the committed fill's 7,299.176306: **+6,559.623694
/// from the vault**, for the ten wallets' 0.001-BTC
/// sales (0.0606 of fee and 0.5 of keeper fee each; they gain 12.6 each on the fall). Fix
/// direction: `add_margin` skips the refusal only when the funds attached pay the whole amount
/// (nothing moves out of `C`); or a cross entry's charge also comes out of the account's
/// isolated margins once `C` is short (the account owes it, as scenario 90's payouts).
#[test]
fn s104_add_margin_behind_a_blocked_order_cannot_cap_its_failure() {
    let (s, alice, res) = a_buy_then_add_margin(None);
    assert!(Suite::typed::<OrderFailedEvent>(&res).is_empty());
    let committed = s.account(&alice).equity.i128();
    assert_eq!(committed, 7_299_176_306);
    let (mut s, alice, res) = a_buy_then_add_margin(Some(13_858_800_000));
    let settled: Vec<u128> = Suite::typed::<OrderSettledEvent>(&res)
        .iter()
        .map(|e| e.price_move.u128())
        .collect();
    // today: the buy failed and its settlement charged what C held (6,070.1 of 12,606.174)
    if settled == vec![6_070_100_000] {
        s.exec(&alice, &Suite::remove_margin_msg("ETH", 13_858_800_000))
            .unwrap();
        assert_eq!(s.account(&alice).collateral.i128(), 13_858_800_000);
    }
    // safe: the add_margin cannot improve on the committed fill
    let escaped = s.account(&alice).equity.i128();
    assert!(escaped <= committed, "{escaped} > {committed}");
}

/// Scenario 105's world: [`super::review3::wide_caps_world`] (BTC deferred, ETH immediate, a
/// 100,000 vault, keeper fee 0.5). Mallory (10,000) holds 1 ETH and rests a ladder of cross
/// buys of 0.001 BTC above 60,100, 60,200 and 60,300 (the oldest ids of BTC). BTC at 60,000;
/// carol (20,000) buys 1 BTC (a younger market order). ETH's feed stops (more than 60 s: no
/// usable ETH price for mallory's book). BTC records 60,150 at `t`, then 60,250 at `t + 290`,
/// 60,350 at `t + 580`: each triggers one rung, which waits at its record and holds BTC for 300
/// s after it. Returns the suite, carol, her order id, the keeper and `t`.
fn a_ladder_holds_btc() -> (Suite, Addr, u64, Addr, u64) {
    let mut s = super::review3::wide_caps_world(100_000_000);
    let mallory = s.trader("mallory", 10_000, 10_000);
    let carol = s.trader("carol", 20_000, 20_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("ETH", "3000");
    s.trade(&mallory, "ETH", "1");
    for trigger in ["60100", "60200", "60300"] {
        s.exec(&mallory, &cond("0.001", trigger, true, None))
            .unwrap();
    }
    s.set_price("BTC", "60000");
    s.exec(&carol, &super::review3::buy("1", None)).unwrap();
    let id = orders_of(&s, &carol)[0].order_id;
    s.advance(61);
    s.set_price("BTC", "60150");
    let t = s.now();
    let run = keeper_run(&mut s, &keeper, Some(vec![id]));
    assert!(super::review4::executed(&run).is_empty());
    (s, carol, id, keeper, t)
}

/// Scenario 105 (medium, liveness; fixed, failed on the old main): scenario 86's 300-s bound renewed by a ladder.
/// The bound counts from the record of the *waiting* order, and each older conditional order a
/// later record triggers waits at its own, newer record: in [`a_ladder_holds_btc`] the rung
/// triggered at `t` holds BTC to `t + 300`, the one triggered at `t + 290` to `t + 590`, the one
/// at `t + 580` to `t + 880`. Carol's younger buy waits all that time, and since scenario 93's
/// rule every message of hers but a deposit or an add_margin is refused (`OwnOrderFirst`):
/// withdrawals refused at `t + 290`, `+ 301`, `+ 580`, `+ 591`; at `t + 881` her withdrawal
/// runs her buy first (at its record, 60,150) and goes through. Each rung costs mallory a
/// reservation of 6.57–6.59 and, once ETH is back, a fill of 0.001 BTC (fee 0.06 and keeper
/// fee 0.5): about 0.56 per 290 s of hold, about 7 per hour, for as long as some market of her
/// book has no usable price (61 s without an ETH record here) and the price keeps crossing a
/// rung (a ladder both ways 10 apart). Every younger order of the market and every account
/// holding one is frozen for the whole outage, not 300 s. Nobody loses money in the test (carol
/// fills at her record); the exposure is scenario 86's past the bound and liquidations of
/// frozen accounts that cannot close elsewhere. Fixed: a hold keeps an order back for at most
/// `max_order_age_secs` after its own placement, whatever waits ahead of it.
#[test]
fn s105_a_ladder_cannot_hold_a_younger_order_past_max_order_age() {
    let (mut s, carol, id, keeper, _t) = a_ladder_holds_btc();
    let placed = orders_of(&s, &carol)[0].placed_at;
    // the ladder holds carol's buy until 300 s after its placement (rung 2 triggered meanwhile)
    s.advance(placed + 300 - s.now() - 1);
    s.set_price("BTC", "60250");
    assert_eq!(s.now(), placed + 300);
    let run = keeper_run(&mut s, &keeper, Some(vec![id]));
    assert!(super::review4::executed(&run).is_empty());
    s.rejects_exact(&carol, &Suite::withdraw_msg(1), &[], &own_order_first(id));
    // one second later it runs past every hold, whatever rung waits (old main: held to t + 880)
    s.advance(1);
    s.set_price("BTC", "60350");
    let run = keeper_run(&mut s, &keeper, Some(vec![id]));
    assert_eq!(super::review4::executed(&run), vec![carol.clone()]);
    // at its own record, 60,150
    assert_eq!(Suite::attr(&run, "order_executed", "price"), "60150");
    s.withdraw(&carol, 1).unwrap();
}

/// The refusal of a message whose sender's order `id` (market BTC) must run first and cannot.
fn own_order_first(id: u64) -> String {
    format!(
        "order {id} of market BTC must run before this message and cannot in it (more triggered \
         or older orders of its market first): run execute_orders with order {id} first"
    )
}

/// Scenario 106 (low, a bounded grief): scenario 98's eleven orders after a dip, with today's
/// refusal. Plain deferred BTC; alice (20,000) long 1 BTC with a stop far below (sell below
/// 50,000); BTC dips to 58,000 and is back at 60,000 with no engine message; the griefer's
/// eleven wallets (100 each) rest buys of 0.001 below 59,000 (6.4 reserved each, refundable).
/// Every message of alice's but a deposit or an add_margin is refused, in any market (a
/// withdrawal of 1, a trade of 1 ETH): `OwnOrderFirst` on her stop. Her `execute_orders` with
/// the stop moves ten; the griefer's `execute_orders` without ids runs them, finds them waiting
/// (no record after their placement) and puts them back to rest: the withdrawal is refused
/// again, and again after one more record; after two more (the fourth record after the sweep
/// point: a finished sweep stores it past the dip) it goes through. Alice's `execute_orders`
/// and withdrawal in one transaction always pass (no griefer call in between). Bounded by four
/// records and one extra message; no money moves. Fix direction (optional): a finished sweep
/// stores its point past records that only orders placed after them met, whatever their
/// number.
#[test]
fn s106_orders_after_a_dip_delay_an_account_four_records_at_most() {
    let (mut s, alice, _keeper) = super::long_with_a_stop(20_000, "50000");
    let id = orders_of(&s, &alice)[0].order_id;
    s.set_price("BTC", "58000");
    s.set_price("BTC", "60000");
    let g: Vec<Addr> = (0..11)
        .map(|i| s.trader(&format!("g{i}"), 100, 100))
        .collect();
    for w in &g {
        s.exec(w, &cond("0.001", "59000", false, None)).unwrap();
    }
    let refused = own_order_first(id);
    s.rejects_exact(&alice, &Suite::withdraw_msg(1), &[], &refused);
    s.rejects_exact(&alice, &Suite::trade_msg("ETH", "1"), &[], &refused);
    let run = ExecuteMsg::ExecuteOrders {
        order_ids: Some(vec![id]),
        limit: None,
    };
    // in one transaction (no griefer call in between) her message passes
    s.exec(&alice, &run).unwrap();
    s.withdraw(&alice, 1).unwrap();
    for more_records in 0..3 {
        if more_records > 0 {
            s.set_price("BTC", "60000");
        }
        s.exec(&alice, &run).unwrap();
        let demoted = keeper_run(&mut s, &g[0], None);
        assert_eq!(Suite::attr(&demoted, "wasm", "orders_handled"), "0");
        if more_records < 2 {
            s.rejects_exact(&alice, &Suite::withdraw_msg(1), &[], &refused);
        }
    }
    s.withdraw(&alice, 1).unwrap();
    assert_eq!(orders_of(&s, &alice).len(), 1);
}

/// Scenario 107 (safe): with every market immediate a provide is refused while a settling entry
/// is pending, and a griefer can fail one order per record; the LP's `execute_orders` naming the
/// pending entry and its provide, in one transaction, clear it. BTC immediate
/// ([`wide_impact_btc`]), keeper fee 0.5; two griefer wallets (1,000 each) hold 0.001 BTC
/// isolated with 7 of margin; between records (59,990 then 60,000) one rests a conditional buy
/// of 0.001 above 59,995 (no mode): the 60,000 record triggers it, the griefer's own keeper
/// call runs it, it joins the isolated position and fails on its margin — a settling entry for
/// 0.06 of fee (no keeper fee: its owner ran it). The provide of 100,000 is refused
/// (`SettlementsPending`) while the entry waits. At the next cycle the other wallet rests the
/// next order (a wallet's own next message settles its own entry first: the griefer alternates
/// wallets); after the record the provide alone is still refused, but the LP's `execute_orders`
/// with the pending entry settles it (the new order, younger, is not run before it) and the
/// provide then passes. About 0.06 per record keeps a lone provide refused; a provide that runs
/// the entry first goes through.
#[test]
fn s107_an_immediate_provide_clears_a_failure_per_record_with_its_own_run() {
    let mut s = Suite::with_btc(wide_impact_btc());
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    let g = s.trader("griefer", 1_000, 1_000);
    let g2 = s.trader("griefer2", 1_000, 1_000);
    let lp = s.trader("lp2", 100_000, 0);
    for w in [&g, &g2] {
        s.exec(w, &Suite::isolated_msg("BTC", "0.001", 7 * USDC))
            .unwrap();
    }
    s.set_price("BTC", "59990");
    s.exec(&g, &cond("0.001", "59995", true, None)).unwrap();
    s.set_price("BTC", "60000");
    let first = orders_of(&s, &g)[0].order_id;
    let res = keeper_run(&mut s, &g, Some(vec![first]));
    let f = Suite::typed::<OrderFailedEvent>(&res);
    assert!(f[0].reason.starts_with("insufficient margin") && f[0].settles_at_next_record);
    assert_eq!((f[0].fee.u128(), f[0].keeper_fee.u128()), (60_000, 0));
    let entry = f[0].order_id;
    let provide = |s: &mut Suite| s.provide(&lp, 100_000 * USDC);
    let refused = provide(&mut s).unwrap_err().to_string();
    assert!(
        refused.contains("1 failed orders' moves are charged"),
        "{refused}"
    );
    s.set_price("BTC", "59990");
    s.exec(&g2, &cond("0.001", "59995", true, None)).unwrap();
    s.set_price("BTC", "60000");
    assert!(provide(&mut s).is_err());
    let run = ExecuteMsg::ExecuteOrders {
        order_ids: Some(vec![entry]),
        limit: None,
    };
    let res = s.exec(&lp, &run).unwrap();
    assert_eq!(Suite::typed::<OrderSettledEvent>(&res).len(), 1);
    provide(&mut s).unwrap();
}
