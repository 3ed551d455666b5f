use cosmwasm_std::{Addr, Uint128};
use cw_multi_test::{AppResponse, Executor};
use cw_utils::PaymentError;
use insurance_fund::ContractError;
use perps_api::insurance_fund::{ExecuteMsg, Payout};

use crate::suite::{assert_event, events, kv, usdc, Suite, START};

/// `res` carries exactly one `cover_bad_debt` event: payout `id` to `engine`, with
/// `[requested, paid, shortfall]`.
fn assert_cover(
    res: &AppResponse,
    id: &str,
    engine: &Addr,
    [requested, paid, shortfall]: [&str; 3],
) {
    let expected = kv(&[
        ("id", id),
        ("engine", engine.as_str()),
        ("denom", "uusdc"),
        ("requested", requested),
        ("paid", paid),
        ("shortfall", shortfall),
    ]);
    assert_eq!(events(res, "wasm-cover_bad_debt"), vec![expected]);
}

#[test]
fn pays_the_full_amount_when_the_balance_allows() {
    let mut suite = Suite::funded(10_000);
    let engine = suite.engine.clone();
    suite.advance(60);
    let res = suite.cover(&engine, 4_000).unwrap();

    assert_cover(&res, "1", &engine, ["4000", "4000", "0"]);
    assert_event(&res, "wasm", &[("action", "cover_bad_debt")]);
    // Exactly one bank send, to the engine.
    suite.assert_paid(&res, &engine, "4000uusdc");
    let payout = Payout {
        id: 1,
        engine: engine.clone(),
        requested: Uint128::new(4_000),
        paid: Uint128::new(4_000),
        time: suite.now(),
    };
    assert_eq!(res.data, Some(Suite::expected_data(&payout)));
    assert_eq!(suite.all_payouts(), vec![payout]);
    assert_eq!(suite.fund_balance(), 6_000);
    assert_eq!(suite.bank(&engine), START + 4_000);
    assert_eq!(suite.bank(&suite.owner), START);
}

#[test]
fn pays_exactly_the_balance() {
    let mut suite = Suite::funded(2_500);
    let engine = suite.engine.clone();
    let res = suite.cover(&engine, 2_500).unwrap();
    assert_cover(&res, "1", &engine, ["2500", "2500", "0"]);
    assert_eq!(suite.fund_balance(), 0);
    assert_eq!(suite.bank(&engine), START + 2_500);
}

#[test]
fn pays_what_there_is_when_the_balance_is_short() {
    let mut suite = Suite::funded(700);
    let engine = suite.engine.clone();
    let res = suite.cover(&engine, 1_000).unwrap();
    assert_cover(&res, "1", &engine, ["1000", "700", "300"]);
    assert_eq!(events(&res, "transfer").len(), 1);
    assert_eq!(suite.fund_balance(), 0);
    assert_eq!(suite.bank(&engine), START + 700);
    assert_eq!(
        suite.all_payouts(),
        vec![Payout {
            id: 1,
            engine,
            requested: Uint128::new(1_000),
            paid: Uint128::new(700),
            time: suite.now(),
        }]
    );
}

#[test]
fn empty_fund_pays_nothing_sends_nothing_and_still_records() {
    let mut suite = Suite::new();
    let engine = suite.engine.clone();
    let res = suite.cover(&engine, 5_000).unwrap();
    assert_cover(&res, "1", &engine, ["5000", "0", "5000"]);
    // No bank message at all (a zero-amount send would fail on a chain).
    assert!(events(&res, "transfer").is_empty());
    assert!(res
        .events
        .iter()
        .all(|e| e.ty != "coin_spent" && e.ty != "transfer"));
    assert_eq!(suite.fund_balance(), 0);
    assert_eq!(suite.bank(&engine), START);
    let payout = Payout {
        id: 1,
        engine: engine.clone(),
        requested: Uint128::new(5_000),
        paid: Uint128::zero(),
        time: suite.now(),
    };
    assert_eq!(res.data, Some(Suite::expected_data(&payout)));
    assert_eq!(suite.all_payouts(), vec![payout]);

    // Ids keep running: a later cover of a refilled fund is payout 2.
    let alice = suite.alice.clone();
    suite.deposit(&alice, 10).unwrap();
    let res = suite.cover(&engine, 3).unwrap();
    assert_cover(&res, "2", &engine, ["3", "3", "0"]);
    assert_eq!(suite.fund_balance(), 7);
}

