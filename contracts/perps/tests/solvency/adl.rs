//! Auto-deleveraging (DESIGN 6.10, SECURITY 50): only profitable positions of the side the vault
//! is short to, in the index's order (longs by ascending entry price), only while the vault is
//! below its trigger, never more than restores it, never the caller's own.

use cosmwasm_std::{Addr, Uint128};
use perps_api::events::AutoDeleverageEvent;
use perps_api::perps::{AdlRankingResponse, ExecuteMsg, QueryMsg};

use crate::suite::{d, sd, Suite, USDC};

fn ranking(s: &Suite, market: &str) -> AdlRankingResponse {
    s.query(&QueryMsg::AdlRanking {
        market_id: market.to_string(),
        start_after: None,
        limit: None,
    })
}

/// Alice long 8 BTC at 60,000, bob long 4 BTC at 66,000, carol short 1 at 66,000 (the other
/// side, never deleveraged); returns the suite and [alice, bob, carol, keeper].
fn two_longs() -> (Suite, [Addr; 4]) {
    let mut s = Suite::new();
    let [alice, bob, carol] = s.traders(["alice", "bob", "carol"], 200_000, 200_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&alice, "BTC", "8");
    s.set_price("BTC", "66000");
    s.trade(&bob, "BTC", "5");
    s.trade(&carol, "BTC", "-1");
    (s, [alice, bob, carol, keeper])
}

#[test]
fn s50_adl_closes_the_lowest_entry_first_and_only_what_restores_the_ratio() {
    let (mut s, [alice, bob, carol, keeper]) = two_longs();
    // the index: longs by ascending entry price (K > 0: the vault is short to the longs)
    let r = ranking(&s, "BTC");
    let order: Vec<_> = r.positions.iter().map(|p| p.address.clone()).collect();
    assert_eq!(order, vec![alice.clone(), bob.clone()]);
    assert_eq!(r.positions[0].unrealized_pnl.i128(), 48_000 * USDC as i128);
    // V = 1,000,000 − 48,000 = 952,000 ≥ 0.05 × 12 × 66,000: nothing to do, nothing changes
    s.rejects_exact(
        &keeper,
        &Suite::adl_msg("BTC"),
        &[],
        "auto-deleveraging not needed: vault equity 952000000000 ≥ adl_trigger_ratio 0.05 × exposure 792000000000",
    );
    // BTC 139,520: traders' profit 8 × 79,520 + 5 × 73,520 − 73,520 = 930,240, V = 69,760
    // < 0.05 × 12 × 139,520 = 83,712
    s.set_price("BTC", "139520");
    let res = s.exec(&keeper, &Suite::adl_msg("BTC")).unwrap();
    let ev = Suite::typed::<AutoDeleverageEvent>(&res);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].account, alice);
    assert_eq!(ev[0].caller, keeper);
    // exposure must fall to V / 0.05 = 1,395,200: (1,674,240 − 1,395,200)/139,520 = 2 BTC
    assert_eq!(ev[0].size_closed, sd("2"));
    assert_eq!(ev[0].size_after, sd("6"));
    assert_eq!(ev[0].price, d("139520"));
    assert_eq!(ev[0].realized_pnl.i128(), 159_040 * USDC as i128);
    // restored exactly: V = 69,760 = 0.05 × 1,395,200; bob and carol untouched
    assert_eq!(s.vault().equity.i128(), 69_760 * USDC as i128);
    assert_eq!(s.account(&bob).positions[0].size, sd("5"));
    assert_eq!(s.account(&carol).positions[0].size, sd("-1"));
    s.rejects_exact(
        &keeper,
        &Suite::adl_msg("BTC"),
        &[],
        "auto-deleveraging not needed: vault equity 69760000000 ≥ adl_trigger_ratio 0.05 × exposure 1395200000000",
    );
}

#[test]
fn s50_the_caller_is_never_deleveraged_and_losing_positions_are_skipped() {
    let (mut s, [alice, bob, _carol, _keeper]) = two_longs();
    s.set_price("BTC", "139520");
    // alice calls: her own position is skipped, bob's (the next in profit) is closed
    let res = s.exec(&alice, &Suite::adl_msg("BTC")).unwrap();
    let ev = Suite::typed::<AutoDeleverageEvent>(&res);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].account, bob);
    assert_eq!(ev[0].size_closed, sd("2"));
    assert_eq!(s.account(&bob).positions[0].size, sd("3"));
    assert_eq!(s.account(&alice).positions[0].size, sd("8"));
}

