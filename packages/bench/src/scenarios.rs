//! The measurements. Each scenario sets an account up with unmeasured messages, then measures one
//! message (or query) and returns it as a [`Row`].

use std::time::Instant;

use cosmwasm_std::{from_json, Addr, Decimal256, SignedDecimal256, Uint128};
use localnet::{Chain, Gas};
use perps_api::perps::{
    ExecuteMsg, Execution, LiquidatableAccountsResponse, LpPositionResponse, QueryMsg, TradeMode,
    Trigger,
};
use serde_json::json;

use crate::deploy::{sdec, Artifacts, BenchResult, Net, BAD_DEBT_MARKET, MARKETS, USDC};
use crate::report::Row;

/// cw20-base `transfer` on `chain`: to a new recipient, then to a recipient that already holds
/// tokens (the reference every ratio uses).
pub fn cw20_transfers(chain: &mut Chain, artifacts: &Artifacts) -> BenchResult<(Gas, Gas)> {
    let code = chain.store_code(&artifacts.cw20)?;
    let alice = chain.addr_make("cw20-alice");
    let bob = chain.addr_make("cw20-bob");
    let msg = json!({
        "name": "Bench Token",
        "symbol": "BENCH",
        "decimals": 6,
        "initial_balances": [{ "address": alice.to_string(), "amount": "1000000000" }],
        "mint": null,
        "marketing": null,
    });
    let (token, _) = chain.instantiate(code, &alice, &msg, &[], "cw20-base")?;
    let transfer = json!({ "transfer": { "recipient": bob.to_string(), "amount": "1000000" } });
    let first = chain.execute(&alice, &token, &transfer, &[])?.gas;
    let again = chain.execute(&alice, &token, &transfer, &[])?.gas;
    Ok((first, again))
}

/// One engine message measured as a row, its store trace kept under the row's name.
struct Measure<'a> {
    section: &'static str,
    sender: &'a Addr,
}

impl Measure<'_> {
    fn row(
        &self,
        net: &mut Net,
        op: &str,
        msg: &ExecuteMsg,
        whole: u128,
        note: &str,
    ) -> BenchResult<Row> {
        let g = net.engine_traced(op, self.sender, msg, whole)?.gas;
        Ok(Row::new(self.section, op, g, note))
    }
}

/// Deposit, the trade lifecycle in cross and isolated margin, margin moves, withdraw, LP.
pub fn core_ops(net: &mut Net) -> BenchResult<Vec<Row>> {
    let t1 = net.user("trader-cross", 20_000)?;
    let account = Measure {
        section: "perps: account",
        sender: &t1,
    };
    let deposit = ExecuteMsg::Deposit {};
    let mut rows = vec![
        account.row(net, "deposit (first)", &deposit, 10_000, "new account")?,
        account.row(net, "deposit", &deposit, 1_000, "account with collateral")?,
    ];
    let cross = Measure {
        section: "perps: cross trade",
        sender: &t1,
    };
    let steps = [
        ("trade open (cross)", "0.02", "BTC, 1,200 USDC"),
        ("trade increase (cross)", "0.02", "+1,200 USDC"),
        ("trade reduce (cross)", "-0.01", "−600 USDC"),
    ];
    for (op, size, note) in steps {
        rows.push(cross.row(net, op, &Net::trade_msg(0, size, None)?, 0, note)?);
    }
    let close = ExecuteMsg::ClosePosition {
        market_id: "BTC".to_string(),
        acceptable_price: None,
    };
    rows.push(cross.row(net, "close (cross)", &close, 0, "close_position")?);
    net.engine_exec(&t1, &Net::trade_msg(0, "0.02", None)?, 0)?;
    let withdraw = ExecuteMsg::Withdraw {
        amount: Uint128::new(1_000 * USDC),
    };
    let note = "with one open cross position (margin check)";
    rows.push(account.row(net, "withdraw", &withdraw, 0, note)?);

    let t2 = net.user("trader-isolated", 20_000)?;
    net.engine_exec(&t2, &deposit, 10_000)?;
    let iso = Measure {
        section: "perps: isolated trade",
        sender: &t2,
    };
    let open = Net::trade_msg(
        1,
        "0.4",
        Some(TradeMode::Isolated {
            margin: Uint128::new(400 * USDC),
        }),
    )?;
    let note = "ETH, 1,200 USDC, margin 400";
    rows.push(iso.row(net, "trade open (isolated)", &open, 0, note)?);
    let increase = Net::trade_msg(1, "0.2", None)?;
    rows.push(iso.row(net, "trade increase (isolated)", &increase, 0, "+600 USDC")?);
    let reduce = Net::trade_msg(1, "-0.1", None)?;
    rows.push(iso.row(net, "trade reduce (isolated)", &reduce, 0, "−300 USDC")?);
    let add = ExecuteMsg::AddMargin {
        market_id: "ETH".to_string(),
        amount: Uint128::new(50 * USDC),
    };
    rows.push(iso.row(net, "add_margin", &add, 0, "50 USDC from collateral")?);
    let op = "add_margin (attached funds)";
    rows.push(iso.row(net, op, &add, 50, "50 USDC attached")?);
    let remove = ExecuteMsg::RemoveMargin {
        market_id: "ETH".to_string(),
        amount: Uint128::new(20 * USDC),
    };
    rows.push(iso.row(net, "remove_margin", &remove, 0, "20 USDC")?);
    let close = ExecuteMsg::ClosePosition {
        market_id: "ETH".to_string(),
        acceptable_price: None,
    };
    let note = "margin back to collateral";
    rows.push(iso.row(net, "close (isolated)", &close, 0, note)?);

    rows.extend(liquidity(net)?);
    Ok(rows)
}

