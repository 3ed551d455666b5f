//! Attacker review 4: the settlement of failed orders (scenario 77's fix; docs/decisions.md
//! "Attacker review 4 (settlement of failed orders)", scenarios 81–).

use cosmwasm_std::{Addr, Uint128};
use cw_multi_test::AppResponse;
use perps_api::events::{LpOrderExecutedEvent, OrderSettledEvent};
use perps_api::perps::{ExecuteMsg, OrderKind, TradeMode, Trigger};

use super::failure::{failed, wide_impact_btc};
use super::review3::{buy, deferred_btc_world, fee_btc};
use super::{deferred_suite, keeper_run, orders_of, settled_move};
use crate::suite::{config_update, d, plain_market, sd, usdc, Suite, USDC};

fn dump(s: &Suite, tag: &str, who: &[&Addr]) {
    for w in who {
        let a = s.account(w);
        println!(
            "{tag}: {w} C {} eq {} free {} bal {} pos {:?}",
            a.collateral,
            a.equity,
            a.free_collateral,
            s.balance(w),
            a.positions
                .iter()
                .map(|p| (p.market_id.clone(), p.size, p.entry_price, p.margin))
                .collect::<Vec<_>>()
        );
    }
    let v = s.vault();
    println!("{tag}: vault cash {} eq {} sp {}", v.cash, v.equity, v.share_price);
}

/// A conditional isolated buy of 0.001 BTC with `margin` whole USDC below `trigger`.
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

fn market_order_id(s: &Suite, who: &Addr) -> u64 {
    orders_of(s, who)
        .iter()
        .find(|o| o.kind == OrderKind::Market)
        .map(|o| o.order_id)
        .unwrap()
}

#[test]
fn s81_deferred_guard() {
    let mut sol = plain_market("SOL");
    sol.max_skew_to_vault = Some(d("2"));
    let mut s = deferred_btc_world(fee_btc(), Some(sol), |_| {});
    let attacker = s.trader("attacker", 20_000, 20_000);
    let w2 = s.trader("w2", 20_000, 20_000);
    let keeper = s.trader("keeper", 0, 0);
    s.exec(&attacker, &guard("59000", 10)).unwrap();
    s.trade(&attacker, "BTC", "1");
    let id = market_order_id(&s, &attacker);
    s.set_price("BTC", "60000");
    s.trade(&w2, "SOL", "1600");
    let res = keeper_run(&mut s, &attacker, Some(vec![id]));
    println!("{:?}", failed(&res));
    s.close(&w2, "SOL").unwrap();
    dump(&s, "after failure", &[&attacker]);
    s.set_price("BTC", "54000");
    let res = keeper_run(&mut s, &keeper, None);
    println!("settled {:?}", Suite::typed::<OrderSettledEvent>(&res));
    dump(&s, "after settle", &[&attacker]);
}

#[test]
fn s81_immediate_isolated_after_failure() {
    let mut s = Suite::with_btc(wide_impact_btc());
    let owner = s.owner.clone();
    s.exec(&owner, &config_update!(keeper_fee: Uint128::new(500_000)))
        .unwrap();
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let keeper = s.trader("keeper", 0, 0);
    let stop = ExecuteMsg::PlaceOrder {
        market_id: "BTC".into(),
        size_delta: sd("1"),
        trigger_price: d("60500"),
        trigger: Trigger::Above,
        reduce_only: None,
        acceptable_price: Some(d("60700")),
        mode: None,
    };
    s.exec(&alice, &stop).unwrap();
    let id = orders_of(&s, &alice)[0].order_id;
    s.set_price("BTC", "60600");
    s.trade(&bob, "BTC", "5");
    s.set_price("BTC", "54540");
    let res = keeper_run(&mut s, &keeper, Some(vec![id]));
    println!("{:?}", failed(&res));
    s.try_isolated(&alice, "BTC", "0.001", 10 * USDC).unwrap();
    dump(&s, "after iso", &[&alice]);
    s.set_price("BTC", "54540");
    let res = keeper_run(&mut s, &keeper, None);
    println!("settled {:?}", Suite::typed::<OrderSettledEvent>(&res));
    dump(&s, "after settle", &[&alice]);
}

