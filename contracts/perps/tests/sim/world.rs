//! The simulated world: an engine with the real price-feed and insurance-fund contracts, four
//! traders, a third-party liquidator, two LPs, three markets; how each step is executed, and the
//! observation (stored state + queries + model) taken around it.

use std::collections::BTreeMap;

use cosmwasm_std::{
    coins, Addr, Coin, Decimal256, Int256, Order, SignedDecimal256, StdResult, Uint128, Uint256,
};
use cw_multi_test::{AppResponse, Executor};
use perps::state::{Mode, COLLATERAL, CONFIG, MARKETS, MARKET_STATES, POSITIONS, VAULT};
use perps_api::insurance_fund::ExecuteMsg as FundMsg;
use perps_api::perps::{
    AccountResponse, ExecuteMsg, MarketConfig, MarketStatus, TradeMode, VaultResponse,
};
use perps_api::price_feed::{ExecuteMsg as FeedMsg, PriceResponse, QueryMsg as FeedQuery};

use super::actions::{Amount, ModeChoice, MARKETS as N_MARKETS, TRADERS};
use super::messages::market_config;
use super::model::{self, AccountIn, PosIn, World};
use super::Stats;
use crate::suite::{d, Suite, DENOM, USDC};

/// A second denom wallets hold (sent by mistake, or by hostile messages).
pub const OTHER_DENOM: &str = "uatom";

pub const IDS: [&str; N_MARKETS] = ["BTC", "ETH", "SOL"];
const INITIAL: [&str; N_MARKETS] = ["60000", "3000", "100"];
/// Size of one lot per market, in atomics (1e-18) of the asset: 0.001 BTC, 0.01 ETH, 0.1 SOL.
pub(super) const LOT_ATOMICS: [u128; N_MARKETS] = [
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
];

/// Result of one executed message.
pub struct Exec {
    pub res: StdResult<AppResponse>,
}

/// Everything observed at one point of a sequence.
pub struct Obs {
    pub world: World,
    pub accounts: Vec<AccountIn>,
    pub resp: Vec<AccountResponse>,
    pub all_positions: Vec<PosIn>,
    pub cash: i128,
    pub vault: VaultResponse,
    pub fund_balance: u128,
    /// Bank balances (collateral denom) of the traders, then the liquidator.
    pub bank: Vec<u128>,
}

impl Obs {
    pub fn cross(&self, t: usize) -> model::BookValues {
        self.accounts[t].cross(&self.world)
    }

    /// Trader `t`'s books: the cross book, then each isolated one.
    pub fn books(&self, t: usize) -> Vec<model::BookValues> {
        let isolated = self.accounts[t].isolated_books(&self.world);
        let mut books = vec![self.cross(t)];
        books.extend(isolated.into_iter().map(|(_, b)| b));
        books
    }

    /// `C + Σ isolated M` (integer money held by the account's books).
    pub fn held(&self, t: usize) -> i128 {
        let a = &self.accounts[t];
        a.collateral + a.positions.iter().filter_map(|p| p.margin).sum::<i128>()
    }

    /// Cross equity plus every isolated equity, as the engine reports them.
    pub fn total_equity(&self, t: usize) -> i128 {
        let r = &self.resp[t];
        r.equity.i128()
            + r.positions
                .iter()
                .filter_map(|p| p.equity.map(|e| e.i128()))
                .sum::<i128>()
    }

    pub fn position(&self, t: usize, market: &str) -> Option<&PosIn> {
        self.accounts[t]
            .positions
            .iter()
            .find(|p| p.market == market)
    }

    pub fn holds_settled(&self, t: usize) -> bool {
        self.accounts[t].positions.iter().any(|p| {
            matches!(
                self.world.markets[&p.market].status,
                MarketStatus::Settled { .. }
            )
        })
    }
}

pub struct Sim {
    pub s: Suite,
    pub traders: Vec<Addr>,
    pub liquidator: Addr,
    pub lps: Vec<Addr>,
    pub prices: [Decimal256; N_MARKETS],
    pub stats: Stats,
    /// Σ `paid` of the fund's `cover_bad_debt` events in the current step.
    pub cover_paid: i128,
    /// The vault right before the current step's message (the share price a claim is held to).
    pub vault_before: perps_api::perps::VaultResponse,
    /// The feed's record of the market was published with a confidence or an EMA off the
    /// price (the strict checks may fail): the model does not predict what needs them.
    pub doubtful: [bool; N_MARKETS],
    /// The ADL path ran and left V < 0 (see `solvency_after_step`).
    pub adl_exhausted: bool,
    /// The last trade saw V < 0 (or about 0) as the engine values it for the message.
    pub haircut_seen: bool,
    /// An `AdlShock` moved a price beyond what the caps allow for in this sequence.
    pub shocked: bool,
}

