//! Fuzz (proptest over JSON): random and mutated execute messages — wrong types, huge numbers,
//! negative strings, unknown markets, malformed addresses, extra fields, deep nesting, random
//! funds — sent to the engine, the price feed and the insurance fund of a world with open
//! positions. Each message must return an error or succeed, never panic (caught with
//! `catch_unwind`), and an error must leave every contract's storage and the balances unchanged.
//! After every success the engine's invariants 1-2 hold and every account query still answers.
//!
//! Reproducible like the simulation: `FUZZ_SEED`, `FUZZ_CASES` (sequences of 24 messages).

use std::panic::{catch_unwind, AssertUnwindSafe};

use cosmwasm_std::{coins, to_json_binary, Addr, Binary, Coin, CosmosMsg, WasmMsg};
use cw_multi_test::{BankSudo, Executor, SudoMsg};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use serde_json::{json, Value};

use crate::sim::{Action, Sim};
use crate::suite::{DENOM, USDC};

const FUZZ_CASES: u32 = 40;
const FUZZ_SEED: u64 = 0xf022_0008;
const OTHER_DENOM: &str = "uatom";

/// Which contract a message goes to.
#[derive(Debug, Clone, Copy)]
enum Target {
    Engine,
    Feed,
    Fund,
}

/// Who sends it: traders 0..4, 4 = owner, 5 = publisher, 6 = a fresh wallet.
type Sender = usize;

/// A structural change of a JSON message.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the `n`-th node (depth-first) with a hostile value.
    Replace(usize, Value),
    /// Remove a key of the `n`-th object node.
    Remove(usize),
    /// Add an unknown field to the `n`-th object node.
    Extra(usize, String, Value),
    /// Rename the variant (top-level key).
    Rename(String),
    /// Wrap the whole message `depth` times in the same variant name.
    Nest(usize),
}

#[derive(Debug, Clone)]
enum Msg {
    /// A valid template (index) with mutations applied.
    Mutated(usize, Vec<Mutation>),
    /// Arbitrary JSON.
    Raw(Value),
    /// A byte string that is not JSON at all.
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Shot {
    target: Target,
    sender: Sender,
    msg: Msg,
    funds: Vec<(bool, u128)>,
}

/// Strings a parser or validator could trip on: empty, signs, overflows (2^128 − 1, 2^128,
/// Decimal256's maximum), too many decimals, hex, unknown and wrong-case ids, a NUL, malformed
/// addresses.
const HOSTILE: [&str; 20] = [
    "",
    "-1",
    "-0",
    "0",
    "1e40",
    "340282366920938463463374607431768211455",
    "340282366920938463463374607431768211456",
    "115792089237316195423570985008687907853269984665640564039457.584007913129639935",
    "0.0000000000000000001",
    "-60000.5",
    "NaN",
    " 5",
    "0x10",
    "BTC",
    "SOL",
    "DOGE",
    "btc",
    "\u{0}",
    "cosmwasm1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    "COSMWASM1ABC",
];

/// One of [`HOSTILE`], a 2,000-character string or printable ASCII, each of the 22 equally likely.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => proptest::sample::select(&HOSTILE[..]).prop_map(str::to_string),
        1 => Just("x".repeat(2_000)),
        1 => "[ -~]{0,40}",
    ]
}

fn deep(depth: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..depth {
        v = json!([v]);
    }
    v
}

fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => hostile_string().prop_map(Value::String),
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(|x| json!(x)),
        1 => Just(json!(u64::MAX)),
        1 => Just(json!(1e308)),
        1 => Just(json!(-1.5)),
        1 => Just(json!([])),
        1 => Just(json!({})),
        1 => prop_oneof![Just(20usize), Just(127), Just(200)].prop_map(deep),
        1 => Just(json!({"isolated": {"margin": "-1"}})),
        1 => Just(json!({"isolated": {"margin": "340282366920938463463374607431768211455"}})),
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|x| json!(x)),
        "[a-z_]{0,12}".prop_map(Value::String),
        hostile_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,14}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), hostile_value()).prop_map(|(n, v)| Mutation::Replace(n, v)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        2 => (any::<usize>(), "[a-z_]{1,12}", hostile_value())
            .prop_map(|(n, k, v)| Mutation::Extra(n, k, v)),
        1 => "[a-z_]{1,20}".prop_map(Mutation::Rename),
        1 => prop_oneof![Just(1usize), Just(3), Just(64), Just(300)].prop_map(Mutation::Nest),
    ]
}