/// Q1 world.
fn q1(griefed: bool) -> (Suite, [Addr; 3]) {
    let mut s = deferred_suite(wide_impact_btc());
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let w2 = s.trader("w2", 0, 0);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&alice, "ETH", "10");
    if griefed {
        s.trade(&bob, "BTC", "5");
    }
    s.exec(&alice, &buy("1", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    let res = keeper_run(&mut s, &keeper, None);
    if griefed {
        assert!(failed(&res).settles_at_next_record);
    }
    dump(&s, "q1 after R1", &[&alice]);
    s.set_price("ETH", "1050");
    s.set_price("BTC", "54000");
    (s, [alice, w2, keeper])
}

#[test]
fn s82_liquidation_first() {
    let (mut s, [alice, w2, keeper]) = q1(true);
    let res = s.liquidate(&w2, &alice, None).unwrap();
    println!("liq reward {}", Suite::attr(&res, "wasm", "reward"));
    dump(&s, "ii after liq", &[&alice, &w2]);
    let res = keeper_run(&mut s, &keeper, None);
    println!("settled {}", settled_move(&res));
    dump(&s, "ii end", &[&alice, &w2]);
}

#[test]
fn s82_keeper_first() {
    let (mut s, [alice, w2, keeper]) = q1(true);
    let res = keeper_run(&mut s, &keeper, None);
    println!("settled {}", settled_move(&res));
    dump(&s, "i after settle", &[&alice, &w2]);
    let res = s.liquidate(&w2, &alice, None);
    println!("liq {:?}", res.map(|r| Suite::attr(&r, "wasm", "reward")));
    dump(&s, "i end", &[&alice, &w2]);
}

#[test]
fn s82_filled() {
    let (mut s, [alice, w2, _]) = q1(false);
    let res = s.liquidate(&w2, &alice, None).unwrap();
    println!("liq reward {}", Suite::attr(&res, "wasm", "reward"));
    dump(&s, "iii end", &[&alice, &w2]);
}

/// Q7 world: the failure with a known move, an LP sniper providing before the settlement.
#[test]
fn s87_lp_snipe() {
    let mut s = deferred_suite(wide_impact_btc());
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let sniper = s.trader("sniper", 1_000_000, 0);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&bob, "BTC", "5");
    s.exec(&alice, &buy("1", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    s.set_price("BTC", "54000");
    let res = keeper_run(&mut s, &keeper, None);
    assert!(failed(&res).settles_at_next_record);
    dump(&s, "after failure", &[&alice]);
    s.provide(&sniper, 1_000_000 * USDC).unwrap();
    s.set_price("BTC", "54000");
    let pid = orders_of(&s, &sniper)[0].order_id;
    let res = keeper_run(&mut s, &sniper, Some(vec![pid]));
    println!("lp exec {:?}", Suite::typed::<LpOrderExecutedEvent>(&res));
    println!("sniper lp {:?}", s.lp_position(&sniper));
    let res = keeper_run(&mut s, &keeper, None);
    println!("settled {}", settled_move(&res));
    println!("sniper lp {:?}", s.lp_position(&sniper));
    dump(&s, "after settle", &[&alice]);
    let shares = s.lp_position(&sniper).shares.u128();
    s.request_withdrawal(&sniper, shares);
    s.advance(3_600);
    s.set_price("BTC", "54000");
    s.exec(&sniper, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    s.set_price("BTC", "54000");
    let res = keeper_run(&mut s, &sniper, None);
    println!("claim {:?}", Suite::typed::<LpOrderExecutedEvent>(&res));
    println!("sniper wallet {}", s.balance(&sniper));
}

/// Q2: failure, then withdraw everything free; or the fill, then withdraw everything free.
fn q2(griefed: bool) {
    let mut s = deferred_suite(wide_impact_btc());
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let w2 = s.trader("w2", 0, 0);
    let keeper = s.trader("keeper", 0, 0);
    if griefed {
        s.trade(&bob, "BTC", "5");
    }
    s.exec(&alice, &buy("1", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    let free = s.account(&alice).free_collateral.u128();
    s.withdraw(&alice, free).unwrap();
    dump(&s, "q2 after withdraw", &[&alice]);
    s.set_price("BTC", "48000");
    let res = keeper_run(&mut s, &keeper, None);
    println!("settled {}", settled_move(&res));
    let res = s.liquidate(&w2, &alice, None);
    println!("liq {:?}", res.map(|r| Suite::attr(&r, "wasm", "reward")));
    dump(&s, "q2 end", &[&alice, &w2]);
    println!("insurance fees {}", s.pending_fees());
}

#[test]
fn s83_withdraw_failed() {
    q2(true);
}

#[test]
fn s83_withdraw_filled() {
    q2(false);
}

/// Q3: two failures of one account, C short of both moves.
#[test]
fn s84_two_entries() {
    let mut s = deferred_suite(wide_impact_btc());
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 7_000, 7_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&bob, "BTC", "5");
    s.exec(&alice, &buy("0.5", Some("60100"))).unwrap();
    s.exec(&alice, &buy("0.5", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    let res = keeper_run(&mut s, &keeper, None);
    println!("{:?}", Suite::typed::<perps_api::events::OrderFailedEvent>(&res));
    println!("{:?}", orders_of(&s, &alice));
    dump(&s, "q3 after failures", &[&alice]);
    s.set_price("BTC", "48000");
    let res = keeper_run(&mut s, &keeper, None);
    println!("settled {:?}", Suite::typed::<OrderSettledEvent>(&res));
    dump(&s, "q3 end", &[&alice]);
}

/// Q5: reduce-only between the failure and its record.
#[test]
fn s85_reduce_only() {
    let mut s = deferred_suite(wide_impact_btc());
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 10_000, 10_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&bob, "BTC", "5");
    s.exec(&alice, &buy("1", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    keeper_run(&mut s, &keeper, None);
    s.set_market_status("BTC", perps_api::perps::MarketStatusUpdate::ReduceOnly);
    s.set_price("BTC", "59000");
    let res = keeper_run(&mut s, &keeper, None);
    println!("settled {:?}", Suite::typed::<OrderSettledEvent>(&res));
    dump(&s, "q5 end", &[&alice]);
}

/// Q6: an honest waiting buy failed by the LP's second wallet after a rise.
fn q6(grief: bool) {
    let btc = perps_api::perps::MarketConfig {
        max_skew_to_vault: Some(d("20")),
        ..wide_impact_btc()
    };
    let mut s = deferred_btc_world(btc, None, |m| {
        m.vault_min_backing = d("0.02");
        m.adl_trigger_ratio = Some(d("0.01"));
        m.max_total_skew_to_vault = Some(d("20"));
    });
    let alice = s.trader("alice", 20_000, 20_000);
    let bob = s.trader("bob", 50_000, 50_000);
    let keeper = s.trader("keeper", 0, 0);
    s.set_price("ETH", "3000");
    s.trade(&alice, "ETH", "1");
    s.exec(&alice, &buy("1", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    s.advance(61);
    s.set_price("BTC", "63000");
    keeper_run(&mut s, &keeper, None);
    if grief {
        s.exec(&bob, &buy("5", None)).unwrap();
        s.set_price("BTC", "63000");
        keeper_run(&mut s, &keeper, None);
    }
    s.set_price("ETH", "3000");
    let res = keeper_run(&mut s, &keeper, None);
    println!("{:?}", Suite::typed::<perps_api::events::OrderFailedEvent>(&res));
    s.set_price("BTC", "63000");
    keeper_run(&mut s, &keeper, None);
    if grief {
        s.close(&bob, "BTC").unwrap();
        s.set_price("BTC", "63000");
        keeper_run(&mut s, &keeper, None);
    }
    dump(&s, "q6 end", &[&alice, &bob]);
    println!("insurance fees {}", s.pending_fees());
}

#[test]
fn s86_grief() {
    q6(true);
}

#[test]
fn s86_no_grief() {
    q6(false);
}

#[test]
fn s87_lp_snipe_claim() {
    let mut s = deferred_suite(wide_impact_btc());
    let bob = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", 20_000, 20_000);
    let sniper = s.trader("sniper", 1_000_000, 0);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&bob, "BTC", "5");
    s.exec(&alice, &buy("1", Some("60100"))).unwrap();
    s.set_price("BTC", "60000");
    s.set_price("BTC", "54000");
    keeper_run(&mut s, &keeper, None);
    s.provide(&sniper, 1_000_000 * USDC).unwrap();
    s.set_price("BTC", "54000");
    let pid = orders_of(&s, &sniper)[0].order_id;
    keeper_run(&mut s, &sniper, Some(vec![pid]));
    keeper_run(&mut s, &keeper, None);
    let shares = s.lp_position(&sniper).shares.u128();
    s.advance(3_600);
    s.set_price("BTC", "54000");
    s.request_withdrawal(&sniper, shares);
    s.advance(3_600);
    s.set_price("BTC", "54000");
    s.exec(&sniper, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    s.set_price("BTC", "54000");
    let res = keeper_run(&mut s, &sniper, None);
    println!("claim {:?}", Suite::typed::<LpOrderExecutedEvent>(&res));
    println!("sniper wallet {}", s.balance(&sniper));
    dump(&s, "q7 end", &[&alice, &bob]);
}
