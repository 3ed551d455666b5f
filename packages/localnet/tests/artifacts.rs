//! The real artifacts (`artifacts/price-feed.wasm`, `artifacts/insurance-fund.wasm`) on the chain.

use cosmwasm_std::{from_json, Addr, Decimal256, Reply, ReplyOn, Response, SubMsgResult, Uint128};
use localnet::{gas::INSTANCE_COST, Chain, TxResult};
use perps_api::{insurance_fund as fund, price_feed as feed};

use crate::harness::*;

/// Price feed and insurance fund instantiated; a scripted contract registered as the engine.
pub struct Env {
    pub chain: Chain,
    pub owner: Addr,
    pub publisher: Addr,
    pub alice: Addr,
    pub feed: Addr,
    pub fund: Addr,
    pub engine: Addr,
}

/// [`setup`] with feed BTC published at 100 at the returned time.
fn setup_btc_at_100() -> (Env, u64) {
    let mut env = setup();
    env.add_feed("BTC");
    let now = env.now();
    env.publish("BTC", "100", now);
    (env, now)
}

pub fn setup() -> Env {
    let mut chain = Chain::new().unwrap();
    let feed_code = chain.store_code(&artifact("price-feed")).unwrap();
    let fund_code = chain.store_code(&artifact("insurance-fund")).unwrap();
    let scripted_code = chain.store_code(&scripted_wasm()).unwrap();
    let owner = chain.addr_make("owner");
    let publisher = chain.addr_make("publisher");
    let alice = chain.addr_make("alice");
    let engine = scripted(&mut chain, scripted_code, "engine");
    let (feed, _) = chain
        .instantiate(
            feed_code,
            &owner,
            &feed::InstantiateMsg {
                owner: None,
                publishers: vec![publisher.to_string()],
                max_future_secs: None,
            },
            &[],
            "price-feed",
        )
        .unwrap();
    let (fund, _) = chain
        .instantiate(
            fund_code,
            &owner,
            &fund::InstantiateMsg {
                owner: None,
                denom: DENOM.to_string(),
                engines: vec![engine.to_string()],
            },
            &[],
            "insurance-fund",
        )
        .unwrap();
    chain.mint(&alice, &[coin(1_000_000, DENOM)]).unwrap();
    Env {
        chain,
        owner,
        publisher,
        alice,
        feed,
        fund,
        engine,
    }
}

fn dec(s: &str) -> Decimal256 {
    s.parse().unwrap()
}

impl Env {
    pub fn add_feed(&mut self, id: &str) -> TxResult {
        let msg = feed::ExecuteMsg::AddFeed {
            feed_id: id.to_string(),
            description: format!("{id}/USD"),
            max_price_jump: None,
            jump_window_secs: None,
            max_jump_windows: None,
        };
        self.chain
            .execute(&self.owner, &self.feed, &msg, &[])
            .unwrap()
    }

    pub fn publish(&mut self, id: &str, price: &str, time: u64) -> TxResult {
        let msg = feed::ExecuteMsg::UpdatePrices {
            prices: vec![feed::PriceUpdate {
                feed_id: id.to_string(),
                price: dec(price),
                conf: dec("1"),
                ema_price: None,
                publish_time: time,
            }],
        };
        self.chain
            .execute(&self.publisher, &self.feed, &msg, &[])
            .unwrap()
    }

    pub fn deposit(&mut self, amount: u128) -> TxResult {
        let alice = self.alice.clone();
        self.chain
            .execute(
                &alice,
                &self.fund,
                &fund::ExecuteMsg::Deposit {},
                &[coin(amount, DENOM)],
            )
            .unwrap()
    }

    pub fn now(&self) -> u64 {
        self.chain.block().time.seconds()
    }
}

/// A protobuf varint and what follows it.
fn varint(bytes: &[u8]) -> (usize, &[u8]) {
    let mut value = 0usize;
    for (i, b) in bytes.iter().enumerate() {
        value |= ((b & 0x7f) as usize) << (7 * i);
        if b & 0x80 == 0 {
            return (value, &bytes[i + 1..]);
        }
    }
    panic!("truncated varint")
}

