//! The protocol deployed on a [`Backend`]: the three contracts wired together, two markets, a
//! funded vault and insurance fund, and typed helpers. Every execute and query goes through
//! [`Protocol::exec`] / [`Protocol::query`], which keep a journal of normalized results
//! (addresses replaced by names) so that two backends can be compared step by step.

use cosmwasm_std::{Addr, Coin, Decimal256, SignedDecimal256, Uint128, Uint256};
use localnet::Gas;
use perps_api::insurance_fund as fund;
use perps_api::perps::{
    AccountResponse, ExecuteMsg, Execution, InstantiateMsg, MarginTier, MarketConfig,
    MarketResponse, QueryMsg, TradeMode, VaultResponse,
};
use perps_api::price_feed as feed;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::backend::{Backend, Code, Executed, Failed};
use crate::journal::{contract_events, events_json, Entry};

/// The collateral (and quote) denom.
pub const DENOM: &str = "uusdc";
/// One USDC in base units (`collateral_decimals` = 6).
pub const USDC: u128 = 1_000_000;

/// A decimal from a literal (scenario code: the literals are valid).
pub fn dec(s: &str) -> Decimal256 {
    s.parse().unwrap_or_else(|e| panic!("bad decimal {s}: {e}"))
}

/// A signed decimal from a literal.
pub fn sdec(s: &str) -> SignedDecimal256 {
    s.parse()
        .unwrap_or_else(|e| panic!("bad signed decimal {s}: {e}"))
}

/// `amount` base units of the collateral.
pub fn usdc(amount: u128) -> Vec<Coin> {
    vec![Coin::new(Uint256::from(amount), DENOM)]
}

/// A market with a 0.1 % taker fee, skew impact (scale `skew_scale`, cap 0.3 %), funding up to
/// 0.03 % a day at the cap skew `0.003·skew_scale` (the rate is taken on `K/(cap·skew_scale)`:
/// 10 % a day at `K = skew_scale`), one tier at 10 % initial / 5 % maintenance margin, and a 1 %
/// liquidation fee.
pub fn market(feed_id: &str, skew_scale: &str, min_order_size: &str) -> MarketConfig {
    MarketConfig {
        feed_id: feed_id.to_string(),
        margin_tiers: vec![MarginTier {
            max_notional: None,
            initial_margin_ratio: dec("0.1"),
            maintenance_margin_ratio: dec("0.05"),
        }],
        taker_fee: dec("0.001"),
        skew_scale: dec(skew_scale),
        max_price_impact: Some(dec("0.003")),
        max_funding_rate_per_day: dec("0.0003"),
        max_long_oi: Uint128::new(100_000_000 * USDC),
        max_short_oi: Uint128::new(100_000_000 * USDC),
        max_position_notional: None,
        min_order_size: dec(min_order_size),
        liquidation_fee: dec("0.01"),
        max_skew_to_vault: None,
        // Scenarios of immediate fills; the demo adds a deferred market of its own.
        execution: Some(Execution::Immediate),
    }
}

/// What [`Protocol::deploy`] sets up.
#[derive(Clone, Debug)]
pub struct Setup {
    /// Markets and their opening prices.
    pub markets: Vec<(String, MarketConfig, Decimal256)>,
    /// USDC (whole) the LP puts in the vault.
    pub vault_usdc: u128,
    /// USDC (whole) deposited in the insurance fund.
    pub insurance_usdc: u128,
    /// Minimum liquidator reward, base units.
    pub min_liquidation_reward: u128,
}

impl Default for Setup {
    /// BTC at 60,000 (skew scale 1,000 BTC) and ETH at 3,000 (skew scale 20,000 ETH), a
    /// 1,000,000 USDC vault, a 2,000 USDC insurance fund, a 5 USDC minimum liquidator reward.
    fn default() -> Self {
        Setup {
            markets: vec![
                ("BTC".into(), market("BTC", "1000", "0.001"), dec("60000")),
                ("ETH".into(), market("ETH", "20000", "0.01"), dec("3000")),
            ],
            vault_usdc: 1_000_000,
            insurance_usdc: 2_000,
            min_liquidation_reward: 5 * USDC,
        }
    }
}

/// The protocol on a backend.
pub struct Protocol<B: Backend> {
    /// The chain.
    pub backend: B,
    /// Owner of the three contracts.
    pub owner: Addr,
    /// The price publisher.
    pub publisher: Addr,
    /// The liquidity provider.
    pub lp: Addr,
    /// price-feed contract.
    pub feed: Addr,
    /// insurance-fund contract.
    pub fund: Addr,
    /// perps engine contract.
    pub engine: Addr,
    /// Latest published price per feed.
    pub prices: Vec<(String, Decimal256)>,
    /// Every execute and query, normalized.
    pub journal: Vec<Entry>,
    /// SDK gas of every execute, where the backend meters it.
    pub gas_log: Vec<(String, Gas)>,
    names: Vec<(String, String)>,
}

