//! What the keeper did, for Prometheus (`/metrics`, OpenMetrics text) and `/healthz`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde_json::{json, Value};

/// Labels `{task}`.
pub type TaskLabel = Vec<(String, String)>;

fn task(t: &str) -> TaskLabel {
    vec![("task".to_string(), t.to_string())]
}

fn task_reason(t: &str, reason: &str) -> TaskLabel {
    vec![
        ("task".to_string(), t.to_string()),
        ("reason".to_string(), reason.to_string()),
    ]
}

/// The counter of `family` for `task` and `reason` (a handle sharing its value).
fn by_reason(family: &Family<TaskLabel, Counter>, t: &str, reason: &str) -> Counter {
    family.get_or_create(&task_reason(t, reason)).clone()
}

/// Every metric, cheap to clone (the handles share their values).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Accounts liquidated by this keeper (one successful `liquidate`).
    pub liquidations: Counter,
    /// Positions closed by those liquidations.
    pub positions_liquidated: Counter,
    /// Orders executed (filled, failed or expired) by this keeper's `execute_orders`.
    pub orders_executed: Counter,
    /// Of those, LP orders (`order_lp_executed`: a provide or a claim executed).
    pub lp_orders_executed: Counter,
    /// Positions reduced by this keeper's `auto_deleverage`.
    pub positions_deleveraged: Counter,
    /// Positions closed by this keeper's `settle_positions`.
    pub positions_settled: Counter,
    /// Successful `sweep_fees`.
    pub fee_sweeps: Counter,
    /// Price updates accepted by the feed, per feed.
    pub prices_published: Family<TaskLabel, Counter>,
    /// Price updates not published or refused, per feed and reason.
    pub prices_refused: Family<TaskLabel, Counter>,
    /// Transactions sent and included, per task.
    pub transactions: Family<TaskLabel, Counter>,
    /// Failures per task and reason (`lost_race`, `sequence_mismatch`, `node_unreachable`, ...).
    pub failures: Family<TaskLabel, Counter>,
    /// Work skipped on purpose per task and reason (`unprofitable`, ...).
    pub skipped: Family<TaskLabel, Counter>,
    /// Gas used by this keeper's transactions, per task.
    pub gas_spent: Family<TaskLabel, Counter>,
    /// Fees paid, fee-denom base units, per task.
    pub fees_paid: Family<TaskLabel, Counter>,
    /// Rewards earned (liquidator rewards, keeper fees), collateral base units, per task.
    pub rewards_earned: Family<TaskLabel, Counter>,
    /// `liquidatable_accounts` pages read.
    pub scan_pages: Counter,
    /// Duration of the last full liquidation scan, milliseconds.
    pub last_scan_ms: Gauge,
    /// Height of the latest block seen.
    pub last_block_height: Gauge,
    /// Time of the latest block seen, Unix seconds.
    pub last_block_time: Gauge,
    /// Now − time of the latest block, seconds (how far behind the node is).
    pub block_lag_seconds: Gauge,
    /// 1 while the node answers.
    pub node_up: Gauge,
    /// 1 while the price source gives good data.
    pub price_source_up: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every metric at zero.
    pub fn new() -> Self {
        let mut r = Registry::with_prefix("keeper");
        let liquidations = Counter::default();
        let positions_liquidated = Counter::default();
        let orders_executed = Counter::default();
        let lp_orders_executed = Counter::default();
        let positions_deleveraged = Counter::default();
        let positions_settled = Counter::default();
        let fee_sweeps = Counter::default();
        let prices_published = Family::default();
        let prices_refused = Family::default();
        let transactions = Family::default();
        let failures = Family::default();
        let skipped = Family::default();
        let gas_spent = Family::default();
        let fees_paid = Family::default();
        let rewards_earned = Family::default();
        let scan_pages = Counter::default();
        let last_scan_ms = Gauge::<i64, AtomicI64>::default();
        let last_block_height = Gauge::default();
        let last_block_time = Gauge::default();
        let block_lag_seconds = Gauge::default();
        let node_up = Gauge::default();
        let price_source_up = Gauge::default();
        r.register("liquidations", "Accounts liquidated", liquidations.clone());
        r.register(
            "positions_liquidated",
            "Positions closed by liquidations",
            positions_liquidated.clone(),
        );
        r.register(
            "orders_executed",
            "Orders executed (filled, failed or expired)",
            orders_executed.clone(),
        );
        r.register(
            "lp_orders_executed",
            "LP orders (provide or claim) executed",
            lp_orders_executed.clone(),
        );
        r.register(
            "positions_deleveraged",
            "Positions reduced by auto-deleveraging",
            positions_deleveraged.clone(),
        );
        r.register(
            "positions_settled",
            "Positions of settled markets closed",
            positions_settled.clone(),
        );
        r.register("fee_sweeps", "Successful sweep_fees", fee_sweeps.clone());
        r.register(
            "prices_published",
            "Price updates the feed accepted",
            prices_published.clone(),
        );
        r.register(
            "prices_refused",
            "Price updates not published (bad or stale source data) or skipped by the feed",
            prices_refused.clone(),
        );
        r.register(
            "transactions",
            "Transactions included in a block",
            transactions.clone(),
        );
        r.register(
            "failures",
            "Failures by task and reason (lost_race is another keeper being first)",
            failures.clone(),
        );
        r.register(
            "skipped",
            "Work skipped on purpose by task and reason",
            skipped.clone(),
        );
        r.register("gas_spent", "Gas used by transactions", gas_spent.clone());
        r.register(
            "fees_paid",
            "Fees paid, base units of the fee denom",
            fees_paid.clone(),
        );
        r.register(
            "rewards_earned",
            "Rewards earned, base units of the collateral",
            rewards_earned.clone(),
        );
        r.register(
            "scan_pages",
            "liquidatable_accounts pages read",
            scan_pages.clone(),
        );
        r.register(
            "last_scan_milliseconds",
            "Duration of the last full liquidation scan",
            last_scan_ms.clone(),
        );
        r.register(
            "last_block_height",
            "Height of the latest block seen",
            last_block_height.clone(),
        );
        r.register(
            "last_block_time_seconds",
            "Time of the latest block seen (Unix)",
            last_block_time.clone(),
        );
        r.register(
            "block_lag_seconds",
            "Now minus the time of the latest block seen",
            block_lag_seconds.clone(),
        );
        r.register("node_up", "1 while the node answers", node_up.clone());
        r.register(
            "price_source_up",
            "1 while the price source gives good data",
            price_source_up.clone(),
        );
        Metrics {
            registry: Arc::new(r),
            liquidations,
            positions_liquidated,
            orders_executed,
            lp_orders_executed,
            positions_deleveraged,
            positions_settled,
            fee_sweeps,
            prices_published,
            prices_refused,
            transactions,
            failures,
            skipped,
            gas_spent,
            fees_paid,
            rewards_earned,
            scan_pages,
            last_scan_ms,
            last_block_height,
            last_block_time,
            block_lag_seconds,
            node_up,
            price_source_up,
        }
    }

    /// OpenMetrics text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// Counts a failure of `task` for `reason`.
    pub fn fail(&self, task_name: &str, reason: &str) {
        by_reason(&self.failures, task_name, reason).inc();
    }

    /// Failures of `task` for `reason` so far.
    pub fn failures_of(&self, task_name: &str, reason: &str) -> u64 {
        by_reason(&self.failures, task_name, reason).get()
    }

    /// Counts work skipped on purpose.
    pub fn skip(&self, task_name: &str, reason: &str) {
        by_reason(&self.skipped, task_name, reason).inc();
    }

    /// Skips of `task` for `reason` so far.
    pub fn skipped_of(&self, task_name: &str, reason: &str) -> u64 {
        by_reason(&self.skipped, task_name, reason).get()
    }

    /// Counts one included transaction: its gas, fee and the reward it brought.
    pub fn transaction(&self, task_name: &str, gas_used: u64, fee: u64, reward: u64) {
        let l = task(task_name);
        self.transactions.get_or_create(&l).inc();
        self.gas_spent.get_or_create(&l).inc_by(gas_used);
        self.fees_paid.get_or_create(&l).inc_by(fee);
        self.rewards_earned.get_or_create(&l).inc_by(reward);
    }

    /// Gas spent by `task` so far.
    pub fn gas_of(&self, task_name: &str) -> u64 {
        self.gas_spent.get_or_create(&task(task_name)).get()
    }

    /// Rewards earned by `task` so far.
    pub fn rewards_of(&self, task_name: &str) -> u64 {
        self.rewards_earned.get_or_create(&task(task_name)).get()
    }

    /// Counts a price update by feed and outcome.
    pub fn price(&self, feed: &str, accepted: bool, reason: &str) {
        let mut l = vec![("feed".to_string(), feed.to_string())];
        if accepted {
            self.prices_published.get_or_create(&l).inc();
        } else {
            l.push(("reason".to_string(), reason.to_string()));
            self.prices_refused.get_or_create(&l).inc();
        }
    }

    /// Updates of `feed` accepted so far.
    pub fn published_of(&self, feed: &str) -> u64 {
        self.prices_published
            .get_or_create(&vec![("feed".to_string(), feed.to_string())])
            .get()
    }

    /// Updates of `feed` refused for `reason` so far.
    pub fn refused_of(&self, feed: &str, reason: &str) -> u64 {
        self.prices_refused
            .get_or_create(&vec![
                ("feed".to_string(), feed.to_string()),
                ("reason".to_string(), reason.to_string()),
            ])
            .get()
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One component's state for `/healthz`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    /// Working.
    pub ok: bool,
    /// What the last run said.
    pub detail: String,
    /// When it was last updated (Unix seconds).
    pub updated: u64,
}

