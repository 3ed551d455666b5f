//! SECURITY.md "Funds and input" (scenarios 1-5): exact errors, and for every rejection the
//! whole snapshot (three contracts' storage, every bank balance, the chain state) unchanged.

use cosmwasm_std::testing::{message_info, mock_env, MockApi, MockQuerier};
use cosmwasm_std::{coin, coins, Addr, Coin, DepsMut, QuerierWrapper, Uint128};
use cw_multi_test::{BankSudo, SudoMsg};
use perps_api::perps::{ExecuteMsg, MarketStatusUpdate, QueryMsg, TradeMode};
use perps_api::{insurance_fund::ExecuteMsg as FundMsg, price_feed::ExecuteMsg as FeedMsg};

use crate::suite::{
    config_update, d, fee_market, int_usdc, plain_market, sd, usdc, Suite, DENOM, USDC,
};

const NO_FUNDS: &str = "payment: This message does no accept funds";

fn mint_atom(s: &mut Suite, to: &Addr, amount: u128) {
    s.app
        .sudo(SudoMsg::Bank(BankSudo::Mint {
            to_address: to.to_string(),
            amount: coins(amount, "uatom"),
        }))
        .unwrap();
}

/// Runs `perps::execute` on the engine's real storage with `funds` as the attached coins,
/// bypassing the multi-test bank (which drops zero coins before a contract sees them).
fn execute_directly(s: &mut Suite, sender: &Addr, msg: ExecuteMsg, funds: &[Coin]) -> String {
    let engine = s.engine.clone();
    let mut env = mock_env();
    env.contract.address = engine.clone();
    env.block = s.app.block_info();
    let api = MockApi::default();
    let querier: MockQuerier = MockQuerier::new(&[]);
    let mut store = s.app.contract_storage_mut(&engine);
    let deps = DepsMut {
        storage: store.as_mut(),
        api: &api,
        querier: QuerierWrapper::new(&querier),
    };
    perps::execute(deps, env, message_info(sender, funds), msg)
        .unwrap_err()
        .to_string()
}

#[test]
fn s01_deposit_with_no_zero_wrong_or_two_denoms_is_rejected() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 1_000, 0);
    mint_atom(&mut s, &alice, 1_000);
    let dep = ExecuteMsg::Deposit {};
    for (funds, refused) in [
        (vec![], "payment: No funds sent"),
        (
            coins(5, "uatom"),
            "payment: Must send reserve token 'uusdc'",
        ),
        (
            vec![coin(5, "uatom"), coin(5, DENOM)],
            "payment: Sent more than one denomination",
        ),
        // A zero coin never reaches a contract on a chain (the SDK refuses it) nor in
        // multi-test...
        (coins(0, DENOM), "Cannot transfer empty coins amount"),
    ] {
        s.rejects_exact(&alice, &dep, &funds, refused);
    }
    // ...and the engine refuses it by itself too, writing nothing.
    let before = s.snapshot();
    let err = execute_directly(&mut s, &alice, dep.clone(), &coins(0, DENOM));
    assert_eq!(err, "payment: No funds sent");
    let err = execute_directly(
        &mut s,
        &alice,
        dep.clone(),
        &[coin(0, DENOM), coin(5, "uatom")],
    );
    assert_eq!(err, "payment: Sent more than one denomination");
    s.snapshot().assert_unchanged_since(&before);
    // Messages that take funds apply the same rules.
    for m in [
        Suite::trade_msg("BTC", "0.001"),
        ExecuteMsg::ClosePosition {
            market_id: "BTC".into(),
            acceptable_price: None,
        },
        Suite::add_margin_msg("BTC", 1),
    ] {
        s.rejects_exact(
            &alice,
            &m,
            &coins(5, "uatom"),
            "payment: Received unsupported denom 'uatom'",
        );
        // a second coin is refused by its denom, before the count
        s.rejects_exact(
            &alice,
            &m,
            &[coin(5, "uatom"), coin(5, DENOM)],
            "payment: Received unsupported denom 'uatom'",
        );
    }
    for (funds, refused) in [
        (
            coins(5, "uatom"),
            "payment: Must send reserve token 'uusdc'",
        ),
        (vec![], "payment: No funds sent"),
    ] {
        s.rejects_exact(&alice, &ExecuteMsg::ProvideLiquidity {}, &funds, refused);
    }
    // exactly one coin of the collateral: credited to the sender, nothing else moves
    let engine = s.engine.clone();
    let before = s.balance(&engine);
    s.deposit(&alice, 1_000);
    assert_eq!(s.balance(&engine), before + 1_000 * USDC);
    assert_eq!(s.balance(&alice), 0);
    assert_eq!(s.account(&alice).collateral, int_usdc(1_000));
}

