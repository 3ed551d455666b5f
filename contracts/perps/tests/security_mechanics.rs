//! SECURITY.md "CosmWasm mechanics" (scenarios 31-33): bounded lists over all three contracts,
//! no zero-amount transfer, donations change nothing.

use cosmwasm_std::{coins, Addr, BankMsg, Response};
use cw_multi_test::Executor;
use perps_api::events::LiquidationEvent;
use perps_api::insurance_fund::{ExecuteMsg as FundMsg, PayoutsResponse, QueryMsg as FundQuery};
use perps_api::perps::{
    AccountsResponse, ExecuteMsg, LiquidatableAccountsResponse, LpPositionResponse,
    MarketsResponse, QueryMsg,
};
use perps_api::price_feed::{FeedsResponse, QueryMsg as FeedQuery};

use crate::suite::{assert_no_zero_amounts, plain_market, usdc, Suite, DENOM, USDC};

/// Walks every page of a list with `page(start_after, limit)`, returning ids in order.
fn walk<S: Clone>(
    mut page: impl FnMut(Option<S>, u32) -> (Vec<String>, Option<S>),
    limit: u32,
) -> Vec<String> {
    let (mut all, mut start) = (vec![], None);
    loop {
        let (ids, next) = page(start.clone(), limit);
        all.extend(ids);
        match next {
            Some(n) => start = Some(n),
            None => return all,
        }
    }
}

/// A page of `ids` asked with `limit`, and where the next one starts: after its last id when
/// the page is full (the contracts cap every page at 30), nowhere after a short page.
fn full_page(ids: impl Iterator<Item = String>, limit: u32) -> (Vec<String>, Option<String>) {
    let ids: Vec<String> = ids.collect();
    let next = (ids.len() == limit.min(30) as usize).then(|| ids.last().cloned().unwrap());
    (ids, next)
}

/// The list asked with no limit answers 30 (the cap); walked in pages of `limit` it yields each
/// of its `total` ids once.
fn assert_capped_and_complete<S: Clone>(
    page: &impl Fn(Option<S>, u32) -> (Vec<String>, Option<S>),
    limit: u32,
    total: usize,
) {
    assert_eq!(page(None, u32::MAX).0.len(), 30);
    assert_once(&walk(page, limit), total);
}

fn assert_once(ids: &[String], expected: usize) {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!((ids.len(), sorted.len()), (expected, expected), "{ids:?}");
}

#[test]
fn s31_every_list_query_caps_at_30_and_pages_cover_everything_once() {
    let mut s = Suite::new();
    // 35 markets (2 + 33), 40 accounts, 35 payouts
    for i in 0..33 {
        let id = format!("M{i:02}");
        s.add_feed(&id);
        s.add_market(&id, plain_market(&id)).unwrap();
    }
    for i in 0..40 {
        s.trader(&format!("user{i}"), 1, 1);
    }
    let (owner, fund, feed) = (s.owner.clone(), s.fund.clone(), s.feed.clone());
    let engine2 = s.trader("engine2", 0, 0);
    s.exec_at(
        &fund,
        &owner,
        &FundMsg::AddEngine {
            engine: engine2.to_string(),
        },
        &[],
    )
    .unwrap();
    for _ in 0..35 {
        s.exec_at(
            &fund,
            &engine2,
            &FundMsg::CoverBadDebt { amount: usdc(1) },
            &[],
        )
        .unwrap();
    }
    let markets = |start: Option<String>, limit: u32| {
        let start_after = start;
        let r: MarketsResponse = s.query(&QueryMsg::Markets {
            start_after,
            limit: Some(limit),
        });
        full_page(r.markets.iter().map(|m| m.market_id.clone()), limit)
    };
    assert_capped_and_complete(&markets, 7, 35);
    let accounts = |start: Option<String>, limit: u32| {
        let start_after = start;
        let r: AccountsResponse = s.query(&QueryMsg::Accounts {
            start_after,
            limit: Some(limit),
        });
        let ids: Vec<String> = r.accounts.iter().map(|a| a.address.to_string()).collect();
        (ids, r.next_start_after)
    };
    assert_capped_and_complete(&accounts, u32::MAX, 40);
    // the liquidation scan bounds the accounts it values; accounts that cannot be liquidatable
    let scan = |start: Option<String>, limit: u32| {
        let start_after = start;
        let r: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
            start_after,
            limit: Some(limit),
        });
        assert!(r.accounts.is_empty());
        let n = r.next_start_after.clone();
        (n.iter().cloned().collect::<Vec<_>>(), n)
    };
    // these 40 accounts hold no position and no debt: they can never be liquidatable, and a page
    // steps over up to ten of them per account it may value (so dust deposits cannot dilute it)
    let (first, next) = scan(None, u32::MAX);
    assert!(
        first.is_empty() && next.is_none(),
        "one page of 30 steps over all 40"
    );
    // a page of 1 steps over 11 (its budget of 10, then the one that ends it)
    let eleven = accounts(None, 11).0;
    assert_eq!(scan(None, 1).0, vec![eleven[10].clone()]);
    assert_eq!(walk(scan, 1).len(), 3);
    let feeds = |start: Option<String>, limit: u32| {
        let start_after = start;
        let r: FeedsResponse = s.query_at(
            &feed,
            &FeedQuery::Feeds {
                start_after,
                limit: Some(limit),
            },
        );
        full_page(r.feeds.iter().map(|f| f.feed_id.clone()), limit)
    };
    assert_capped_and_complete(&feeds, 30, 35);
    let payouts = |start: Option<u64>, limit: u32| {
        let start_after = start;
        let r: PayoutsResponse = s.query_at(
            &fund,
            &FundQuery::Payouts {
                start_after,
                limit: Some(limit),
            },
        );
        let (ids, next) = full_page(r.payouts.iter().map(|p| p.id.to_string()), limit);
        (ids, next.map(|id| id.parse::<u64>().unwrap()))
    };
    assert_capped_and_complete(&payouts, u32::MAX, 35);
}