/// Health of the node and of every task.
#[derive(Clone, Default)]
pub struct Health {
    components: Arc<Mutex<BTreeMap<String, Component>>>,
    /// Time of the latest block seen (Unix seconds; 0 before the first).
    pub last_block_time: Arc<AtomicU64>,
}

impl Health {
    /// Records the state of `name`.
    pub fn set(&self, name: &str, ok: bool, detail: impl Into<String>) {
        let c = Component {
            ok,
            detail: detail.into(),
            updated: now_secs(),
        };
        if let Ok(mut m) = self.components.lock() {
            m.insert(name.to_string(), c);
        }
    }

    /// The state of `name`.
    pub fn get(&self, name: &str) -> Option<Component> {
        self.components.lock().ok()?.get(name).cloned()
    }

    /// `(all ok, JSON body)`.
    pub fn report(&self) -> (bool, Value) {
        let map = self
            .components
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default();
        let ok = map.values().all(|c| c.ok);
        let components: serde_json::Map<String, Value> = map
            .into_iter()
            .map(|(k, c)| {
                (
                    k,
                    json!({ "ok": c.ok, "detail": c.detail, "updated": c.updated }),
                )
            })
            .collect();
        let body = json!({
            "status": if ok { "ok" } else { "unhealthy" },
            "components": components,
        });
        (ok, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_metric_with_its_labels() {
        let m = Metrics::new();
        m.liquidations.inc();
        m.fail("liquidate", "lost_race");
        m.fail("liquidate", "lost_race");
        m.transaction("liquidate", 120_000, 3_900, 5_000_000);
        m.price("BTC", true, "");
        m.price("BTC", false, "stale");
        m.last_block_height.set(42);
        let text = m.render();
        for line in [
            "keeper_liquidations_total 1",
            "keeper_failures_total{task=\"liquidate\",reason=\"lost_race\"} 2",
            "keeper_gas_spent_total{task=\"liquidate\"} 120000",
            "keeper_fees_paid_total{task=\"liquidate\"} 3900",
            "keeper_rewards_earned_total{task=\"liquidate\"} 5000000",
            "keeper_prices_published_total{feed=\"BTC\"} 1",
            "keeper_prices_refused_total{feed=\"BTC\",reason=\"stale\"} 1",
            "keeper_last_block_height 42",
            "# TYPE keeper_node_up gauge",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
        assert_eq!(m.failures_of("liquidate", "lost_race"), 2);
        assert_eq!(m.rewards_of("liquidate"), 5_000_000);
    }

    #[test]
    fn health_is_ok_only_when_every_component_is() {
        let h = Health::default();
        assert!(h.report().0, "nothing reported yet");
        h.set("node", true, "height 5");
        h.set("prices", false, "source: not JSON");
        let (ok, body) = h.report();
        assert!(!ok);
        assert_eq!(body["status"], "unhealthy");
        assert_eq!(body["components"]["prices"]["detail"], "source: not JSON");
        assert_eq!(body["components"]["node"]["ok"], true);
        h.set("prices", true, "published");
        assert!(h.report().0);
    }
}
