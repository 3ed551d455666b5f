//! The market story of the demo: three traders (cross and isolated), eight hours of funding, a
//! crash, two liquidations (one bankrupt, its bad debt paid by the insurance fund) and a profit
//! taken; next to them a fourth trader on a deferred market (SOL): his trade is a market order the
//! keeper fills at the next price, and his stop-loss triggers in the crash. Written against [`Backend`], so the demo runs it on the local chain and the tests run it
//! on both backends.

use cosmwasm_std::{Addr, Decimal256};
use perps_api::perps::{
    AccountResponse, ConfigResponse, ExecuteMsg, Execution, MarketConfig, PendingOrdersResponse,
    QueryMsg, Trigger, VaultResponse,
};

use crate::backend::{Backend, Executed, Failed};
use crate::protocol::{dec, market, sdec, Protocol, Setup, USDC};

/// One transaction of a step.
#[derive(Clone, Debug)]
pub struct Tx {
    /// What it was (`alice: trade BTC +0.5 cross`).
    pub label: String,
    /// The contract events it emitted (`wasm-*`), addresses replaced by names.
    pub events: Vec<(String, Vec<(String, String)>)>,
    /// SDK gas, where the backend meters it.
    pub gas: Option<u64>,
}

/// A trader's state after a step.
#[derive(Clone, Debug)]
pub struct Trader {
    /// Display name.
    pub name: String,
    /// USDC in the wallet, base units.
    pub wallet: u128,
    /// The `account` query.
    pub account: AccountResponse,
}

/// What a step did and the state after it.
#[derive(Clone, Debug)]
pub struct Step {
    /// Headline.
    pub title: String,
    /// The transactions of the step.
    pub txs: Vec<Tx>,
    /// Block time after the step, seconds since genesis.
    pub elapsed: u64,
    /// Published prices.
    pub prices: Vec<(String, Decimal256)>,
    /// Every trader.
    pub traders: Vec<Trader>,
    /// The vault.
    pub vault: VaultResponse,
    /// The insurance fund's balance, base units.
    pub fund: u128,
    /// Insurance fees accrued in the engine, not yet swept.
    pub pending_fees: u128,
    /// The keeper's wallet, base units.
    pub keeper: u128,
}

/// The story's cast and its steps so far.
pub struct Story<B: Backend> {
    /// The protocol.
    pub p: Protocol<B>,
    /// Cross trader (long BTC, short ETH).
    pub alice: Addr,
    /// Isolated trader (leveraged long BTC).
    pub bob: Addr,
    /// Cross trader (leveraged long ETH).
    pub carol: Addr,
    /// Trader on the deferred SOL market (a market order, then a stop-loss).
    pub dave: Addr,
    /// Liquidation bot.
    pub keeper: Addr,
    /// Steps played.
    pub steps: Vec<Step>,
    start: u64,
    pending: Vec<Tx>,
}

/// The story's setup: [`Setup::default`] and SOL at 150, a deferred market (DESIGN 6.11).
pub fn setup() -> Setup {
    let mut setup = Setup::default();
    let sol = MarketConfig {
        execution: Some(Execution::Deferred),
        ..market("SOL", "100000", "0.01")
    };
    setup.markets.push(("SOL".into(), sol, dec("150")));
    setup
}

impl<B: Backend> Story<B> {
    /// Deploys the protocol and plays the whole story.
    pub fn play(backend: B) -> Result<Self, Failed> {
        let p = Protocol::deploy(backend, &setup())?;
        let start = p.now();
        let mut s = Story {
            alice: Addr::unchecked(""),
            bob: Addr::unchecked(""),
            carol: Addr::unchecked(""),
            dave: Addr::unchecked(""),
            keeper: Addr::unchecked(""),
            p,
            steps: Vec::new(),
            start,
            pending: Vec::new(),
        };
        let deploy_gas: Vec<Tx> =
            s.p.gas_log
                .iter()
                .map(|(label, gas)| Tx {
                    label: label.clone(),
                    events: Vec::new(),
                    gas: Some(gas.total()),
                })
                .collect();
        s.pending = deploy_gas;
        s.alice = s.p.user("alice", 10_000 * USDC)?;
        s.bob = s.p.user("bob", 1_500 * USDC)?;
        s.carol = s.p.user("carol", 1_000 * USDC)?;
        s.dave = s.p.user("dave", 1_000 * USDC)?;
        s.keeper = s.p.user("keeper", 0)?;
        s.end("Deploy: price feed, insurance fund (2,000 USDC), engine with BTC and ETH, SOL (deferred), vault of 1,000,000 USDC")?;
        s.run()?;
        Ok(s)
    }