fn liquidity(net: &mut Net) -> BenchResult<Vec<Row>> {
    let lp2 = net.user("lp-2", 200_000)?;
    let lp = Measure {
        section: "perps: vault",
        sender: &lp2,
    };
    let provide = ExecuteMsg::ProvideLiquidity {};
    let mut rows = vec![lp.row(net, "provide_liquidity", &provide, 100_000, "second LP")?];
    net.advance(3_601)?;
    let query = QueryMsg::LpPosition {
        address: lp2.to_string(),
    };
    let position: LpPositionResponse = net.chain.query_smart(&net.engine, &query)?;
    let request = ExecuteMsg::WithdrawLiquidity {
        shares: position.shares.checked_div(Uint128::new(2))?,
    };
    let note = "request, half the shares";
    rows.push(lp.row(net, "withdraw_liquidity", &request, 0, note)?);
    net.advance(3_601)?;
    let claim = ExecuteMsg::ClaimLiquidity {};
    rows.push(lp.row(net, "claim_liquidity", &claim, 0, "after the delay")?);
    Ok(rows)
}

fn liquidate_msg(account: &Addr) -> ExecuteMsg {
    ExecuteMsg::Liquidate {
        account: account.to_string(),
        min_reward: None,
    }
}

/// Liquidates `victim` as `keeper`: the row, or "not available" with the chain's error.
fn liquidate_row(
    net: &mut Net,
    section: &'static str,
    op: String,
    keeper: &Addr,
    victim: &Addr,
    traced: bool,
    note: &str,
) -> Row {
    let msg = liquidate_msg(victim);
    let result = if traced {
        net.engine_traced(&op, keeper, &msg, 0)
    } else {
        net.engine_exec(keeper, &msg, 0)
    };
    match result {
        Ok(tx) => {
            let closes = tx.events_of("wasm-liquidation").count();
            let from_fund = tx
                .attribute("wasm-bad_debt", "from_fund")
                .map(|paid| format!(", {paid} from the fund"))
                .unwrap_or_default();
            let note = format!("{note}; {closes} closed{from_fund}");
            Row {
                section,
                op,
                gas: Some(tx.gas),
                note,
            }
        }
        Err(e) => Row {
            section,
            op,
            gas: None,
            note: format!("liquidate failed: {e}"),
        },
    }
}

