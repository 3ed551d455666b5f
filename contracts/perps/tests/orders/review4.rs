//! Attacker review 4: the settlement of failed orders (scenario 77's fix; docs/decisions.md
//! "Attacker review 4 (settlement of failed orders)", scenarios 81–91). Benchmark, as in review
//! 3: a failure must cost what its fill and a close at the next record would have cost. Each
//! test asserts the safe outcome; the attacks that work today are `#[ignore]` and fail.

use cosmwasm_std::{Addr, Uint128};
use perps_api::events::{LpOrderExecutedEvent, OrderExecutedEvent, OrderSettledEvent};
use perps_api::perps::{
    ExecuteMsg, MarketConfig, MarketStatusUpdate, OrderKind, TradeMode, Trigger,
};

use super::failure::{failed, wide_impact_btc};
use super::review3::{a_buy_pinned_next_to_an_immediate_market_after, buy, wide_caps_world};
use super::{deferred_suite, keeper_run, orders_of, settled_move};
use crate::suite::{config_update, d, sd, usdc, Suite, USDC};

/// A conditional isolated buy of 0.001 BTC with `margin` whole USDC, triggered below `trigger`.
fn guard(trigger: &str, margin: u128) -> ExecuteMsg {
    ExecuteMsg::PlaceOrder {
        market_id: "BTC".into(),
        size_delta: sd("0.001"),
        trigger_price: d(trigger),
        trigger: Trigger::Below,
        reduce_only: None,
        acceptable_price: None,
        mode: Some(TradeMode::Isolated {
            margin: usdc(margin),
        }),
    }
}

/// `who`'s pending orders of `kind`: `(id, reserved)`.
pub(super) fn pending(s: &Suite, who: &Addr, kind: OrderKind) -> Vec<(u64, u128)> {
    orders_of(s, who)
        .iter()
        .filter(|o| o.kind == kind)
        .map(|o| (o.order_id, o.reserved.unwrap_or_default().u128()))
        .collect()
}

/// The owners of the orders `res` filled, in order.
pub(super) fn executed(res: &cw_multi_test::AppResponse) -> Vec<Addr> {
    Suite::typed::<OrderExecutedEvent>(res)
        .into_iter()
        .map(|e| e.account)
        .collect()
}

/// The `order_settled` events of `res`: `(order id, price_move)`.
pub(super) fn settlements(res: &cw_multi_test::AppResponse) -> Vec<(u64, u128)> {
    Suite::typed::<OrderSettledEvent>(res)
        .iter()
        .map(|e| (e.order_id, e.price_move.u128()))
        .collect()
}

/// `who`'s cross collateral and the margin of its isolated BTC position (0 without one).
pub(super) fn c_and_btc_margin(s: &Suite, who: &Addr) -> (i128, u128) {
    let a = s.account(who);
    let m = a
        .positions
        .iter()
        .find(|p| p.market_id == "BTC")
        .and_then(|p| p.margin)
        .unwrap_or_default();
    (a.collateral.i128(), m.u128())
}

/// Scenario 81 (fixed; failed on the old main): a cross failure's move is capped by an isolated position of
/// its market that exists when it settles. `run_settlement` bounds the charge by
/// `isolated_bound`, which reads the account's position in the market at the settlement, not
/// the book the order failed in. Scenario 77's world (BTC deferred, SOL immediate with a 2 × V
/// exposure cap, a 100,000 vault): the attacker (20,000) first places a "guard", a conditional
/// isolated buy of 0.001 BTC with 10 of margin below 59,000 (older id), then its cross 1-BTC
/// buy, pinned at 60,000. Knowing the next print (54,000, scenario 77's premise), it fails the
/// buy with w2's 1,600 SOL (total cap): 60 of fee, a settling entry. The record at 54,000
/// triggers the guard; its older id runs first (a 0.001-BTC isolated position, margin 9.945999
/// after its fee), and the settlement's bound becomes that margin: it charges 9.945999 instead
/// of the fill's 6,003 loss (60,030 closed at 54,027). The attacker keeps C 19,919.554001 plus
/// the guard's margin (19,929.5 in all) where the committed order leaves 13,937: +5,992.5, the
/// vault's loss. Without foreknowledge the guard is free insurance on every failure: a fall
/// through its trigger caps the move at 10. Fix direction: the settling entry records its bound
/// at the failure (the book the fill would have used: cross → `C`; a new isolated position → the
/// order's margin; an existing isolated one → its margin then) in its `mode`, and the
/// settlement reads only that, never the positions at the settlement (also closes a
/// `remove_margin` of the existing isolated position between the failure and the record).
#[test]
fn s81_an_isolated_position_opened_before_the_record_does_not_cap_a_cross_failure() {
    let guarded = |s: &mut Suite, attacker: &Addr| {
        s.exec(attacker, &guard("59000", 10)).unwrap();
    };
    let (mut s, [attacker, w2, keeper], id) =
        a_buy_pinned_next_to_an_immediate_market_after(guarded);
    s.trade(&w2, "SOL", "1600");
    let res = keeper_run(&mut s, &attacker, Some(vec![id]));
    let f = failed(&res);
    assert!(f.reason.contains("exposure") && f.settles_at_next_record);
    s.close(&w2, "SOL").unwrap();
    assert_eq!(c_and_btc_margin(&s, &attacker), (19_940 * USDC as i128, 0));
    s.set_price("BTC", "54000");
    let res = keeper_run(&mut s, &keeper, None);
    // today: the guard fills first and the move is capped at its margin (9.945999)
    let (c, margin) = c_and_btc_margin(&s, &attacker);
    // safe: the cross failure pays the fill's loss, 6,003; C = 19,940 − 10 (guard margin) − 0.5
    // (the guard's keeper fee) − 6,003
    assert_eq!(settlements(&res), vec![(id, 6_003 * USDC)]);
    assert_eq!((c, margin), (13_926_500_000, 9_945_999));
}