#[test]
fn s31_settle_positions_closes_at_most_30_per_call() {
    let mut s = Suite::new();
    let mut users: Vec<Addr> = vec![];
    for i in 0..35 {
        let u = s.trader(&format!("user{i}"), 1_000, 1_000);
        s.trade(&u, "ETH", "0.1");
        users.push(u);
    }
    s.settle_market("ETH", None);
    let keeper = s.trader("keeper", 0, 0);
    let settle = ExecuteMsg::SettlePositions {
        market_id: "ETH".into(),
        limit: Some(u32::MAX),
    };
    s.exec(&keeper, &settle).unwrap();
    let open = users
        .iter()
        .filter(|u| !s.account(u).positions.is_empty())
        .count();
    assert_eq!(open, 5);
    s.exec(&keeper, &settle).unwrap();
    assert!(users.iter().all(|u| s.account(u).positions.is_empty()));
}

#[test]
#[should_panic(expected = "perps emitted a zero-amount transfer")]
fn s32_the_harness_catches_a_zero_amount_send() {
    let res: Response = Response::new().add_message(BankMsg::Send {
        to_address: "someone".into(),
        amount: coins(0, DENOM),
    });
    assert_no_zero_amounts("perps", &res);
}

#[test]
fn s32_no_zero_amount_send_when_there_is_nothing_to_pay() {
    // every response of the engine and the fund passes `assert_no_zero_amounts` in the harness;
    // these are the paths where an amount can be zero.
    let mut s = Suite::with(
        |m| {
            m.liquidator_reward_share = cosmwasm_std::Decimal256::zero();
            m.insurance_fee_share = cosmwasm_std::Decimal256::zero();
        },
        &[("BTC", plain_market("BTC")), ("ETH", plain_market("ETH"))],
    );
    s.register_engine();
    let (alice, keeper) = (s.trader("alice", 1_000, 1_000), s.trader("keeper", 0, 0));
    s.trade(&alice, "BTC", "0.15");
    // nothing pending: sweep refuses instead of sending 0
    s.rejects_exact(
        &keeper,
        &ExecuteMsg::SweepFees {},
        &[],
        "no insurance fees to sweep",
    );
    // bankrupt with a zero liquidator reward, no insurance share and an empty fund: no send at all
    s.set_price("BTC", "52000");
    let r = s.liquidate(&keeper, &alice, None).unwrap();
    assert_eq!(s.balance(&keeper), 0);
    assert!(
        !r.events.iter().any(|e| e.ty == "transfer"),
        "{:?}",
        r.events
    );
    assert_eq!(Suite::attr(&r, "bad_debt", "from_fund"), "0");
    // withdrawing zero is refused, not sent
    s.rejects_exact(
        &alice,
        &Suite::withdraw_msg(0),
        &[],
        "amount must be positive",
    );
}