/// Every engine message that takes no funds, sent by someone entitled to send it.
fn no_funds_messages(s: &Suite, who: &Addr) -> Vec<(Addr, ExecuteMsg)> {
    let owner = s.owner.clone();
    vec![
        (who.clone(), Suite::withdraw_msg(1)),
        (who.clone(), Suite::remove_margin_msg("BTC", 1)),
        (
            who.clone(),
            ExecuteMsg::Liquidate {
                account: s.lp.to_string(),
                min_reward: None,
            },
        ),
        (
            who.clone(),
            ExecuteMsg::WithdrawLiquidity {
                shares: Uint128::one(),
            },
        ),
        (who.clone(), ExecuteMsg::ClaimLiquidity {}),
        (who.clone(), ExecuteMsg::CancelWithdrawLiquidity {}),
        (who.clone(), ExecuteMsg::SweepFees {}),
        (
            who.clone(),
            ExecuteMsg::SettlePositions {
                market_id: "BTC".into(),
                limit: None,
            },
        ),
        (
            owner.clone(),
            ExecuteMsg::AddMarket {
                market_id: "SOL".into(),
                config: plain_market("SOL"),
            },
        ),
        (
            owner.clone(),
            ExecuteMsg::UpdateMarket {
                market_id: "BTC".into(),
                config: plain_market("BTC"),
                force: None,
            },
        ),
        (
            owner.clone(),
            ExecuteMsg::SetMarketStatus {
                market_id: "BTC".into(),
                status: MarketStatusUpdate::ReduceOnly,
            },
        ),
        (
            owner.clone(),
            ExecuteMsg::SettleMarket {
                market_id: "BTC".into(),
                price: None,
            },
        ),
        (owner.clone(), crate::suite::update_config_empty()),
        (
            owner.clone(),
            ExecuteMsg::TransferOwnership {
                new_owner: who.to_string(),
            },
        ),
        (who.clone(), ExecuteMsg::AcceptOwnership {}),
    ]
}

#[test]
fn s02_funds_on_a_message_that_takes_none_are_rejected_everywhere() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 10_000, 0);
    mint_atom(&mut s, &alice, 10);
    let owner = s.owner.clone();
    s.mint(&owner, 10);
    mint_atom(&mut s, &owner, 10);
    s.deposit(&alice, 5_000);
    for (sender, msg) in no_funds_messages(&s, &alice) {
        s.rejects_exact(&sender, &msg, &coins(1, DENOM), NO_FUNDS);
        s.rejects_exact(&sender, &msg, &coins(1, "uatom"), NO_FUNDS);
    }
    // the price feed takes no funds on any message
    let (feed, fund, publisher) = (s.feed.clone(), s.fund.clone(), s.publisher.clone());
    s.mint(&publisher, 10);
    let t = s.now();
    let update = perps_api::price_feed::PriceUpdate {
        feed_id: "BTC".into(),
        price: d("60000"),
        conf: d("0"),
        ema_price: None,
        publish_time: t,
    };
    let feed_msgs = [
        (
            &publisher,
            FeedMsg::UpdatePrices {
                prices: vec![update],
            },
        ),
        (
            &owner,
            FeedMsg::RemoveFeed {
                feed_id: "ETH".into(),
            },
        ),
    ];
    for (sender, msg) in &feed_msgs {
        let refused = "this contract accepts no funds: This message does no accept funds";
        s.rejects_at(&feed, sender, msg, &coins(1, DENOM), refused);
    }
    // the insurance fund: admin messages take none
    let fund_msgs = [
        FundMsg::AddEngine {
            engine: alice.to_string(),
        },
        FundMsg::Withdraw {
            amount: Uint128::one(),
            recipient: owner.to_string(),
        },
    ];
    for msg in &fund_msgs {
        let refused = "payment refused: This message does no accept funds";
        s.rejects_at(&fund, &owner, msg, &coins(1, DENOM), refused);
    }
}

#[test]
fn s03_margin_on_a_missing_or_cross_position_is_rejected() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 20_000, 10_000);
    let add = |m: &str| ExecuteMsg::AddMargin {
        market_id: m.into(),
        amount: usdc(1),
    };
    let remove = Suite::remove_margin_msg("BTC", USDC);
    s.rejects_exact(&alice, &add("BTC"), &[], "no position in market BTC");
    // attached funds do not stay behind as a deposit either
    s.rejects_exact(
        &alice,
        &add("BTC"),
        &coins(USDC, DENOM),
        "no position in market BTC",
    );
    s.rejects_exact(&alice, &remove, &[], "no position in market BTC");
    s.rejects_exact(&alice, &add("DOGE"), &[], "unknown market DOGE");
    s.trade(&alice, "BTC", "0.1");
    s.rejects_exact(
        &alice,
        &add("BTC"),
        &coins(USDC, DENOM),
        "position in market BTC is not isolated",
    );
    s.rejects_exact(
        &alice,
        &remove,
        &[],
        "position in market BTC is not isolated",
    );
    s.rejects_exact(
        &alice,
        &Suite::add_margin_msg("BTC", 0),
        &[],
        "amount must be positive",
    );
}

