//! SECURITY.md "Access and admin" (scenarios 6 and 7; 8 and 9 are in security_admin_custody) on
//! all three contracts: exact errors, whole snapshot unchanged on every rejection.

use cosmwasm_std::{coins, Addr, Decimal256, Uint128};
use cw_multi_test::Executor;
use perps_api::insurance_fund::ExecuteMsg as FundMsg;
use perps_api::perps::{ExecuteMsg, InstantiateMsg, MarginTier, MarketConfig};
use perps_api::price_feed::ExecuteMsg as FeedMsg;

use crate::suite::{
    config_update, d, instantiate_msg, int_usdc, margin_tiers, owner_only_msgs, plain_market,
    update_config_empty, usdc, Suite, DENOM,
};

/// The error `addr_validate` gives for `addr` (multi-test's bech32 API, like a chain's).
pub fn addr_error(addr: &str) -> String {
    let api = cosmwasm_std::testing::MockApi::default();
    use cosmwasm_std::Api;
    api.addr_validate(addr).unwrap_err().to_string()
}

/// Instantiating the engine with `msg` fails with exactly `expected` and leaves the chain as it was.
pub fn instantiate_rejects(s: &mut Suite, msg: &InstantiateMsg, expected: &str) {
    let before = s.snapshot();
    let (code, owner) = (s.engine_code, s.owner.clone());
    let res = s
        .app
        .instantiate_contract(code, owner, msg, &[], "bad", None);
    crate::suite::assert_err_exact(res, expected);
    s.snapshot().assert_unchanged_since(&before);
}

pub fn unauthorized(sender: &Addr, owner: &Addr) -> String {
    format!("unauthorized: {sender} is not the owner ({owner})")
}

#[test]
fn s06_every_admin_message_of_every_contract_from_a_non_owner_is_unauthorized() {
    let mut s = Suite::new();
    let (owner, eve) = (s.owner.clone(), s.trader("eve", 0, 0));
    let (engine, feed, fund) = (s.engine.clone(), s.feed.clone(), s.fund.clone());
    let mut engine_msgs = owner_only_msgs(&eve, Some(d("1")));
    engine_msgs.extend(owner_only_msgs(&eve, None));
    for m in &engine_msgs {
        s.rejects_at(&engine, &eve, m, &[], &unauthorized(&eve, &owner));
    }
    let t = s.now();
    let feed_msgs = vec![
        FeedMsg::AddFeed {
            feed_id: "SOL".into(),
            description: "SOL".into(),
            max_price_jump: None,
            jump_window_secs: None,
            max_jump_windows: None,
        },
        FeedMsg::RemoveFeed {
            feed_id: "BTC".into(),
        },
        FeedMsg::SetPublishers {
            publishers: vec![eve.to_string()],
        },
        FeedMsg::ResetPrice {
            feed_id: "BTC".into(),
            price: d("1"),
            conf: d("0"),
            publish_time: t,
        },
        FeedMsg::TransferOwnership {
            new_owner: eve.to_string(),
        },
    ];
    for m in &feed_msgs {
        s.rejects_at(&feed, &eve, m, &[], &unauthorized(&eve, &owner));
    }
    // a non-publisher cannot push prices
    s.rejects_at(
        &feed,
        &eve,
        &FeedMsg::UpdatePrices {
            prices: vec![perps_api::price_feed::PriceUpdate {
                feed_id: "BTC".into(),
                price: d("1"),
                conf: d("0"),
                ema_price: None,
                publish_time: t,
            }],
        },
        &[],
        &format!("unauthorized: {eve} is not a publisher"),
    );
    let fund_msgs = vec![
        FundMsg::Withdraw {
            amount: Uint128::one(),
            recipient: eve.to_string(),
        },
        FundMsg::AddEngine {
            engine: eve.to_string(),
        },
        FundMsg::RemoveEngine {
            engine: engine.to_string(),
        },
        FundMsg::TransferOwnership {
            new_owner: eve.to_string(),
        },
    ];
    for m in &fund_msgs {
        s.rejects_at(&fund, &eve, m, &[], &unauthorized(&eve, &owner));
    }

    // Ownership moves only when the proposed owner accepts, on each contract.
    let carol = s.trader("carol", 0, 0);
    let pending = format!("unauthorized: {eve} is not the pending owner");
    let accept = ExecuteMsg::AcceptOwnership {};
    s.rejects_at(&engine, &eve, &accept, &[], &pending);
    s.exec(
        &owner,
        &ExecuteMsg::TransferOwnership {
            new_owner: carol.to_string(),
        },
    )
    .unwrap();
    // proposed, not yet accepted: the old owner still rules, a third party cannot accept
    assert_eq!(s.config().owner, owner);
    s.rejects_at(&engine, &eve, &accept, &[], &pending);
    s.rejects_at(
        &engine,
        &carol,
        &update_config_empty(),
        &[],
        &unauthorized(&carol, &owner),
    );
    s.exec(&carol, &accept).unwrap();
    assert_eq!(s.config().owner, carol);
    assert_eq!(s.config().pending_owner, None);
    s.rejects_at(
        &engine,
        &owner,
        &update_config_empty(),
        &[],
        &unauthorized(&owner, &carol),
    );
    s.exec(&carol, &update_config_empty()).unwrap();
    // the owner is checked first, then the proposed address
    let malformed = ExecuteMsg::TransferOwnership {
        new_owner: "not-an-address".into(),
    };
    s.rejects(&carol, &malformed, &[], &addr_error("not-an-address"));

    two_step(
        &mut s,
        &feed,
        &FeedMsg::TransferOwnership {
            new_owner: carol.to_string(),
        },
        &FeedMsg::AcceptOwnership {},
    );
    two_step(
        &mut s,
        &fund,
        &FundMsg::TransferOwnership {
            new_owner: carol.to_string(),
        },
        &FundMsg::AcceptOwnership {},
    );
}

