//! The HTTP JSON-RPC server and the chain thread.
//!
//! HTTP workers (a few threads over `tiny_http`) parse JSON-RPC requests (POST bodies, or GET
//! `/method?param=value` URIs as CometBFT also accepts) and send them to the chain thread over a
//! channel; the chain thread owns the [`App`], answers one request at a time and closes a block
//! every `block_time_ms`. `broadcast_tx_commit` is answered when the block closes.

use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use super::ante::MAX_TX_BYTES;
use super::app::{now_nanos, App};
use super::genesis::Genesis;
use super::json;
use super::query;

/// The default RPC address (CometBFT's).
pub const DEFAULT_RPC: &str = "127.0.0.1:26657";
/// Largest HTTP body accepted.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
const WORKERS: usize = 4;

/// How to run a node.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The genesis.
    pub genesis: Genesis,
    /// Where to listen; `None`: [`DEFAULT_RPC`], or a free port on loopback when it is taken.
    pub rpc: Option<SocketAddr>,
    /// Load the chain from this file if it exists; save it there on shutdown.
    pub state: Option<PathBuf>,
}

/// A JSON-RPC error.
#[derive(Clone, Debug)]
pub struct RpcError {
    code: i64,
    message: &'static str,
    data: String,
}

impl RpcError {
    fn internal(data: impl Into<String>) -> Self {
        RpcError {
            code: -32603,
            message: "Internal error",
            data: data.into(),
        }
    }

    fn invalid_params(data: impl Into<String>) -> Self {
        RpcError {
            code: -32602,
            message: "Invalid params",
            data: data.into(),
        }
    }
}

type Reply = mpsc::Sender<Result<Value, RpcError>>;

enum Job {
    Call {
        method: String,
        params: Value,
        reply: Reply,
    },
    Shutdown,
}

/// A running node. Dropping it without [`Server::shutdown`] leaves the threads running until the
/// process ends.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    chain: Option<JoinHandle<Result<(), String>>>,
    jobs: mpsc::Sender<Job>,
}

impl Server {
    /// The address the RPC listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving (the port is closed when this returns), then saves the state if `--state`
    /// was given.
    pub fn shutdown(mut self) -> Result<(), String> {
        self.stop.store(true, Ordering::SeqCst);
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        let _ = self.jobs.send(Job::Shutdown);
        match self.chain.take() {
            Some(handle) => handle
                .join()
                .map_err(|_| "the chain thread panicked".to_string())?,
            None => Ok(()),
        }
    }
}

fn bind(rpc: Option<SocketAddr>) -> Result<TcpListener, String> {
    match rpc {
        Some(addr) => TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}")),
        None => match TcpListener::bind(DEFAULT_RPC) {
            Ok(l) => Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))
            }
            Err(e) => Err(format!("cannot listen on {DEFAULT_RPC}: {e}")),
        },
    }
}

/// Starts a node: loads or creates the chain, listens, serves until [`Server::shutdown`].
pub fn serve(options: ServeOptions) -> Result<Server, String> {
    let listener = bind(options.rpc)?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let http = tiny_http::Server::from_listener(listener, None).map_err(|e| e.to_string())?;
    let http = Arc::new(http);
    let (jobs, inbox) = mpsc::channel::<Job>();
    // The chain is built on its own thread (it is not `Send`); wait until it is ready.
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
    let genesis = options.genesis.clone();
    let state = options.state.clone();
    let rpc_address = addr.to_string();
    let chain = std::thread::Builder::new()
        .name("chain".into())
        .spawn(move || {
            let app = match &state {
                Some(path) if path.exists() => App::load(genesis, path),
                _ => App::new(genesis),
            };
            let mut app = match app {
                Ok(app) => {
                    let _ = ready_tx.send(Ok(()));
                    app
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e.clone()));
                    return Err(e);
                }
            };
            chain_loop(&mut app, inbox, &rpc_address);
            match &state {
                Some(path) => app.save(path),
                None => Ok(()),
            }
        })
        .map_err(|e| e.to_string())?;
    match ready_rx.recv() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            let _ = chain.join();
            return Err(e);
        }
        Err(_) => return Err("the chain thread stopped".into()),
    }
    let stop = Arc::new(AtomicBool::new(false));
    let workers = (0..WORKERS)
        .map(|i| {
            let http = Arc::clone(&http);
            let stop = Arc::clone(&stop);
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("rpc-{i}"))
                .spawn(move || worker(&http, &stop, &jobs))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    drop(http);
    Ok(Server {
        addr,
        stop,
        workers,
        chain: Some(chain),
        jobs,
    })
}