#[test]
fn s50_while_v_is_negative_positions_close_with_the_haircut_up_to_the_skew() {
    let (mut s, [alice, bob, carol, keeper]) = two_longs();
    // BTC 200,000: profits 1,120,000 + 670,000 − 134,000 = 1,656,000; V = −656,000
    s.set_price("BTC", "200000");
    let v = s.vault().equity.i128();
    assert!(v < 0, "{v}");
    let res = s.exec(&keeper, &Suite::adl_msg("BTC")).unwrap();
    let ev = Suite::typed::<AutoDeleverageEvent>(&res);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert_eq!(
        (ev[0].account.clone(), ev[1].account.clone()),
        (alice.clone(), bob.clone())
    );
    // alice whole (8 ≤ K = 12), paid with the haircut h = 1 − 656,000/1,656,000:
    // 1,120,000·h = 676,328.502415
    assert_eq!(ev[0].size_closed, sd("8"));
    assert_eq!(ev[0].realized_pnl.i128(), 676_328_502_415);
    // bob only the 4 BTC of skew left (never across zero), at the same h: 536,000·h, exactly
    // the vault's cash
    assert_eq!((ev[1].size_closed, ev[1].size_after), (sd("4"), sd("1")));
    assert_eq!(ev[1].realized_pnl.i128(), 323_671_497_585);
    let vault = s.vault();
    assert_eq!((vault.cash.i128(), vault.equity.i128()), (0, 0));
    assert_eq!(vault.exposure.u128(), 0);
    assert_eq!(vault.pending_payouts, Some(Uint128::zero()));
    // K = 0 and V = 0: bob's 1 long against carol's 1 short; either close would leave the vault
    // exposed with no equity, so the caps refuse both until V > 0 (docs/decisions.md: a cap
    // exception for a losing close is the hedged-pair bypass)
    s.rejects(&carol, &close_msg("BTC"), &[], "exposure cap of market BTC");
    s.rejects(&bob, &close_msg("BTC"), &[], "exposure cap of market BTC");
    // every flat account takes out everything
    let c = s.account(&alice).collateral.i128() as u128;
    assert_eq!(c, 876_328_502_415);
    s.withdraw(&alice, c).unwrap();
}

fn close_msg(market: &str) -> ExecuteMsg {
    ExecuteMsg::ClosePosition {
        market_id: market.to_string(),
        acceptable_price: None,
    }
}

/// With the vault short to the shorts (K < 0), the index lists shorts by descending entry price,
/// a page at a time; the longs are not listed.
#[test]
fn adl_ranking_pages_the_shorts_by_descending_entry() {
    let mut s = Suite::new();
    let [a, b, c, l] = s.traders(["a", "b", "c", "l"], 100_000, 100_000);
    s.trade(&a, "BTC", "-1");
    s.set_price("BTC", "61000");
    s.trade(&b, "BTC", "-1");
    s.set_price("BTC", "59000");
    s.trade(&c, "BTC", "-1");
    s.trade(&l, "BTC", "0.5");
    let page = |start: Option<&Addr>| -> AdlRankingResponse {
        s.query(&QueryMsg::AdlRanking {
            market_id: "BTC".into(),
            start_after: start.map(|a| a.to_string()),
            limit: Some(2),
        })
    };
    let first = page(None);
    let got: Vec<_> = first
        .positions
        .iter()
        .map(|p| (p.address.clone(), p.entry_price))
        .collect();
    assert_eq!(got, vec![(b.clone(), d("61000")), (a.clone(), d("60000"))]);
    // at 59,000: b gains 2,000, a 1,000
    assert_eq!(
        first.positions[0].unrealized_pnl.i128(),
        2_000 * USDC as i128
    );
    assert_eq!(first.next_start_after, Some(a.to_string()));
    let second = page(Some(&a));
    let got: Vec<_> = second.positions.iter().map(|p| p.address.clone()).collect();
    assert_eq!(got, vec![c.clone()]);
    assert_eq!(second.next_start_after, None);
}
