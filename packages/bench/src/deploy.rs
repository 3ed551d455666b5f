//! The protocol deployed on a fresh local chain from the optimized artifacts: price feed,
//! insurance fund and engine wired together, 17 markets with published prices, a funded vault and
//! insurance fund, and the few typed helpers the measurements need.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;

use cosmwasm_std::{Addr, Coin, Decimal256, SignedDecimal256, Uint128, Uint256};
use localnet::{Chain, ChainConfig, Gas, KvAccess, TxResult};
use perps_api::insurance_fund as fund;
use perps_api::perps::{
    ExecuteMsg, Execution, InstantiateMsg, MarginTier, MarketConfig, TradeMode,
};
use perps_api::price_feed as feed;
use serde::Serialize;

/// Errors of a benchmark run: any failure ends the run with its message.
pub type BenchResult<T> = Result<T, Box<dyn Error>>;

/// The collateral denom.
pub const DENOM: &str = "uusdc";
/// One USDC in base units (6 decimals).
pub const USDC: u128 = 1_000_000;
/// Collateral per position of a liquidation victim (≈ 9.6× leverage at 10 % initial margin).
pub const VICTIM_USDC_PER_POSITION: u128 = 125;

/// One market: id (= feed id), opening price, and the size worth [`POSITION_USDC`] at it.
pub struct MarketSpec {
    pub id: &'static str,
    pub price: &'static str,
    pub size: &'static str,
}

const fn spec(id: &'static str, price: &'static str, size: &'static str) -> MarketSpec {
    MarketSpec { id, price, size }
}

/// The 16 markets an account can hold at once (`max_positions_per_account` = 16), then one market
/// used only by the bad-debt liquidation.
pub const MARKETS: [MarketSpec; 17] = [
    spec("BTC", "60000", "0.02"),
    spec("ETH", "3000", "0.4"),
    spec("SOL", "150", "8"),
    spec("ATOM", "8", "150"),
    spec("OSMO", "0.6", "2000"),
    spec("INJ", "24", "50"),
    spec("TIA", "6", "200"),
    spec("NTRN", "0.4", "3000"),
    spec("DYDX", "1.5", "800"),
    spec("ARB", "0.8", "1500"),
    spec("OP", "2", "600"),
    spec("AVAX", "30", "40"),
    spec("DOT", "6", "200"),
    spec("LINK", "15", "80"),
    spec("NEAR", "5", "240"),
    spec("SUI", "3", "400"),
    spec("DOGE", "0.15", "8000"),
];

/// Index of the market reserved for the bad-debt liquidation.
pub const BAD_DEBT_MARKET: usize = 16;

pub fn dec(s: &str) -> BenchResult<Decimal256> {
    s.parse::<Decimal256>()
        .map_err(|e| format!("{s}: {e}").into())
}

pub fn sdec(s: &str) -> BenchResult<SignedDecimal256> {
    s.parse::<SignedDecimal256>()
        .map_err(|e| format!("{s}: {e}").into())
}

pub fn usdc(whole: u128) -> Vec<Coin> {
    vec![Coin::new(Uint256::from(whole * USDC), DENOM)]
}

/// The wasm files, read once at the start (a concurrent build cannot change them mid-run).
pub struct Artifacts {
    pub price_feed: Vec<u8>,
    pub insurance_fund: Vec<u8>,
    pub perps: Vec<u8>,
    pub cw20: Vec<u8>,
}

impl Artifacts {
    /// `<dir>/{price-feed,insurance-fund,perps}.wasm` and the cw20-base wasm.
    pub fn load(dir: &Path, cw20: &Path) -> BenchResult<Artifacts> {
        Ok(Artifacts {
            price_feed: read(&dir.join("price-feed.wasm"))?,
            insurance_fund: read(&dir.join("insurance-fund.wasm"))?,
            perps: read(&dir.join("perps.wasm"))?,
            cw20: read(cw20)?,
        })
    }
}

fn read(path: &Path) -> BenchResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        format!(
            "cannot read {} ({e}): run `bash scripts/bench.sh`, which builds it",
            path.display()
        )
        .into()
    })
}

/// A market's configuration: two margin brackets (10 % / 5 % up to 1M USDC of notional, then
/// 20 % / 10 %), 0.1 % taker fee, skew impact capped at 0.3 %, funding up to 10 % a day.
/// `execution`: the trade rows measure immediate markets; the order rows a deferred one.
pub fn market_config(spec: &MarketSpec, execution: Execution) -> BenchResult<MarketConfig> {
    // Skew scale ≈ 100M USDC of notional at the opening price, in whole units of the asset.
    let price: Decimal256 = dec(spec.price)?;
    let scale = Decimal256::from_ratio(100_000_000u128, 1u128).checked_div(price)?;
    Ok(MarketConfig {
        feed_id: spec.id.to_string(),
        margin_tiers: vec![
            MarginTier {
                max_notional: Some(Uint128::new(1_000_000 * USDC)),
                initial_margin_ratio: dec("0.1")?,
                maintenance_margin_ratio: dec("0.05")?,
            },
            MarginTier {
                max_notional: None,
                initial_margin_ratio: dec("0.2")?,
                maintenance_margin_ratio: dec("0.1")?,
            },
        ],
        taker_fee: dec("0.001")?,
        skew_scale: scale.floor(),
        max_price_impact: Some(dec("0.003")?),
        max_funding_rate_per_day: dec("0.1")?,
        max_long_oi: Uint128::new(500_000_000 * USDC),
        max_short_oi: Uint128::new(500_000_000 * USDC),
        max_position_notional: None,
        min_order_size: dec("0.001")?,
        liquidation_fee: dec("0.01")?,
        max_skew_to_vault: None,
        execution: Some(execution),
    })
}