/// Accounts with 1, 4 and 16 cross positions, and one headed for bad debt. The bad-debt market
/// drops 30 % and its account is liquidated first (the insurance fees pending then are too small
/// to cover it, so the fund pays); then every other market drops 9.5 % and a keeper liquidates
/// the others.
pub fn liquidations(net: &mut Net) -> BenchResult<Vec<Row>> {
    let section = "perps: liquidation";
    let mut rows = Vec::new();
    let all: Vec<usize> = (0..16).collect();
    let bad = net.leveraged_trader("victim-bad-debt", &[BAD_DEBT_MARKET])?;
    let v1 = net.leveraged_trader("victim-1", &all[..1])?;
    let v4 = net.leveraged_trader("victim-4", &all[..4])?;
    let v16 = net.funded_trader("victim-16", 16)?;
    net.open_longs(&v16, &all[..15])?;
    let op = "trade open (cross, 15 other positions)";
    let last = Net::trade_msg(15, MARKETS[15].size, None)?;
    let g = net.engine_traced(op, &v16, &last, 0)?.gas;
    rows.push(Row::new(
        "perps: cross trade",
        op,
        g,
        "16th market of one cross book",
    ));
    let keeper = net.user("keeper", 0)?;
    net.crash(&[BAD_DEBT_MARKET], 300)?;
    let bad_row = liquidate_row(
        net,
        section,
        "liquidate 1 position, bad debt".to_string(),
        &keeper,
        &bad,
        true,
        "−30 %: bankrupt, fees then the insurance fund (submessage) cover it",
    );
    net.crash(&all, 95)?;
    for (n, victim) in [(1usize, &v1), (4, &v4), (16, &v16)] {
        let plural = if n == 1 { "" } else { "s" };
        rows.push(liquidate_row(
            net,
            section,
            format!("liquidate {n} position{plural}"),
            &keeper,
            victim,
            true,
            "cross book, −9.5 %, reward sent",
        ));
    }
    rows.push(bad_row);
    Ok(rows)
}

/// Auto-deleveraging and a claim the exposure caps refuse, on a vault of 2,000 USDC: a long of
/// about 1,200 USDC of BTC, the LP's request of every share, BTC ×2.6 (the vault's equity falls
/// below 5 % of its exposure), a keeper deleverages; an hour later the LP claims.
pub fn deleveraging(artifacts: &Artifacts) -> BenchResult<Vec<Row>> {
    let section = "perps: solvency";
    let mut net = Net::deploy(artifacts, 2_000)?;
    net.leveraged_trader("adl-whale", &[0])?;
    net.advance(3_601)?;
    let lp = net.chain.addr_make("lp");
    let query = QueryMsg::LpPosition {
        address: lp.to_string(),
    };
    let position: LpPositionResponse = net.chain.query_smart(&net.engine, &query)?;
    let request = ExecuteMsg::WithdrawLiquidity {
        shares: position.shares,
    };
    net.engine_exec(&lp, &request, 0)?;
    net.rise(&[0], 1_600)?;
    let keeper = net.user("keeper", 0)?;
    let adl = ExecuteMsg::AutoDeleverage {
        market_id: MARKETS[0].id.to_string(),
        limit: None,
    };
    let tx = net.engine_exec(&keeper, &adl, 0)?;
    let closed = tx
        .attribute("wasm-auto_deleverage", "size_closed")
        .unwrap_or_default();
    let note = format!("1 long of 0.02 BTC, BTC ×2.6: V < 5 % of the exposure; {closed} closed");
    let mut rows = vec![Row::new(section, "auto_deleverage", tx.gas, &note)];
    net.advance(3_600)?;
    let tx = net.engine_exec(&lp, &ExecuteMsg::ClaimLiquidity {}, 0)?;
    let payout = tx.attribute("wasm", "payout").unwrap_or_default();
    let left = tx.attribute("wasm", "shares_left").unwrap_or_default();
    let note = format!(
        "every share requested; the exposure caps leave {payout} to pay: the refusal is recorded, \
         {left} shares stay requested"
    );
    rows.push(Row::new(
        section,
        "claim_liquidity (caps refuse)",
        tx.gas,
        &note,
    ));
    Ok(rows)
}