impl<B: Backend> Protocol<B> {
    /// Deploys the three contracts, registers the engine with the fund, adds feeds and markets,
    /// publishes the opening prices, funds the vault and the insurance fund.
    pub fn deploy(backend: B, setup: &Setup) -> Result<Self, Failed> {
        let owner = backend.addr_make("owner");
        let publisher = backend.addr_make("publisher");
        let lp = backend.addr_make("lp");
        let mut p = Protocol {
            backend,
            owner: owner.clone(),
            publisher: publisher.clone(),
            lp: lp.clone(),
            feed: Addr::unchecked(""),
            fund: Addr::unchecked(""),
            engine: Addr::unchecked(""),
            prices: Vec::new(),
            journal: Vec::new(),
            gas_log: Vec::new(),
            names: Vec::new(),
        };
        p.name(&owner, "owner");
        p.name(&publisher, "publisher");
        p.name(&lp, "lp");
        p.feed = p.instantiate(
            Code::PriceFeed,
            &feed::InstantiateMsg {
                owner: None,
                publishers: vec![publisher.to_string()],
                max_future_secs: None,
            },
            "price-feed",
        )?;
        p.fund = p.instantiate(
            Code::InsuranceFund,
            &fund::InstantiateMsg {
                owner: None,
                denom: DENOM.to_string(),
                engines: vec![],
            },
            "insurance-fund",
        )?;
        let engine_msg = InstantiateMsg {
            max_ema_deviation: dec("0.1"),
            min_liquidation_reward: Some(Uint128::new(setup.min_liquidation_reward)),
            ..InstantiateMsg::reference(DENOM, &p.feed, &p.fund)
        };
        p.engine = p.instantiate(Code::Perps, &engine_msg, "perps")?;
        let (fund_addr, engine_addr) = (p.fund.clone(), p.engine.clone());
        p.exec(
            &owner,
            &fund_addr,
            &fund::ExecuteMsg::AddEngine {
                engine: engine_addr.to_string(),
            },
            &[],
        )?;
        let feed_addr = p.feed.clone();
        for (id, config, _) in &setup.markets {
            p.exec(
                &owner,
                &feed_addr,
                &feed::ExecuteMsg::AddFeed {
                    feed_id: config.feed_id.clone(),
                    description: format!("{id}/USD"),
                    max_price_jump: None,
                    jump_window_secs: None,
                    max_jump_windows: None,
                },
                &[],
            )?;
            p.engine_exec(
                &owner,
                &ExecuteMsg::AddMarket {
                    market_id: id.clone(),
                    config: config.clone(),
                },
                0,
            )?;
        }
        let opening: Vec<(String, Decimal256)> = setup
            .markets
            .iter()
            .map(|(_, c, price)| (c.feed_id.clone(), *price))
            .collect();
        p.publish(&opening)?;
        p.mint(&lp, setup.vault_usdc * USDC)?;
        p.engine_exec(
            &lp,
            &ExecuteMsg::ProvideLiquidity {},
            setup.vault_usdc * USDC,
        )?;
        if setup.insurance_usdc > 0 {
            p.mint(&owner, setup.insurance_usdc * USDC)?;
            p.exec(
                &owner,
                &fund_addr,
                &fund::ExecuteMsg::Deposit {},
                &usdc(setup.insurance_usdc * USDC),
            )?;
        }
        Ok(p)
    }

    /// Registers a display name for an address (used by normalization and tables).
    pub fn name(&mut self, addr: &Addr, name: &str) {
        self.names.push((addr.to_string(), name.to_string()));
    }