impl Default for Sim {
    fn default() -> Self {
        Self::new()
    }
}

impl Sim {
    pub fn new() -> Self {
        let markets: Vec<(&str, MarketConfig)> = (0..N_MARKETS)
            .map(|m| (IDS[m], market_config(m, 0)))
            .collect();
        let mut s = Suite::with(
            |m| {
                m.unrealized_profit_weight = Some(d("0.5"));
                m.min_liquidation_reward = Some(Uint128::new(USDC));
            },
            &markets,
        );
        // SOL's feed bounds jumps (25 % per minute): larger gaps are skipped by the feed and
        // the engine sees an ageing price instead.
        let owner = s.owner.clone();
        let feed = s.feed.clone();
        for msg in [
            FeedMsg::RemoveFeed {
                feed_id: "SOL".to_string(),
            },
            FeedMsg::AddFeed {
                feed_id: "SOL".to_string(),
                description: "SOL".to_string(),
                max_price_jump: Some(d("0.25")),
                jump_window_secs: Some(60),
                max_jump_windows: None,
            },
        ] {
            s.app
                .execute_contract(owner.clone(), feed.clone(), &msg, &[])
                .unwrap();
        }
        s.set_price("SOL", INITIAL[2]);
        let traders: Vec<Addr> = (0..TRADERS)
            .map(|i| s.trader(&format!("trader{i}"), 5_000_000, 0))
            .collect();
        let liquidator = s.trader("liquidator", 0, 0);
        let lp2 = s.trader("lp2", 5_000_000, 0);
        let lp = s.lp.clone();
        s.mint(&lp, 5_000_000 * USDC);
        // The fund pays this engine's bad debt and holds a balance to pay it from.
        let owner = s.owner.clone();
        let (fund, engine) = (s.fund.clone(), s.engine.clone());
        s.app
            .execute_contract(
                owner.clone(),
                fund.clone(),
                &FundMsg::AddEngine {
                    engine: engine.to_string(),
                },
                &[],
            )
            .unwrap();
        s.mint(&owner, 20_000 * USDC);
        s.app
            .execute_contract(
                owner,
                fund,
                &FundMsg::Deposit {},
                &coins(20_000 * USDC, DENOM),
            )
            .unwrap();
        for t in &traders {
            s.exec_funds(t, &ExecuteMsg::Deposit {}, 30_000 * USDC)
                .unwrap();
        }
        s.check_invariants();
        Sim {
            s,
            traders,
            liquidator,
            lps: vec![lp, lp2],
            prices: [d(INITIAL[0]), d(INITIAL[1]), d(INITIAL[2])],
            stats: Stats::default(),
            cover_paid: 0,
            vault_before: perps_api::perps::VaultResponse {
                cash: Default::default(),
                equity: Default::default(),
                total_shares: Default::default(),
                share_price: Default::default(),
                unrecoverable: Default::default(),
                exposure: Default::default(),
                pending_payouts: Default::default(),
            },
            doubtful: [false; N_MARKETS],
            adl_exhausted: false,
            haircut_seen: false,
            shocked: false,
        }
    }

    pub fn size(market: usize, lots: i64) -> SignedDecimal256 {
        SignedDecimal256::new(Int256::from(lots as i128) * Int256::from(LOT_ATOMICS[market]))
    }

    fn feed_record(&self, feed_id: &str) -> Option<(Decimal256, u64)> {
        self.feed_full(feed_id).map(|p| (p.price, p.publish_time))
    }

    fn feed_full(&self, feed_id: &str) -> Option<PriceResponse> {
        self.s
            .app
            .wrap()
            .query_wasm_smart::<PriceResponse>(
                self.s.feed.clone(),
                &FeedQuery::Price {
                    feed_id: feed_id.to_string(),
                },
            )
            .ok()
    }

