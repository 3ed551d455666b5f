//! The worked examples of `docs/guide.md`, run through the engine (with the real price-feed and
//! insurance-fund contracts) so the guide cannot go stale.
//!
//! Each example renders a text block from the engine's own answers (queries and events). The
//! guide holds each block verbatim between `<!-- example: NAME … -->` and `<!-- /example -->`; the
//! test fails on any difference and prints the block the engine produced. The prose of a section
//! may only quote numbers that appear in that section's blocks, so a number written by hand is
//! checked too. After a deliberate change, `UPDATE_GUIDE=1 cargo test -p perps --test main guide`
//! rewrites the blocks in place (review the diff of the prose by hand).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use cosmwasm_std::{Addr, Decimal256, Int128, SignedDecimal256, Uint128};
use cw_multi_test::AppResponse;
use perps_api::perps::{
    AccountResponse, Health, LiquidatableAccountsResponse, MarketConfig, PositionMode, QueryMsg,
};

use crate::suite::{d, margin_tiers, plain_market, Suite, USDC};

const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/guide.md");

// ---------------------------------------------------------------- formatting

/// Groups the integer part of a plain decimal string in thousands: "-12345.5" → "-12,345.5".
fn group(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// A decimal string cut (not rounded) to `places` decimals, trailing zeros dropped.
fn cut(s: &str, places: usize) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac: String = frac.chars().take(places).collect();
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

/// Base units of USDC (6 decimals) as whole USDC: 9000000000 → "9,000", -60060000 → "-60.06".
fn usd(base_units: i128) -> String {
    let sign = if base_units < 0 { "-" } else { "" };
    let a = base_units.unsigned_abs();
    let whole = a / USDC;
    let frac = format!("{:06}", a % USDC);
    group(&format!("{sign}{}", cut(&format!("{whole}.{frac}"), 6)))
}

fn usd_i(v: Int128) -> String {
    usd(v.i128())
}

fn usd_u(v: Uint128) -> String {
    usd(v.u128() as i128)
}

/// `v` rounded half up to 2 decimals, trailing zeros dropped (percentages).
fn round2(v: Decimal256) -> String {
    let hundred = Decimal256::percent(10_000);
    let r = (v * hundred + Decimal256::percent(50)).floor() / hundred;
    cut(&r.to_string(), 2)
}

/// A price, cut to 6 decimals.
fn px(p: Decimal256) -> String {
    group(&cut(&p.to_string(), 6))
}

fn size(s: SignedDecimal256) -> String {
    cut(&s.to_string(), 6)
}

/// An event attribute holding base units.
fn usd_attr(v: &str) -> String {
    usd(v.parse().expect("integer attribute"))
}

// ---------------------------------------------------------------- rendering

struct Block(String);

impl Block {
    /// A block that opens with the example's setting (markets, parameters).
    fn new(setting: &str) -> Self {
        let mut b = Block(String::new());
        b.line(setting);
        b
    }

    fn line(&mut self, text: impl AsRef<str>) {
        self.0.push_str(text.as_ref());
        self.0.push('\n');
    }

    /// `> what was done`.
    fn step(&mut self, text: impl AsRef<str>) {
        self.line(format!("> {}", text.as_ref()));
    }

    /// `> step`, BTC's price set to `price`, then `name`'s account.
    fn btc_moves(&mut self, s: &mut Suite, step: &str, price: &str, (name, who): (&str, &Addr)) {
        self.step(step);
        s.set_price("BTC", price);
        self.account(name, &s.account(who));
    }

    /// `> a keeper liquidates <name>`, the liquidation's events, then `name`'s account.
    fn keeper_liquidates(&mut self, s: &mut Suite, keeper: &Addr, (name, who): (&str, &Addr)) {
        self.step(format!("a keeper liquidates {name}"));
        let res = s.liquidate(keeper, who, None).unwrap();
        self.liquidation(&res);
        self.account(name, &s.account(who));
    }

    /// The cross book and every position of `a`, as the `account` query reports them.
    fn account(&mut self, name: &str, a: &AccountResponse) {
        let margin_ratio = a
            .margin_ratio
            .map(|r| format!("{} %", round2(r * Decimal256::percent(10_000))))
            .unwrap_or_else(|| "-".into());
        self.line(format!(
            "  {name}: collateral {} | equity {} | initial {} | maintenance {} | free {} | margin ratio {} | {}",
            usd_i(a.collateral),
            usd_i(a.equity),
            usd_u(a.initial_margin),
            usd_u(a.maintenance_margin),
            usd_u(a.free_collateral),
            margin_ratio,
            match a.health {
                Health::Healthy => "healthy",
                Health::Liquidatable => "liquidatable",
            }
        ));
        for p in &a.positions {
            let side = if p.size.is_negative() {
                "short"
            } else {
                "long"
            };
            let abs = size(p.size).trim_start_matches('-').to_string();
            let mut l = format!(
                "    {} {side} {abs} @ {} | mark {} | notional {} | unrealized {} | funding owed {}",
                p.market_id,
                px(p.entry_price),
                px(p.mark_price),
                usd_u(p.notional),
                usd_i(p.unrealized_pnl),
                usd_i(p.accrued_funding),
            );
            if p.mode == PositionMode::Isolated {
                let _ = write!(
                    l,
                    " | isolated margin {} | isolated equity {}",
                    usd_u(p.margin.unwrap_or_default()),
                    usd_i(p.equity.unwrap_or_default())
                );
            }
            match p.liquidation_price {
                Some(lp) => {
                    let _ = write!(l, " | liquidation price {}", px(lp));
                }
                None => l.push_str(" | liquidation price none"),
            }
            self.line(l);
        }
    }

    /// Every `trade` event of `res`.
    fn trades(&mut self, res: &AppResponse) {
        for e in Suite::events(res, "trade") {
            self.line(format!(
                "  trade {}: size {} → {} | oracle {} | fill {} | impact {} % | fee {} (insurance {}) | realized {} | funding paid {}",
                e["market_id"],
                cut(&e["size_before"], 6),
                cut(&e["size_after"], 6),
                group(&cut(&e["oracle_price"], 6)),
                group(&cut(&e["fill_price"], 6)),
                cut(&pct(&e["price_impact"]), 4),
                usd_attr(&e["fee"]),
                usd_attr(&e["insurance_fee"]),
                usd_attr(&e["realized_pnl"]),
                usd_attr(&e["funding_paid"]),
            ));
        }
    }

    /// Every `liquidation` and `bad_debt` event of `res`.
    fn liquidation(&mut self, res: &AppResponse) {
        for e in Suite::events(res, "liquidation") {
            self.line(format!(
                "  liquidation {} ({}): closed {} of {} at {} | realized {} | penalty {} | liquidator reward {} | insurance share {}",
                e["market_id"],
                e["mode"],
                cut(e["size_closed"].trim_start_matches('-'), 6),
                cut(
                    &(d(e["size_closed"].trim_start_matches('-'))
                        + d(e["size_after"].trim_start_matches('-')))
                    .to_string(),
                    6
                ),
                group(&cut(&e["mark_price"], 6)),
                usd_attr(&e["realized_pnl"]),
                usd_attr(&e["penalty"]),
                usd_attr(&e["liquidator_reward"]),
                usd_attr(&e["insurance_share"]),
            ));
            let [equity, maintenance, equity_after, maintenance_after] = [
                "equity_before",
                "maintenance_before",
                "equity_after",
                "maintenance_after",
            ]
            .map(|k| usd_attr(&e[k]));
            self.line(format!(
                "    book before: equity {equity} / maintenance {maintenance}; after: equity {equity_after} / maintenance {maintenance_after}"
            ));
        }
        for e in Suite::events(res, "bad_debt") {
            let [shortfall, fees, fund, vault] =
                ["shortfall", "from_fees", "from_fund", "socialized"].map(|k| usd_attr(&e[k]));
            self.line(format!(
                "  bad debt: shortfall {shortfall} = from pending fees {fees} + from the insurance fund {fund} + socialized on the vault {vault}"
            ));
        }
    }

    fn finish(self) -> String {
        format!("```text\n{}```\n", self.0)
    }
}

/// A signed ratio as a percentage string.
fn pct(ratio: &str) -> String {
    let r: SignedDecimal256 = ratio.parse().expect("ratio");
    (r * SignedDecimal256::percent(10_000)).to_string()
}

fn liquidatable(s: &Suite, who: &Addr) -> bool {
    let page: LiquidatableAccountsResponse = s.query(&QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: Some(30),
    });
    page.accounts.iter().any(|a| a.address == *who)
}