fn shot() -> impl Strategy<Value = Shot> {
    let msg = prop_oneof![
        8 => (any::<usize>(), prop::collection::vec(mutation(), 0..4))
            .prop_map(|(t, m)| Msg::Mutated(t, m)),
        2 => arbitrary_json().prop_map(Msg::Raw),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Msg::Bytes),
    ];
    let target =
        prop_oneof![6 => Just(Target::Engine), 1 => Just(Target::Feed), 1 => Just(Target::Fund)];
    let coin = (
        any::<bool>(),
        prop_oneof![Just(1u128), Just(1_000 * USDC), 1u128..10_000_000u128],
    );
    (
        target,
        prop_oneof![4 => 0usize..4, 1 => 4usize..7],
        msg,
        prop_oneof![3 => Just(vec![]), 1 => prop::collection::vec(coin, 1..3)],
    )
        .prop_map(|(target, sender, msg, funds)| Shot {
            target,
            sender,
            msg,
            funds,
        })
}

/// Valid messages of each contract, the seeds of the mutations.
fn templates(sim: &Sim, target: Target) -> Vec<Value> {
    let trader = sim.traders[1].to_string();
    let market = json!({
        "feed_id": "SOL", "margin_tiers": [{"max_notional": null, "initial_margin_ratio": "0.1",
        "maintenance_margin_ratio": "0.05"}], "taker_fee": "0.001", "skew_scale": "0",
        "max_price_impact": null, "max_funding_rate_per_day": "0.1", "max_long_oi": "1000000000000",
        "max_short_oi": "1000000000000", "max_position_notional": null, "min_order_size": "0.1",
        "liquidation_fee": "0.01"});
    match target {
        Target::Engine => vec![
            json!({"deposit": {}}),
            json!({"withdraw": {"amount": "1000000"}}),
            json!({"trade": {"market_id": "BTC", "size_delta": "0.01", "acceptable_price": null, "mode": null}}),
            json!({"trade": {"market_id": "ETH", "size_delta": "-1", "acceptable_price": "2900", "mode": {"isolated": {"margin": "1000000000"}}}}),
            json!({"trade": {"market_id": "SOL", "size_delta": "10", "mode": "cross"}}),
            json!({"close_position": {"market_id": "BTC", "acceptable_price": null}}),
            json!({"add_margin": {"market_id": "ETH", "amount": "1000000"}}),
            json!({"remove_margin": {"market_id": "ETH", "amount": "1000000"}}),
            json!({"liquidate": {"account": trader, "min_reward": null}}),
            json!({"provide_liquidity": {}}),
            json!({"withdraw_liquidity": {"shares": "1000"}}),
            json!({"claim_liquidity": {}}),
            json!({"cancel_withdraw_liquidity": {}}),
            json!({"sweep_fees": {}}),
            json!({"settle_positions": {"market_id": "BTC", "limit": 5}}),
            json!({"add_market": {"market_id": "SOL2", "config": market}}),
            json!({"update_market": {"market_id": "SOL", "config": market, "force": null}}),
            json!({"set_market_status": {"market_id": "ETH", "status": "reduce_only"}}),
            json!({"settle_market": {"market_id": "SOL", "price": "100"}}),
            json!({"update_config": {"max_oracle_age_secs": 120, "unrealized_profit_weight": "0.2"}}),
            json!({"transfer_ownership": {"new_owner": trader}}),
            json!({"accept_ownership": {}}),
        ],
        Target::Feed => vec![
            json!({"update_prices": {"prices": [{"feed_id": "BTC", "price": "61000", "conf": "1", "ema_price": null, "publish_time": sim.s.now()}]}}),
            json!({"reset_price": {"feed_id": "ETH", "price": "3100", "conf": "0", "publish_time": sim.s.now()}}),
            json!({"add_feed": {"feed_id": "DOGE", "description": "d", "max_price_jump": "0.1", "jump_window_secs": 60}}),
            json!({"remove_feed": {"feed_id": "DOGE"}}),
            json!({"set_publishers": {"publishers": [trader]}}),
            json!({"transfer_ownership": {"new_owner": trader}}),
        ],
        Target::Fund => vec![
            json!({"deposit": {}}),
            json!({"cover_bad_debt": {"amount": "1000"}}),
            json!({"withdraw": {"amount": "1000", "recipient": trader}}),
            json!({"add_engine": {"engine": trader}}),
            json!({"remove_engine": {"engine": sim.s.engine.to_string()}}),
        ],
    }
}