/// Scenario 81 on an immediate market (fixed; failed on the old main): there the owner opens the capping
/// position itself after the failure. BTC immediate (0.1 % fee, impact on a 1,000 skew scale,
/// capped at 1 %); alice (20,000) has a conditional cross buy of 1 BTC above 60,500 (at most
/// 60,700), triggered by the record at 60,600. BTC falls to 54,540 before a keeper runs it; bob
/// (her second wallet, or anyone) has bought 5 BTC, so it fails on its bound (60,933.3 >
/// 60,700): 60.6 + 0.5 paid, a settling entry whose move is already known, 60,700 − 60,700 ×
/// 0.9 = 6,070. Before the next record alice opens an isolated 0.001 BTC with 10 of margin (an
/// immediate trade: the entry is not ready, so her message does not settle it first). The next
/// record (54,540) charges 9.945187, her margin after its fee: she keeps C 19,918.954813 (plus
/// the margin) instead of 13,858.9 — 6,060 the vault does not get, the fill's loss at the
/// move since the record (scenario 62's option, reopened). Fix: as above.
#[test]
fn s81_an_isolated_position_opened_after_a_failure_does_not_cap_its_move() {
    let mut s = Suite::with_btc(wide_impact_btc());
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let keeper = s.trader("keeper", 0, 0);
    let entry = ExecuteMsg::PlaceOrder {
        market_id: "BTC".into(),
        size_delta: sd("1"),
        trigger_price: d("60500"),
        trigger: Trigger::Above,
        reduce_only: None,
        acceptable_price: Some(d("60700")),
        mode: None,
    };
    s.exec(&alice, &entry).unwrap();
    let id = orders_of(&s, &alice)[0].order_id;
    s.set_price("BTC", "60600");
    s.trade(&bob, "BTC", "5");
    s.set_price("BTC", "54540");
    let res = keeper_run(&mut s, &keeper, Some(vec![id]));
    let f = failed(&res);
    assert_eq!(
        f.reason,
        "fill price 60933.3 is worse than the acceptable price 60700"
    );
    s.try_isolated(&alice, "BTC", "0.001", 10 * USDC).unwrap();
    s.set_price("BTC", "54540");
    let res = keeper_run(&mut s, &keeper, None);
    let (c, margin) = c_and_btc_margin(&s, &alice);
    // safe: 6,070 charged; C = 20,000 − 60.6 − 0.5 − 10 − 6,070
    assert_eq!(settlements(&res), vec![(id, 6_070 * USDC)]);
    assert_eq!((c, margin), (13_858_900_000, 9_945_187));
}

/// The world of most scenarios here: BTC deferred ([`wide_impact_btc`]), ETH immediate and
/// plain, keeper fee 0.5. Alice (`c` deposited) buys `eth` ETH first when given; bob (100,000)
/// buys 5 BTC when `griefed`; alice places a buy (at most 60,100) of each size in `buys`; the
/// records `prices` follow (the first, 60,000, pins them all) and a keeper runs the queue: bob's
/// fill moves the skew and each of her buys fails on her bound (a settling entry); without bob
/// they fill. Returns the suite, `[alice, keeper]` and the keeper's response.
pub(super) fn buys_after_bob(
    c: u128,
    eth: Option<&str>,
    griefed: bool,
    buys: &[&str],
    prices: &[&str],
) -> (Suite, [Addr; 2], cw_multi_test::AppResponse) {
    let mut s = deferred_suite(wide_impact_btc());
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", c, c);
    let keeper = s.trader("keeper", 0, 0);
    if let Some(size) = eth {
        s.trade(&alice, "ETH", size);
    }
    if griefed {
        s.trade(&bob, "BTC", "5");
    }
    for size in buys {
        s.exec(&alice, &buy(size, Some("60100"))).unwrap();
    }
    for price in prices {
        s.set_price("BTC", price);
    }
    let res = keeper_run(&mut s, &keeper, None);
    let entries = pending(&s, &alice, OrderKind::Settlement);
    assert_eq!(entries.len(), if griefed { buys.len() } else { 0 });
    (s, [alice, keeper], res)
}

/// Scenario 82's world (the lead's open question): BTC deferred ([`wide_impact_btc`]), ETH
/// immediate and plain; alice (20,000) long 10 ETH cross, then a 1-BTC buy (at most 60,100)
/// pinned at 60,000. `griefed`: bob's 5 BTC fill first and her buy fails (a settling entry,
/// fill 60,100, reservation 6,010.1 held); else it fills at 60,030. Then ETH crashes to 1,050
/// and BTC to 54,000 (the record after the failure's block). Returns the suite and `[alice,
/// w2 (her liquidator wallet), keeper]`.
fn crash_after_a_failure(griefed: bool) -> (Suite, [Addr; 3]) {
    let (mut s, [alice, keeper], _) =
        buys_after_bob(20_000, Some("10"), griefed, &["1"], &["60000"]);
    let w2 = s.trader("w2", 0, 0);
    s.set_price("ETH", "1050");
    s.set_price("BTC", "54000");
    (s, [alice, w2, keeper])
}