fn wallet(s: &Suite, who: &Addr) -> String {
    usd(s.balance(who) as i128)
}

// ---------------------------------------------------------------- the examples

/// Cross margin: one book nets a loss in BTC against a gain in ETH.
fn cross() -> String {
    let mut s = Suite::new();
    s.set_price("ETH", "2500");
    let mut b = Block::new("markets BTC and ETH: initial margin 10 %, maintenance 5 %, no fees");
    let alice = s.trader("alice", 10_000, 10_000);
    b.step("alice deposits 10,000; buys 0.5 BTC at 60,000 and sells 4 ETH at 2,500 (cross)");
    s.trade(&alice, "BTC", "0.5");
    s.trade(&alice, "ETH", "-4");
    b.account("alice", &s.account(&alice));
    b.step("both fall 5 %: BTC 57,000, ETH 2,375");
    s.set_price("BTC", "57000");
    s.set_price("ETH", "2375");
    let a = s.account(&alice);
    assert_eq!(a.equity.i128(), 9_000 * USDC as i128);
    b.account("alice", &a);
    b.finish()
}

/// Isolated margin: the position can lose its margin and nothing else.
fn isolated_loss() -> String {
    let mut s = Suite::new();
    s.register_engine();
    s.fund_insurance(50_000 * USDC);
    let mut b = Block::new(
        "market BTC: initial margin 10 %, maintenance 5 %, no fees; insurance fund 50,000",
    );
    let bob = s.trader("bob", 15_000, 15_000);
    let keeper = s.trader("keeper", 0, 0);
    b.step("bob deposits 15,000; buys 0.5 BTC at 60,000 isolated with margin 5,000");
    s.try_isolated(&bob, "BTC", "0.5", 5_000 * USDC).unwrap();
    b.account("bob", &s.account(&bob));
    b.btc_moves(
        &mut s,
        "BTC falls 20 % to 48,000 (the isolated loss, 6,000, exceeds its margin)",
        "48000",
        ("bob", &bob),
    );
    b.keeper_liquidates(&mut s, &keeper, ("bob", &bob));
    b.step("bob withdraws 10,000");
    s.withdraw(&bob, 10_000 * USDC).unwrap();
    let left = s.balance(&bob);
    assert_eq!(
        left,
        10_000 * USDC,
        "the isolated book lost its margin only"
    );
    b.line(format!(
        "  bob's wallet: {} (he started with 15,000: lost {})",
        wallet(&s, &bob),
        usd((15_000 * USDC - left) as i128)
    ));
    b.finish()
}