/// The owner proposes carol; eve cannot accept; carol accepts; the old owner is then out.
fn two_step<M: cosmwasm_schema::serde::Serialize + std::fmt::Debug>(
    s: &mut Suite,
    contract: &Addr,
    transfer: &M,
    accept: &M,
) {
    let (owner, eve, carol) = (
        s.owner.clone(),
        s.app.api().addr_make("eve"),
        s.app.api().addr_make("carol"),
    );
    s.exec_at(contract, &owner, transfer, &[]).unwrap();
    s.rejects_at(
        contract,
        &eve,
        accept,
        &[],
        &format!("unauthorized: {eve} is not the pending owner"),
    );
    s.exec_at(contract, &carol, accept, &[]).unwrap();
    s.rejects_at(
        contract,
        &owner,
        transfer,
        &[],
        &unauthorized(&owner, &carol),
    );
}

/// `n` ascending brackets of 100,000 USDC each, 10 % / 5 % rising by 1 % / 0.5 % a bracket.
fn ladder(n: u128) -> Vec<MarginTier> {
    (0..n)
        .map(|k| MarginTier {
            max_notional: (k + 1 < n).then(|| usdc((k + 1) * 100_000)),
            initial_margin_ratio: d("0.1") + d("0.01") * d(&k.to_string()),
            maintenance_margin_ratio: d("0.05") + d("0.005") * d(&k.to_string()),
        })
        .collect()
}

/// SECURITY 55: ten margin tiers are accepted (the bound is inclusive).
#[test]
fn ten_margin_tiers_are_the_most_a_market_takes() {
    let mut s = Suite::new();
    let cfg = MarketConfig {
        margin_tiers: ladder(10),
        ..plain_market("SOL")
    };
    s.add_feed("SOL");
    s.add_market("SOL", cfg.clone()).unwrap();
    assert_eq!(s.market("SOL").config.margin_tiers, cfg.margin_tiers);
}