/// Scenario 82 (safe, a bounded rebate): getting one's own book liquidated between a failure's
/// record and its settlement. In [`crash_after_a_failure`] the settling entry is ready but no
/// keeper has run it; w2 liquidates alice first (a liquidation runs no order of the account):
/// her book is valued with the reservation in `C` and without the owed move, so it still looks
/// solvent (equity 398.214283 after a partial close of ETH to 6.068…) and w2 earns a reward of
/// 20.642858 out of `C`; the settlement then still takes its whole move, 6,010, from the
/// 12,230.867168 left, and a second liquidation books the rest of the bankrupt book (no reward).
/// Keeper first (the settlement, then the liquidation of a bankrupt book) or a committed fill
/// (the crash bankrupts the book with the BTC position in it): no reward. Alice loses all of her
/// 20,000 in every order; the pair is 20.642858 richer than with the fill — the liquidator's
/// share of the penalty on a book its owed move would have made bankrupt, paid from `C` the
/// vault would otherwise get. Bounded by that share (half the penalty, at most half the book's
/// equity at the liquidation), earned only by a wallet that loses its whole `C`: no profit.
/// Fix direction if wanted: `liquidate` settles the account's ready settling entries first.
#[test]
fn s82_a_liquidation_before_the_settlement_only_rebates_the_liquidators_reward() {
    let (mut s, [alice, w2, keeper]) = crash_after_a_failure(true);
    let res = s.liquidate(&w2, &alice, None).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "reward"), "20642858");
    let a = s.account(&alice);
    assert_eq!(
        (a.collateral.i128(), a.equity.i128()),
        (12_230_867_168, 398_214_283)
    );
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(settled_move(&res), 6_010 * USDC);
    assert_eq!(s.account(&alice).collateral.i128(), 6_220_867_168);
    let res = s.liquidate(&w2, &alice, None).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "reward"), "0");
    let a = s.account(&alice);
    assert_eq!((a.collateral.i128(), a.positions.len()), (0, 0));
    assert_eq!(s.balance(&w2), 20_642_858);
    // keeper first: the settlement takes 6,010, the liquidation pays no reward
    let (mut s, [alice, w2, keeper]) = crash_after_a_failure(true);
    assert_eq!(
        settled_move(&keeper_run(&mut s, &keeper, None)),
        6_010 * USDC
    );
    let res = s.liquidate(&w2, &alice, None).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "reward"), "0");
    assert_eq!(
        (s.account(&alice).collateral.i128(), s.balance(&w2)),
        (0, 0)
    );
    // the committed fill: the same crash bankrupts the book, no reward either
    let (mut s, [alice, w2, _]) = crash_after_a_failure(false);
    let res = s.liquidate(&w2, &alice, None).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "reward"), "0");
    assert_eq!(
        (s.account(&alice).collateral.i128(), s.balance(&w2)),
        (0, 0)
    );
}

/// Alice (20,000) buys 1 BTC at most 60,100 pinned at 60,000 (`griefed`: bob's 5 BTC first, it
/// fails; else it fills at 60,030) and withdraws all her free collateral right after; BTC then
/// falls 20 % (48,000). Returns the suite, alice and what she withdrew.
fn withdraw_before_a_fall(griefed: bool) -> (Suite, Addr, u128) {
    let (mut s, [alice, keeper], _) = buys_after_bob(20_000, None, griefed, &["1"], &["60000"]);
    let free = s.account(&alice).free_collateral.u128();
    s.withdraw(&alice, free).unwrap();
    s.set_price("BTC", "48000");
    let res = keeper_run(&mut s, &keeper, None);
    if !griefed {
        assert!(settlements(&res).is_empty());
        s.liquidate(&keeper, &alice, None).unwrap();
    }
    (s, alice, free)
}

/// Scenario 83 (safe): shrinking what `C` can pay between the failure and its record. After
/// the failure alice withdraws everything free: 13,929.4; `C` keeps the reservation left after
/// the fees, 6,010.1 (the initial margin of 1 BTC at her bound 60,100, and 0.1 of the fee
/// reserved at the bound beyond the 60 paid); the −20 % record charges the move (12,020) as far
/// as `C` holds: 6,010.1. The same withdrawal after the committed fill (60,030) takes 13,909.47
/// (the position's initial margin and its −30 of impact stay) and the fall bankrupts the book.
/// She loses 6,070.6 against 6,090.53: the reservation holds what the fill's margin would (the
/// 19.93 between them is the fill's impact and fee at 60,030, not a lever), and moving margin
/// into an isolated position or opening a position is checked against `C` less the
/// reservation (Strict prices) like a withdrawal. A charge beyond `C` is not bad debt: the
/// vault simply does not get it, as it would not get a bankrupt fill's loss.
#[test]
fn s83_a_withdrawal_before_the_record_leaves_the_reservation_to_the_charge() {
    let (s, alice, withdrawn) = withdraw_before_a_fall(true);
    assert_eq!(withdrawn, 13_929_400_000);
    let (s2, alice2, withdrawn_fill) = withdraw_before_a_fall(false);
    assert_eq!(withdrawn_fill, 13_909_470_000);
    assert_eq!(
        (s.account(&alice).collateral.i128(), s.balance(&alice)),
        (0, 13_929_400_000)
    );
    assert_eq!(
        (s2.account(&alice2).collateral.i128(), s2.balance(&alice2)),
        (0, 13_909_470_000)
    );
}

/// Scenario 83's reservation against an isolated margin (safe): after the failure alice's free
/// collateral is `C − 6,010.1`; an isolated position asking one unit more margin is refused.
#[test]
fn s83_the_reservation_holds_against_a_move_into_isolated_margin() {
    let (mut s, [alice, _], _) = buys_after_bob(20_000, None, true, &["1"], &["60000"]);
    let a = s.account(&alice);
    assert_eq!(
        (a.collateral.i128(), a.free_collateral.u128()),
        (19_939_500_000, 13_929_400_000)
    );
    let msg = Suite::isolated_msg("ETH", "1", 13_929_400_001);
    let expected = "withdrawal 13929400001 exceeds free collateral 13929400000";
    s.rejects(&alice, &msg, &[], expected);
}

