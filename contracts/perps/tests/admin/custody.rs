//! SECURITY.md "Access and admin", custody and upgrades (scenarios 8, 9): only registered
//! engines and the owner take money out of the insurance fund; migrations refuse wrong names and
//! downgrades and keep every byte of state.

use cosmwasm_std::{coins, Uint128};
use perps_api::insurance_fund::ExecuteMsg as FundMsg;

use crate::admin::security::unauthorized;
use crate::suite::{int_usdc, usdc, Suite, DENOM, USDC};

#[test]
fn s08_only_registered_engines_and_the_owner_take_money_out_of_the_fund() {
    let mut s = Suite::new();
    let (owner, eve, alice) = (
        s.owner.clone(),
        s.trader("eve", 0, 0),
        s.trader("alice", 0, 0),
    );
    let (engine, fund) = (s.engine.clone(), s.fund.clone());
    let donor = s.trader("donor", 1_000, 0);
    s.exec_at(
        &fund,
        &donor,
        &FundMsg::Deposit {},
        &coins(300 * USDC, DENOM),
    )
    .unwrap();
    let cover = FundMsg::CoverBadDebt { amount: usdc(500) };
    for who in [&eve, &engine, &owner] {
        s.rejects_at(
            &fund,
            who,
            &cover,
            &[],
            &format!("unauthorized: {who} is not a registered engine"),
        );
    }
    s.rejects_at(
        &fund,
        &eve,
        &FundMsg::Withdraw {
            amount: usdc(1),
            recipient: eve.to_string(),
        },
        &[],
        &unauthorized(&eve, &owner),
    );
    s.rejects_at(
        &fund,
        &owner,
        &FundMsg::Withdraw {
            amount: Uint128::new(300 * USDC + 1),
            recipient: owner.to_string(),
        },
        &[],
        "withdraw of 300000001uusdc exceeds the fund's balance of 300000000uusdc",
    );
    // a registered engine asking for more than the balance gets exactly the balance
    s.exec_at(
        &fund,
        &owner,
        &FundMsg::AddEngine {
            engine: alice.to_string(),
        },
        &[],
    )
    .unwrap();
    let r = s.exec_at(&fund, &alice, &cover, &[]).unwrap();
    assert_eq!(s.balance(&alice), 300 * USDC);
    assert_eq!(s.balance(&fund), 0);
    assert_eq!(
        Suite::attr(&r, "cover_bad_debt", "requested"),
        (500 * USDC).to_string()
    );
    assert_eq!(
        Suite::attr(&r, "cover_bad_debt", "paid"),
        (300 * USDC).to_string()
    );
    // an empty fund pays nothing and sends nothing (no zero-amount send)
    let r = s.exec_at(&fund, &alice, &cover, &[]).unwrap();
    assert_eq!(Suite::attr(&r, "cover_bad_debt", "paid"), "0");
    assert!(!r.events.iter().any(|e| e.ty == "transfer"));
    // once removed, the engine is refused
    s.exec_at(
        &fund,
        &owner,
        &FundMsg::RemoveEngine {
            engine: alice.to_string(),
        },
        &[],
    )
    .unwrap();
    s.rejects_at(
        &fund,
        &alice,
        &cover,
        &[],
        &format!("unauthorized: {alice} is not a registered engine"),
    );
}

#[test]
fn s09_migrate_refuses_a_wrong_name_or_downgrade_and_state_survives_an_upgrade() {
    let mut s = Suite::new();
    let (owner, engine) = (s.owner.clone(), s.engine.clone());
    let alice = s.trader("alice", 20_000, 20_000);
    s.trade(&alice, "BTC", "1");
    s.try_isolated(&alice, "ETH", "-2", 2_000 * USDC).unwrap();
    s.set_price("BTC", "61000");
    let (account, vault, market) = (s.account(&alice), s.vault(), s.market("BTC"));
    // a new code id of the engine (an upgrade path)
    let new_code = s.store_engine_code();
    // a non-admin cannot migrate
    let before = s.snapshot();
    s.migrate_engine(&alice, new_code).unwrap_err();
    s.snapshot().assert_unchanged_since(&before);
    // downgrade and wrong name: refused, nothing changes
    for (name, version, expected) in [
        (
            perps::CONTRACT_NAME,
            "9.9.9",
            "Cannot migrate from newer version",
        ),
        (
            "crates.io:other",
            "0.0.1",
            "contract name mismatch: stored crates.io:other, expected crates.io:perps",
        ),
    ] {
        {
            let mut st = s.app.contract_storage_mut(&engine);
            cw2::set_contract_version(st.as_mut(), name, version).unwrap();
        }
        let before = s.snapshot();
        let err = s.migrate_engine(&owner, new_code).unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
        s.snapshot().assert_unchanged_since(&before);
    }
    {
        let mut st = s.app.contract_storage_mut(&engine);
        cw2::set_contract_version(st.as_mut(), perps::CONTRACT_NAME, "0.0.1").unwrap();
    }
    let raw_before = s.raw_storage(&engine);
    s.migrate_engine(&owner, new_code).unwrap();
    s.check_invariants();
    // every key but the version record is byte-identical; queries agree
    let raw_after = s.raw_storage(&engine);
    let strip = |r: &crate::suite::Raw| -> crate::suite::Raw {
        r.iter()
            .filter(|(k, _)| k.as_slice() != b"contract_info")
            .cloned()
            .collect()
    };
    assert_eq!(strip(&raw_after), strip(&raw_before));
    let v = cw2::get_contract_version(s.app.contract_storage(&engine).as_ref()).unwrap();
    assert_eq!(v.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(s.account(&alice), account);
    assert_eq!(s.vault(), vault);
    assert_eq!(s.market("BTC"), market);
    // and the upgraded engine keeps working on the migrated state
    s.close(&alice, "BTC").unwrap();
    s.close(&alice, "ETH").unwrap();
    assert_eq!(s.account(&alice).collateral, int_usdc(21_000));
}