    /// Reads the stored state and queries the engine.
    pub fn observe(&self) -> Obs {
        let storage = self.s.app.contract_storage(&self.s.engine);
        let st = storage.as_ref();
        let cfg = CONFIG.load(st).unwrap();
        let mut markets = BTreeMap::new();
        for item in MARKETS.range(st, None, None, Order::Ascending) {
            let (id, m) = item.unwrap();
            let state = MARKET_STATES.load(st, &id).unwrap();
            // A record the feed refused to replace is no price at all for the engine
            // (DESIGN 6.3, unconfirmed): the model sees it like a missing one.
            let full = self.feed_full(&m.config.feed_id);
            let unconfirmed = full
                .as_ref()
                .is_some_and(|p| p.refused_publish_time.is_some());
            let full = full.filter(|_| !unconfirmed);
            let feed = full.as_ref().map(|p| (p.price, p.publish_time));
            let conf = full.map(|p| p.conf).unwrap_or_default();
            markets.insert(
                id,
                model::MarketIn {
                    config: m.config,
                    status: m.status,
                    long_oi: state.long_oi,
                    short_oi: state.short_oi,
                    funding_index: state.funding_index,
                    last_funding_time: state.last_funding_time,
                    last_price: state.last_price,
                    feed,
                    conf,
                    unconfirmed,
                },
            );
        }
        let world = World {
            now: self.s.now(),
            max_oracle_age: cfg.max_oracle_age_secs,
            decimals: cfg.collateral_decimals,
            profit_weight: cfg.unrealized_profit_weight,
            markets,
            price_override: None,
        };
        let mut all_positions = Vec::new();
        let mut by_owner: BTreeMap<Addr, Vec<PosIn>> = BTreeMap::new();
        for item in POSITIONS.range(st, None, None, Order::Ascending) {
            let ((addr, market), p) = item.unwrap();
            let pos = PosIn {
                market,
                size: p.size,
                entry: p.entry_price,
                funding_at_entry: p.funding_index_at_entry,
                margin: match p.mode {
                    Mode::Cross => None,
                    Mode::Isolated { margin } => Some(margin.i128()),
                },
            };
            all_positions.push(pos.clone());
            by_owner.entry(addr).or_default().push(pos);
        }
        let accounts: Vec<AccountIn> = self
            .traders
            .iter()
            .map(|t| AccountIn {
                collateral: COLLATERAL
                    .may_load(st, t)
                    .unwrap()
                    .map(|c| c.i128())
                    .unwrap_or(0),
                positions: by_owner.remove(t).unwrap_or_default(),
            })
            .collect();
        assert!(
            by_owner.is_empty(),
            "positions held by a wallet that never traded: {by_owner:?}"
        );
        let resp = self.traders.iter().map(|t| self.s.account(t)).collect();
        let cash = VAULT.load(st).unwrap().cash.i128();
        Obs {
            world,
            accounts,
            resp,
            all_positions,
            cash,
            vault: self.s.vault(),
            fund_balance: self.s.balance(&self.s.fund),
            bank: self
                .traders
                .iter()
                .chain([&self.liquidator])
                .map(|a| self.s.balance(a))
                .collect(),
        }
    }

