//! Admin and lifecycle: ownership, parameter validation, market updates, migrate
//! (SECURITY 6, 7, 9).

use cosmwasm_std::{coins, Decimal256, Uint128};
use cw_multi_test::Executor;
use perps_api::perps::{ExecuteMsg, MarginTier, MigrateMsg};

use crate::suite::{
    config_update, d, instantiate_msg, owner_only_msgs, plain_market, update_config_empty, usdc,
    Suite, DENOM,
};

/// One edit of a valid instantiate message.
type Edit = Box<dyn Fn(&mut perps_api::perps::InstantiateMsg)>;

#[test]
fn every_admin_message_from_a_non_owner_is_unauthorized() {
    let mut s = Suite::new();
    let eve = s.user("eve", 0);
    let msgs = owner_only_msgs(&eve, None);
    for m in msgs {
        s.rejects(&eve, &m, &[], "is not the owner");
    }
    s.rejects(
        &eve,
        &ExecuteMsg::AcceptOwnership {},
        &[],
        "is not the pending owner",
    );
}

#[test]
fn ownership_moves_only_when_accepted() {
    let mut s = Suite::new();
    let (owner, bob) = (s.owner.clone(), s.user("bob", 0));
    s.exec(
        &owner,
        &ExecuteMsg::TransferOwnership {
            new_owner: bob.to_string(),
        },
    )
    .unwrap();
    assert_eq!(s.config().owner, owner);
    assert_eq!(s.config().pending_owner, Some(bob.clone()));
    s.exec(&bob, &ExecuteMsg::AcceptOwnership {}).unwrap();
    assert_eq!(s.config().owner, bob);
    s.rejects(&owner, &update_config_empty(), &[], "is not the owner");
    s.exec(&bob, &update_config_empty()).unwrap();
    s.rejects(
        &bob,
        &ExecuteMsg::TransferOwnership {
            new_owner: "not-an-address".into(),
        },
        &[],
        "",
    );
}

#[test]
fn invalid_parameters_are_rejected_at_instantiate_and_update() {
    let mut s = Suite::new();
    let code = s.engine_code;
    let owner = s.owner.clone();
    let (feed, fund) = (s.feed.clone(), s.fund.clone());
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|m| m.insurance_fee_share = d("1.01")),
            "insurance_fee_share",
        ),
        (
            Box::new(|m| m.max_confidence_ratio = Decimal256::zero()),
            "max_confidence_ratio",
        ),
        (
            Box::new(|m| m.liquidation_target_ratio = d("0.9")),
            "liquidation_target_ratio",
        ),
        (
            Box::new(|m| m.default_max_slippage = Some(d("1"))),
            "default_max_slippage",
        ),
        (
            Box::new(|m| m.max_oracle_age_secs = 0),
            "max_oracle_age_secs",
        ),
        (
            Box::new(|m| m.collateral_denom = "x".into()),
            "collateral_denom",
        ),
        (
            Box::new(|m| m.collateral_decimals = 19),
            "collateral_decimals",
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
    let bad_markets: Vec<(perps_api::perps::MarketConfig, &str)> = vec![
        (
            perps_api::perps::MarketConfig {
                margin_tiers: vec![MarginTier {
                    max_notional: None,
                    initial_margin_ratio: d("0.05"),
                    maintenance_margin_ratio: d("0.05"),
                }],
                ..plain_market("SOL")
            },
            "invalid margin tiers",
        ),
        (
            perps_api::perps::MarketConfig {
                margin_tiers: vec![
                    MarginTier {
                        max_notional: Some(usdc(100)),
                        initial_margin_ratio: d("0.2"),
                        maintenance_margin_ratio: d("0.1"),
                    },
                    MarginTier {
                        max_notional: None,
                        initial_margin_ratio: d("0.1"),
                        maintenance_margin_ratio: d("0.05"),
                    },
                ],
                ..plain_market("SOL")
            },
            "ratios must not decrease",
        ),
        (
            perps_api::perps::MarketConfig {
                skew_scale: d("100"),
                max_price_impact: None,
                ..plain_market("SOL")
            },
            "max_price_impact",
        ),
        (
            perps_api::perps::MarketConfig {
                min_order_size: Decimal256::zero(),
                ..plain_market("SOL")
            },
            "min_order_size",
        ),
        (
            perps_api::perps::MarketConfig {
                taker_fee: d("0.006"),
                ..plain_market("SOL")
            },
            "liquidation_fee·(1 − liquidator_reward_share)",
        ),
        (
            perps_api::perps::MarketConfig {
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
            config: perps_api::perps::MarketConfig {
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
fn update_market_guards_open_positions() {
    let mut s = Suite::new();
    let owner = s.owner.clone();
    let alice = s.trader("alice", 10_000, 10_000);
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
    harsh.margin_tiers = vec![MarginTier {
        max_notional: None,
        initial_margin_ratio: d("0.2"),
        maintenance_margin_ratio: d("0.12"),
    }];
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
    let _ = Uint128::zero();
}

#[test]
fn migrate_checks_name_and_version() {
    let mut s = Suite::new();
    let (owner, engine, code) = (s.owner.clone(), s.engine.clone(), s.engine_code);
    s.app
        .migrate_contract(owner.clone(), engine.clone(), &MigrateMsg {}, code)
        .unwrap();
    {
        let mut st = s.app.contract_storage_mut(&engine);
        cw2::set_contract_version(st.as_mut(), perps::CONTRACT_NAME, "9.9.9").unwrap();
    }
    let err = s
        .app
        .migrate_contract(owner.clone(), engine.clone(), &MigrateMsg {}, code)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Cannot migrate from newer version"),
        "{err}"
    );
    {
        let mut st = s.app.contract_storage_mut(&engine);
        cw2::set_contract_version(st.as_mut(), "crates.io:other", "0.0.1").unwrap();
    }
    let err = s
        .app
        .migrate_contract(owner, engine, &MigrateMsg {}, code)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("contract name mismatch: stored crates.io:other, expected crates.io:perps"),
        "{err}"
    );
}
