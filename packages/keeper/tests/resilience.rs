//! The node stopped and restarted under a running keeper; a price source that answers garbage,
//! stale or wild prices, or stops answering; the binary stopped by SIGTERM.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cosmwasm_std::Decimal256;
use localnet::client::Wallet;
use perps_api::price_feed;
use perps_keeper::config::Config;

use crate::support::*;

#[test]
fn the_keeper_recovers_by_itself_when_the_node_stops_and_restarts() {
    let mut net = Net::start("restart", 200, 20, true);
    net.open_positions(|i| if i % 4 == 3 { "0.03" } else { "0.15" });
    let k = perps_keeper::start(&net.keeper_config(KEEPER_A), MNEMONIC).unwrap();
    let http = k.http_addr().unwrap();
    assert!(scans_at_least(&k, 2, Duration::from_secs(20)));

    net.stop_node();
    assert!(
        wait_until(Duration::from_secs(15), || {
            k.metrics.node_up.get() == 0
                && k.metrics.failures_of("liquidate", "node_unreachable") >= 2
        }),
        "the keeper did not notice the node went away"
    );
    let (status, body) = http_get(http, "/healthz");
    assert_eq!(status, 503, "{body}");
    let health = json_of(&body);
    assert_eq!(health["components"]["node"]["ok"], false, "{body}");
    assert!(health["components"]["node"]["detail"]
        .as_str()
        .unwrap()
        .starts_with("unreachable"));
    // backing off: a few retries per second at most, not a busy loop
    let before = k.metrics.failures_of("liquidate", "node_unreachable");
    std::thread::sleep(Duration::from_secs(2));
    let retries = k.metrics.failures_of("liquidate", "node_unreachable") - before;
    assert!(retries <= 6, "{retries} retries in 2 s");

    net.restart_node();
    assert!(
        wait_until(Duration::from_secs(20), || {
            k.metrics.node_up.get() == 1 && http_get(http, "/healthz").0 == 200
        }),
        "{:?}",
        http_get(http, "/healthz")
    );
    let pages = k.metrics.scan_pages.get();
    assert!(scans_at_least(&k, pages + 1, Duration::from_secs(10)));

    gap_liquidates_all_15(&net, &k);
    assert!(k.metrics.last_block_height.get() as u64 >= net.height() - 5);
    k.shutdown();
    net.check_invariants();
    net.finish();
}

/// What the test price source answers.
#[derive(Clone, Debug)]
enum Source {
    /// `{"BTC": {"price": p, "time": now − age}}`
    Price(&'static str, u64),
    /// A body that is not a price.
    Garbage(&'static str),
    /// Accepts the request and never answers.
    Hang,
}

/// A price source over loopback; stopped when `stop` is set.
fn price_source(mode: Arc<Mutex<Source>>, stop: Arc<AtomicBool>) -> SocketAddr {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let addr = server.server_addr().to_ip().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            let Ok(Some(req)) = server.recv_timeout(Duration::from_millis(50)) else {
                continue;
            };
            let current = mode.lock().unwrap().clone();
            match current {
                Source::Price(p, age) => {
                    let body = format!(
                        r#"{{"BTC": {{"price": "{p}", "time": {}}}}}"#,
                        now_secs() - age
                    );
                    let _ = req.respond(tiny_http::Response::from_string(body));
                }
                Source::Garbage(body) => {
                    let _ = req.respond(tiny_http::Response::from_string(body));
                }
                Source::Hang => held.push(req),
            }
        }
    });
    addr
}

/// BTC gaps to 55,000: the keeper liquidates the 15 accounts that leaves below maintenance, and
/// none is left.
fn gap_liquidates_all_15(net: &Net, k: &perps_keeper::Keeper) {
    net.publish("55000");
    assert!(
        wait_until(Duration::from_secs(60), || k.metrics.liquidations.get()
            == 15),
        "liquidated {}",
        k.metrics.liquidations.get()
    );
    assert!(net.liquidatable().is_empty());
}

/// Waits until the feed holds `price` for BTC and the keeper counts more than `published`
/// BTC publications.
fn published_at(net: &Net, k: &perps_keeper::Keeper, price: &str, published: u64) {
    let price: Decimal256 = price.parse().unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || btc(net).price == price),
        "{:?}",
        btc(net)
    );
    assert!(wait_until(Duration::from_secs(5), || k
        .metrics
        .published_of("BTC")
        > published));
}

