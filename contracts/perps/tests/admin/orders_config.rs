//! The order parameters (DESIGN 6.11: `keeper_fee`, `max_order_age_secs`,
//! `max_orders_per_account`) are accepted at instantiate as at `update_config`, with the same
//! validation; a refused instantiate leaves the chain as it was.

use cosmwasm_std::Uint128;
use cw_multi_test::Executor;
use perps_api::perps::InstantiateMsg;

use super::security::instantiate_rejects;
use crate::suite::{instantiate_msg, usdc, Suite};

#[test]
fn order_parameters_are_validated_at_instantiate_like_at_update_config() {
    let mut s = Suite::new();
    let (feed, fund) = (s.feed.clone(), s.fund.clone());
    type Edit = Box<dyn Fn(&mut InstantiateMsg)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|m| m.max_orders_per_account = Some(0)),
            "invalid parameter max_orders_per_account: 0 is outside [1, 32]",
        ),
        (
            Box::new(|m| m.max_orders_per_account = Some(33)),
            "invalid parameter max_orders_per_account: 33 is outside [1, 32]",
        ),
        (
            Box::new(|m| m.max_order_age_secs = Some(0)),
            "invalid parameter max_order_age_secs: must be > 0",
        ),
        (
            Box::new(|m| {
                m.min_position_notional = Some(usdc(100));
                m.keeper_fee = Some(Uint128::new(1_000_001));
            }),
            "invalid parameter keeper_fee: 1000001 exceeds 1 % of min_position_notional 100000000",
        ),
    ];
    for (edit, expected) in cases {
        let mut msg = instantiate_msg(&feed, &fund);
        edit(&mut msg);
        instantiate_rejects(&mut s, &msg, expected);
    }
}

#[test]
fn order_parameters_given_at_instantiate_are_stored_and_omitted_ones_take_the_defaults() {
    let mut s = Suite::new();
    let (feed, fund, owner, code) = (
        s.feed.clone(),
        s.fund.clone(),
        s.owner.clone(),
        s.engine_code,
    );
    // The suite's engine was instantiated without them: the defaults.
    let c = s.config();
    assert_eq!(
        (c.max_order_age_secs, c.max_orders_per_account, c.keeper_fee),
        (300, 16, Uint128::zero())
    );
    let mut msg = instantiate_msg(&feed, &fund);
    msg.min_position_notional = Some(usdc(100));
    msg.keeper_fee = Some(usdc(1));
    msg.max_order_age_secs = Some(120);
    msg.max_orders_per_account = Some(32);
    let engine = s
        .app
        .instantiate_contract(code, owner, &msg, &[], "perps-2", None)
        .unwrap();
    let c: perps_api::perps::ConfigResponse = s
        .app
        .wrap()
        .query_wasm_smart(engine, &perps_api::perps::QueryMsg::Config {})
        .unwrap();
    assert_eq!(
        (c.max_order_age_secs, c.max_orders_per_account, c.keeper_fee),
        (120, 32, usdc(1))
    );
}