/// Raw key of a feed's price (layout documented in `perps_api::price_feed::PRICES`).
fn price_key(id: &str) -> Vec<u8> {
    let mut key = vec![0x00, 0x01, b'p'];
    key.extend_from_slice(id.as_bytes());
    key
}

#[test]
fn prices_published_are_read_back_by_smart_and_raw_query() {
    let mut env = setup();
    env.add_feed("BTC");
    let now = env.now();
    let tx = env.publish("BTC", "60000.5", now);
    assert_eq!(tx.attribute("wasm", "action"), Some("update_prices"));

    let price: feed::PriceResponse = env
        .chain
        .query_smart(
            &env.feed,
            &feed::QueryMsg::Price {
                feed_id: "BTC".into(),
            },
        )
        .unwrap();
    assert_eq!(price.price, dec("60000.5"));
    assert_eq!(price.ema_price, dec("60000.5"));
    assert_eq!(price.publish_time, now);

    let raw = env.chain.query_raw(&env.feed, &price_key("BTC")).unwrap();
    let record: feed::PriceRecord = from_json(&raw).unwrap();
    assert_eq!(
        record,
        feed::PriceRecord {
            price: dec("60000.5"),
            conf: dec("1"),
            ema_price: dec("60000.5"),
            publish_time: now,
            sequence: Some(1),
            refused_publish_time: None,
        }
    );
    assert_eq!(env.chain.query_raw(&env.feed, &price_key("ETH")), None);
}