fn chain_loop(app: &mut App, inbox: mpsc::Receiver<Job>, rpc_address: &str) {
    let block_time = Duration::from_millis(app.genesis().block_time_ms);
    let mut deadline = Instant::now() + block_time;
    let mut waiting: Vec<(String, Value, Reply)> = Vec::new();
    loop {
        let timeout = deadline.saturating_duration_since(Instant::now());
        match inbox.recv_timeout(timeout) {
            Ok(Job::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(Job::Call {
                method,
                params,
                reply,
            }) => {
                if method == "broadcast_tx_commit" {
                    match broadcast(app, &params) {
                        Ok((check, true)) => {
                            waiting.push((check.hash.clone(), json::broadcast_sync(&check), reply))
                        }
                        Ok((check, false)) => {
                            let _ = reply.send(Ok(json!({
                                "check_tx": json::broadcast_sync(&check),
                                "tx_result": {},
                                "hash": check.hash,
                                "height": "0",
                            })));
                        }
                        Err(e) => {
                            let _ = reply.send(Err(e));
                        }
                    }
                } else {
                    let _ = reply.send(call(app, &method, &params, rpc_address));
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        if Instant::now() >= deadline {
            let pending: Vec<_> = waiting
                .drain(..)
                .map(|(hash, check, reply)| {
                    let record = app.pending(&hash).cloned();
                    (record, check, reply)
                })
                .collect();
            app.close_block(now_nanos());
            for (record, check, reply) in pending {
                let answer = match record {
                    Some(t) => json!({
                        "check_tx": check,
                        "tx_result": json::exec_result(&t.result),
                        "hash": t.hash,
                        "height": t.height.to_string(),
                    }),
                    None => {
                        json!({ "check_tx": check, "tx_result": {}, "hash": "", "height": "0" })
                    }
                };
                let _ = reply.send(Ok(answer));
            }
            deadline += block_time;
            let now = Instant::now();
            if deadline < now {
                deadline = now + block_time;
            }
        }
    }
}

fn param<'a>(params: &'a Value, name: &str) -> Option<&'a Value> {
    params.get(name).filter(|v| !v.is_null())
}

fn string_param(params: &Value, name: &str) -> Option<String> {
    param(params, name).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn u64_param(params: &Value, name: &str) -> Result<Option<u64>, RpcError> {
    match string_param(params, name) {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| RpcError::invalid_params(format!("{name}: not an integer: {s}"))),
    }
}

enum Encoding {
    Hex,
    Base64,
}

/// Marks the parameters of a URI (GET) call: only there is `0x` a hex prefix.
const URI_MARK: &str = "\u{0}uri";

/// Bytes as CometBFT takes them: `0x`-prefixed hex in the URI form, otherwise hex for
/// `HexBytes` parameters and base64 for `[]byte` ones (a base64 value of a JSON body may itself
/// begin with `0x`: one transaction hash in 4,096 does).
fn bytes_param(params: &Value, name: &str, enc: Encoding) -> Result<Vec<u8>, RpcError> {
    let s = string_param(params, name).unwrap_or_default();
    let bad = |e: String| RpcError::invalid_params(format!("{name}: {e}"));
    let uri = params.get(URI_MARK).is_some();
    if let Some(h) = s.strip_prefix("0x").filter(|_| uri) {
        return hex::decode(h).map_err(|e| bad(e.to_string()));
    }
    match enc {
        Encoding::Hex => hex::decode(&s).map_err(|e| bad(e.to_string())),
        Encoding::Base64 => base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map_err(|e| bad(e.to_string())),
    }
}

fn broadcast(app: &mut App, params: &Value) -> Result<(super::app::CheckResult, bool), RpcError> {
    let tx = bytes_param(params, "tx", Encoding::Base64)?;
    if tx.is_empty() {
        return Err(RpcError::internal("tx is empty"));
    }
    if tx.len() > MAX_TX_BYTES {
        return Err(RpcError::internal(format!(
            "tx too large. Max size is {MAX_TX_BYTES}, but got {}",
            tx.len()
        )));
    }
    let check = app.broadcast(&tx);
    let accepted = check.code == 0;
    Ok((check, accepted))
}

fn call(app: &mut App, method: &str, params: &Value, rpc_address: &str) -> Result<Value, RpcError> {
    match method {
        "status" => Ok(json::status(app, rpc_address)),
        "health" => Ok(json!({})),
        "abci_info" => Ok(json::abci_info(app)),
        "abci_query" => {
            let path = string_param(params, "path").unwrap_or_default();
            let data = bytes_param(params, "data", Encoding::Hex)?;
            let result = query::query(app, &path, &data);
            Ok(json::abci_query(app.latest().height, result))
        }
        "broadcast_tx_sync" | "broadcast_tx_async" => {
            let (check, _) = broadcast(app, params)?;
            Ok(json::broadcast_sync(&check))
        }
        "tx" => {
            let hash = bytes_param(params, "hash", Encoding::Base64)?;
            let hex_hash = hex::encode_upper(&hash);
            app.tx(&hex_hash)
                .map(json::tx)
                .ok_or_else(|| RpcError::internal(format!("tx ({hex_hash}) not found")))
        }
        "tx_search" => tx_search(app, params),
        "block" => {
            let latest = app.latest().height;
            let height = u64_param(params, "height")?.unwrap_or(latest);
            if height > latest {
                return Err(RpcError::internal(format!(
                    "height {height} must be less than or equal to the current blockchain height {latest}"
                )));
            }
            let (block, txs) = app
                .block(height)
                .ok_or_else(|| RpcError::internal(format!("height {height} is not available")))?;
            Ok(json::block(app, block, &txs))
        }
        _ => Err(RpcError {
            code: -32601,
            message: "Method not found",
            data: String::new(),
        }),
    }
}

/// `tx_search` over `key='value'` / `key=value` conditions joined by `AND`: `tx.hash`,
/// `tx.height`, or `event_type.attribute` matched against the events.
fn tx_search(app: &App, params: &Value) -> Result<Value, RpcError> {
    let query = string_param(params, "query").unwrap_or_default();
    let mut conditions = Vec::new();
    for part in query.split(" AND ") {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| RpcError::internal(format!("unsupported query: {query}")))?;
        let value = value.trim().trim_matches('\'').to_string();
        conditions.push((key.trim().to_string(), value));
    }
    let page = u64_param(params, "page")?.unwrap_or(1).max(1);
    let per_page = u64_param(params, "per_page")?.unwrap_or(30).clamp(1, 100);
    let descending = string_param(params, "order_by").is_some_and(|o| o == "desc");
    let mut found: Vec<&super::app::TxRecord> = app
        .all_txs()
        .into_iter()
        .filter(|t| {
            conditions.iter().all(|(key, value)| match key.as_str() {
                "tx.hash" => t.hash.eq_ignore_ascii_case(value),
                "tx.height" => t.height.to_string() == *value,
                other => match other.split_once('.') {
                    Some((ty, attr)) => t.result.events.iter().any(|e| {
                        e.ty == ty
                            && e.attributes
                                .iter()
                                .any(|a| a.key == attr && a.value == *value)
                    }),
                    None => false,
                },
            })
        })
        .collect();
    if descending {
        found.reverse();
    }
    let total = found.len();
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let txs: Vec<Value> = found
        .into_iter()
        .skip(start)
        .take(per_page as usize)
        .map(json::tx)
        .collect();
    Ok(json!({ "txs": txs, "total_count": total.to_string() }))
}

fn worker(http: &tiny_http::Server, stop: &AtomicBool, jobs: &mpsc::Sender<Job>) {
    while !stop.load(Ordering::SeqCst) {
        let request = match http.recv_timeout(Duration::from_millis(100)) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(_) => break,
        };
        handle(request, jobs);
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_pair = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex_pair) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `/method?a="text"&b=0x12&c=5` as a JSON-RPC call.
fn uri_call(url: &str) -> (String, Value) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let method = path.trim_start_matches('/').to_string();
    let mut params = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v);
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .map(str::to_string)
            .unwrap_or(v);
        params.insert(percent_decode(k), Value::String(v));
    }
    params.insert(URI_MARK.to_string(), Value::Bool(true));
    (method, Value::Object(params))
}