/// Free collateral: what `withdraw` may take, and how it moves with the price.
fn free_collateral() -> String {
    let mut s = Suite::new();
    let mut b = Block::new(
        "market BTC: initial margin 10 %, maintenance 5 %, no fees; unrealized profit weight 0",
    );
    let carol = s.trader("carol", 10_000, 10_000);
    b.step("carol deposits 10,000; buys 0.5 BTC at 60,000");
    s.trade(&carol, "BTC", "0.5");
    let a = s.account(&carol);
    b.account("carol", &a);
    let too_much = a.free_collateral.u128() + 1;
    let err = s.withdraw(&carol, too_much).unwrap_err().to_string();
    // the contract's own message is the last in the chain cw-multi-test prints
    let err = err.rsplit("error: ").next().unwrap_or_default();
    b.step(format!(
        "carol withdraws {}: refused, \"{err}\"",
        usd(too_much as i128),
    ));
    b.btc_moves(
        &mut s,
        "BTC rises 10 % to 66,000",
        "66000",
        ("carol", &carol),
    );
    b.btc_moves(
        &mut s,
        "BTC falls to 54,000 (10 % below entry)",
        "54000",
        ("carol", &carol),
    );
    b.finish()
}

/// A BTC market with three margin brackets.
fn tiered_btc() -> MarketConfig {
    MarketConfig {
        margin_tiers: margin_tiers(&[
            (Some(100_000), "0.1", "0.05"),
            (Some(500_000), "0.2", "0.1"),
            (None, "0.5", "0.25"),
        ]),
        ..plain_market("BTC")
    }
}