#[test]
fn a_donation_in_another_denom_is_not_paid_out() {
    let mut suite = Suite::funded(100);
    let (alice, engine) = (suite.alice.clone(), suite.engine.clone());
    suite
        .app
        .send_tokens(
            alice,
            suite.fund.clone(),
            &[cosmwasm_std::coin(9_999, crate::suite::OTHER)],
        )
        .unwrap();
    let res = suite.cover(&engine, 500).unwrap();
    assert_cover(&res, "1", &engine, ["500", "100", "400"]);
    assert_eq!(suite.fund_balance(), 0);
}

#[test]
fn each_registered_engine_is_paid_to_itself() {
    let mut suite = Suite::funded(1_000);
    let [owner, engine, engine2] = test_support::addrs(["owner", "engine", "engine2"]);
    suite
        .exec(
            &owner,
            &ExecuteMsg::AddEngine {
                engine: engine2.to_string(),
            },
            &[],
        )
        .unwrap();
    suite.cover(&engine, 300).unwrap();
    suite.advance(5);
    let res = suite.cover(&engine2, 900).unwrap();
    assert_cover(&res, "2", &engine2, ["900", "700", "200"]);
    assert_eq!(suite.bank(&engine), START + 300);
    assert_eq!(suite.bank(&engine2), START + 700);
    let payouts = suite.all_payouts();
    assert_eq!(payouts.len(), 2);
    assert_eq!((payouts[0].id, &payouts[0].engine), (1, &engine));
    assert_eq!((payouts[1].id, &payouts[1].engine), (2, &engine2));
    assert_eq!(payouts[1].time, payouts[0].time + 5);
}

#[test]
fn nobody_but_a_registered_engine_can_cover() {
    let mut suite = Suite::funded(1_000);
    let msg = ExecuteMsg::CoverBadDebt {
        amount: Uint128::new(10),
    };
    for sender in [
        suite.owner.clone(),
        suite.stranger.clone(),
        suite.engine2.clone(),
        suite.fund.clone(),
    ] {
        suite.rejects(
            &sender,
            &msg,
            &[],
            ContractError::NotEngine {
                sender: sender.clone(),
            },
        );
    }
    // A removed engine loses the right at once.
    let (owner, engine) = (suite.owner.clone(), suite.engine.clone());
    suite
        .exec(
            &owner,
            &ExecuteMsg::RemoveEngine {
                engine: engine.to_string(),
            },
            &[],
        )
        .unwrap();
    suite.rejects(
        &engine,
        &msg,
        &[],
        ContractError::NotEngine {
            sender: engine.clone(),
        },
    );
    assert_eq!(suite.fund_balance(), 1_000);
}

#[test]
fn rejects_zero_amount_and_attached_funds() {
    let mut suite = Suite::funded(1_000);
    let engine = suite.engine.clone();
    suite.rejects(
        &engine,
        &ExecuteMsg::CoverBadDebt {
            amount: Uint128::zero(),
        },
        &[],
        ContractError::ZeroAmount {
            amount: Uint128::zero(),
        },
    );
    for funds in [
        vec![usdc(5)],
        vec![cosmwasm_std::coin(5, crate::suite::OTHER)],
    ] {
        suite.rejects(
            &engine,
            &ExecuteMsg::CoverBadDebt {
                amount: Uint128::new(10),
            },
            &funds,
            ContractError::Payment(PaymentError::NonPayable {}),
        );
    }
    // A stranger with funds attached learns nothing about engines before the funds check.
    let stranger = suite.stranger.clone();
    suite.rejects(
        &stranger,
        &ExecuteMsg::CoverBadDebt {
            amount: Uint128::new(10),
        },
        &[usdc(5)],
        ContractError::Payment(PaymentError::NonPayable {}),
    );
    assert!(suite.all_payouts().is_empty());
}
