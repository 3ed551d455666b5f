//! Price publishing: fetch the source, keep only good prices newer than the feed's, publish them
//! in one `update_prices`, and read back which ones the feed skipped. Nothing is published for a
//! feed whose value is missing, not a positive number, stale, from the future, or too far from
//! the price on chain; the task is unhealthy while the source fails.

use std::collections::BTreeMap;
use std::time::Duration;

use cosmwasm_std::Decimal256;
use perps_api::price_feed::{ExecuteMsg, PriceResponse, QueryMsg};
use serde_json::Value;

use super::{Ctx, Task};
use crate::chain::SendError;
use crate::config::PricesConfig;
use crate::log;
use crate::metrics::now_secs;
use crate::price_source::read_feed;

/// The price task.
pub struct Prices {
    /// Its configuration.
    pub cfg: PricesConfig,
    /// The price feed.
    pub feed: String,
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Prices {
    /// A task publishing to `feed`.
    pub fn new(cfg: PricesConfig, feed: String) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(cfg.timeout_ms))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Prices {
            cfg,
            feed,
            runtime,
            http,
        })
    }

    fn fetch(&self) -> Result<Value, String> {
        let req = self.http.get(&self.cfg.url);
        let bytes = self
            .runtime
            .block_on(async move {
                let res = req.send().await?.error_for_status()?;
                res.bytes().await
            })
            .map_err(|e| format!("unreachable: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("garbage: not JSON ({e})"))
    }

    fn on_chain(&self, ctx: &Ctx) -> Result<BTreeMap<String, PriceResponse>, SendError> {
        let mut out = BTreeMap::new();
        for f in &self.cfg.feeds {
            let q = QueryMsg::Price {
                feed_id: f.feed_id.clone(),
            };
            match ctx.chain.client.smart::<PriceResponse>(&self.feed, &q) {
                Ok(p) => {
                    out.insert(f.feed_id.clone(), p);
                }
                // a feed without a price yet
                Err(localnet::client::ClientError::Query { .. }) => {}
                Err(e) => return Err(crate::chain::query_error(e)),
            }
        }
        Ok(out)
    }

    fn source_down(&self, ctx: &Ctx, detail: String) -> SendError {
        ctx.metrics.price_source_up.set(0);
        for f in &self.cfg.feeds {
            let reason = if detail.starts_with("garbage") {
                "garbage"
            } else {
                "unreachable"
            };
            ctx.metrics.price(&f.feed_id, false, reason);
        }
        log::warn(
            ctx.name,
            &format!("price source: {detail}; nothing published"),
        );
        SendError::Source(detail)
    }
}

impl Task for Prices {
    fn tick(&mut self, ctx: &mut Ctx) -> Result<String, SendError> {
        let body = match self.fetch() {
            Ok(b) => b,
            Err(detail) => return Err(self.source_down(ctx, detail)),
        };
        let now = now_secs();
        let chain = self.on_chain(ctx)?;
        let mut updates = Vec::new();
        let mut problems = Vec::new();
        for f in &self.cfg.feeds {
            let stored = chain.get(&f.feed_id);
            let on_chain: Option<Decimal256> = stored.map(|p| p.price);
            match read_feed(&body, f, &self.cfg, now, on_chain) {
                Ok(u) if stored.is_some_and(|p| u.publish_time <= p.publish_time) => {}
                Ok(u) => updates.push(u),
                Err(r) => {
                    ctx.metrics.price(&f.feed_id, false, r.reason());
                    problems.push(format!("{}: {r}", f.feed_id));
                }
            }
        }
        let mut published = Vec::new();
        if !updates.is_empty() {
            let ids: Vec<String> = updates.iter().map(|u| u.feed_id.clone()).collect();
            let msg = ExecuteMsg::UpdatePrices { prices: updates };
            let (_, events) = ctx.send(&self.feed.clone(), &msg)?;
            let skipped: Vec<(String, String)> = events
                .iter()
                .flat_map(|e| e.attributes.iter())
                .filter(|a| a.key == "skipped_update")
                .filter_map(|a| {
                    a.value
                        .split_once(':')
                        .map(|(f, r)| (f.to_string(), r.to_string()))
                })
                .collect();
            for id in ids {
                match skipped.iter().find(|(f, _)| *f == id) {
                    Some((_, rule)) => {
                        ctx.metrics.price(&id, false, &format!("feed_{rule}"));
                        problems.push(format!("{id}: skipped by the feed ({rule})"));
                    }
                    None => {
                        ctx.metrics.price(&id, true, "");
                        published.push(id);
                    }
                }
            }
        }
        if problems.is_empty() {
            ctx.metrics.price_source_up.set(1);
            Ok(format!("published {published:?}"))
        } else {
            ctx.metrics.price_source_up.set(0);
            let detail = problems.join("; ");
            log::warn(ctx.name, &detail);
            Err(SendError::Source(detail))
        }
    }
}