#[test]
fn a_contract_reads_the_price_by_raw_query_without_an_instance_load() {
    let (mut env, _) = setup_btc_at_100();
    let code = env.chain.contract_info(&env.engine).unwrap().0;
    let request =
        cosmwasm_std::QueryRequest::<cosmwasm_std::Empty>::Wasm(cosmwasm_std::WasmQuery::Raw {
            contract_addr: env.feed.to_string(),
            key: price_key("BTC").into(),
        });
    let creator = env.chain.addr_make("creator");
    let (reader, _) = env
        .chain
        .instantiate(code, &creator, &request, &[], "reader")
        .unwrap();
    let tx = env
        .chain
        .execute(&env.alice, &reader, &ok(Response::new()), &[])
        .unwrap();
    assert_eq!(tx.gas.instance_loads, INSTANCE_COST);
    let result: cosmwasm_std::SystemResult<cosmwasm_std::ContractResult<cosmwasm_std::Binary>> =
        from_json(
            stored(&env.chain, &reader, "query_result")
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
    let bytes = result.unwrap().unwrap();
    let record: feed::PriceRecord = from_json(&bytes).unwrap();
    assert_eq!(record.price, dec("100"));
}

#[test]
fn unauthorized_publish_changes_nothing() {
    let (mut env, now) = setup_btc_at_100();
    let before = snapshot(&env.chain, &[&env.feed]);
    let msg = feed::ExecuteMsg::UpdatePrices {
        prices: vec![feed::PriceUpdate {
            feed_id: "BTC".into(),
            price: dec("1"),
            conf: dec("0"),
            ema_price: None,
            publish_time: now + 1,
        }],
    };
    let alice = env.alice.clone();
    let err = env.chain.execute(&alice, &env.feed, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_error(&err),
        format!("unauthorized: {alice} is not a publisher")
    );
    assert_eq!(snapshot(&env.chain, &[&env.feed]), before);
}

#[test]
fn feeds_listing_pays_iterator_gas() {
    let mut env = setup();
    for id in ["AAA", "BBB", "CCC"] {
        env.add_feed(id);
    }
    let msg = feed::QueryMsg::Feeds {
        start_after: None,
        limit: None,
    };
    let (bin, gas) = env.chain.query_smart_with_gas(&env.feed, &msg).unwrap();
    let feeds: feed::FeedsResponse = from_json(&bin).unwrap();
    assert_eq!(feeds.feeds.len(), 3);
    assert!(
        gas.kv_iterator > 3 * localnet::gas::KV_ITER_NEXT_FLAT,
        "{gas:?}"
    );
    assert_eq!(gas.instance_loads, INSTANCE_COST);
}

#[test]
fn deposit_moves_exact_balances() {
    let mut env = setup();
    let tx = env.deposit(400_000);
    assert_eq!(tx.attribute("wasm", "amount"), Some("400000"));
    assert_eq!(env.chain.balance(&env.fund, DENOM), uusd(400_000));
    assert_eq!(env.chain.balance(&env.alice, DENOM), uusd(600_000));
    let balance: fund::BalanceResponse = env
        .chain
        .query_smart(&env.fund, &fund::QueryMsg::Balance {})
        .unwrap();
    assert_eq!(balance.amount, Uint128::new(400_000));
}

#[test]
fn registered_engine_covers_bad_debt_through_a_submessage() {
    let mut env = setup();
    env.deposit(400_000);
    let cover = fund::InsuranceFund(env.fund.clone())
        .cover_msg(Uint128::new(150_000))
        .unwrap();
    let answer = ok(Response::new().add_submessage(sub(1, cover.into(), ReplyOn::Success)));
    let alice = env.alice.clone();
    let engine = env.engine.clone();
    let tx = env.chain.execute(&alice, &engine, &answer, &[]).unwrap();

    assert_eq!(env.chain.balance(&env.fund, DENOM), uusd(250_000));
    assert_eq!(env.chain.balance(&engine, DENOM), uusd(150_000));
    assert_eq!(tx.attribute("wasm-cover_bad_debt", "paid"), Some("150000"));
    assert_eq!(tx.attribute("wasm-cover_bad_debt", "shortfall"), Some("0"));
    assert_eq!(
        tx.attribute("wasm-cover_bad_debt", "_contract_address"),
        Some(env.fund.as_str())
    );
    // The reply carries the fund's data (the payout) inside MsgExecuteContractResponse.
    let reply: Reply = from_json(stored(&env.chain, &engine, "reply").unwrap().as_bytes()).unwrap();
    let SubMsgResult::Ok(response) = reply.result else {
        panic!("expected ok")
    };
    let value = response.msg_responses[0].value.as_slice();
    assert_eq!(value[0], 0x0a); // field 1, length-delimited
    let (len, body) = varint(&value[1..]);
    assert_eq!(len, body.len());
    let payout: fund::Payout = from_json(body).unwrap();
    assert_eq!(payout.paid, Uint128::new(150_000));
    assert_eq!(payout.engine, engine);

    let payouts: fund::PayoutsResponse = env
        .chain
        .query_smart(
            &env.fund,
            &fund::QueryMsg::Payouts {
                start_after: None,
                limit: None,
            },
        )
        .unwrap();
    assert_eq!(payouts.payouts, vec![payout]);
}

#[test]
fn cover_by_a_stranger_is_refused_and_changes_nothing() {
    let mut env = setup();
    env.deposit(400_000);
    let before = snapshot(&env.chain, &[&env.fund, &env.alice]);
    let alice = env.alice.clone();
    let err = env
        .chain
        .execute(
            &alice,
            &env.fund,
            &fund::ExecuteMsg::CoverBadDebt {
                amount: Uint128::new(1),
            },
            &[],
        )
        .unwrap_err();
    assert_eq!(
        contract_error(&err),
        format!("unauthorized: {alice} is not a registered engine")
    );
    assert_eq!(snapshot(&env.chain, &[&env.fund, &env.alice]), before);
}

#[test]
fn a_failure_late_in_a_transaction_reverts_stores_and_balances() {
    let mut env = setup();
    env.deposit(400_000);
    env.chain.mint(&env.engine, &[coin(5_000, DENOM)]).unwrap();
    let before = snapshot(&env.chain, &[&env.fund, &env.engine, &env.alice]);
    let handle = fund::InsuranceFund(env.fund.clone());
    // Deposit 5 000 and take a payout, both succeed; then a zero cover fails the transaction.
    let answer = ok(Response::new()
        .add_message(handle.deposit_msg(coin(5_000, DENOM)).unwrap())
        .add_message(handle.cover_msg(Uint128::new(1_000)).unwrap())
        .add_message(handle.cover_msg(Uint128::zero()).unwrap()));
    let alice = env.alice.clone();
    let engine = env.engine.clone();
    let err = env
        .chain
        .execute(&alice, &engine, &answer, &[])
        .unwrap_err();
    assert_eq!(contract_error(&err), "amount must be > 0, got 0");
    assert_eq!(
        snapshot(&env.chain, &[&env.fund, &env.engine, &env.alice]),
        before
    );
}