fn respond(request: tiny_http::Request, status: u16, body: &Value) {
    let content = tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]);
    let cors = tiny_http::Header::from_bytes(&b"Access-Control-Allow-Origin"[..], &b"*"[..]);
    let mut response = tiny_http::Response::from_string(body.to_string()).with_status_code(status);
    if let Ok(h) = content {
        response = response.with_header(h);
    }
    if let Ok(h) = cors {
        response = response.with_header(h);
    }
    let _ = request.respond(response);
}

fn rpc_response(id: &Value, result: Result<Value, RpcError>) -> Value {
    match result {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(e) => json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": e.code, "message": e.message, "data": e.data },
        }),
    }
}

fn dispatch(jobs: &mpsc::Sender<Job>, method: String, params: Value) -> Result<Value, RpcError> {
    let (reply, answer) = mpsc::channel();
    jobs.send(Job::Call {
        method,
        params,
        reply,
    })
    .map_err(|_| RpcError::internal("the node is shutting down"))?;
    answer
        .recv()
        .map_err(|_| RpcError::internal("the node is shutting down"))?
}

fn handle(mut request: tiny_http::Request, jobs: &mpsc::Sender<Job>) {
    if *request.method() == tiny_http::Method::Get {
        let url = request.url().to_string();
        if url == "/" {
            let body = json!({ "methods": [
                "status", "health", "abci_info", "abci_query", "broadcast_tx_sync",
                "broadcast_tx_async", "broadcast_tx_commit", "tx", "tx_search", "block"
            ]});
            respond(request, 200, &body);
            return;
        }
        let (method, params) = uri_call(&url);
        let id = json!(-1);
        let result = dispatch(jobs, method, params);
        respond(request, 200, &rpc_response(&id, result));
        return;
    }
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body);
    if read.is_err() || body.len() > MAX_BODY_BYTES {
        let e = RpcError {
            code: -32600,
            message: "Invalid Request",
            data: format!("error reading request body: body larger than {MAX_BODY_BYTES} bytes"),
        };
        respond(request, 413, &rpc_response(&Value::Null, Err(e)));
        return;
    }
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            let e = RpcError {
                code: -32700,
                message: "Parse error",
                data: e.to_string(),
            };
            respond(request, 200, &rpc_response(&Value::Null, Err(e)));
            return;
        }
    };
    let one = |call: &Value| -> Value {
        let id = call.get("id").cloned().unwrap_or(Value::Null);
        let Some(method) = call.get("method").and_then(Value::as_str) else {
            let e = RpcError {
                code: -32600,
                message: "Invalid Request",
                data: "no method".into(),
            };
            return rpc_response(&id, Err(e));
        };
        let params = call.get("params").cloned().unwrap_or(json!({}));
        rpc_response(&id, dispatch(jobs, method.to_string(), params))
    };
    let answer = match &parsed {
        Value::Array(calls) => Value::Array(calls.iter().map(one).collect()),
        call => one(call),
    };
    respond(request, 200, &answer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base64_hash_that_begins_with_0x_is_base64_in_a_json_body() {
        // sha256 hashes whose base64 begins with "0x" (D31C71...): one in 4,096
        let hash = hex::decode("D31C71C1C4D4BFB7F07CBD7E22B52EF814574D555EFF7636898C9541593AFA6C")
            .unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&hash);
        assert!(b64.starts_with("0x"), "{b64}");
        let body = json!({ "hash": b64 });
        assert_eq!(bytes_param(&body, "hash", Encoding::Base64).unwrap(), hash);
        // the URI form keeps its 0x-hex
        let (_, params) = uri_call(&format!("/tx?hash=0x{}", hex::encode(&hash)));
        assert_eq!(
            bytes_param(&params, "hash", Encoding::Base64).unwrap(),
            hash
        );
        let (_, params) = uri_call("/abci_query?path=%22/x%22&data=0x0102");
        assert_eq!(bytes_param(&params, "data", Encoding::Hex).unwrap(), [1, 2]);
    }
}
