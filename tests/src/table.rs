//! Plain-text tables of the story's steps: transactions with their gas and events, prices, and
//! every trader's account. Money is shown in USDC.

use std::fmt::Write;

use perps_api::perps::{Health, PositionMode};

use crate::protocol::USDC;
use crate::story::{Step, Tx};

/// USDC with thousands separators and up to 6 decimals (trailing zeros cut), from base units.
pub fn money(base_units: i128) -> String {
    let sign = if base_units < 0 { "-" } else { "" };
    let abs = base_units.unsigned_abs();
    let whole = abs / USDC;
    let frac = abs % USDC;
    let mut s = format!("{sign}{}", group(whole));
    if frac != 0 {
        let f = format!("{frac:06}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

/// USDC rounded to cents for table cells (toward zero; the events carry exact amounts).
pub fn cents(base_units: i128) -> String {
    let sign = if base_units < 0 { "-" } else { "" };
    let abs = base_units.unsigned_abs();
    format!(
        "{sign}{}.{:02}",
        group(abs / USDC),
        (abs % USDC) / (USDC / 100)
    )
}

/// An integer with thousands separators.
pub use localnet::gas::thousands as group;

/// A decimal string with thousands separators in its integer part.
fn number(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let grouped = int.parse::<u128>().map_or(int.to_string(), group);
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

const MONEY_KEYS: &[&str] = &[
    "fee",
    "insurance_fee",
    "realized_pnl",
    "funding_paid",
    "collateral_after",
    "margin_after",
    "penalty",
    "liquidator_reward",
    "insurance_share",
    "equity_before",
    "maintenance_before",
    "equity_after",
    "maintenance_after",
    "shortfall",
    "from_fees",
    "from_fund",
    "socialized",
    "requested",
    "paid",
    "amount",
];

fn attr_value(key: &str, value: &str) -> String {
    if MONEY_KEYS.contains(&key) {
        if let Ok(v) = value.parse::<i128>() {
            return money(v);
        }
    }
    if value
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && !value.is_empty()
    {
        return number(value);
    }
    value.to_string()
}

/// One event on one line. Trades, liquidations and bad debt read as sentences; any other event
/// as `type: key=value ...`.
fn event_line(ty: &str, attrs: &[(String, String)]) -> String {
    let get = |key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map_or(String::new(), |(k, v)| attr_value(k, v))
    };
    match ty {
        "trade" => format!(
            "trade: {} {} {} {} -> {} filled at {} (oracle {}, impact {}), fee {}, realized PnL {}, funding paid {}",
            get("account"),
            get("market_id"),
            get("mode"),
            round_to(&get("size_before"), 6),
            round_to(&get("size_after"), 6),
            round2(&get("fill_price")),
            get("oracle_price"),
            round_to(&get("price_impact"), 6),
            get("fee"),
            get("realized_pnl"),
            get("funding_paid"),
        ),
        "liquidation" => format!(
            "liquidation: {} {} {} closed {} at {} (left {}), realized PnL {}, penalty {}, liquidator reward {}, to insurance {}; equity {} / MM {} -> {} / {}",
            get("account"),
            get("market_id"),
            get("mode"),
            round_to(&get("size_closed"), 6),
            get("mark_price"),
            round_to(&get("size_after"), 6),
            get("realized_pnl"),
            get("penalty"),
            get("liquidator_reward"),
            get("insurance_share"),
            get("equity_before"),
            get("maintenance_before"),
            get("equity_after"),
            get("maintenance_after"),
        ),
        "bad_debt" => format!(
            "bad debt: {} shortfall {} = {} from pending fees + {} from the insurance fund + {} socialized on the vault",
            get("account"),
            get("shortfall"),
            get("from_fees"),
            get("from_fund"),
            get("socialized"),
        ),
        "cover_bad_debt" => format!(
            "insurance fund payout #{} to {}: requested {}, paid {}",
            get("id"),
            get("engine"),
            get("requested"),
            get("paid"),
        ),
        _ => {
            let body: Vec<String> = attrs
                .iter()
                .map(|(k, v)| format!("{k}={}", attr_value(k, v)))
                .collect();
            format!("{ty}: {}", body.join(" "))
        }
    }
}

fn tx_lines(out: &mut String, txs: &[Tx]) {
    let width = txs.iter().map(|t| t.label.len()).max().unwrap_or(0);
    for tx in txs {
        let gas = tx.gas.map_or("-".to_string(), |g| group(u128::from(g)));
        let _ = writeln!(out, "  {:<width$}  {:>9} gas", tx.label, gas);
        for (ty, attrs) in &tx.events {
            let _ = writeln!(out, "  {:<width$}    · {}", "", event_line(ty, attrs));
        }
    }
}

/// The report of one step.
pub fn render_step(index: usize, step: &Step) -> String {
    let mut out = String::new();
    let hours = step.elapsed / 3600;
    let minutes = (step.elapsed % 3600) / 60;
    let secs = step.elapsed % 60;
    let _ = writeln!(
        out,
        "\n== {index}. {}  [t+{hours}h{minutes:02}m{secs:02}s]",
        step.title
    );
    let prices: Vec<String> = step
        .prices
        .iter()
        .map(|(id, p)| format!("{id} {}", number(&p.to_string())))
        .collect();
    let _ = writeln!(out, "prices: {}", prices.join("   "));
    if !step.txs.is_empty() {
        let _ = writeln!(out, "transactions (SDK gas as wasmd charges it):");
        tx_lines(&mut out, &step.txs);
        let total: u64 = step.txs.iter().filter_map(|t| t.gas).sum();
        if step.txs.len() > 1 && total > 0 {
            let _ = writeln!(out, "  step total: {} gas", group(u128::from(total)));
        }
    }
    let _ = writeln!(
        out,
        "  {:<6} {:>11} {:>11} {:>11} {:>9} {:>9} {:>11}  {:<12}  positions",
        "trader", "wallet", "collateral", "equity", "IM", "MM", "free", "health"
    );
    for t in &step.traders {
        let a = &t.account;
        let health = match a.health {
            Health::Healthy => "healthy",
            Health::Liquidatable => "LIQUIDATABLE",
        };
        let positions: Vec<String> = a
            .positions
            .iter()
            .map(|p| {
                let mode = match p.mode {
                    PositionMode::Cross => "cross".to_string(),
                    PositionMode::Isolated => format!(
                        "isolated, margin {}, equity {}",
                        cents(p.margin.map_or(0, |m| m.u128() as i128)),
                        cents(p.equity.map_or(0, |e| e.i128()))
                    ),
                };
                let liq = p
                    .liquidation_price
                    .map_or("none".to_string(), |l| number(&round2(&l.to_string())));
                // Past its liquidation price (equal is still healthy).
                let past = p.liquidation_price.is_some_and(|l| {
                    if p.size.is_negative() {
                        p.mark_price > l
                    } else {
                        p.mark_price < l
                    }
                });
                let flag = if past { " LIQUIDATABLE" } else { "" };
                format!(
                    "{} {} @ {} ({mode}; uPnL {}, funding owed {}, liq. price {liq}){flag}",
                    p.market_id,
                    round_to(&p.size.to_string(), 6),
                    number(&round2(&p.entry_price.to_string())),
                    cents(p.unrealized_pnl.i128()),
                    cents(p.accrued_funding.i128()),
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:<6} {:>11} {:>11} {:>11} {:>9} {:>9} {:>11}  {:<12}  {}",
            t.name,
            cents(t.wallet as i128),
            cents(a.collateral.i128()),
            cents(a.equity.i128()),
            cents(a.initial_margin.u128() as i128),
            cents(a.maintenance_margin.u128() as i128),
            cents(a.free_collateral.u128() as i128),
            health,
            if positions.is_empty() {
                "-".to_string()
            } else {
                positions.join("; ")
            }
        );
    }
    let _ = writeln!(
        out,
        "vault: cash {}, equity {}, share price {}   insurance fund: {} (+{} fees pending)   keeper wallet: {}",
        cents(step.vault.cash.i128()),
        cents(step.vault.equity.i128()),
        round6(&step.vault.share_price.to_string()),
        cents(step.fund as i128),
        cents(step.pending_fees as i128),
        cents(step.keeper as i128),
    );
    out
}

fn round_to(s: &str, places: usize) -> String {
    match s.split_once('.') {
        Some((i, f)) if f.len() > places => {
            let f = f[..places].trim_end_matches('0');
            if f.is_empty() {
                i.to_string()
            } else {
                format!("{i}.{f}")
            }
        }
        _ => s.to_string(),
    }
}

fn round2(s: &str) -> String {
    round_to(s, 2)
}

fn round6(s: &str) -> String {
    round_to(s, 6)
}

/// Every step.
pub fn render(steps: &[Step]) -> String {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| render_step(i + 1, s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact_and_cents_truncate_toward_zero() {
        assert_eq!(money(9_954_994_375), "9,954.994375");
        assert_eq!(money(-113_201_200), "-113.2012");
        assert_eq!(money(5_000_000), "5");
        assert_eq!(cents(9_945_619_375), "9,945.61");
        assert_eq!(cents(-119_454_542), "-119.45");
        assert_eq!(cents(0), "0.00");
        assert_eq!(number("1004216.5"), "1,004,216.5");
        assert_eq!(number("-2749.80873"), "-2,749.80873");
        assert_eq!(round2("2999.625"), "2999.62");
        assert_eq!(round2("60000"), "60000");
    }
}