/// Margin tiers: brackets like income-tax brackets.
fn tiers() -> String {
    let mut s = Suite::with(
        |_| {},
        &[("BTC", tiered_btc()), ("ETH", plain_market("ETH"))],
    );
    let mut b = Block::new("market BTC tiers: notional up to 100,000 at 10 % / 5 %; 100,000 to 500,000 at 20 % / 10 %; above 500,000 at 50 % / 25 %");
    let dave = s.trader("dave", 50_000, 50_000);
    b.step("dave deposits 50,000; buys 1 BTC at 60,000");
    s.trade(&dave, "BTC", "1");
    b.account("dave", &s.account(&dave));
    b.step("dave buys 2 BTC more (3 BTC, notional 180,000)");
    s.trade(&dave, "BTC", "2");
    let a = s.account(&dave);
    assert_eq!(a.initial_margin.u128(), 26_000 * USDC);
    b.account("dave", &a);
    b.finish()
}

/// A BTC market with fees, skew price impact and funding.
fn fee_btc() -> MarketConfig {
    MarketConfig {
        taker_fee: d("0.0005"),
        skew_scale: d("1000"),
        max_price_impact: Some(d("0.01")),
        max_funding_rate_per_day: d("0.01"),
        liquidation_fee: d("0.025"),
        ..plain_market("BTC")
    }
}

/// Fees, price impact and funding over a round trip.
fn fees_funding() -> String {
    let mut s = Suite::with(|_| {}, &[("BTC", fee_btc()), ("ETH", plain_market("ETH"))]);
    let mut b = Block::new("market BTC: taker fee 0.05 % (20 % of it to the insurance fund), skew scale 1,000 BTC, price impact cap 1 %, funding rate at most 1 % a day");
    let erin = s.trader("erin", 20_000, 20_000);
    b.step(
        "erin deposits 20,000; buys 2 BTC at oracle 60,000 (she is the only trader: skew 0 → 2)",
    );
    let res = s.trade(&erin, "BTC", "2");
    b.trades(&res);
    b.account("erin", &s.account(&erin));
    b.step("8 hours pass at 60,000 (skew 2 BTC: longs pay funding)");
    s.advance(8 * 3600 - 1);
    s.set_price("BTC", "60000");
    b.account("erin", &s.account(&erin));
    b.step("erin closes at oracle 60,000");
    let res = s.close(&erin, "BTC").unwrap();
    b.trades(&res);
    let a = s.account(&erin);
    b.account("erin", &a);
    b.line(format!(
        "  round trip cost: {} (two fees and 8 hours of funding; the impact paid on entry came back on exit)",
        usd(20_000 * USDC as i128 - a.collateral.i128())
    ));
    b.finish()
}

