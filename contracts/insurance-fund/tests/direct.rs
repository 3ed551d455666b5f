//! Cases cw-multi-test cannot carry (its bank refuses a message whose only coin is zero before the
//! contract runs), driven through the entry points with mock dependencies.

use cosmwasm_std::testing::{message_info, mock_dependencies, mock_env, MockApi};
use cosmwasm_std::{coin, from_json, Addr, Binary, OwnedDeps, Uint128};
use cw_utils::PaymentError;
use insurance_fund::ContractError;
use perps_api::insurance_fund::{
    BalanceResponse, ConfigResponse, ExecuteMsg, InstantiateMsg, PayoutsResponse, QueryMsg,
};

use crate::suite::DENOM;

type Deps =
    OwnedDeps<cosmwasm_std::testing::MockStorage, MockApi, cosmwasm_std::testing::MockQuerier>;

fn setup() -> Deps {
    let mut deps = mock_dependencies();
    let owner = deps.api.addr_make("owner");
    let engine = deps.api.addr_make("engine");
    let msg = InstantiateMsg {
        owner: None,
        denom: DENOM.to_string(),
        engines: vec![engine.to_string()],
    };
    insurance_fund::instantiate(deps.as_mut(), mock_env(), message_info(&owner, &[]), msg).unwrap();
    deps
}

fn query(deps: &Deps, msg: QueryMsg) -> Binary {
    insurance_fund::query(deps.as_ref(), mock_env(), msg).unwrap()
}

fn snapshot(deps: &Deps) -> (ConfigResponse, BalanceResponse, PayoutsResponse) {
    (
        from_json(query(deps, QueryMsg::Config {})).unwrap(),
        from_json(query(deps, QueryMsg::Balance {})).unwrap(),
        from_json(query(
            deps,
            QueryMsg::Payouts {
                start_after: None,
                limit: None,
            },
        ))
        .unwrap(),
    )
}

/// `sender` sends `msg` with one zero coin attached: the refusal, after checking that nothing a
/// query can see changed.
fn refused_with_a_zero_coin(deps: &mut Deps, sender: &Addr, msg: ExecuteMsg) -> ContractError {
    let before = snapshot(deps);
    let info = message_info(sender, &[coin(0, DENOM)]);
    let err = insurance_fund::execute(deps.as_mut(), mock_env(), info, msg).unwrap_err();
    assert_eq!(snapshot(deps), before);
    err
}

/// SECURITY 1: a zero-coin deposit is no funds; SECURITY 2: a zero coin on a message that takes
/// none (the engine's cover) is still refused as funds.
#[test]
fn s01_s02_a_zero_coin_is_refused_on_a_deposit_and_on_a_fundless_message() {
    let cover = ExecuteMsg::CoverBadDebt {
        amount: Uint128::new(1),
    };
    for (sender, msg, expected) in [
        ("alice", ExecuteMsg::Deposit {}, PaymentError::NoFunds {}),
        ("engine", cover, PaymentError::NonPayable {}),
    ] {
        let mut deps = setup();
        let sender = deps.api.addr_make(sender);
        let err = refused_with_a_zero_coin(&mut deps, &sender, msg);
        assert!(
            matches!(&err, ContractError::Payment(e) if *e == expected),
            "{err}"
        );
    }
}

#[test]
fn cover_of_an_empty_fund_emits_no_message() {
    let mut deps = setup();
    let engine = deps.api.addr_make("engine");
    let res = insurance_fund::execute(
        deps.as_mut(),
        mock_env(),
        message_info(&engine, &[]),
        ExecuteMsg::CoverBadDebt {
            amount: Uint128::new(9),
        },
    )
    .unwrap();
    assert!(res.messages.is_empty());
    assert_eq!(res.events.len(), 1);
    assert_eq!(res.events[0].ty, "cover_bad_debt");
    let (_, balance, payouts) = snapshot(&deps);
    assert!(balance.amount.is_zero());
    assert_eq!(payouts.payouts.len(), 1);
    assert_eq!(payouts.payouts[0].paid, Uint128::zero());
}
