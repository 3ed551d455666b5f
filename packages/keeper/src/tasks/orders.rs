//! Order execution (DESIGN 6.11): page through `pending_orders`, simulate `execute_orders` on the
//! ids in chunks (the engine skips orders that are not ready: no eligible price record yet, or a
//! trigger not met), and send the chunks in which something executes. An order's outcome is
//! pinned by the engine to its first eligible price record, so executing it late never changes
//! its fill: the keeper executes every ready order, even when its keeper fee does not cover the
//! gas, unless `execute_unprofitable = false`.

use cosmwasm_std::Uint128;
use serde_json::{json, Value};

use super::{count_events, sum_attr, Ctx, Task};
use crate::chain::{events, Event, Pending, SendError};
use crate::log;

/// The order task.
pub struct ExecuteOrders {
    /// Orders per call (max 10).
    pub limit: u32,
    /// Orders per `pending_orders` page.
    pub page_limit: u32,
    /// Profit over gas, collateral base units.
    pub min_profit: Uint128,
    /// Execute even when the keeper fees do not cover the gas.
    pub execute_unprofitable: bool,
}

/// Events of orders that left the book (`order_executed`, `order_failed`, `order_cancelled` of
/// an expired order purged...): `wasm-order_*` events with an `order_id`, other than placement.
pub fn executed(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| {
            let ty = e.ty.strip_prefix("wasm-").unwrap_or(&e.ty);
            ty.starts_with("order_")
                && ty != "order_placed"
                && e.attributes.iter().any(|a| a.key == "order_id")
        })
        .collect()
}

/// Orders executed (filled or failed at their pinned price; LP orders too) among `events`.
pub fn filled_or_failed(events: &[Event]) -> u64 {
    count_events(events, "order_executed")
        + count_events(events, "order_lp_executed")
        + count_events(events, "order_failed")
}

/// Keeper fees earned by `keeper` in `events`.
pub fn keeper_fees(events: &[Event], keeper: &str) -> u128 {
    sum_attr(
        events,
        "order_executed",
        "keeper_fee",
        Some(("keeper", keeper)),
    ) + sum_attr(
        events,
        "order_lp_executed",
        "keeper_fee",
        Some(("keeper", keeper)),
    ) + sum_attr(
        events,
        "order_failed",
        "keeper_fee",
        Some(("keeper", keeper)),
    )
}

/// Metric reason of a failed `execute_orders`.
pub fn reason(log: &str) -> &'static str {
    let l = log.to_ascii_lowercase();
    if l.contains("not found") || l.contains("unknown order") || l.contains("no order") {
        "lost_race"
    } else if l.contains("out of gas") {
        "out_of_gas"
    } else {
        "contract_error"
    }
}

/// Every pending order id, oldest first.
pub fn pending_ids(ctx: &Ctx, page_limit: u32) -> Result<Vec<u64>, SendError> {
    let mut ids = Vec::new();
    let mut start_after: Option<u64> = None;
    loop {
        let page: Value = ctx.query(&json!({
            "pending_orders": { "start_after": start_after, "limit": page_limit }
        }))?;
        let orders = page["orders"].as_array().cloned().unwrap_or_default();
        ids.extend(orders.iter().filter_map(|o| {
            o["order_id"]
                .as_u64()
                .or_else(|| o["order_id"].as_str().and_then(|s| s.parse().ok()))
        }));
        let next = &page["next_start_after"];
        start_after = next
            .as_u64()
            .or_else(|| next.as_str().and_then(|s| s.parse().ok()));
        if start_after.is_none() || orders.is_empty() {
            break;
        }
    }
    Ok(ids)
}