#[test]
fn s04_a_fee_never_rounds_to_zero_and_tiny_orders_are_refused() {
    let mut eth = fee_market("ETH", "0");
    eth.min_order_size = d("0.000000001");
    let mut s = Suite::with(|_| {}, &[("BTC", fee_market("BTC", "0")), ("ETH", eth)]);
    let alice = s.trader("alice", 1_000, 1_000);
    // BTC: 0.0009 BTC is below the 0.001 minimum
    s.rejects_trade_exact(
        &alice,
        "BTC",
        "0.0009",
        "order size 0.0009 in market BTC is below the minimum 0.001",
    );
    // ETH: 1e-9 ETH at 3,000 is 3 base units of notional; 0.1 % of it (0.003) rounds up to 1
    let r = s.trade(&alice, "ETH", "0.000000001");
    assert_eq!(Suite::attr(&r, "trade", "fee"), "1");
    assert_eq!(
        s.account(&alice).collateral,
        int_usdc(1_000) - cosmwasm_std::Int128::one()
    );
    // the close pays one more base unit
    let r = s.close(&alice, "ETH").unwrap();
    assert_eq!(Suite::attr(&r, "trade", "fee"), "1");
    assert_eq!(
        s.account(&alice).collateral,
        int_usdc(1_000) - cosmwasm_std::Int128::new(2)
    );
}

#[test]
fn s05_invalid_or_non_normalized_addresses_are_rejected_anywhere() {
    let mut s = Suite::new();
    let owner = s.owner.clone();
    let alice = s.trader("alice", 10_000, 1_000);
    let upper = alice.to_string().to_uppercase();
    let bad: Vec<String> = vec![
        upper.clone(),
        "cosmwasm1invalid".into(),
        "".into(),
        format!(" {alice}"),
    ];
    for b in &bad {
        for msg in [
            ExecuteMsg::TransferOwnership {
                new_owner: b.clone(),
            },
            ExecuteMsg::Liquidate {
                account: b.clone(),
                min_reward: None,
            },
            config_update!(price_feed: b.clone()),
            config_update!(insurance_fund: b.clone()),
        ] {
            s.rejects_at(
                &s.engine.clone(),
                &owner,
                &msg,
                &[],
                &crate::admin::security::addr_error(b),
            );
        }
        // queries refuse them too
        for q in [
            QueryMsg::Account { address: b.clone() },
            QueryMsg::LpPosition { address: b.clone() },
            QueryMsg::SimulateTrade {
                address: b.clone(),
                market_id: "BTC".into(),
                size_delta: sd("0.1"),
                mode: Some(TradeMode::Cross),
            },
        ] {
            let err = s
                .app
                .wrap()
                .query_wasm_smart::<cosmwasm_std::Empty>(s.engine.clone(), &q)
                .unwrap_err()
                .to_string();
            assert!(
                err.ends_with(&crate::admin::security::addr_error(b)),
                "{q:?}: {err}"
            );
        }
    }
    // the price feed and the insurance fund name the address and the reason
    let (feed, fund) = (s.feed.clone(), s.fund.clone());
    for b in &bad {
        let expected = format!(
            "invalid address {b:?}: {}",
            crate::admin::security::addr_error(b)
        );
        let feed_msgs = vec![
            perps_api::price_feed::ExecuteMsg::SetPublishers {
                publishers: vec![b.clone()],
            },
            perps_api::price_feed::ExecuteMsg::TransferOwnership {
                new_owner: b.clone(),
            },
        ];
        for m in &feed_msgs {
            s.rejects_at(&feed, &owner, m, &[], &expected);
        }
        let fund_msgs = vec![
            perps_api::insurance_fund::ExecuteMsg::AddEngine { engine: b.clone() },
            perps_api::insurance_fund::ExecuteMsg::Withdraw {
                amount: Uint128::one(),
                recipient: b.clone(),
            },
            perps_api::insurance_fund::ExecuteMsg::TransferOwnership {
                new_owner: b.clone(),
            },
        ];
        for m in &fund_msgs {
            s.rejects_at(&fund, &owner, m, &[], &expected);
        }
    }
    // at instantiate: owner, price_feed and insurance_fund
    for field in 0..3 {
        let mut msg = crate::suite::instantiate_msg(&s.feed, &s.fund);
        match field {
            0 => msg.owner = Some(upper.clone()),
            1 => msg.price_feed = upper.clone(),
            _ => msg.insurance_fund = upper.clone(),
        }
        crate::admin::security::instantiate_rejects(
            &mut s,
            &msg,
            &crate::admin::security::addr_error(&upper),
        );
    }
    let _ = (fee_market("X", "0"), usdc(0));
}