/// Scenario 84 (safe): several settling entries of one account. Alice (7,000) has two 0.5-BTC
/// buys (at most 60,100) failed by bob's skew: each pays 30 + 0.5 and holds its own
/// reservation, 3,005.05 (free collateral 928.9 left). BTC −20 %: each move is 6,010 (0.5 ×
/// 60,100 × 0.2), 12,020 in all > `C` 6,939; in id order the first takes 6,010 and the second
/// what is left, 929: `C` ends at 0, never below, the vault gets what `C` holds — the fills
/// would have bankrupted her book the same way. One charge may use the other's reservation:
/// both are one `C`, and the account has no other use for it (every risk-adding action sees
/// both reservations spent).
#[test]
fn s84_several_settling_entries_share_c_in_id_order() {
    let (mut s, [alice, keeper], _) =
        buys_after_bob(7_000, None, true, &["0.5", "0.5"], &["60000"]);
    let entries = pending(&s, &alice, OrderKind::Settlement);
    assert!(entries.iter().all(|e| e.1 == 3_005_050_000));
    let a = s.account(&alice);
    assert_eq!(
        (a.collateral.i128(), a.free_collateral.u128()),
        (6_939_000_000, 928_900_000)
    );
    s.set_price("BTC", "48000");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(
        settlements(&res),
        vec![(entries[0].0, 6_010 * USDC), (entries[1].0, 929 * USDC)]
    );
    assert_eq!(s.account(&alice).collateral.i128(), 0);
}

/// Scenario 85 (safe): a market turned reduce-only (or settled: `orders::settlement`, at the
/// settlement price) between the failure and its record does not drop the move. Alice's failed
/// buy (fill 60,100) settles at the next record, 59,000: 1,001.666667, as in an open market.
/// (A settling entry also refuses the execution switch and the cancel, and past the 16-record
/// history charges at the least favourable held record: `orders::settlement`.)
#[test]
fn s85_a_market_turned_reduce_only_still_charges_the_move() {
    let (mut s, [alice, keeper], _) = buys_after_bob(10_000, None, true, &["1"], &["60000"]);
    s.set_market_status("BTC", MarketStatusUpdate::ReduceOnly);
    s.set_price("BTC", "59000");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(settled_move(&res), 1_001_666_667);
    assert_eq!(s.account(&alice).collateral.i128(), 8_937_833_333);
}

/// Scenario 85 with a silent feed (safe): no record for two hours after the failure. The entry
/// does not expire (a market order would), its reservation (6,010.1) stays held — a withdrawal
/// of one unit more than the 3,929.4 free is refused — and the first record after the silence
/// (59,000) charges the move, 1,001.666667.
#[test]
fn s85_a_settling_entry_waits_out_a_silent_feed_with_its_reservation_held() {
    let (mut s, [alice, keeper], _) = buys_after_bob(10_000, None, true, &["1"], &["60000"]);
    s.advance(7_200);
    assert_eq!(pending(&s, &alice, OrderKind::Settlement).len(), 1);
    let expected = "withdrawal 3929400001 exceeds free collateral 3929400000";
    s.rejects(&alice, &Suite::withdraw_msg(3_929_400_001), &[], expected);
    s.set_price("BTC", "59000");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(settled_move(&res), 1_001_666_667);
    assert_eq!(s.account(&alice).collateral.i128(), 8_937_833_333);
}