/// The deployed protocol.
pub struct Net {
    pub chain: Chain,
    pub owner: Addr,
    pub publisher: Addr,
    pub feed: Addr,
    pub fund: Addr,
    pub engine: Addr,
    /// Current price of each market of [`MARKETS`].
    pub prices: Vec<Decimal256>,
    /// Store traces of the messages measured with [`Net::engine_traced`].
    pub traces: Vec<Traced>,
}

/// One message's store accesses, and the engine's store around it.
pub struct Traced {
    pub op: String,
    pub trace: Vec<KvAccess>,
    pub before: BTreeMap<Vec<u8>, Vec<u8>>,
    pub after: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Net {
    /// Deploys everything on a chain whose query gas limit is lifted (so that a query above
    /// wasmd's 3,000,000 can still be measured), funds the vault with `vault_usdc` and the
    /// insurance fund with 100,000 USDC.
    pub fn deploy(artifacts: &Artifacts, vault_usdc: u128) -> BenchResult<Net> {
        let mut chain = Chain::with_config(ChainConfig {
            query_gas_limit: u64::MAX / 2,
            ..ChainConfig::default()
        })?;
        let feed_code = chain.store_code(&artifacts.price_feed)?;
        let fund_code = chain.store_code(&artifacts.insurance_fund)?;
        let engine_code = chain.store_code(&artifacts.perps)?;
        let owner = chain.addr_make("owner");
        let publisher = chain.addr_make("publisher");
        let feed_msg = feed::InstantiateMsg {
            owner: None,
            publishers: vec![publisher.to_string()],
            max_future_secs: None,
        };
        let (feed, _) = chain.instantiate(feed_code, &owner, &feed_msg, &[], "price-feed")?;
        let fund_msg = fund::InstantiateMsg {
            owner: None,
            denom: DENOM.to_string(),
            engines: vec![],
        };
        let (fund, _) = chain.instantiate(fund_code, &owner, &fund_msg, &[], "insurance-fund")?;
        let engine_msg = InstantiateMsg {
            max_ema_deviation: dec("0.2")?,
            ..InstantiateMsg::reference(DENOM, &feed, &fund)
        };
        let (engine, _) = chain.instantiate(engine_code, &owner, &engine_msg, &[], "perps")?;
        let add_engine = fund::ExecuteMsg::AddEngine {
            engine: engine.to_string(),
        };
        chain.execute(&owner, &fund, &add_engine, &[])?;
        let mut net = Net {
            chain,
            owner,
            publisher,
            feed,
            fund,
            engine,
            prices: Vec::new(),
            traces: Vec::new(),
        };
        for spec in &MARKETS {
            let add_feed = feed::ExecuteMsg::AddFeed {
                feed_id: spec.id.to_string(),
                description: format!("{}/USD", spec.id),
                max_price_jump: None,
                jump_window_secs: None,
                max_jump_windows: None,
            };
            let (owner, feed) = (net.owner.clone(), net.feed.clone());
            net.chain.execute(&owner, &feed, &add_feed, &[])?;
            let add_market = ExecuteMsg::AddMarket {
                market_id: spec.id.to_string(),
                config: market_config(spec, Execution::Immediate)?,
            };
            net.engine_exec(&owner, &add_market, 0)?;
            net.prices.push(dec(spec.price)?);
        }
        net.publish()?;
        let lp = net.user("lp", vault_usdc)?;
        net.engine_exec(&lp, &ExecuteMsg::ProvideLiquidity {}, vault_usdc)?;
        let owner = net.owner.clone();
        net.chain.mint(&owner, &usdc(100_000))?;
        let fund_addr = net.fund.clone();
        net.chain.execute(
            &owner,
            &fund_addr,
            &fund::ExecuteMsg::Deposit {},
            &usdc(100_000),
        )?;
        Ok(net)
    }

    /// An account named `name` holding `whole` USDC.
    pub fn user(&mut self, name: &str, whole: u128) -> BenchResult<Addr> {
        let addr = self.chain.addr_make(name);
        if whole > 0 {
            self.chain.mint(&addr, &usdc(whole))?;
        }
        Ok(addr)
    }

    /// Executes an engine message with `whole` USDC attached (0: none).
    pub fn engine_exec(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        whole: u128,
    ) -> BenchResult<TxResult> {
        let funds = if whole > 0 { usdc(whole) } else { vec![] };
        let engine = self.engine.clone();
        Ok(self.chain.execute(sender, &engine, msg, &funds)?)
    }

    /// The gas of an engine message.
    pub fn engine_gas(&mut self, sender: &Addr, msg: &ExecuteMsg, whole: u128) -> BenchResult<Gas> {
        Ok(self.engine_exec(sender, msg, whole)?.gas)
    }

    /// Like [`Net::engine_exec`], keeping the message's store trace as `op` in [`Net::traces`].
    pub fn engine_traced(
        &mut self,
        op: &str,
        sender: &Addr,
        msg: &ExecuteMsg,
        whole: u128,
    ) -> BenchResult<TxResult> {
        let before = self.chain.dump_storage(&self.engine);
        self.chain.start_kv_trace();
        let result = self.engine_exec(sender, msg, whole);
        let trace = self.chain.take_kv_trace();
        let after = self.chain.dump_storage(&self.engine);
        self.traces.push(Traced {
            op: op.to_string(),
            trace,
            before,
            after,
        });
        result
    }

    /// A smart query of the engine and its gas.
    pub fn engine_query_gas(&self, msg: &impl Serialize) -> BenchResult<(Vec<u8>, Gas)> {
        let (bin, gas) = self.chain.query_smart_with_gas(&self.engine, msg)?;
        Ok((bin.to_vec(), gas))
    }

    /// Publishes every market's current price (conf 0, EMA = price) at the block time.
    pub fn publish(&mut self) -> BenchResult<TxResult> {
        let now = self.chain.block().time.seconds();
        let prices = MARKETS
            .iter()
            .zip(&self.prices)
            .map(|(spec, price)| feed::PriceUpdate {
                feed_id: spec.id.to_string(),
                price: *price,
                conf: Decimal256::zero(),
                ema_price: Some(*price),
                publish_time: now,
            })
            .collect();
        let (publisher, feed) = (self.publisher.clone(), self.feed.clone());
        let msg = feed::ExecuteMsg::UpdatePrices { prices };
        Ok(self.chain.execute(&publisher, &feed, &msg, &[])?)
    }

    /// `secs` later, every price re-published (prices stay fresh).
    pub fn advance(&mut self, secs: u64) -> BenchResult<()> {
        self.chain.advance_time(secs);
        self.publish()?;
        Ok(())
    }

    /// One second later, the markets in `indices` down by `drop_permille` ‰, every price
    /// re-published.
    pub fn crash(&mut self, indices: &[usize], drop_permille: u64) -> BenchResult<()> {
        let keep = Decimal256::permille(1_000u64.saturating_sub(drop_permille));
        for &i in indices {
            let price = self.prices.get_mut(i).ok_or("no such market")?;
            *price = price.checked_mul(keep)?;
        }
        self.advance(1)
    }

    /// One second later, the markets in `indices` up by `up_permille` ‰, every price
    /// re-published.
    pub fn rise(&mut self, indices: &[usize], up_permille: u64) -> BenchResult<()> {
        let factor = Decimal256::permille(1_000u64.saturating_add(up_permille));
        for &i in indices {
            let price = self.prices.get_mut(i).ok_or("no such market")?;
            *price = price.checked_mul(factor)?;
        }
        self.advance(1)
    }

    /// A cross (or isolated) trade of `size` in market `index`.
    pub fn trade_msg(index: usize, size: &str, mode: Option<TradeMode>) -> BenchResult<ExecuteMsg> {
        let spec = MARKETS.get(index).ok_or("no such market")?;
        Ok(ExecuteMsg::Trade {
            market_id: spec.id.to_string(),
            size_delta: sdec(size)?,
            acceptable_price: None,
            mode,
        })
    }

    /// A trader named `name` with [`VICTIM_USDC_PER_POSITION`] of collateral per position it
    /// will open.
    pub fn funded_trader(&mut self, name: &str, positions: usize) -> BenchResult<Addr> {
        let deposit = VICTIM_USDC_PER_POSITION * positions as u128;
        let trader = self.user(name, deposit)?;
        self.engine_exec(&trader, &ExecuteMsg::Deposit {}, deposit)?;
        Ok(trader)
    }

    /// Opens a cross long of about 1,200 USDC in each of `markets`.
    pub fn open_longs(&mut self, trader: &Addr, markets: &[usize]) -> BenchResult<()> {
        for &i in markets {
            let spec = MARKETS.get(i).ok_or("no such market")?;
            self.engine_exec(trader, &Self::trade_msg(i, spec.size, None)?, 0)?;
        }
        Ok(())
    }

    /// A trader with a cross long of about 1,200 USDC in each of `markets`, funded with
    /// [`VICTIM_USDC_PER_POSITION`] each (≈ 9.6× leverage): a 9.5 % drop leaves each position
    /// less equity than its liquidation penalty, so the target is out of reach and every
    /// position closes.
    pub fn leveraged_trader(&mut self, name: &str, markets: &[usize]) -> BenchResult<Addr> {
        let trader = self.funded_trader(name, markets.len())?;
        self.open_longs(&trader, markets)?;
        Ok(trader)
    }
}