/// A `liquidatable_accounts` page of 30 accounts holding 16 cross positions each: healthy, then
/// after every market dropped 9.5 % (every account liquidatable).
pub fn page_of_30(artifacts: &Artifacts) -> BenchResult<Vec<Row>> {
    let section = "perps: liquidation scan (query gas)";
    let mut net = Net::deploy(artifacts, 10_000_000)?;
    let all: Vec<usize> = (0..16).collect();
    for i in 0..30 {
        net.leveraged_trader(&format!("page-{i}"), &all)?;
    }
    let query = QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: Some(30),
    };
    let healthy = "liquidatable_accounts page of 30 (16 positions each, healthy)";
    let mut rows = vec![query_row(
        &net,
        section,
        healthy,
        &query,
        "30 accounts × 16 markets",
    )];
    net.crash(&all, 95)?;
    let worst = "worst case: 30 accounts × 16 positions, all liquidatable";
    let op = "liquidatable_accounts page of 30";
    rows.push(query_row(&net, section, op, &query, worst));
    Ok(rows)
}

/// A query's gas, checking that the page decodes; "not available" with the error otherwise.
fn query_row(net: &Net, section: &'static str, op: &str, query: &QueryMsg, note: &str) -> Row {
    let result = net.engine_query_gas(query).and_then(|(bin, gas)| {
        let page: LiquidatableAccountsResponse = from_json(&bin).map_err(|e| e.to_string())?;
        Ok((page, gas))
    });
    match result {
        Ok((page, gas)) => Row::new(
            section,
            op,
            gas,
            &format!("{note}; {} liquidatable in the page", page.accounts.len()),
        ),
        Err(e) => Row {
            section,
            op: op.to_string(),
            gas: None,
            note: format!("query failed: {e}"),
        },
    }
}

/// The same trade, liquidation and scan page with `others` other accounts in the store, each
/// made by a real `trade` message with attached collateral (alternating long and short BTC).
pub fn scale(artifacts: &Artifacts, others: usize) -> BenchResult<Vec<Row>> {
    let section = "perps: store size";
    let mut net = Net::deploy(artifacts, 10_000_000)?;
    let started = Instant::now();
    for i in 0..others {
        let who = net.user(&format!("other-{i}"), 1_000)?;
        let size = if i % 2 == 0 { "0.02" } else { "-0.02" };
        net.engine_exec(&who, &Net::trade_msg(0, size, None)?, 1_000)?;
        if i % 1_000 == 999 {
            eprintln!(
                "  {} of {others} accounts ({} s)",
                i + 1,
                started.elapsed().as_secs()
            );
        }
    }
    let mut rows = Vec::new();
    let trader = net.user("trader", 10_000)?;
    net.engine_exec(&trader, &ExecuteMsg::Deposit {}, 10_000)?;
    let g = net.engine_gas(&trader, &Net::trade_msg(0, "0.02", None)?, 0)?;
    let n = thousands(others);
    rows.push(Row::new(
        section,
        format!("trade open (cross), {n} other accounts"),
        g,
        "BTC, the market the others hold",
    ));
    let victim = net.leveraged_trader("victim", &[1])?;
    let keeper = net.user("keeper", 0)?;
    net.crash(&[1], 95)?;
    rows.push(liquidate_row(
        &mut net,
        section,
        format!("liquidate 1 position, {n} other accounts"),
        &keeper,
        &victim,
        false,
        "ETH −9.5 %",
    ));
    let query = QueryMsg::LiquidatableAccounts {
        start_after: None,
        limit: Some(30),
    };
    let op = format!("liquidatable_accounts page of 30, {n} other accounts");
    rows.push(query_row(
        &net,
        section,
        &op,
        &query,
        "first page, 1 position each",
    ));
    eprintln!(
        "  store size {others}: done in {} s",
        started.elapsed().as_secs()
    );
    Ok(rows)
}

