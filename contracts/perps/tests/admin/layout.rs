//! The compact layout of the hot records (`cfg`, `m`, `ms`, `c`, `p`, `v`): an engine stored
//! before it (the same records in JSON, no `lay` key) is converted by `migrate`, after which the
//! storage is byte-identical to what the compact engine writes itself and every query answers the
//! same.

use cosmwasm_std::{to_json_vec, Addr, Decimal256, Int128};
use perps::compact::Compact;
use perps::state::{Config, Market, MarketState, Position, Vault};
use perps_api::perps::{MarketStatusUpdate, QueryMsg};
use serde_json::Value;

use crate::suite::{fee_market, plain_market, Raw, Suite, USDC};

/// The JSON the engine stored before the compact layout for one compact record (its key says
/// which record it is); `None` for the records that were JSON all along.
fn old_json(key: &[u8], value: &[u8]) -> Option<Vec<u8>> {
    fn json<T: Compact + cosmwasm_schema::serde::Serialize>(v: &[u8]) -> Option<Vec<u8>> {
        Some(to_json_vec(&T::from_bytes(v).unwrap()).unwrap())
    }
    match key {
        b"cfg" => json::<Config>(value),
        b"v" => json::<Vault>(value),
        [0, 1, b'm', ..] => json::<Market>(value),
        [0, 2, b'm', b's', ..] => json::<MarketState>(value),
        [0, 1, b'c', ..] => json::<Int128>(value),
        [0, 1, b'p', ..] => json::<Position>(value),
        _ => None,
    }
}

/// Every query of the engine that reads the converted records, as JSON.
fn answers(s: &Suite, who: &[&Addr]) -> Vec<Value> {
    let mut msgs = vec![
        QueryMsg::Config {},
        QueryMsg::Vault {},
        QueryMsg::Markets {
            start_after: None,
            limit: None,
        },
        QueryMsg::Accounts {
            start_after: None,
            limit: None,
        },
        QueryMsg::LiquidatableAccounts {
            start_after: None,
            limit: None,
        },
    ];
    for id in ["BTC", "ETH", "SOL"] {
        msgs.push(QueryMsg::Market {
            market_id: id.into(),
        });
    }
    for a in who {
        msgs.push(QueryMsg::Account {
            address: a.to_string(),
        });
        msgs.push(QueryMsg::LpPosition {
            address: a.to_string(),
        });
        msgs.push(QueryMsg::SimulateTrade {
            address: a.to_string(),
            market_id: "BTC".into(),
            size_delta: "0.5".parse().unwrap(),
            mode: None,
        });
    }
    // an error is an answer too (carol's simulated trade is refused)
    msgs.iter()
        .map(|m| {
            s.app
                .wrap()
                .query_wasm_smart::<Value>(&s.engine, m)
                .unwrap_or_else(|e| Value::String(e.to_string()))
        })
        .collect()
}

/// Rewrites the engine's storage as the engine stored it before the compact layout; returns how
/// many records changed.
fn to_old_layout(s: &mut Suite) -> usize {
    let engine = s.engine.clone();
    let compact = s.raw_storage(&engine);
    let mut st = s.app.contract_storage_mut(&engine);
    let mut converted = 0;
    for (k, v) in &compact {
        if let Some(json) = old_json(k, v) {
            st.set(k, &json);
            converted += 1;
        }
    }
    st.remove(b"lay");
    cw2::set_contract_version(st.as_mut(), perps::CONTRACT_NAME, "0.0.1").unwrap();
    converted
}

fn without_version(r: &Raw) -> Raw {
    r.iter()
        .filter(|(k, _)| k.as_slice() != b"contract_info")
        .cloned()
        .collect()
}

#[test]
fn migrate_converts_a_json_layout_engine_to_the_compact_records_and_queries_agree() {
    let mut s = Suite::with(
        |_| {},
        &[
            ("BTC", fee_market("BTC", "1000000000000")),
            ("ETH", plain_market("ETH")),
            ("SOL", plain_market("SOL")),
        ],
    );
    s.set_price("SOL", "100");
    let (owner, engine, lp) = (s.owner.clone(), s.engine.clone(), s.lp.clone());
    // cross and isolated positions, a short, funding accrued, a reduce-only and a settled market,
    // insurance fees pending, an account with collateral only
    let alice = s.trader("alice", 50_000, 20_000);
    let bob = s.trader("bob", 50_000, 20_000);
    let carol = s.trader("carol", 1_000, 1_000);
    s.trade(&alice, "BTC", "1");
    s.trade(&bob, "BTC", "-0.4");
    s.try_isolated(&alice, "ETH", "-2", 2_000 * USDC).unwrap();
    s.trade(&bob, "SOL", "10");
    s.advance(3_600);
    s.set_price("BTC", "61000");
    s.set_price("ETH", "3000");
    s.set_price("SOL", "100");
    s.set_market_status("ETH", MarketStatusUpdate::ReduceOnly);
    s.settle_market("SOL", Some(Decimal256::percent(10_500)));
    s.check_invariants();
    let who = [&alice, &bob, &carol, &lp];
    let compact = s.raw_storage(&engine);
    let before = answers(&s, &who);

    // the same state as the engine stored it before the compact layout
    let converted = to_old_layout(&mut s);
    // config, vault, 3 markets, 3 market states, 4 collaterals (3 traders, the lp holds none),
    // 4 positions
    assert_eq!(converted, 1 + 1 + 3 + 3 + 3 + 4);
    // the compact code cannot read the JSON records
    let err = s
        .app
        .wrap()
        .query_wasm_smart::<Value>(&engine, &QueryMsg::Config {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("corrupt compact record"), "{err}");

    let new_code = s.store_engine_code();
    s.migrate_engine(&owner, new_code).unwrap();
    assert_eq!(
        without_version(&s.raw_storage(&engine)),
        without_version(&compact)
    );
    assert_eq!(answers(&s, &who), before);
    s.check_invariants();

    // migrating again changes nothing, and the engine keeps trading on the converted state
    s.migrate_engine(&owner, new_code).unwrap();
    assert_eq!(
        without_version(&s.raw_storage(&engine)),
        without_version(&compact)
    );
    s.close(&bob, "BTC").unwrap();
    s.close(&alice, "ETH").unwrap();
    s.check_invariants();
}

#[test]
fn a_json_config_without_the_later_fields_migrates_with_their_defaults() {
    let mut s = Suite::new();
    let (owner, engine) = (s.owner.clone(), s.engine.clone());
    let cfg_before = s.query::<Value>(&QueryMsg::Config {});
    to_old_layout(&mut s);
    {
        let mut st = s.app.contract_storage_mut(&engine);
        let mut json: serde_json::Map<String, Value> =
            serde_json::from_slice(&st.get(b"cfg").unwrap()).unwrap();
        // as a configuration stored before orders and solvency existed (defaults equal these)
        for field in [
            "max_order_age_secs",
            "max_orders_per_account",
            "keeper_fee",
            "min_position_notional",
            "max_total_skew_to_vault",
            "adl_trigger_ratio",
            "lp_claim_window_secs",
        ] {
            json.remove(field).unwrap();
        }
        st.set(b"cfg", &serde_json::to_vec(&json).unwrap());
    }
    let new_code = s.store_engine_code();
    s.migrate_engine(&owner, new_code).unwrap();
    assert_eq!(s.query::<Value>(&QueryMsg::Config {}), cfg_before);
}