fn donation_world(donate: bool) -> (Suite, Addr, Addr) {
    let mut s = Suite::new();
    let (alice, bob) = (s.trader("alice", 20_000, 0), s.trader("bob", 2_000, 0));
    s.deposit(&alice, 10_000);
    s.trade(&alice, "BTC", "1");
    s.try_isolated(&alice, "ETH", "-2", 1_000 * USDC).unwrap();
    s.deposit(&bob, 1_000);
    s.trade(&bob, "BTC", "0.15");
    if donate {
        let engine = s.engine.clone();
        s.app
            .execute(
                alice.clone(),
                BankMsg::Send {
                    to_address: engine.to_string(),
                    amount: coins(5_000 * USDC, DENOM),
                }
                .into(),
            )
            .unwrap();
        s.donations += 5_000 * USDC;
        s.check_invariants();
    }
    s.set_price("BTC", "54000");
    (s, alice, bob)
}

#[test]
fn s33_a_donation_changes_no_account_health_share_price_or_liquidation() {
    let (mut plain, alice, bob) = donation_world(false);
    let (mut gifted, _, _) = donation_world(true);
    let lp = plain.lp.clone();
    let lp_pos = |s: &Suite| -> LpPositionResponse {
        s.query(&QueryMsg::LpPosition {
            address: lp.to_string(),
        })
    };
    let scan = |s: &Suite| -> LiquidatableAccountsResponse {
        s.query(&QueryMsg::LiquidatableAccounts {
            start_after: None,
            limit: None,
        })
    };
    assert_eq!(gifted.account(&alice), plain.account(&alice));
    assert_eq!(gifted.account(&bob), plain.account(&bob));
    assert_eq!(gifted.vault(), plain.vault());
    assert_eq!(lp_pos(&gifted), lp_pos(&plain));
    assert_eq!(scan(&gifted), scan(&plain));
    assert_eq!(scan(&plain).accounts.len(), 1);
    // the same liquidation pays the same amounts
    let keeper_p = plain.trader("keeper", 0, 0);
    let keeper_g = gifted.trader("keeper", 0, 0);
    let rp = plain.liquidate(&keeper_p, &bob, None).unwrap();
    let rg = gifted.liquidate(&keeper_g, &bob, None).unwrap();
    assert_eq!(
        Suite::typed::<LiquidationEvent>(&rp),
        Suite::typed::<LiquidationEvent>(&rg)
    );
    assert_eq!(gifted.balance(&keeper_g), plain.balance(&keeper_p));
    assert_eq!(gifted.vault(), plain.vault());
    // the donated coins stay outside every ledger: the engine's bank balance differs by exactly them
    let (ep, eg) = (plain.engine.clone(), gifted.engine.clone());
    assert_eq!(gifted.balance(&eg) - plain.balance(&ep), 5_000 * USDC);
}

/// The snapshot behind every rejection check sees a change anywhere: a balance of an address
/// the test never named, a key of the feed, a key of the fund.
#[test]
fn snapshot_sees_every_balance_and_every_contract_key() {
    let mut s = Suite::new();
    let nobody = s.app.api().addr_make("never-named");
    let (feed, fund) = (s.feed.clone(), s.fund.clone());
    type Change = Box<dyn Fn(&mut Suite)>;
    let changes: Vec<Change> = vec![
        Box::new(move |s: &mut Suite| s.mint(&nobody, 1)),
        Box::new(move |s: &mut Suite| s.app.contract_storage_mut(&feed).set(b"extra", b"1")),
        Box::new(move |s: &mut Suite| s.app.contract_storage_mut(&fund).set(b"extra", b"1")),
    ];
    for (i, change) in changes.iter().enumerate() {
        let before = s.snapshot();
        change(&mut s);
        let after = s.snapshot();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            after.assert_unchanged_since(&before)
        }));
        assert!(caught.is_err(), "change {i} went unnoticed");
    }
}

#[test]
fn s32_a_claim_worth_less_than_one_base_unit_sends_nothing() {
    let (mut s, [lp, _alice]) = Suite::vault_short_10_btc_an_hour_on();
    // the vault loses 10,000: V = 990,000 USDC over 10^12 shares, 0.99 base units a share
    s.set_price("BTC", "61000");
    s.request_withdrawal(&lp, 1);
    s.advance(3_600);
    s.set_price("BTC", "61000");
    let (wallet, shares) = (s.balance(&lp), s.vault().total_shares);
    let r = s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    // payouts round down: 0, no bank message at all, and the share is not burned for nothing
    // (it stays requested)
    assert_eq!(Suite::attr(&r, "wasm", "payout"), "0");
    assert!(
        !r.events.iter().any(|e| e.ty == "transfer"),
        "{:?}",
        r.events
    );
    assert_eq!(s.balance(&lp), wallet);
    assert_eq!(s.vault().total_shares, shares);
}