/// `10000` as `10,000`.
pub fn thousands(n: usize) -> String {
    localnet::gas::thousands(n as u128)
}

/// Market ids, for the report.
pub fn market_ids() -> String {
    MARKETS.iter().map(|m| m.id).collect::<Vec<_>>().join(", ")
}

/// Row names of the order goals.
pub const PLACE_AND_EXECUTE: &str = "market order: place + execute";
pub const EXECUTE_ONE: &str = "execute_orders, 1 market order";
pub const BATCH_PER_ORDER: &str = "execute_orders, batch of 10 (per order)";

/// `a + b`, part by part.
fn sum(a: &Gas, b: &Gas) -> Gas {
    Gas {
        vm_compute: a.vm_compute + b.vm_compute,
        instance_loads: a.instance_loads + b.instance_loads,
        deserialization: a.deserialization + b.deserialization,
        kv_reads: a.kv_reads + b.kv_reads,
        kv_writes: a.kv_writes + b.kv_writes,
        kv_deletes: a.kv_deletes + b.kv_deletes,
        kv_has: a.kv_has + b.kv_has,
        kv_iterator: a.kv_iterator + b.kv_iterator,
        events: a.events + b.events,
        compile: a.compile + b.compile,
        ante: a.ante + b.ante,
    }
}

/// `g / n`, part by part (rounded down).
fn per(g: &Gas, n: u64) -> Gas {
    Gas {
        vm_compute: g.vm_compute / n,
        instance_loads: g.instance_loads / n,
        deserialization: g.deserialization / n,
        kv_reads: g.kv_reads / n,
        kv_writes: g.kv_writes / n,
        kv_deletes: g.kv_deletes / n,
        kv_has: g.kv_has / n,
        kv_iterator: g.kv_iterator / n,
        events: g.events / n,
        compile: g.compile / n,
        ante: g.ante / n,
    }
}

/// Orders (DESIGN 6.11) on BTC turned deferred: placing a market order, executing it alone and
/// in a batch of 10, a stop-loss placed and triggered. Runs last on the shared deployment (BTC
/// stays deferred afterwards).
pub fn orders(net: &mut Net) -> BenchResult<Vec<Row>> {
    let section = "perps: orders (deferred BTC)";
    let owner = net.owner.clone();
    let spec = &crate::deploy::MARKETS[0];
    let deferred = ExecuteMsg::UpdateMarket {
        market_id: spec.id.to_string(),
        config: crate::deploy::market_config(spec, Execution::Deferred)?,
        force: None,
    };
    net.engine_exec(&owner, &deferred, 0)?;
    let keeper = net.user("keeper", 0)?;
    let trader = net.user("order-trader", 20_000)?;
    net.engine_exec(&trader, &ExecuteMsg::Deposit {}, 10_000)?;
    let open = Net::trade_msg(0, spec.size, None)?;
    let place = net
        .engine_traced("place market order", &trader, &open, 0)?
        .gas;
    net.advance(1)?;
    let run_all = ExecuteMsg::ExecuteOrders {
        order_ids: None,
        limit: None,
    };
    let one = net.engine_traced(EXECUTE_ONE, &keeper, &run_all, 0)?.gas;
    let mut rows = Vec::new();
    let mut row = |op: &str, gas, note: &str| rows.push(Row::new(section, op, gas, note));
    row(
        "place market order (trade)",
        place,
        "BTC, 1,200 USDC, 1 % slippage",
    );
    row(EXECUTE_ONE, one, "keeper, the next block's record");
    row(PLACE_AND_EXECUTE, sum(&place, &one), "the two rows above");
    let mut traders = Vec::new();
    for i in 0..10 {
        let t = net.user(&format!("batch-{i}"), 2_000)?;
        net.engine_exec(&t, &ExecuteMsg::Deposit {}, 2_000)?;
        net.engine_exec(&t, &open, 0)?;
        traders.push(t);
    }
    net.advance(1)?;
    let batch = ExecuteMsg::ExecuteOrders {
        order_ids: None,
        limit: Some(10),
    };
    let ten = net
        .engine_traced("execute_orders, batch of 10", &keeper, &batch, 0)?
        .gas;
    row(
        "execute_orders, batch of 10",
        ten,
        "10 accounts, one record",
    );
    row(BATCH_PER_ORDER, per(&ten, 10), "the row above / 10");
    // A stop-loss 5 % under the price, then a 6 % crash triggers it.
    let price = net.prices[0];
    let trigger = price.checked_mul(Decimal256::permille(950))?;
    let stop = ExecuteMsg::PlaceOrder {
        market_id: spec.id.to_string(),
        size_delta: SignedDecimal256::zero().checked_sub(sdec(spec.size)?)?,
        trigger_price: trigger,
        trigger: Trigger::Below,
        reduce_only: Some(true),
        acceptable_price: None,
        mode: None,
    };
    let placed = net.engine_traced("place stop-loss", &trader, &stop, 0)?;
    let id = order_id(&placed)?;
    row(
        "place stop-loss (place_order)",
        placed.gas,
        "reduce-only, trigger 5 % below",
    );
    net.crash(&[0], 60)?;
    let run = ExecuteMsg::ExecuteOrders {
        order_ids: Some(vec![id]),
        limit: None,
    };
    let fired = net
        .engine_traced("trigger stop-loss", &keeper, &run, 0)?
        .gas;
    row(
        "execute_orders, stop-loss triggered",
        fired,
        "−6 %: filled at the record",
    );
    row(
        "stop-loss: place + trigger",
        sum(&placed.gas, &fired),
        "the two rows above",
    );
    rows.extend(resting(net, &keeper, &traders[0])?);
    Ok(rows)
}