/// Depth-first visit of every node; `f` gets the node with its index.
fn visit(v: &mut Value, n: &mut usize, target: usize, f: &mut dyn FnMut(&mut Value)) -> bool {
    if *n == target {
        f(v);
        return true;
    }
    *n += 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|x| visit(x, n, target, f)),
        Value::Object(o) => o.values_mut().any(|x| visit(x, n, target, f)),
        _ => false,
    }
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

fn apply(mut v: Value, muts: &[Mutation]) -> Value {
    for m in muts {
        let nodes = count(&v);
        match m {
            Mutation::Replace(i, new) => {
                let _ = visit(&mut v, &mut 0, i % nodes, &mut |x| *x = new.clone());
            }
            Mutation::Remove(i) => {
                let _ = visit(&mut v, &mut 0, i % nodes, &mut |x| {
                    if let Value::Object(o) = x {
                        if let Some(k) = o.keys().next().cloned() {
                            o.remove(&k);
                        }
                    }
                });
            }
            Mutation::Extra(i, k, new) => {
                let _ = visit(&mut v, &mut 0, i % nodes, &mut |x| {
                    if let Value::Object(o) = x {
                        o.insert(k.clone(), new.clone());
                    }
                });
            }
            Mutation::Rename(name) => {
                if let Value::Object(o) = &mut v {
                    if let Some((_, inner)) = o.iter().next().map(|(k, x)| (k.clone(), x.clone())) {
                        o.clear();
                        o.insert(name.clone(), inner);
                    }
                }
            }
            Mutation::Nest(depth) => {
                let name = match &v {
                    Value::Object(o) => o.keys().next().cloned().unwrap_or_default(),
                    _ => "x".to_string(),
                };
                for _ in 0..*depth {
                    v = json!({ name.clone(): v });
                }
            }
        }
    }
    v
}

fn sender(sim: &Sim, s: Sender) -> Addr {
    match s {
        0..=3 => sim.traders[s].clone(),
        4 => sim.s.owner.clone(),
        5 => sim.s.publisher.clone(),
        _ => sim.liquidator.clone(),
    }
}