    fn run(&mut self) -> Result<(), Failed> {
        let (alice, bob, carol, keeper) = (
            self.alice.clone(),
            self.bob.clone(),
            self.carol.clone(),
            self.keeper.clone(),
        );
        let r = self.p.deposit(&alice, 10_000 * USDC);
        self.tx("alice: deposit 10,000", r)?;
        let r = self.p.deposit(&bob, 1_500 * USDC);
        self.tx("bob: deposit 1,500", r)?;
        let r = self.p.deposit(&carol, 1_000 * USDC);
        self.tx("carol: deposit 1,000", r)?;
        let dave = self.dave.clone();
        let r = self.p.deposit(&dave, 1_000 * USDC);
        self.tx("dave: deposit 1,000", r)?;
        self.end("Traders deposit USDC")?;

        let r = self.p.trade(&alice, "BTC", "0.5");
        self.tx("alice: long 0.5 BTC (cross)", r)?;
        let r = self.p.trade(&alice, "ETH", "-5");
        self.tx("alice: short 5 ETH (cross)", r)?;
        self.end("Alice hedges in cross margin: long BTC, short ETH")?;

        let r = self.p.isolated(&bob, "BTC", "0.2", 1_300 * USDC);
        self.tx("bob: long 0.2 BTC, isolated with 1,300 margin", r)?;
        let r = self.p.trade(&carol, "ETH", "3");
        self.tx("carol: long 3 ETH (cross, 9x)", r)?;
        self.end("Bob levers up in isolated margin, Carol in cross")?;
        self.deferred_sol()?;

        let r = self.p.advance_and_refresh(8 * 3600);
        self.tx("publisher: prices unchanged, 8 hours later", r)?;
        self.end("Eight hours pass: funding accrues (BTC skewed long: longs pay; ETH skewed short: shorts pay)")?;

        self.p.advance(1);
        let crash = [
            ("BTC".to_string(), dec("53000")),
            ("ETH".to_string(), dec("2750")),
            ("SOL".to_string(), dec("130")),
        ];
        let r = self.p.publish(&crash);
        self.tx("publisher: BTC 53,000, ETH 2,750, SOL 130", r)?;
        self.end("Crash: BTC -11.7 %, ETH -8.3 %, SOL -13.3 %")?;

        let r = self.p.liquidate(&keeper, &bob);
        self.tx("keeper: liquidate bob", r)?;
        self.end("Bob's isolated position is bankrupt: liquidated, bad debt paid by fees and the insurance fund")?;

        let r = self.p.liquidate(&keeper, &carol);
        self.tx("keeper: liquidate carol", r)?;
        self.end("Carol's cross book is below maintenance: partially liquidated back to health")?;

        // A conditional order is executed by id: the keeper reads the pending orders.
        let pending: PendingOrdersResponse = self
            .p
            .engine_query(&QueryMsg::PendingOrders {
                start_after: None,
                limit: None,
            })
            .map_err(failed)?;
        let ids = pending.orders.iter().map(|o| o.order_id).collect();
        let r = self.p.engine_exec(&keeper, &run_orders(Some(ids)), 0);
        self.tx("keeper: execute_orders (dave's stop-loss)", r)?;
        self.end("The crash printed SOL at 130: Dave's stop-loss fills there (the gap), not at its 140 trigger")?;

        let r = self.p.close(&alice, "ETH");
        self.tx("alice: close the ETH short", r)?;
        let r = self.p.close(&alice, "BTC");
        self.tx("alice: close the BTC long", r)?;
        let free = self.p.account(&alice).map_err(failed)?.free_collateral;
        let r = self.p.withdraw(&alice, free.u128());
        self.tx("alice: withdraw everything", r)?;
        self.end("Alice's hedge paid off: she closes both and withdraws")?;

        let engine = self.p.engine.clone();
        let r = self
            .p
            .exec(&keeper, &engine, &ExecuteMsg::SweepFees {}, &[]);
        self.tx("keeper: sweep fees to the insurance fund", r)?;
        self.end("Accrued insurance fees are swept into the fund")?;
        Ok(())
    }