/// Scenario 86's world: BTC deferred ([`wide_impact_btc`], wide caps), ETH immediate, a
/// 100,000 vault (the LP's). Honest alice (20,000) holds 1 ETH and buys 1 BTC at most 60,100,
/// pinned at 60,000; ETH's feed stops for 61 s (scenario 59's wait) while BTC moves to `later`.
/// `grief`: bob (the LP's second wallet, 50,000) buys 5 BTC while her order waits at its record,
/// and closes them after. His younger order waits behind hers (it filled first before the fix,
/// and failed hers); once ETH is back hers fills first, then his. Returns `[alice's equity, the
/// LP's pair: V + bob's C]`, base units.
fn an_honest_order_waits_while_btc_moves(later: &str, grief: bool) -> [i128; 2] {
    let mut s = wide_caps_world(100_000_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let bob = s.trader("bob", 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("ETH", "3000");
    s.trade(&alice, "ETH", "1");
    s.exec(&alice, &buy("1", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    s.advance(61);
    s.set_price("BTC", later);
    keeper_run(&mut s, &keeper, None);
    if grief {
        s.exec(&bob, &buy("5", None)).unwrap();
        s.set_price("BTC", later);
        // bob's younger order waits behind hers (before the fix it filled here)
        assert!(executed(&keeper_run(&mut s, &keeper, None)).is_empty());
    }
    s.set_price("ETH", "3000");
    let res = keeper_run(&mut s, &keeper, None);
    // hers fills first, at her record; bob's after it
    let owners = if grief {
        vec![alice.clone(), bob.clone()]
    } else {
        vec![alice.clone()]
    };
    assert_eq!(executed(&res), owners);
    s.set_price("BTC", later);
    keeper_run(&mut s, &keeper, None);
    if grief {
        s.close(&bob, "BTC").unwrap();
        s.set_price("BTC", later);
        keeper_run(&mut s, &keeper, None);
    }
    let pair = s.vault().equity.i128() + s.account(&bob).collateral.i128();
    [s.account(&alice).equity.i128(), pair]
}

/// Scenario 86 after a fall: the same grief when BTC fell to 57,000 instead. Her order fills at
/// her record first (60,030 marked at 57,000: equity 16,909.47 either way; before the fix her
/// failure was charged the fill she accepted, 60,100, closed at 57,095: 16,934.5); the LP and bob
/// end 152,934.125 instead of 153,049.524: the griefer's round trip only burns 115.399 of fees
/// and impact.
#[test]
fn s86_griefing_a_waiting_order_after_a_fall_gains_the_griefer_nothing() {
    let without = an_honest_order_waits_while_btc_moves("57000", false);
    assert_eq!(without, [16_909_470_000, 153_049_524_000]);
    let griefed = an_honest_order_waits_while_btc_moves("57000", true);
    assert_eq!(griefed, [16_909_470_000, 152_934_125_000]);
}

/// Scenario 86 (fixed; failed on the old main): griefing an honest order into failure after the
/// price moved its way. In [`an_honest_order_waits_while_btc_moves`] (BTC at 63,000) the order,
/// pinned at 60,000, fills at 60,030 with BTC at 63,000: alice's equity 22,909.47. Before the
/// fix bob's 5 BTC filled while hers waited, her fill would then have been 60,330 > 60,100 and
/// it failed: 60.5 of fees, no move (a failure never pays a gain): 19,939.5, and the LP and bob
/// ended 149,932.685 instead of 147,046.524 (+2,886.161). Now an order that waits at its record
/// holds its market's younger orders (the per-market id order holds through a wait): hers fills
/// first, and the pair ends 146,919.083 (the griefer's round trip costs it 127.441).
#[test]
fn s86_an_lp_wallet_cannot_fail_a_waiting_order_to_keep_its_gain() {
    let [alice_filled, pair_without] = an_honest_order_waits_while_btc_moves("63000", false);
    assert_eq!(
        (alice_filled, pair_without),
        (22_909_470_000, 147_046_524_000)
    );
    let [alice, pair] = an_honest_order_waits_while_btc_moves("63000", true);
    // safe: alice keeps her fill's gain (19,939.5 on the old main) and the griefer's pair gains
    // nothing (149,932.685 on the old main)
    assert_eq!(alice, alice_filled);
    assert_eq!(pair, 146_919_083_000);
    assert!(pair <= pair_without, "{pair} > {pair_without}");
}

/// Scenario 86's hold by every path, and its bound. Alice's buy waits at its record (60,000,
/// accepted at `t`; ETH stale); bob's younger buy of 5 BTC has its record (63,000). A keeper
/// passing only bob's id runs hers first, which waits again: his does not run; nor does his own
/// next message (a withdrawal) run it. At `t + 300` (`max_order_age_secs` after her record) his
/// order still waits; one second later it runs past hers (liveness: an outage of another market
/// of her book holds her market's younger orders at most that long). When ETH is back, hers
/// then meets the skew his moved and fails (60,330 > 60,100): past the bound the old exposure
/// remains.
#[test]
fn s86_a_waiting_order_holds_its_market_by_every_path_for_max_order_age_secs() {
    let mut s = wide_caps_world(100_000_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let bob = s.trader("bob", 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("ETH", "3000");
    s.trade(&alice, "ETH", "1");
    s.exec(&alice, &buy("1", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    let t = s.now();
    s.advance(61);
    s.set_price("BTC", "63000");
    s.exec(&bob, &buy("5", None)).unwrap();
    s.set_price("BTC", "63000");
    let bobs = pending(&s, &bob, OrderKind::Market)[0].0;
    let res = keeper_run(&mut s, &keeper, Some(vec![bobs]));
    assert_eq!(Suite::attr(&res, "wasm", "orders_handled"), "0");
    // bob's own message cannot run his order first (held): refused, nothing changed (scenario
    // 93's rule: an account's message waits for its orders); a deposit still goes through
    let held = format!(
        "order {bobs} of market BTC must run before this message and cannot in it (more \
         triggered or older orders of its market first): run execute_orders with order {bobs} first"
    );
    s.rejects_exact(&bob, &Suite::withdraw_msg(1), &[], &held);
    s.mint(&bob, USDC);
    s.deposit(&bob, 1);
    assert_eq!(pending(&s, &bob, OrderKind::Market).len(), 1);
    s.advance(t + 299 - s.now());
    s.set_price("BTC", "63000");
    assert_eq!(s.now(), t + 300);
    assert!(executed(&keeper_run(&mut s, &keeper, None)).is_empty());
    s.set_price("BTC", "63000");
    assert_eq!(
        executed(&keeper_run(&mut s, &keeper, None)),
        vec![bob.clone()]
    );
    assert_eq!(pending(&s, &alice, OrderKind::Market).len(), 1);
    s.set_price("ETH", "3000");
    let res = keeper_run(&mut s, &keeper, None);
    assert!(failed(&res).reason.contains("60330"));
}

/// Scenario 87 (fixed; failed on the old main): an LP provides ahead of a known settlement charge. Bob's 5
/// BTC fill first, alice's buy (at most 60,100) fails at the record 60,000 with BTC already at
/// 54,000: her settling entry will charge about 6,010 at the next record, and the vault's
/// value (1,030,375.6, share price 1.0303756) does not count it. A sniper provides 1,000,000 in
/// that block (an LP order: pinned to the next record, at the higher of the share prices at
/// request and execution — both without the charge). At the next record (54,000) its own call
/// executes its provide before the settlement (an LP order runs no market's older orders):
/// 970,519.87644 shares at 1.0303756; then the settlement charges 6,010 and the share price
/// jumps to 1.033425556548…; the sniper requests and claims (after the 3,600 s lock and the
/// 3,600 s delay, BTC unchanged): 1,002,960.043451 — +2,960.043451, 49 % of the charge, taken
/// from the LP who held the vault when the failure happened. Now a provide waits while any
/// settling entry is pending (`orders::SETTLING`): the keeper's run settles the entry (6,010)
/// and then executes the provide at the share price with the charge in: 964,891.34932 shares,
/// claimed back for 999,999.499999 (what it provided less its claim's keeper fee).
#[test]
fn s87_an_lp_provide_cannot_capture_a_known_settlement_charge() {
    let (mut s, [_, keeper], res) = buys_after_bob(20_000, None, true, &["1"], &["60000", "54000"]);
    let sniper = s.trader("sniper", 1_000_000, 0);
    assert!(failed(&res).settles_at_next_record);
    assert_eq!(s.vault().share_price, d("1.0303756"));
    s.provide(&sniper, 1_000_000 * USDC).unwrap();
    s.set_price("BTC", "54000");
    let provide = pending(&s, &sniper, OrderKind::Provide)[0].0;
    // the provide waits for the pending settling entry, whoever runs it
    let res = keeper_run(&mut s, &sniper, Some(vec![provide]));
    assert_eq!(Suite::attr(&res, "wasm", "orders_handled"), "0");
    let res = keeper_run(&mut s, &keeper, None);
    assert_eq!(settled_move(&res), 6_010 * USDC);
    // at the share price with the charge in the vault
    let minted = Suite::typed::<LpOrderExecutedEvent>(&res)[0].shares;
    assert_eq!(minted, Uint128::new(964_891_349_320));
    s.advance(3_600);
    s.set_price("BTC", "54000");
    s.request_withdrawal(&sniper, minted.u128());
    s.advance(3_600);
    s.set_price("BTC", "54000");
    s.exec(&sniper, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    s.set_price("BTC", "54000");
    keeper_run(&mut s, &sniper, None);
    let paid = s.balance(&sniper);
    // safe: the sniper gets back at most what it provided (old main: 1,002,960.043451 for
    // 970,519.87644 shares)
    assert_eq!(paid, 999_999_499_999);
}

/// Scenario 88 (fixed; failed on the old main; low: needs idle keepers): a settled market charges a
/// settling entry at its settlement price even when the record the entry is pinned to is held.
/// Alice's failed buy (fill 60,100, record 60,000) has its next record at 54,000 (a 6,010
/// move); nobody runs it; BTC is back at 60,000 and the owner settles the market at the oracle
/// price (60,000): the keeper's run charges 0 (60,100 closed at 60,100) instead of 6,010. The
/// outcome was fixed at the record (invariant 12) and then changed by the settlement. Fix
/// direction: `run_settlement` looks for its pinned record first and uses the settlement price
/// only when no record after the failure's block exists.
#[test]
fn s88_a_settled_market_keeps_the_record_a_settling_entry_is_pinned_to() {
    let (mut s, [alice, keeper], _) = buys_after_bob(10_000, None, true, &["1"], &["60000"]);
    let id = pending(&s, &alice, OrderKind::Settlement)[0].0;
    s.set_price("BTC", "54000");
    s.set_price("BTC", "60000");
    s.settle_market("BTC", None);
    let res = keeper_run(&mut s, &keeper, Some(vec![id]));
    // safe: the move at the pinned record, 6,010 (today 0 at the settlement price)
    assert_eq!(settlements(&res), vec![(id, 6_010 * USDC)]);
    assert_eq!(s.account(&alice).collateral.i128(), 3_929_500_000);
}

/// Scenario 89's world: BTC deferred ([`wide_impact_btc`]), ETH immediate and plain; alice
/// (20,000) long 10 ETH and long 1 BTC (filled at 60,030), then she closes BTC (at least
/// 59,900), pinned at 60,000. `griefed`: bob's sale of 5 BTC fills first and her close fails
/// (59,730 < 59,900: a settling entry selling 1 at 59,900). ETH then crashes to 1,300 and w2
/// liquidates what is liquidatable; BTC's next record is 60,600. Returns the suite, alice and
/// the settled move.
fn a_failed_close_then_a_liquidation(griefed: bool) -> (Suite, Addr, u128) {
    let mut s = deferred_suite(wide_impact_btc());
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let (w2, keeper) = (s.trader("w2", 0, 0), s.trader("keeper", 0, 0));
    s.trade(&alice, "ETH", "10");
    s.trade(&alice, "BTC", "1");
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    if griefed {
        s.trade(&bob, "BTC", "-5");
    }
    let close = ExecuteMsg::ClosePosition {
        market_id: "BTC".into(),
        acceptable_price: Some(d("59900")),
    };
    s.exec(&alice, &close).unwrap();
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    assert_eq!(
        pending(&s, &alice, OrderKind::Settlement).len(),
        usize::from(griefed)
    );
    s.set_price("ETH", "1300");
    let _ = s.liquidate(&w2, &alice, None);
    s.set_price("BTC", "60600");
    let res = keeper_run(&mut s, &keeper, None);
    (s, alice, settled_move(&res))
}

/// Scenario 89 (fixed; failed on the old main; an honest user overcharged): a failed close is charged the
/// rise on a position a liquidation closed before its record. In
/// [`a_failed_close_then_a_liquidation`] bob (a griefer) fails alice's close; ETH's crash makes
/// her cross book liquidatable (it would not be without the BTC long: the committed close
/// leaves her equity at 2,878.94, no liquidation, no charge) and w2's liquidation sells
/// 0.878733335897435898 of her BTC at the live price (60,000). The next record (60,600) then
/// charges the failed sale of the whole 1 BTC: 59,900 closed at 60,499 = 599, although she
/// holds only 0.121266664102564102 BTC to gain the rise that offsets it: 526.36 of it is for
/// BTC the liquidation already sold (her equity 741.009992). Review 3 called a failed close
/// neutral because "it keeps the position that gained it"; a liquidation or an ADL close in
/// between breaks that, and the failure then costs more than the fill and a close (the vault,
/// the griefer's LP, gains it). Fix direction: a liquidation or ADL close that reduces a
/// position shrinks the reducing settling entries of that market by the size it closed (their
/// move on that part was realized at the live price); an owner's own close does not (it would
/// reopen scenario 62's option on an immediate market).
#[test]
fn s89_a_failed_close_is_not_charged_for_a_position_a_liquidation_closed() {
    let (s, alice, moved) = a_failed_close_then_a_liquidation(false);
    assert_eq!((moved, s.account(&alice).equity.i128()), (0, 2_878_940_000));
    let (s, alice, moved) = a_failed_close_then_a_liquidation(true);
    let a = s.account(&alice);
    let btc = a.positions.iter().find(|p| p.market_id == "BTC").unwrap();
    assert_eq!(btc.size, sd("0.121266664102564102"));
    // safe: at most the move on the 0.121266664102564102 BTC still held (599 × that =
    // 72.638732); today 599, equity 741.009992
    assert!(moved <= 72_638_732, "{moved}");
}

/// Scenario 90's world: BTC and ETH plain and immediate, SOL immediate (0.1 % fee, impact on a
/// 100,000 skew scale capped at 1 %), wide exposure caps, a 100,000 vault, keeper fee 0.5. The
/// whale (100,000) wins 120,000 on ETH (carol's BTC short loses as much, unrealized): the vault
/// pays the 100,000 of cash it holds and owes the other 20,000 as a pending payout (the
/// `solvency::pending` world). The whale withdraws 198,000 (its claim stays), then places a
/// conditional buy of 100 SOL above 101, at most 101.5, triggered by the record at 101; SOL
/// falls to 60 before a keeper runs it. `griefed`: erin's 500 SOL, bought first, fail it on its
/// bound (101.5555 > 101.5: a settling entry whose move is already 4,120.297030); else it fills
/// at 101.0505 (a 4,105.05 loss, bankrupt beyond its 1,989.39495 of `C`). Returns the suite,
/// `[whale, keeper]` and the order's id.
fn a_claim_holder_loses_beyond_c(griefed: bool) -> (Suite, [Addr; 2], u64) {
    let sol = MarketConfig {
        max_funding_rate_per_day: cosmwasm_std::Decimal256::zero(),
        max_price_impact: Some(d("0.01")),
        liquidation_fee: d("0.03"),
        max_skew_to_vault: Some(d("20")),
        ..crate::suite::fee_market("SOL", "100000")
    };
    let markets = [
        ("BTC", crate::suite::plain_market("BTC")),
        ("ETH", crate::suite::plain_market("ETH")),
        ("SOL", sol),
    ];
    let wide = |m: &mut perps_api::perps::InstantiateMsg| {
        m.vault_min_backing = d("0.02");
        m.adl_trigger_ratio = Some(d("0.01"));
        m.max_total_skew_to_vault = Some(d("20"));
    };
    let s = Suite::with_vault(wide, &markets, 100_000);
    let (mut s, [whale, _, _, bob, keeper]) =
        crate::solvency::pending::a_winner_paid_beyond_the_cash_in(s);
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    s.set_price("SOL", "100");
    s.withdraw(&whale, 198_000 * USDC).unwrap();
    let entry = ExecuteMsg::PlaceOrder {
        market_id: "SOL".into(),
        size_delta: sd("100"),
        trigger_price: d("101"),
        trigger: Trigger::Above,
        reduce_only: None,
        acceptable_price: Some(d("101.5")),
        mode: None,
    };
    s.exec(&whale, &entry).unwrap();
    let id = orders_of(&s, &whale)[0].order_id;
    s.set_price("SOL", "101");
    if griefed {
        s.trade(&bob, "SOL", "500");
    }
    s.set_price("SOL", "60");
    let res = keeper_run(&mut s, &keeper, Some(vec![id]));
    if griefed {
        assert!(failed(&res).settles_at_next_record);
    }
    (s, [whale, keeper], id)
}

/// Scenario 90 (fixed; failed on the old main; found here, older than the settlement): a pending
/// payout was out of reach of the same account's losses beyond `C`. In
/// [`a_claim_holder_loses_beyond_c`] the whale (a 20,000 claim on the vault, 2,000 left in `C`) has
/// a failed SOL buy whose move at the next record (60) is 4,120.297030; the settlement takes what
/// `C` holds (1,989.4 after the fees, plus 50.601 of the claim the vault's new cash paid into `C`
/// when the account was loaded): 2,040.001; the other 2,080.29603 is dropped while the whale keeps
/// a claim of 19,949.399 on the vault. The committed fill is no better for the vault: the
/// liquidation books a 2,107.57101 shortfall (2,105.55 socialized to the LPs, 2.02101 from fees)
/// and the whale keeps a 19,991.91596 claim. A claim is money the vault owes the account; its own
/// debt to the vault is netted against it first. The fix: a settlement charge beyond `C` and a
/// bankrupt book's shortfall is taken from the account's pending payout (reducing `PENDING_PAYOUTS`
/// and `Vault::pending_payouts`) before the bad-debt waterfall.
#[test]
fn s90_a_settlement_beyond_c_is_taken_from_the_accounts_pending_payout() {
    let (mut s, [whale, keeper], id) = a_claim_holder_loses_beyond_c(true);
    s.set_price("SOL", "60");
    let res = keeper_run(&mut s, &keeper, None);
    let w = s.account(&whale);
    // safe: the whole move (rounded up), the part beyond C from the claim (old main: 2,040.001
    // charged and a claim of 19,949.399 left)
    assert_eq!(settlements(&res), vec![(id, 4_120_297_030)]);
    assert_eq!(w.pending_payout, Some(Uint128::new(17_869_102_970)));
    // 2,040.001 from C, 2,080.29603 netted against the claim of 19,949.399
    let ev = &Suite::typed::<OrderSettledEvent>(&res)[0];
    assert_eq!(ev.payout_netted, Some(Uint128::new(2_080_296_030)));
    assert_eq!(w.collateral.i128(), 0);
    assert_eq!(s.vault().pending_payouts, w.pending_payout);
}

/// Scenario 90 for the committed fill (fixed; failed on the old main): the bankrupt SOL long's
/// shortfall (2,107.57101) was socialized while its owner kept a 19,991.91596 claim on the vault.
/// Safe: nothing socialized, the claim reduced by the shortfall.
#[test]
fn s90_a_bankrupt_books_shortfall_is_netted_against_its_own_pending_payout() {
    let (mut s, [whale, keeper], _) = a_claim_holder_loses_beyond_c(false);
    let res = s.liquidate(&keeper, &whale, None).unwrap();
    let w = s.account(&whale);
    assert_eq!((w.collateral.i128(), w.positions.len()), (0, 0));
    // safe: no bad debt while the account holds a claim larger than it (old main: a shortfall of
    // 2,107.57101, 2,105.55 socialized, and a claim of 19,991.91596 left)
    assert!(Suite::typed::<perps_api::events::BadDebtEvent>(&res).is_empty());
    assert_eq!(w.pending_payout, Some(Uint128::new(17_884_344_950)));
    assert_eq!(Suite::attr(&res, "wasm", "payout_netted"), "2107571010");
    assert_eq!(s.vault().pending_payouts, w.pending_payout);
}

/// Scenario 90 when the owner closes its bankrupt book itself (before any liquidator): the
/// shortfall of the cross book the close leaves flat is netted against its claim too (the
/// `trade` event's `payout_netted`), nothing goes down the waterfall.
#[test]
fn s90_an_owners_close_of_its_bankrupt_book_is_netted_against_its_own_pending_payout() {
    let (mut s, [whale, _], _) = a_claim_holder_loses_beyond_c(false);
    let res = s.close(&whale, "SOL").unwrap();
    let w = s.account(&whale);
    assert_eq!((w.collateral.i128(), w.positions.len()), (0, 0));
    assert!(Suite::typed::<perps_api::events::BadDebtEvent>(&res).is_empty());
    let trade = &Suite::typed::<perps_api::events::TradeEvent>(&res)[0];
    // the close's fee and impact on top of the liquidation's 2,107.57101
    assert_eq!(trade.shortfall, Some(Uint128::new(2_110_574_010)));
    assert_eq!(trade.payout_netted, trade.shortfall);
    assert_eq!(w.pending_payout, Some(Uint128::new(17_881_341_950)));
    assert_eq!(s.vault().pending_payouts, w.pending_payout);
}

/// Scenario 91 (fixed; failed on the old main; an honest user overcharged, 81's root cause): a failure
/// that would have filled into an existing isolated position is charged from `C` once a
/// liquidation closed that position. Alice (30,000) holds 1 BTC isolated at 60,030 with 10,000
/// of margin (9,939.97 after its fee); bob's 5 BTC fail her next buy of 0.5 (no mode: it joins
/// the isolated position; at most 60,100) at the record 60,000 with BTC already at 50,000. w2
/// liquidates the bankrupt isolated position (no reward); the next record (50,000) finds no
/// BTC position, so `isolated_bound` is `None` and the move, 5,008.333334, comes out of her
/// cross `C` (19,969 → 14,960.666666). Her fill would have joined the isolated position and
/// lost only its margin: an isolated loss reaching `C` (invariant 5), 5,008.33 for the vault.
/// Fix direction (with 81's): the entry records at the failure which book its fill would have
/// used; for an existing isolated position the charge comes out of that position's margin as
/// it stands at the settlement (at most its margin at the failure; nothing once it is gone),
/// never out of `C`.
#[test]
fn s91_a_failure_into_a_liquidated_isolated_position_never_reaches_c() {
    let (mut s, [alice, keeper], _) = buys_after_bob(30_000, None, false, &[], &["60000"]);
    s.exec(&alice, &Suite::isolated_msg("BTC", "1", 10_000 * USDC))
        .unwrap();
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    let bob = s.trader("bob", 100_000, 100_000);
    s.trade(&bob, "BTC", "5");
    s.exec(&alice, &buy("0.5", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    s.set_price("BTC", "50000");
    let res = keeper_run(&mut s, &keeper, None);
    let id = failed(&res).order_id;
    assert_eq!(
        c_and_btc_margin(&s, &alice),
        (19_969_000_000, 9_939_970_000)
    );
    let w2 = s.trader("w2", 0, 0);
    let res = s.liquidate(&w2, &alice, None).unwrap();
    assert_eq!(c_and_btc_margin(&s, &alice), (19_969_000_000, 0));
    // the liquidation took the isolated position whole: the entry that joined it goes
    assert_eq!(
        Suite::attr(&res, "order_cancelled", "order_id"),
        id.to_string()
    );
    assert_eq!(
        Suite::attr(&res, "order_cancelled", "reason"),
        "liquidation"
    );
    s.set_price("BTC", "50000");
    let res = keeper_run(&mut s, &keeper, None);
    // safe: nothing from C (old main: 5,008.333334 charged, C 14,960.666666)
    assert!(settlements(&res).is_empty());
    assert_eq!(s.account(&alice).collateral.i128(), 19_969_000_000);
}

/// Scenario 90 through a settled market: the whale's SOL long closes at the settlement price
/// (60) in `settle_positions`, which leaves its account flat with `C < 0`: the write-off is
/// netted against its claim first, nothing goes down the waterfall (the same claim as after the
/// liquidation: there 8.08404 of it was paid into `C` first).
#[test]
fn s90_a_settled_markets_write_off_is_netted_against_the_accounts_pending_payout() {
    let (mut s, [whale, _], _) = a_claim_holder_loses_beyond_c(false);
    let before = s.account(&whale).pending_payout.unwrap().u128();
    s.settle_market("SOL", None);
    let res = s.settle_positions("SOL");
    let w = s.account(&whale);
    assert_eq!((w.collateral.i128(), w.positions.len()), (0, 0));
    assert!(Suite::typed::<perps_api::events::BadDebtEvent>(&res).is_empty());
    assert_eq!(before, 20_000 * USDC);
    // C 1,989.39495 against a loss of 4,105.05 at 60 (no fee): 2,115.65505 netted
    assert_eq!(w.pending_payout, Some(Uint128::new(17_884_344_950)));
    assert_eq!(s.vault().pending_payouts, w.pending_payout);
}