#[test]
fn s07_invalid_parameters_are_rejected_at_instantiate_and_update() {
    let (mut s, alice) = Suite::with_alice();
    let owner = s.owner.clone();
    s.trade(&alice, "BTC", "1");
    type Edit = Box<dyn Fn(&mut InstantiateMsg)>;
    let inst: Vec<(Edit, &str)> = vec![
        (
            Box::new(|m| m.insurance_fee_share = d("1.01")),
            "invalid parameter insurance_fee_share: 1.01 is outside [0, 1]",
        ),
        (
            Box::new(|m| m.liquidator_reward_share = d("1.5")),
            "invalid parameter liquidator_reward_share: 1.5 is outside [0, 1]",
        ),
        (
            Box::new(|m| m.unrealized_profit_weight = Some(d("1.1"))),
            "invalid parameter unrealized_profit_weight: 1.1 is outside [0, 1]",
        ),
        (
            Box::new(|m| m.vault_min_backing = d("2")),
            "invalid parameter vault_min_backing: 2 is outside [0, 1]",
        ),
        (
            Box::new(|m| m.max_confidence_ratio = Decimal256::zero()),
            "invalid parameter max_confidence_ratio: 0 is outside (0, 1]",
        ),
        (
            Box::new(|m| m.max_ema_deviation = d("1.5")),
            "invalid parameter max_ema_deviation: 1.5 is outside (0, 1]",
        ),
        (
            Box::new(|m| m.liquidation_target_ratio = d("0.9")),
            "invalid parameter liquidation_target_ratio: 0.9 is outside [1, 10]",
        ),
        (
            Box::new(|m| m.default_max_slippage = Some(Decimal256::zero())),
            "invalid parameter default_max_slippage: 0 is outside (0, 1)",
        ),
        (
            Box::new(|m| m.max_oracle_age_secs = 0),
            "invalid parameter max_oracle_age_secs: must be > 0",
        ),
        (
            Box::new(|m| m.max_positions_per_account = Some(0)),
            "invalid parameter max_positions_per_account: 0 is outside [1, 32]",
        ),
        (
            Box::new(|m| m.collateral_decimals = 19),
            "invalid parameter collateral_decimals: 19 > 18",
        ),
    ];
    let mut wrong = vec![];
    for (edit, expected) in inst {
        let mut msg = instantiate_msg(&s.feed, &s.fund);
        edit(&mut msg);
        let before = s.snapshot();
        let (code, owner) = (s.engine_code, s.owner.clone());
        let text = s
            .app
            .instantiate_contract(code, owner, &msg, &[], "bad", None)
            .unwrap_err()
            .to_string();
        s.snapshot().assert_unchanged_since(&before);
        let got = text.rsplit("error: ").next().unwrap_or_default();
        if got != expected {
            wrong.push(format!("expected `{expected}`\n     got `{got}`"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // market parameters, at add_market and update_market
    let bad: Vec<(MarketConfig, &str)> = vec![
        (
            MarketConfig {
                margin_tiers: margin_tiers(&[(None, "0.05", "0.05")]),
                ..plain_market("BTC")
            },
            "invalid margin tiers: tier 0: need 0 < maintenance 0.05 < initial 0.05 <= 1",
        ),
        (
            MarketConfig {
                margin_tiers: margin_tiers(&[(None, "1.2", "0.05")]),
                ..plain_market("BTC")
            },
            "invalid margin tiers: tier 0: need 0 < maintenance 0.05 < initial 1.2 <= 1",
        ),
        (
            MarketConfig {
                margin_tiers: margin_tiers(&[(Some(200_000), "0.1", "0.05"), (Some(100_000), "0.2", "0.1"), (None, "0.3", "0.15")]),
                ..plain_market("BTC")
            },
            "invalid margin tiers: tier 1: max_notional 100000000000 must exceed the previous bound",
        ),
        (
            MarketConfig {
                margin_tiers: vec![],
                ..plain_market("BTC")
            },
            "invalid margin tiers: no tiers",
        ),
        (
            MarketConfig {
                taker_fee: d("0.2"),
                ..plain_market("BTC")
            },
            "invalid parameter taker_fee: 0.2 must be < 0.1",
        ),
        (
            MarketConfig {
                skew_scale: d("1000"),
                max_price_impact: Some(d("1")),
                ..plain_market("BTC")
            },
            "invalid parameter max_price_impact: 1 is outside (0, 1)",
        ),
        (
            MarketConfig {
                skew_scale: d("1000"),
                max_price_impact: Some(Decimal256::zero()),
                ..plain_market("BTC")
            },
            "invalid parameter max_price_impact: 0 is outside (0, 1)",
        ),
        (
            MarketConfig {
                feed_id: "".into(),
                ..plain_market("BTC")
            },
            "invalid parameter feed_id: must be 1-32 bytes",
        ),
        (
            MarketConfig {
                max_funding_rate_per_day: d("1.5"),
                ..plain_market("BTC")
            },
            "invalid parameter max_funding_rate_per_day: 1.5 > 1",
        ),
        (
            MarketConfig {
                margin_tiers: ladder(11),
                ..plain_market("BTC")
            },
            "invalid margin tiers: 11 tiers, at most 10",
        ),
    ];
    let engine = s.engine.clone();
    let mut wrong = vec![];
    for (cfg, expected) in &bad {
        for msg in [
            ExecuteMsg::AddMarket {
                market_id: "SOL".into(),
                config: cfg.clone(),
            },
            ExecuteMsg::UpdateMarket {
                market_id: "BTC".into(),
                config: cfg.clone(),
                force: Some(true),
            },
        ] {
            let mut fresh = Suite::new();
            let alice = fresh.trader("alice", 10_000, 10_000);
            fresh.trade(&alice, "BTC", "1");
            let before = fresh.snapshot();
            let got = match fresh.exec_at(&engine, &owner, &msg, &[]) {
                Ok(_) => "ACCEPTED".to_string(),
                Err(e) => {
                    fresh.snapshot().assert_unchanged_since(&before);
                    e.to_string()
                        .rsplit("error: ")
                        .next()
                        .unwrap_or_default()
                        .to_string()
                }
            };
            if got != *expected {
                wrong.push(format!("expected `{expected}`\n     got `{got}`"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    s.rejects_exact(
        &owner,
        &ExecuteMsg::AddMarket {
            market_id: "ETH".into(),
            config: plain_market("ETH"),
        },
        &[],
        "market ETH already exists",
    );
    s.rejects_exact(
        &owner,
        &ExecuteMsg::UpdateMarket {
            market_id: "DOGE".into(),
            config: plain_market("ETH"),
            force: None,
        },
        &[],
        "unknown market DOGE",
    );
    // update_config: the same ranges
    let cfg = config_update!(insurance_fee_share: d("1.01"));
    s.rejects_exact(
        &owner,
        &cfg,
        &[],
        "invalid parameter insurance_fee_share: 1.01 is outside [0, 1]",
    );
    let cfg = config_update!(max_oracle_age_secs: 0);
    s.rejects_exact(
        &owner,
        &cfg,
        &[],
        "invalid parameter max_oracle_age_secs: must be > 0",
    );
    // keeper_fee ≤ 1 % of min_position_notional (DESIGN 6.11): 2 USDC against a 100 USDC floor
    // is refused, 1 USDC is accepted, and the floor cannot then drop below 100 × the fee
    s.exec(&owner, &config_update!(min_position_notional: usdc(100)))
        .unwrap();
    s.rejects_exact(
        &owner,
        &config_update!(keeper_fee: usdc(2)),
        &[],
        "invalid parameter keeper_fee: 2000000 exceeds 1 % of min_position_notional 100000000",
    );
    s.exec(&owner, &config_update!(keeper_fee: usdc(1)))
        .unwrap();
    s.rejects_exact(
        &owner,
        &config_update!(min_position_notional: Uint128::new(99_999_999)),
        &[],
        "invalid parameter keeper_fee: 1000000 exceeds 1 % of min_position_notional 99999999",
    );
    assert_eq!(s.account(&alice).collateral, int_usdc(10_000));
}

#[test]
fn s07_more_invalid_parameters_name_the_field_at_instantiate_add_market_and_update_config() {
    let mut s = Suite::new();
    let code = s.engine_code;
    let owner = s.owner.clone();
    let (feed, fund) = (s.feed.clone(), s.fund.clone());
    type Edit = Box<dyn Fn(&mut InstantiateMsg)>;
    // insurance_fee_share, max_confidence_ratio, liquidation_target_ratio, max_oracle_age_secs
    // and collateral_decimals: their exact refusals at instantiate are in
    // s07_invalid_parameters_are_rejected_at_instantiate_and_update.
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|m| m.default_max_slippage = Some(d("1"))),
            "default_max_slippage",
        ),
        (
            Box::new(|m| m.collateral_denom = "x".into()),
            "collateral_denom",
        ),
        (Box::new(|m| m.price_feed = "bad".into()), ""),
    ];
    for (edit, needle) in cases {
        let mut msg = instantiate_msg(&feed, &fund);
        edit(&mut msg);
        let err = s
            .app
            .instantiate_contract(code, owner.clone(), &msg, &[], "bad", None)
            .unwrap_err();
        assert!(err.to_string().contains(needle), "{needle}: {err}");
    }
    let bad_markets: Vec<(MarketConfig, &str)> = vec![
        (
            MarketConfig {
                margin_tiers: margin_tiers(&[(None, "0.05", "0.05")]),
                ..plain_market("SOL")
            },
            "invalid margin tiers",
        ),
        (
            MarketConfig {
                margin_tiers: margin_tiers(&[(Some(100), "0.2", "0.1"), (None, "0.1", "0.05")]),
                ..plain_market("SOL")
            },
            "ratios must not decrease",
        ),
        (
            MarketConfig {
                skew_scale: d("100"),
                max_price_impact: None,
                ..plain_market("SOL")
            },
            "max_price_impact",
        ),
        (
            MarketConfig {
                min_order_size: Decimal256::zero(),
                ..plain_market("SOL")
            },
            "min_order_size",
        ),
        (
            MarketConfig {
                taker_fee: d("0.006"),
                ..plain_market("SOL")
            },
            "liquidation_fee·(1 − liquidator_reward_share)",
        ),
        (
            MarketConfig {
                liquidation_fee: d("0.07"),
                ..plain_market("SOL")
            },
            "liquidation_fee 0.07 >= liquidation_target_ratio·mmr_1 = 0.0625",
        ),
    ];
    for (cfg, needle) in bad_markets {
        s.rejects(
            &owner,
            &ExecuteMsg::AddMarket {
                market_id: "SOL".into(),
                config: cfg,
            },
            &[],
            needle,
        );
    }
    s.rejects(
        &owner,
        &ExecuteMsg::AddMarket {
            market_id: "BTC".into(),
            config: plain_market("BTC"),
        },
        &[],
        "market BTC already exists",
    );
    s.rejects(
        &owner,
        &ExecuteMsg::AddMarket {
            market_id: "bad id!".into(),
            config: plain_market("SOL"),
        },
        &[],
        "invalid parameter market_id",
    );
    // an update_config that breaks a market's liquidation rule (0.01·0.3 < 0.004)
    s.add_feed("SOL");
    s.exec(
        &owner,
        &ExecuteMsg::AddMarket {
            market_id: "SOL".into(),
            config: MarketConfig {
                taker_fee: d("0.004"),
                ..plain_market("SOL")
            },
        },
    )
    .unwrap();
    let msg = config_update!(liquidator_reward_share: d("0.7"));
    s.rejects(
        &owner,
        &msg,
        &[],
        "liquidation_fee·(1 − liquidator_reward_share)",
    );
    s.mint(&owner, 10);
    s.rejects(
        &owner,
        &update_config_empty(),
        &coins(1, DENOM),
        "does no accept funds",
    );
}

#[test]
fn s07_update_market_refuses_a_feed_change_with_open_interest_and_unforced_liquidations() {
    let (mut s, alice) = Suite::with_alice();
    let owner = s.owner.clone();
    s.trade(&alice, "BTC", "1.5");
    // feed cannot change with open interest
    s.add_feed("BTC2");
    s.rejects(
        &owner,
        &ExecuteMsg::UpdateMarket {
            market_id: "BTC".into(),
            config: plain_market("BTC2"),
            force: Some(true),
        },
        &[],
        "feed_id of market BTC cannot change while open interest is 1.5 long / 0 short",
    );
    // MM 5 % → 12 % would make alice (equity 10,000 < 10,800) liquidatable
    let mut harsh = plain_market("BTC");
    harsh.margin_tiers = margin_tiers(&[(None, "0.2", "0.12")]);
    s.rejects(
        &owner,
        &ExecuteMsg::UpdateMarket {
            market_id: "BTC".into(),
            config: harsh.clone(),
            force: None,
        },
        &[],
        "would make 1 open books liquidatable",
    );
    s.update_market("BTC", harsh, Some(true));
    assert_eq!(s.account(&alice).maintenance_margin, usdc(10_800));
}