    /// Dave on the deferred SOL market: his `trade` places a market order; the next price record
    /// (a new block) pins it and the keeper executes it there; then a stop-loss 140 below.
    fn deferred_sol(&mut self) -> Result<(), Failed> {
        let (dave, keeper) = (self.dave.clone(), self.keeper.clone());
        let r = self.p.trade(&dave, "SOL", "20");
        self.tx("dave: long 20 SOL (deferred: a market order)", r)?;
        // The next block's SOL record, published a second ahead (within the feed's future bound).
        self.p.advance(0);
        let r = self.p.publish_ahead(&[("SOL".to_string(), dec("150"))], 1);
        self.tx("publisher: SOL 150 (the next block's record)", r)?;
        let r = self.p.engine_exec(&keeper, &run_orders(None), 0);
        self.tx("keeper: execute_orders (dave's market order)", r)?;
        let stop = ExecuteMsg::PlaceOrder {
            market_id: "SOL".into(),
            size_delta: sdec("-20"),
            trigger_price: dec("140"),
            trigger: Trigger::Below,
            reduce_only: Some(true),
            acceptable_price: None,
            mode: None,
        };
        let r = self.p.engine_exec(&dave, &stop, 0);
        self.tx("dave: stop-loss, sell 20 SOL below 140", r)?;
        self.end("Dave buys SOL on a deferred market: a market order the keeper fills at the next price; then a stop-loss")
    }

    fn tx(&mut self, label: &str, result: Result<Executed, Failed>) -> Result<(), Failed> {
        let executed = result.map_err(|f| Failed {
            error: format!("{label}: {}", f.error),
            gas: f.gas,
        })?;
        let events = executed
            .events
            .iter()
            .filter(|e| e.ty.starts_with("wasm-"))
            .map(|e| {
                let attrs = e
                    .attributes
                    .iter()
                    .filter(|a| a.key != "_contract_address")
                    .map(|a| (a.key.clone(), self.p.name_of(&a.value)))
                    .collect();
                (e.ty.trim_start_matches("wasm-").to_string(), attrs)
            })
            .collect();
        self.pending.push(Tx {
            label: label.to_string(),
            events,
            gas: executed.gas.map(|g| g.total()),
        });
        Ok(())
    }

    fn end(&mut self, title: &str) -> Result<(), Failed> {
        let mut traders = Vec::new();
        for who in [
            &self.alice.clone(),
            &self.bob.clone(),
            &self.carol.clone(),
            &self.dave.clone(),
        ] {
            let account = self.p.account(who).map_err(failed)?;
            traders.push(Trader {
                name: self.p.name_of(who.as_str()),
                wallet: self.p.balance(who),
                account,
            });
        }
        let vault = self.p.vault().map_err(failed)?;
        let fund = self.p.fund_balance().map_err(failed)?;
        let cfg: ConfigResponse = self.p.engine_query(&QueryMsg::Config {}).map_err(failed)?;
        let keeper = self.keeper.clone();
        let step = Step {
            title: title.to_string(),
            txs: std::mem::take(&mut self.pending),
            elapsed: self.p.now().saturating_sub(self.start),
            prices: self.p.prices.clone(),
            traders,
            vault,
            fund,
            pending_fees: cfg.pending_insurance_fees.u128(),
            keeper: self.p.balance(&keeper),
        };
        self.steps.push(step);
        Ok(())
    }
}

/// `execute_orders` for `ids` (ready market orders oldest first when `None`; a conditional
/// order needs its id).
fn run_orders(ids: Option<Vec<u64>>) -> ExecuteMsg {
    ExecuteMsg::ExecuteOrders {
        order_ids: ids,
        limit: None,
    }
}

fn failed(error: String) -> Failed {
    Failed { error, gas: None }
}