fn btc(net: &Net) -> price_feed::PriceResponse {
    net.client
        .smart(
            &net.feed,
            &price_feed::QueryMsg::Price {
                feed_id: "BTC".into(),
            },
        )
        .unwrap()
}

fn with_prices(net: &Net, source: SocketAddr) -> Config {
    let mut c = net.keeper_config(KEEPER_A);
    let prices = format!(
        r#"
url = "http://{source}/prices"
account = {account}
interval_ms = 300
timeout_ms = 500
max_age_secs = 10
max_move = "0.2"
[[feeds]]
feed_id = "BTC"
price = "/BTC/price"
publish_time = "/BTC/time"
conf_ratio = "0.0001"
"#,
        account = KEEPER_A + 3
    );
    c.prices = Some(toml::from_str(&prices).unwrap());
    c
}

#[test]
fn a_bad_price_source_publishes_nothing_wrong_and_liquidations_go_on() {
    let net = Net::start("prices", 200, 20, false);
    net.open_positions(|i| if i % 4 == 3 { "0.03" } else { "0.15" });
    let mode = Arc::new(Mutex::new(Source::Price("60010", 0)));
    let stop = Arc::new(AtomicBool::new(false));
    let source = price_source(Arc::clone(&mode), Arc::clone(&stop));
    let k = perps_keeper::start(&with_prices(&net, source), MNEMONIC).unwrap();
    let http = k.http_addr().unwrap();

    // a good source: published
    published_at(&net, &k, "60010", 0);
    assert!(wait_until(Duration::from_secs(5), || http_get(
        http, "/healthz"
    )
    .0 == 200));
    assert_eq!(k.metrics.price_source_up.get(), 1);

    // garbage, stale, future-dated, wild and silent sources: nothing published
    let cases: [(Source, &str); 6] = [
        (Source::Garbage("<html>502 Bad Gateway</html>"), "garbage"),
        (
            Source::Garbage(r#"{"BTC": {"price": "-5", "time": 1}}"#),
            "garbage",
        ),
        (Source::Price("60020", 120), "stale"),
        (Source::Price("1", 0), "too_large_move"),
        (Source::Price("0", 0), "garbage"),
        (Source::Hang, "unreachable"),
    ];
    for (case, reason) in cases {
        let before = btc(&net);
        let refused = k.metrics.refused_of("BTC", reason);
        *mode.lock().unwrap() = case.clone();
        assert!(
            wait_until(Duration::from_secs(10), || k
                .metrics
                .refused_of("BTC", reason)
                >= refused + 2),
            "{case:?}: refused {} times",
            k.metrics.refused_of("BTC", reason)
        );
        let (status, body) = http_get(http, "/healthz");
        assert_eq!(status, 503, "{case:?}: {body}");
        let health = json_of(&body);
        assert_eq!(health["components"]["prices"]["ok"], false);
        assert_eq!(health["components"]["liquidate"]["ok"], true);
        assert_eq!(k.metrics.price_source_up.get(), 0);
        let (_, text) = http_get(http, "/metrics");
        assert!(text.contains("keeper_price_source_up 0"), "{text}");
        assert_eq!(btc(&net), before, "{case:?}: something was published");
    }

    // liquidations go on while the source is down: the owner publishes a crash
    gap_liquidates_all_15(&net, &k);
    assert_eq!(btc(&net).price, "55000".parse::<Decimal256>().unwrap());

    // the source recovers: published again, healthy again
    let published = k.metrics.published_of("BTC");
    *mode.lock().unwrap() = Source::Price("55100", 0);
    published_at(&net, &k, "55100", published);
    assert!(wait_until(Duration::from_secs(5), || http_get(
        http, "/healthz"
    )
    .0 == 200));
    k.shutdown();
    stop.store(true, Ordering::SeqCst);
    net.check_invariants();
    net.finish();
}

/// The `min_reward` of every `liquidate` this keeper sent, read from the signed transactions.
fn min_rewards_sent(net: &Net, liquidator: &str) -> Vec<Option<String>> {
    use cosmrs::proto::cosmos::tx::v1beta1::{TxBody, TxRaw};
    use cosmrs::proto::cosmwasm::wasm::v1::MsgExecuteContract;
    use cosmrs::proto::prost::Message;
    let (_, body) = http_get(
        net.addr,
        &format!("/tx_search?query=%22message.sender%3D%27{liquidator}%27%22&per_page=100"),
    );
    let v = json_of(&body);
    let mut out = Vec::new();
    for tx in v["result"]["txs"].as_array().unwrap() {
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(tx["tx"].as_str().unwrap())
            .unwrap();
        let raw = TxRaw::decode(raw.as_slice()).unwrap();
        let body = TxBody::decode(raw.body_bytes.as_slice()).unwrap();
        for any in body.messages {
            let m = MsgExecuteContract::decode(any.value.as_slice()).unwrap();
            let msg: serde_json::Value = serde_json::from_slice(&m.msg).unwrap();
            if let Some(l) = msg.get("liquidate") {
                out.push(l["min_reward"].as_str().map(str::to_string));
            }
        }
    }
    out
}

#[test]
fn the_binary_runs_from_a_toml_file_and_stops_cleanly_on_sigterm() {
    let net = Net::start("binary", 200, 4, false);
    net.open_positions(|i| if i % 4 == 3 { "0.03" } else { "0.15" });
    net.publish("55000");
    assert_eq!(net.liquidatable().len(), 3);
    // a keeper asking for more profit than any reward skips them all, and says so
    let mut greedy = net.keeper_config(KEEPER_B);
    greedy.liquidate.min_profit = cosmwasm_std::Uint128::new(1_000_000 * USDC);
    let g = perps_keeper::start(&greedy, MNEMONIC).unwrap();
    assert!(wait_until(Duration::from_secs(20), || g
        .metrics
        .skipped_of("liquidate", "unprofitable")
        >= 6));
    assert_eq!(g.metrics.liquidations.get(), 0);
    assert_eq!(
        g.metrics.gas_of("liquidate"),
        0,
        "nothing sent, nothing paid"
    );
    g.shutdown();
    assert_eq!(net.liquidatable().len(), 3);

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = format!(
        r#"
rpc = "{rpc}"
gas_price = "0.025uusdc"
bech32_prefix = "wasm"
mnemonic_env = "TEST_KEEPER_MNEMONIC"
deploy_state = "{state}"
metrics_addr = "127.0.0.1:{port}"
[liquidate]
account = {account}
interval_ms = 200
"#,
        rpc = net.rpc,
        state = net.deploy_state.display(),
        account = KEEPER_A
    );
    let path = net.dir.join("keeper.toml");
    std::fs::write(&path, config).unwrap();
    let log = net.dir.join("keeper.log");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_perps-keeper"))
        .arg("--config")
        .arg(&path)
        .env("TEST_KEEPER_MNEMONIC", MNEMONIC)
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let http: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || {
            std::net::TcpStream::connect(http).is_ok()
                && metric(&http_get(http, "/metrics").1, "keeper_liquidations_total")
                    .is_some_and(|p| p >= 3.0)
        }),
        "{}",
        std::fs::read_to_string(&log).unwrap()
    );
    assert!(net.liquidatable().is_empty());
    // every call carried min_reward = its fee (gas limit × 0.025, rounded up), so none could
    // pay less than it cost
    let keeper = Wallet::from_mnemonic(MNEMONIC, KEEPER_A, PREFIX).unwrap();
    let sent = min_rewards_sent(&net, keeper.address().as_ref());
    assert_eq!(sent.len(), 3, "{sent:?}");
    for m in sent {
        let m: u128 = m.expect("min_reward set").parse().unwrap();
        assert!((3_000..10_000).contains(&m), "min_reward {m}");
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = child;
    let mut exited = None;
    assert!(wait_until(Duration::from_secs(15), || {
        exited = child.try_wait().unwrap();
        exited.is_some()
    }));
    assert!(exited.unwrap().success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("liquidate signs as"), "{text}");
    assert!(text.contains("keeper: stopped"), "{text}");
    assert!(!text.contains("notice oak"), "the mnemonic was logged");
    assert!(
        std::net::TcpStream::connect(http).is_err(),
        "/metrics still served"
    );
    net.finish();
}
