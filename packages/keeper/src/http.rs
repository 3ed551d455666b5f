//! `/healthz` (JSON; 200 when every component is healthy, 503 otherwise) and `/metrics`
//! (OpenMetrics text) on a small synchronous server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::metrics::{Health, Metrics};

fn header(name: &str, value: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

/// Serves until `stop` is set; returns the bound address and the thread.
pub fn serve(
    addr: SocketAddr,
    metrics: Metrics,
    health: Health,
    stop: Arc<AtomicBool>,
) -> Result<(SocketAddr, JoinHandle<()>), String> {
    let server =
        tiny_http::Server::http(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| "not an IP listener".to_string())?;
    let handle = std::thread::Builder::new()
        .name("http".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let request = match server.recv_timeout(Duration::from_millis(100)) {
                    Ok(Some(r)) => r,
                    Ok(None) => continue,
                    Err(_) => break,
                };
                let path = request.url().split('?').next().unwrap_or("").to_string();
                let response = match path.as_str() {
                    "/metrics" => {
                        let mut r = tiny_http::Response::from_string(metrics.render());
                        if let Some(h) = header(
                            "Content-Type",
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        ) {
                            r = r.with_header(h);
                        }
                        r
                    }
                    "/healthz" => {
                        let (ok, body) = health.report();
                        let mut r = tiny_http::Response::from_string(body.to_string())
                            .with_status_code(if ok { 200 } else { 503 });
                        if let Some(h) = header("Content-Type", "application/json") {
                            r = r.with_header(h);
                        }
                        r
                    }
                    _ => tiny_http::Response::from_string("not found\n").with_status_code(404),
                };
                let _ = request.respond(response);
            }
        })
        .map_err(|e| e.to_string())?;
    Ok((bound, handle))
}