    /// The display name of an address (its string when unknown).
    pub fn name_of(&self, addr: &str) -> String {
        self.names
            .iter()
            .find(|(a, _)| a == addr)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| addr.to_string())
    }

    /// A user named `name` holding `amount` base units of USDC.
    pub fn user(&mut self, name: &str, amount: u128) -> Result<Addr, Failed> {
        let addr = self.backend.addr_make(name);
        self.name(&addr, name);
        if amount > 0 {
            self.mint(&addr, amount)?;
        }
        Ok(addr)
    }

    /// Creates `amount` base units of USDC for `to` (test setup).
    pub fn mint_to(&mut self, to: &Addr, amount: u128) {
        if let Err(e) = self.mint(to, amount) {
            panic!("mint: {e}");
        }
    }

    fn mint(&mut self, to: &Addr, amount: u128) -> Result<(), Failed> {
        self.backend
            .mint(to, &usdc(amount))
            .map_err(|error| Failed { error, gas: None })
    }

    fn instantiate(
        &mut self,
        code: Code,
        msg: &impl Serialize,
        label: &str,
    ) -> Result<Addr, Failed> {
        let owner = self.owner.clone();
        let msg = to_value(msg);
        let (addr, executed) = self.backend.instantiate(code, &owner, &msg, label)?;
        self.name(&addr, label);
        let step = format!("instantiate {label}");
        self.record_tx(&step, &Ok(executed.clone()));
        Ok(addr)
    }

    /// Executes `msg` on `contract`; the result goes to the journal (and its gas to the gas log).
    pub fn exec(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &impl Serialize,
        funds: &[Coin],
    ) -> Result<Executed, Failed> {
        let msg = to_value(msg);
        let action = action_of(&msg);
        let step = format!(
            "execute {} {action} by {}",
            self.name_of(contract.as_str()),
            self.name_of(sender.as_str())
        );
        let result = self.backend.execute(sender, contract, &msg, funds);
        self.record_tx(&step, &result);
        result
    }

    /// Executes an engine message with `amount` base units of USDC attached (0: none).
    pub fn engine_exec(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        amount: u128,
    ) -> Result<Executed, Failed> {
        let funds = if amount > 0 { usdc(amount) } else { vec![] };
        let engine = self.engine.clone();
        self.exec(sender, &engine, msg, &funds)
    }

    fn record_tx(&mut self, step: &str, result: &Result<Executed, Failed>) {
        let record = match result {
            Ok(executed) => {
                if let Some(gas) = executed.gas {
                    self.gas_log.push((step.to_string(), gas));
                }
                json!({ "ok": events_json(&contract_events(&executed.events)) })
            }
            Err(failed) => json!({ "error": failed.error }),
        };
        // The bank side of every transaction: each known address's balance after it.
        let balances: serde_json::Map<String, Value> = self
            .names
            .iter()
            .map(|(addr, name)| {
                let amount = self.backend.balance(&Addr::unchecked(addr), DENOM);
                (name.clone(), json!(amount.to_string()))
            })
            .collect();
        let record = json!({ "result": record, "balances": balances });
        let record = self.normalize(record);
        self.journal.push(Entry {
            step: step.to_string(),
            record,
        });
    }

    /// A smart query, decoded; the JSON goes to the journal.
    pub fn query<T: DeserializeOwned>(
        &mut self,
        contract: &Addr,
        msg: &impl Serialize,
    ) -> Result<T, String> {
        let msg = to_value(msg);
        let action = action_of(&msg);
        let step = format!("query {} {action}", self.name_of(contract.as_str()));
        let result = self.backend.query(contract, &msg);
        let record = match &result {
            Ok(v) => json!({ "ok": v }),
            Err(e) => json!({ "error": e }),
        };
        let record = self.normalize(record);
        self.journal.push(Entry { step, record });
        let value = result?;
        serde_json::from_value(value).map_err(|e| format!("cannot decode {action}: {e}"))
    }

    /// An engine query.
    pub fn engine_query<T: DeserializeOwned>(&mut self, msg: &QueryMsg) -> Result<T, String> {
        let engine = self.engine.clone();
        self.query(&engine, msg)
    }

    /// Bank balance in USDC base units; recorded in the journal.
    pub fn balance(&mut self, who: &Addr) -> u128 {
        let amount = self.backend.balance(who, DENOM);
        let step = format!("balance of {}", self.name_of(who.as_str()));
        self.journal.push(Entry {
            step,
            record: json!(amount.to_string()),
        });
        amount
    }

    /// Block time, seconds.
    pub fn now(&self) -> u64 {
        self.backend.now()
    }

    /// `secs` later.
    pub fn advance(&mut self, secs: u64) {
        self.backend.advance(secs);
        let now = self.now();
        self.journal.push(Entry {
            step: format!("advance {secs} s"),
            record: json!(now),
        });
    }

    /// Publishes prices (conf 0, EMA = price) at the current block time, one message.
    pub fn publish(&mut self, prices: &[(String, Decimal256)]) -> Result<Executed, Failed> {
        let result = self.publish_ahead(prices, 0)?;
        for (id, price) in prices {
            match self.prices.iter_mut().find(|(f, _)| f == id) {
                Some(entry) => entry.1 = *price,
                None => self.prices.push((id.clone(), *price)),
            }
        }
        Ok(result)
    }

    /// Like [`Protocol::publish`] with the publish time `ahead` seconds after the block time
    /// (a second record within the same second of block time; the feed takes up to its
    /// `max_future_secs`).
    pub fn publish_ahead(
        &mut self,
        prices: &[(String, Decimal256)],
        ahead: u64,
    ) -> Result<Executed, Failed> {
        let t = self.now() + ahead;
        let updates = prices
            .iter()
            .map(|(id, price)| feed::PriceUpdate {
                feed_id: id.clone(),
                price: *price,
                conf: Decimal256::zero(),
                ema_price: None,
                publish_time: t,
            })
            .collect();
        let (publisher, feed_addr) = (self.publisher.clone(), self.feed.clone());
        self.exec(
            &publisher,
            &feed_addr,
            &feed::ExecuteMsg::UpdatePrices { prices: updates },
            &[],
        )
    }

    /// `secs` later, then every feed re-published at its latest price (prices stay fresh).
    pub fn advance_and_refresh(&mut self, secs: u64) -> Result<Executed, Failed> {
        self.advance(secs);
        let prices = self.prices.clone();
        self.publish(&prices)
    }

    /// Deposits `amount` base units.
    pub fn deposit(&mut self, who: &Addr, amount: u128) -> Result<Executed, Failed> {
        self.engine_exec(who, &ExecuteMsg::Deposit {}, amount)
    }

    /// A cross trade (or a trade on an existing position) of `size` in `market`.
    pub fn trade(&mut self, who: &Addr, market: &str, size: &str) -> Result<Executed, Failed> {
        self.engine_exec(who, &trade_msg(market, size, None), 0)
    }

    /// Opens an isolated position of `size` with `margin` base units moved from collateral.
    pub fn isolated(
        &mut self,
        who: &Addr,
        market: &str,
        size: &str,
        margin: u128,
    ) -> Result<Executed, Failed> {
        let mode = TradeMode::Isolated {
            margin: Uint128::new(margin),
        };
        self.engine_exec(who, &trade_msg(market, size, Some(mode)), 0)
    }

    /// Closes the position in `market`.
    pub fn close(&mut self, who: &Addr, market: &str) -> Result<Executed, Failed> {
        self.engine_exec(
            who,
            &ExecuteMsg::ClosePosition {
                market_id: market.to_string(),
                acceptable_price: None,
            },
            0,
        )
    }

    /// Withdraws `amount` base units of free collateral.
    pub fn withdraw(&mut self, who: &Addr, amount: u128) -> Result<Executed, Failed> {
        self.engine_exec(
            who,
            &ExecuteMsg::Withdraw {
                amount: Uint128::new(amount),
            },
            0,
        )
    }

    /// `liquidate { account }` sent by `keeper`.
    pub fn liquidate(&mut self, keeper: &Addr, account: &Addr) -> Result<Executed, Failed> {
        self.engine_exec(
            keeper,
            &ExecuteMsg::Liquidate {
                account: account.to_string(),
                min_reward: None,
            },
            0,
        )
    }

    /// The `account` query.
    pub fn account(&mut self, who: &Addr) -> Result<AccountResponse, String> {
        self.engine_query(&QueryMsg::Account {
            address: who.to_string(),
        })
    }

    /// The `vault` query.
    pub fn vault(&mut self) -> Result<VaultResponse, String> {
        self.engine_query(&QueryMsg::Vault {})
    }

    /// The `market` query.
    pub fn market(&mut self, id: &str) -> Result<MarketResponse, String> {
        self.engine_query(&QueryMsg::Market {
            market_id: id.to_string(),
        })
    }

    /// The insurance fund's balance (its `balance` query), base units.
    pub fn fund_balance(&mut self) -> Result<u128, String> {
        let fund = self.fund.clone();
        let r: fund::BalanceResponse = self.query(&fund, &fund::QueryMsg::Balance {})?;
        Ok(r.amount.u128())
    }

    /// Replaces every known address inside `value`'s strings by `<name>`.
    pub fn normalize(&self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.normalize_str(&s)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.normalize(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, self.normalize(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    fn normalize_str(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (addr, name) in &self.names {
            if out.contains(addr.as_str()) {
                out = out.replace(addr.as_str(), &format!("<{name}>"));
            }
        }
        out
    }
}

/// A trade of `size` in `market` in `mode`, at the default acceptable price.
fn trade_msg(market: &str, size: &str, mode: Option<TradeMode>) -> ExecuteMsg {
    ExecuteMsg::Trade {
        market_id: market.to_string(),
        size_delta: sdec(size),
        acceptable_price: None,
        mode,
    }
}

/// A message's action: the name of its one top-level key (empty for anything else).
fn action_of(msg: &Value) -> String {
    msg.as_object()
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_default()
}

fn to_value(msg: &impl Serialize) -> Value {
    // Every message here is a derived `Serialize` of plain data: it cannot fail.
    serde_json::to_value(msg).unwrap_or(Value::Null)
}