/// The exact liquidation price against the rule of thumb `E·(1 − 1/L + MMR)`.
fn liquidation_price() -> String {
    let mut s = Suite::new();
    let mut b = Block::new("market BTC: initial margin 10 %, maintenance 5 %, no fees; isolated longs of 0.5 BTC (notional 30,000) at 60,000");
    let mut exact = Vec::new();
    for (name, margin) in [("frank", 3_000u128), ("grace", 6_000)] {
        let who = s.trader(name, margin, margin);
        s.try_isolated(&who, "BTC", "0.5", margin * USDC).unwrap();
        let a = s.account(&who);
        let lp = a.positions[0].liquidation_price.expect("a long has one");
        let leverage = Decimal256::from_ratio(30_000u128, margin);
        // rule of thumb E·(1 − 1/L + MMR) with E = 60,000, MMR = 5 %
        let thumb = d("60000") * (Decimal256::one() - Decimal256::one() / leverage + d("0.05"));
        let gap = thumb - lp;
        b.step(format!(
            "{name}: margin {} (leverage {}x)",
            usd((margin * USDC) as i128),
            cut(&leverage.to_string(), 2)
        ));
        b.line(format!(
            "  exact (engine) {} | rule of thumb {} | the rule is {} too high ({} % of the price)",
            px(lp),
            px(thumb),
            px(gap),
            round2(gap / lp * Decimal256::percent(10_000))
        ));
        exact.push((who, lp));
    }
    let (frank, lp) = exact[0].clone();
    // one cent on either side of the exact price
    let hundred = Decimal256::percent(10_000);
    let below = (lp * hundred).floor() / hundred;
    let above = ((lp * hundred).floor() + Decimal256::one()) / hundred;
    for p in [above, below] {
        s.set_price("BTC", &p.to_string());
        let a = s.account(&frank);
        assert_eq!(liquidatable(&s, &frank), p < lp);
        b.step(format!("BTC at {}", px(p)));
        b.line(format!(
            "  frank: isolated equity {} vs maintenance 5 % · {} = {} → {}",
            usd_i(a.positions[0].equity.unwrap_or_default()),
            usd_u(a.positions[0].notional),
            usd(
                (Decimal256::from_ratio(a.positions[0].notional, 1u8) * d("0.05"))
                    .ceil()
                    .to_uint_floor()
                    .to_string()
                    .parse()
                    .expect("small")
            ),
            if p < lp { "liquidatable" } else { "healthy" }
        ));
    }
    b.finish()
}

/// A partial liquidation of a cross book back to the target ratio.
fn liquidation() -> String {
    let mut s = Suite::new();
    let mut b = Block::new("market BTC: initial margin 10 %, maintenance 5 %, no fees, liquidation fee 1 %; liquidator reward share 50 %; target ratio 1.25");
    let henry = s.trader("henry", 10_000, 10_000);
    let keeper = s.trader("keeper", 0, 0);
    b.step("henry deposits 10,000; buys 1.5 BTC at 60,000 (cross, notional 90,000)");
    s.trade(&henry, "BTC", "1.5");
    b.account("henry", &s.account(&henry));
    b.btc_moves(&mut s, "BTC falls to 56,000", "56000", ("henry", &henry));
    b.keeper_liquidates(&mut s, &keeper, ("henry", &henry));
    b.line(format!("  keeper's wallet: {}", wallet(&s, &keeper)));
    b.finish()
}