/// A world with open cross and isolated positions, an LP request and pending fees.
fn world() -> Sim {
    let mut sim = Sim::new();
    for t in sim.traders.clone() {
        sim.s
            .app
            .sudo(SudoMsg::Bank(BankSudo::Mint {
                to_address: t.to_string(),
                amount: coins(1_000_000_000, OTHER_DENOM),
            }))
            .unwrap();
    }
    let setup = [
        Action::Deposit {
            who: 0,
            amount: 20_000 * USDC,
        },
        Action::Deposit {
            who: 1,
            amount: 20_000 * USDC,
        },
        Action::Trade {
            who: 0,
            market: 0,
            lots: 100,
            mode: crate::sim::ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::Trade {
            who: 1,
            market: 1,
            lots: -200,
            mode: crate::sim::ModeChoice::Isolated(2_000 * USDC),
            acceptable_bps: None,
            funds: 0,
        },
        Action::Trade {
            who: 1,
            market: 2,
            lots: 50,
            mode: crate::sim::ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
    ];
    for (i, a) in setup.iter().enumerate() {
        sim.step(i, a);
    }
    sim
}

fn fire(sim: &mut Sim, shot: &Shot) -> Result<bool, String> {
    let contract = match shot.target {
        Target::Engine => sim.s.engine.clone(),
        Target::Feed => sim.s.feed.clone(),
        Target::Fund => sim.s.fund.clone(),
    };
    let bytes: Binary = match &shot.msg {
        Msg::Mutated(t, muts) => {
            let ts = templates(sim, shot.target);
            to_json_binary(&apply(ts[t % ts.len()].clone(), muts)).unwrap()
        }
        Msg::Raw(v) => to_json_binary(v).unwrap(),
        Msg::Bytes(b) => Binary::from(b.clone()),
    };
    let from = sender(sim, shot.sender);
    let mut funds: Vec<Coin> = Vec::new();
    for (usdc, amount) in &shot.funds {
        let denom = if *usdc { DENOM } else { OTHER_DENOM };
        match funds.iter_mut().find(|c| c.denom == denom) {
            Some(c) => c.amount += cosmwasm_std::Uint256::from(*amount),
            None => funds.extend(coins(*amount, denom)),
        }
    }
    funds.sort_by(|a, b| a.denom.cmp(&b.denom));
    let before = sim.full_snapshot(&from);
    let msg = CosmosMsg::Wasm(WasmMsg::Execute {
        contract_addr: contract.to_string(),
        msg: bytes.clone(),
        funds,
    });
    let app = &mut sim.s.app;
    let outcome = catch_unwind(AssertUnwindSafe(|| app.execute(from.clone(), msg)));
    let text = String::from_utf8_lossy(bytes.as_slice())
        .chars()
        .take(400)
        .collect::<String>();
    match outcome {
        Err(_) => Err(format!("PANIC on {:?} message {text}", shot.target)),
        Ok(Err(_)) => {
            if sim.full_snapshot(&from) != before {
                return Err(format!("a rejected message changed state: {text}"));
            }
            Ok(false)
        }
        Ok(Ok(_)) => {
            let checked = catch_unwind(AssertUnwindSafe(|| {
                sim.s.check_invariants();
                for t in &sim.traders {
                    let _ = sim.s.account(t);
                }
            }));
            checked
                .map(|_| true)
                .map_err(|_| format!("invariants or queries failed after accepting {text}"))
        }
    }
}

/// (messages, worlds, accepted messages) of a run.
fn run(cases: u32, seed: u64) -> (u64, u64, u64) {
    let mut total = (0u64, 0u64, 0u64);
    for case in 0..cases {
        let case_seed = seed.wrapping_add(case as u64);
        let config = Config {
            cases: 1,
            failure_persistence: None,
            max_shrink_iters: 200,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &crate::sim::seed_bytes(case_seed));
        let mut runner = TestRunner::new_with_rng(config, rng);
        let counted = std::cell::Cell::new((0u64, 0u64, 0u64));
        let result = runner.run(&prop::collection::vec(shot(), 24), |shots| {
            let mut sim = world();
            let mut n = (0u64, 0u64, 0u64);
            for s in &shots {
                if fire(&mut sim, s).map_err(TestCaseError::fail)? {
                    n.2 += 1;
                }
                n.0 += 1;
            }
            n.1 = 1;
            counted.set(n);
            Ok(())
        });
        match result {
            Ok(()) => {
                let n = counted.get();
                total = (total.0 + n.0, total.1 + n.1, total.2 + n.2);
            }
            Err(TestError::Fail(reason, shots)) => panic!(
                "fuzz failed; reproduce with FUZZ_SEED={case_seed} FUZZ_CASES=1\nreason: {reason}\n\
                 shots: {shots:#?}"
            ),
            Err(e) => panic!("fuzz aborted (FUZZ_SEED={case_seed}): {e}"),
        }
    }
    total
}

#[test]
fn hostile_json_never_panics_and_rejections_change_nothing() {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let cases = env("FUZZ_CASES").unwrap_or(FUZZ_CASES as u64) as u32;
    let seed = env("FUZZ_SEED").unwrap_or(FUZZ_SEED);
    let (messages, worlds, accepted) = run(cases, seed);
    println!("fuzz: seed {seed}, {worlds} worlds, {messages} messages, {accepted} accepted");
    assert_eq!(worlds, cases as u64);
}