impl Task for ExecuteOrders {
    fn tick(&mut self, ctx: &mut Ctx) -> Result<String, SendError> {
        let ids = pending_ids(ctx, self.page_limit)?;
        if ids.is_empty() {
            return Ok("no pending orders".into());
        }
        let mut sent: Vec<(Vec<u64>, Pending)> = Vec::new();
        for chunk in ids.chunks(self.limit as usize) {
            if ctx.stopping() {
                break;
            }
            let probe = json!({ "execute_orders": { "order_ids": chunk, "limit": self.limit } });
            let sim = match ctx.simulate(&ctx.perps.clone(), &probe) {
                Ok(s) => s,
                Err(SendError::Contract(l)) => {
                    ctx.metrics.fail(ctx.name, reason(&l));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let ready: Vec<u64> = executed(&sim.events)
                .iter()
                .filter_map(|e| e.attributes.iter().find(|a| a.key == "order_id"))
                .filter_map(|a| a.value.parse().ok())
                .collect();
            if ready.is_empty() {
                continue;
            }
            let reward = keeper_fees(&sim.events, &ctx.address);
            let (cost, gas_limit) = ctx.cost(sim.gas_used);
            if !self.execute_unprofitable
                && Uint128::new(reward) < cost.saturating_add(self.min_profit)
            {
                ctx.metrics.skip(ctx.name, "unprofitable");
                continue;
            }
            let msg = json!({ "execute_orders": { "order_ids": ready, "limit": self.limit } });
            match ctx.broadcast(&ctx.perps.clone(), &msg, gas_limit) {
                Ok(p) => sent.push((ready, p)),
                Err(SendError::Node(e)) => {
                    log::warn(ctx.name, &format!("node unreachable while sending: {e}"));
                    break;
                }
                Err(e) => ctx.metrics.fail(ctx.name, e.reason()),
            }
        }
        let mut done = 0u64;
        for (ids, pending) in sent {
            let out = match ctx.chain.wait(&pending) {
                Ok(o) => o,
                Err(e) => {
                    ctx.metrics.fail(ctx.name, e.reason());
                    ctx.lock_resync();
                    continue;
                }
            };
            let ev = events(&out);
            let n = filled_or_failed(&ev);
            let reward = if out.code == 0 {
                keeper_fees(&ev, &ctx.address)
            } else {
                0
            };
            ctx.count(&out, &pending, reward);
            if out.code == 0 {
                done += n;
                ctx.metrics.orders_executed.inc_by(n);
                ctx.metrics
                    .lp_orders_executed
                    .inc_by(count_events(&ev, "order_lp_executed"));
                log::info(
                    ctx.name,
                    &format!("executed {n} of orders {ids:?} at height {}", out.height),
                );
            } else {
                ctx.metrics.fail(ctx.name, reason(&out.log));
            }
        }
        Ok(format!("{} pending, {done} executed", ids.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executed_orders_are_the_order_events_other_than_placement() {
        let ev = vec![
            Event::with("wasm-order_placed", &[("order_id", "9")]),
            Event::with(
                "wasm-order_executed",
                &[("order_id", "3"), ("keeper", "me"), ("keeper_fee", "100")],
            ),
            Event::with(
                "wasm-order_failed",
                &[("order_id", "4"), ("keeper", "me"), ("keeper_fee", "100")],
            ),
            Event::with(
                "wasm-order_cancelled",
                &[("order_id", "5"), ("reason", "expired")],
            ),
            Event::with(
                "wasm-order_executed",
                &[
                    ("order_id", "6"),
                    ("keeper", "other"),
                    ("keeper_fee", "100"),
                ],
            ),
            Event::with("wasm-trade", &[("order_id", "3")]),
            Event::new("wasm-order_executed"),
        ];
        let ids: Vec<&str> = executed(&ev)
            .iter()
            .map(|e| e.attributes[0].value.as_str())
            .collect();
        assert_eq!(ids, ["3", "4", "5", "6"]);
        assert_eq!(filled_or_failed(&ev), 4);
        assert_eq!(keeper_fees(&ev, "me"), 200);
    }

    #[test]
    fn a_vanished_order_is_a_lost_race() {
        assert_eq!(reason("order 7 not found"), "lost_race");
        assert_eq!(reason("Unknown order 7"), "lost_race");
        assert_eq!(reason("out of gas in location: wasm"), "out_of_gas");
        assert_eq!(reason("insufficient margin"), "contract_error");
    }
}