type Example = (&'static str, fn() -> String);

const EXAMPLES: [Example; 7] = [
    ("cross", cross),
    ("isolated", isolated_loss),
    ("tiers", tiers),
    ("free-collateral", free_collateral),
    ("fees-funding", fees_funding),
    ("liquidation", liquidation),
    ("liquidation-price", liquidation_price),
];

// ---------------------------------------------------------------- the guide file

const OPEN: &str = "<!-- example: ";
const CLOSE: &str = "<!-- /example -->";

/// (name, byte range of the block between its markers) for every example block of the guide.
fn blocks(guide: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = guide[at..].find(OPEN) {
        let start_marker = at + i;
        let name_start = start_marker + OPEN.len();
        let name_end = name_start
            + guide[name_start..]
                .find(|c: char| c.is_whitespace())
                .expect("marker name");
        let body_start = start_marker + guide[start_marker..].find('\n').expect("marker line") + 1;
        let body_end = body_start
            + guide[body_start..].find(CLOSE).unwrap_or_else(|| {
                panic!("example {} is not closed", &guide[name_start..name_end])
            });
        out.push((
            guide[name_start..name_end].to_string(),
            body_start..body_end,
        ));
        at = body_end + CLOSE.len();
    }
    out
}

/// Numbers in `text` (thousands separators dropped, trailing fractional zeros dropped).
fn numbers(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_digit = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_ascii_digit() || (!cur.is_empty() && (c == ',' || c == '.') && next_digit) {
            if c != ',' {
                cur.push(c);
            }
        } else if !cur.is_empty() {
            out.insert(normalize(&cur));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        out.insert(normalize(&cur));
    }
    out
}

fn normalize(n: &str) -> String {
    if n.contains('.') {
        n.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        n.to_string()
    }
}

/// The prose of `section`: without fenced blocks, inline code, markers and headings.
fn prose(section: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in section.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced || line.starts_with('#') || line.starts_with("<!--") {
            continue;
        }
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
            } else if !in_code {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

#[test]
fn guide_examples_match_the_engine() {
    let mut guide = std::fs::read_to_string(GUIDE).expect("docs/guide.md");
    let rendered: Vec<(&str, String)> = EXAMPLES.iter().map(|(n, f)| (*n, f())).collect();
    let found = blocks(&guide);
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    let expected: Vec<&str> = EXAMPLES.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, expected, "the guide's example blocks, in order");
    if std::env::var("UPDATE_GUIDE").is_ok_and(|v| v == "1") {
        for ((_, range), (_, text)) in found.iter().zip(&rendered).rev() {
            guide.replace_range(range.clone(), text);
        }
        std::fs::write(GUIDE, &guide).expect("write docs/guide.md");
        return;
    }
    let mut stale = Vec::new();
    for ((name, range), (_, text)) in found.iter().zip(&rendered) {
        if &guide[range.clone()] != text {
            stale.push(format!(
                "--- example {name}, as the engine computes it:\n{text}"
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/guide.md is out of date (UPDATE_GUIDE=1 cargo test -p perps --test main guide rewrites the blocks):\n{}",
        stale.join("\n")
    );
}

#[test]
fn guide_prose_quotes_only_numbers_of_its_examples() {
    let guide = std::fs::read_to_string(GUIDE).expect("docs/guide.md");
    // sections from one `## ` heading to the next; only those holding an example are checked
    let mut starts: Vec<usize> = guide.match_indices("\n## ").map(|(i, _)| i + 1).collect();
    starts.push(guide.len());
    for w in starts.windows(2) {
        let section = &guide[w[0]..w[1]];
        let in_blocks: BTreeSet<String> = blocks(section)
            .iter()
            .flat_map(|(_, r)| numbers(&section[r.clone()]))
            .collect();
        if in_blocks.is_empty() {
            continue;
        }
        let heading = section.lines().next().unwrap_or_default();
        let missing: Vec<String> = numbers(&prose(section))
            .into_iter()
            .filter(|n| !in_blocks.contains(n))
            .collect();
        assert!(
            missing.is_empty(),
            "{heading}: the prose quotes {missing:?}, which no example block of the section shows"
        );
    }
}

#[test]
fn number_extraction() {
    let n = numbers("equity 9,000 and -1,500.50, 5 % of 0.5 BTC; 1.25.");
    let want: BTreeSet<String> = ["9000", "1500.5", "5", "0.5", "1.25"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(n, want);
    assert_eq!(usd(-60_060_000), "-60.06");
    assert_eq!(usd(9_000 * USDC as i128), "9,000");
    assert_eq!(px(d("56842.105263157894736843")), "56,842.105263");
}