/// A market order executed while the market holds 1, then 100 resting conditional orders far
/// from the price (the sweep before a run reads no more for 100 than for 1).
fn resting(net: &mut Net, keeper: &Addr, trader: &Addr) -> BenchResult<Vec<Row>> {
    let section = "perps: orders (deferred BTC)";
    let spec = &crate::deploy::MARKETS[0];
    let price = net.prices[0];
    let size = sdec(spec.size)?;
    let mut rows = Vec::new();
    let mut placed = 0usize;
    for target in [1usize, 100] {
        while placed < target {
            let first = placed.is_multiple_of(16);
            let who = net.user(
                &format!("resting-{}", placed / 16),
                if first { 10_000 } else { 0 },
            )?;
            if first {
                net.engine_exec(&who, &ExecuteMsg::Deposit {}, 10_000)?;
            }
            let above = placed.is_multiple_of(2);
            let msg = ExecuteMsg::PlaceOrder {
                market_id: spec.id.to_string(),
                size_delta: if above {
                    size
                } else {
                    SignedDecimal256::zero().checked_sub(size)?
                },
                trigger_price: if above {
                    price.checked_mul(Decimal256::percent(200))?
                } else {
                    price.checked_mul(Decimal256::percent(50))?
                },
                trigger: if above {
                    Trigger::Above
                } else {
                    Trigger::Below
                },
                reduce_only: None,
                acceptable_price: None,
                mode: None,
            };
            net.engine_exec(&who, &msg, 0)?;
            placed += 1;
        }
        net.engine_exec(trader, &Net::trade_msg(0, spec.size, None)?, 0)?;
        net.advance(1)?;
        let run_all = ExecuteMsg::ExecuteOrders {
            order_ids: None,
            limit: None,
        };
        let op = format!("execute_orders, 1 market order, {target} resting conditional");
        let gas = net.engine_traced(&op, keeper, &run_all, 0)?.gas;
        rows.push(Row::new(
            section,
            &op,
            gas,
            "conditional orders at 2× / 0.5× the price",
        ));
    }
    Ok(rows)
}

/// The `order_id` of the `order_placed` event of a transaction.
fn order_id(tx: &localnet::TxResult) -> BenchResult<u64> {
    tx.events
        .iter()
        .filter(|e| e.ty.ends_with("order_placed"))
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key == "order_id")
        .ok_or("no order_placed event")?
        .value
        .parse()
        .map_err(Into::into)
}