    /// Engine, feed and fund storage plus their bank balances and the sender's.
    pub fn full_snapshot(&self, sender: &Addr) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        for (tag, c) in [
            (b"e", &self.s.engine),
            (b"f", &self.s.feed),
            (b"i", &self.s.fund),
        ] {
            let storage = self.s.app.contract_storage(c);
            for (k, v) in storage.range(None, None, Order::Ascending) {
                let mut key = tag.to_vec();
                key.extend(k);
                out.push((key, v));
            }
        }
        for a in [&self.s.engine, &self.s.fund, sender] {
            for denom in [DENOM, OTHER_DENOM] {
                let c = self.s.app.wrap().query_balance(a, denom).unwrap();
                out.push((
                    format!("bank:{a}:{denom}").into_bytes(),
                    c.amount.to_string().into_bytes(),
                ));
            }
        }
        out
    }

    /// Executes one engine message, checking that a rejection changed nothing.
    pub fn exec(&mut self, sender: &Addr, msg: &ExecuteMsg, funds: u128) -> Exec {
        let before = self.full_snapshot(sender);
        let skew_trade = self.skew_trade(sender, msg);
        let coins_: Vec<Coin> = if funds == 0 {
            vec![]
        } else {
            coins(funds, DENOM)
        };
        let predicted = self.predict(sender, msg);
        let res = self.s.exec_coins(sender, msg, &coins_);
        self.stats.executed += 1;
        match &res {
            Ok(r) => {
                self.stats.succeeded += 1;
                for e in r.events.iter().filter(|e| e.ty == "wasm-cover_bad_debt") {
                    for a in e.attributes.iter().filter(|a| a.key == "paid") {
                        self.cover_paid += a.value.parse::<i128>().unwrap();
                    }
                }
            }
            Err(e) => {
                self.stats.rejected += 1;
                let text = format!("{e}");
                if text.contains("not implemented") {
                    self.stats.not_implemented += 1;
                }
                let kind = format!("{msg:?}");
                let kind = kind.split([' ', '{']).next().unwrap_or("").to_string();
                let root = text.rsplit("error: ").next().unwrap_or("");
                let words: String = root
                    .split(|c: char| !c.is_alphabetic() && c != ' ')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                *self
                    .stats
                    .errors
                    .entry(format!("{kind}: {words}"))
                    .or_default() += 1;
                assert!(
                    self.full_snapshot(sender) == before,
                    "a rejected {msg:?} changed state (error: {e})"
                );
            }
        }
        if let Some(t) = skew_trade {
            self.check_impact_rule(&t, &res)
                .unwrap_or_else(|e| panic!("{msg:?}: {e}"));
        }
        // a trade the message itself saw at V < 0 (or at V ≈ 0) pays profits with the haircut
        self.haircut_seen = matches!(
            predicted,
            Some(super::predict::Prediction::Trade {
                haircut: Some(super::predict::Haircut::Cut { .. }) | None,
                ..
            })
        );
        if let Some(p) = predicted {
            self.check_prediction(&p, &res)
                .unwrap_or_else(|e| panic!("{msg:?}: prediction: {e}"));
        }
        Exec { res }
    }

    /// Publishes a price for market `m` one second later.
    pub fn publish(&mut self, m: usize, price: Decimal256, conf: Decimal256, ema: Decimal256) {
        self.s.advance(1);
        let t = self.s.now();
        self.s.publish(
            IDS[m],
            &price.to_string(),
            &conf.to_string(),
            Some(&ema.to_string()),
            t,
        );
        // the feed may have skipped it (jump rule): track what it holds
        let held = self.feed_record(IDS[m]).map(|r| r.0).unwrap_or(price);
        let plain = conf.is_zero() && ema == price;
        if held == price {
            self.doubtful[m] = !plain;
        }
        self.prices[m] = held;
    }

    /// Publishes `price` for market `m` at the current time (conf 0, EMA = price).
    pub(super) fn publish_at_now(&mut self, m: usize, price: Decimal256) {
        let t = self.s.now();
        self.s.publish(IDS[m], &price.to_string(), "0", None, t);
        self.prices[m] = self.feed_record(IDS[m]).map(|r| r.0).unwrap_or(price);
    }

    /// `p` within [initial/8, initial·8].
    pub(super) fn clamped(&self, m: usize, p: Decimal256) -> Decimal256 {
        let init = d(INITIAL[m]);
        let lo = Decimal256::new(init.atomics() / Uint256::from(8u128));
        let hi = Decimal256::new(init.atomics() * Uint256::from(8u128));
        p.clamp(lo, hi)
    }

    pub(super) fn bps(p: Decimal256, bps: i64) -> Decimal256 {
        let num = Uint256::from((10_000 + bps).max(1) as u128);
        Decimal256::new(p.atomics() * num / Uint256::from(10_000u128))
    }

    pub fn new_price(&self, m: usize, bps: i32) -> Decimal256 {
        let init = d(INITIAL[m]);
        let p = Self::bps(self.prices[m], bps as i64);
        // keep prices within [initial/8, initial·8] so sizes stay meaningful
        let lo = Decimal256::new(init.atomics() / Uint256::from(8u128));
        let hi = Decimal256::new(init.atomics() * Uint256::from(8u128));
        p.clamp(lo, hi)
    }

    pub fn free(&self, t: usize) -> u128 {
        self.s.account(&self.traders[t]).free_collateral.u128()
    }

    pub(super) fn amount(&self, t: usize, a: &Amount) -> u128 {
        match a {
            Amount::Abs(x) => *x,
            Amount::FreePermille(p) => self.free(t) * (*p as u128) / 1000,
            Amount::FreePlus(x) => self.free(t) + x,
        }
    }

    pub(super) fn isolated_margin(&self, t: usize, market: usize, a: &Amount) -> u128 {
        let r = self.s.account(&self.traders[t]);
        let m = r
            .positions
            .iter()
            .find(|p| p.market_id == IDS[market])
            .and_then(|p| p.margin)
            .map(|m| m.u128())
            .unwrap_or(0);
        match a {
            Amount::Abs(x) => *x,
            Amount::FreePermille(p) => m * (*p as u128) / 1000,
            Amount::FreePlus(x) => m + x,
        }
    }

    pub fn trade_msg(
        &self,
        market: usize,
        lots: i64,
        mode: &ModeChoice,
        bps: Option<u32>,
    ) -> ExecuteMsg {
        let size = Self::size(market, lots);
        ExecuteMsg::Trade {
            market_id: IDS[market].to_string(),
            size_delta: size,
            acceptable_price: bps.map(|b| {
                let b = b as i64;
                Self::bps(self.prices[market], if lots >= 0 { b } else { -b })
            }),
            mode: match mode {
                ModeChoice::Default => None,
                ModeChoice::Cross => Some(TradeMode::Cross),
                ModeChoice::Isolated(m) => Some(TradeMode::Isolated {
                    margin: Uint128::new(*m),
                }),
            },
        }
    }

    pub fn close_msg(market: usize) -> ExecuteMsg {
        ExecuteMsg::ClosePosition {
            market_id: IDS[market].to_string(),
            acceptable_price: None,
        }
    }
}
