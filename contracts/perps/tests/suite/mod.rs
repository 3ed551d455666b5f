//! A small typed harness: the REAL price-feed and insurance-fund contracts next to the engine,
//! two markets (BTC at 60,000 and ETH at 3,000), a funded vault, and `check_invariants()` after
//! every step (DESIGN section 8).

use std::collections::BTreeMap;

use cosmwasm_std::{
    coins, Addr, Coin, DepsMut, Empty, Env, Int128, MessageInfo, Order, Response, StdError,
    StdResult, Uint128,
};
use cw_multi_test::{App, AppResponse, Contract, ContractWrapper, Executor};
use perps::state::{
    Mode, BAD_DEBT, COLLATERAL, MARKETS, MARKET_HOLDERS, MARKET_STATES, PENDING_PAYOUTS, POSITIONS,
    VAULT,
};
use perps_api::events::TypedEvent;
use perps_api::perps::{
    AccountResponse, ConfigResponse, ExecuteMsg, InstantiateMsg, MarketConfig, MarketResponse,
    MigrateMsg, QueryMsg, TradeMode, VaultResponse,
};
use perps_api::price_feed::{ExecuteMsg as FeedMsg, InstantiateMsg as FeedInit, PriceUpdate};
use perps_risk::vault::{entry_cost, funding_basis, MarketAggregate};

mod markets;
mod scenarios;
mod snapshot;

pub(crate) use markets::config_update;
pub use markets::{
    fee_market, funding_market, instantiate_msg, margin_tiers, owner_only_msgs, plain_market,
    update_config_empty,
};
pub use snapshot::Raw;
// every response of the engine and the insurance fund in these tests passes the zero-amount guard
use test_support::ChainExt;
pub use test_support::{assert_no_zero_amounts, d, sd};

pub const DENOM: &str = "uusdc";
/// 1 USDC in base units.
pub const USDC: u128 = 1_000_000;

pub fn usdc(whole: u128) -> Uint128 {
    Uint128::new(whole * USDC)
}

fn engine_execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, perps::ContractError> {
    let res = perps::execute(deps, env, info, msg)?;
    assert_no_zero_amounts("perps", &res);
    Ok(res)
}

fn fund_execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: perps_api::insurance_fund::ExecuteMsg,
) -> Result<Response, insurance_fund::ContractError> {
    let res = insurance_fund::execute(deps, env, info, msg)?;
    assert_no_zero_amounts("insurance-fund", &res);
    Ok(res)
}

fn engine_contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(engine_execute, perps::instantiate, perps::query)
            .with_migrate(perps::migrate)
            .with_reply(perps::reply),
    )
}

fn feed_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        price_feed::execute,
        price_feed::instantiate,
        price_feed::query,
    ))
}

fn fund_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        fund_execute,
        insurance_fund::instantiate,
        insurance_fund::query,
    ))
}

pub struct Suite {
    pub app: App,
    pub engine: Addr,
    pub feed: Addr,
    pub fund: Addr,
    pub engine_code: u64,
    pub owner: Addr,
    pub publisher: Addr,
    pub lp: Addr,
    /// Plain bank sends to the engine (not part of any ledger).
    pub donations: u128,
}

/// Asserts `res` failed and its error text contains `expected`.
pub fn assert_err<T: std::fmt::Debug>(res: StdResult<T>, expected: &str) {
    let err: StdError = res.expect_err("expected an error");
    let text = format!("{err}");
    assert!(
        text.contains(expected),
        "expected error containing `{expected}`, got `{text}`"
    );
}

/// Asserts `res` failed and the contract's own error (the innermost, last in the chain that
/// cw-multi-test prints) is exactly `expected`.
pub fn assert_err_exact<T: std::fmt::Debug>(res: StdResult<T>, expected: &str) {
    let err: StdError = res.expect_err("expected an error");
    let text = format!("{err}");
    assert!(
        text.ends_with(&format!("error: {expected}")),
        "expected the error to be exactly `{expected}`, got `{text}`"
    );
}

/// Adversarial helpers: exact errors and whole-state snapshots on any of the three contracts.
impl Suite {
    /// Like `rejects`, with the contract's error text matched exactly.
    pub fn rejects_exact(&mut self, who: &Addr, msg: &ExecuteMsg, funds: &[Coin], expected: &str) {
        let engine = self.engine.clone();
        self.rejects_at(&engine, who, msg, funds, expected);
    }

    /// Sends `msg` with `funds` to `contract` (engine, feed or fund), expects exactly `expected`,
    /// and checks the whole snapshot, the sender's balance and the engine's invariants.
    pub fn rejects_at<M: cosmwasm_schema::serde::Serialize + std::fmt::Debug>(
        &mut self,
        contract: &Addr,
        who: &Addr,
        msg: &M,
        funds: &[Coin],
        expected: &str,
    ) {
        let before = self.snapshot();
        let res = self
            .app
            .execute_contract(who.clone(), contract.clone(), msg, funds);
        assert_err_exact(res, expected);
        self.snapshot().assert_unchanged_since(&before);
        self.check_invariants();
    }

    /// Executes `msg` on any contract and checks the engine's invariants afterwards.
    pub fn exec_at<M: cosmwasm_schema::serde::Serialize + std::fmt::Debug>(
        &mut self,
        contract: &Addr,
        who: &Addr,
        msg: &M,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        let r = self
            .app
            .execute_contract(who.clone(), contract.clone(), msg, funds);
        self.check_invariants();
        r
    }
}

impl Suite {
    /// BTC and ETH plain markets, prices 60,000 and 3,000, a vault of 1,000,000 USDC.
    pub fn new() -> Self {
        Self::plain(|_| {}, &["BTC", "ETH"])
    }

    pub fn with(edit: impl FnOnce(&mut InstantiateMsg), markets: &[(&str, MarketConfig)]) -> Self {
        Self::with_vault(edit, markets, 1_000_000)
    }

    /// Like `with`, every market a [`plain_market`] on its own feed.
    pub fn plain(edit: impl FnOnce(&mut InstantiateMsg), ids: &[&str]) -> Self {
        let markets: Vec<_> = ids.iter().map(|id| (*id, plain_market(id))).collect();
        Self::with(edit, &markets)
    }

    /// Plain markets `M00`, `M01`, … (`n` of them) at 100; alice (`wallet` whole USDC, `deposit`
    /// of it deposited) long 10 in each; a keeper with an empty wallet. Returns the market ids
    /// and `[alice, keeper]`.
    pub fn long_10_in_each(
        n: usize,
        edit: impl FnOnce(&mut InstantiateMsg),
        (wallet, deposit): (u128, u128),
    ) -> (Self, Vec<String>, [Addr; 2]) {
        let ids: Vec<String> = (0..n).map(|i| format!("M{i:02}")).collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut s = Self::plain(edit, &id_refs);
        let (alice, keeper) = (s.trader("alice", wallet, 0), s.trader("keeper", 0, 0));
        for id in &ids {
            s.set_price(id, "100");
        }
        s.deposit(&alice, deposit);
        for id in &ids {
            s.trade(&alice, id, "10");
        }
        (s, ids, [alice, keeper])
    }

    /// Like `with`, the LP providing `lp_whole` USDC (0: no vault shares at all).
    pub fn with_vault(
        edit: impl FnOnce(&mut InstantiateMsg),
        markets: &[(&str, MarketConfig)],
        lp_whole: u128,
    ) -> Self {
        let api = cosmwasm_std::testing::MockApi::default();
        let (owner, publisher, lp) = (
            api.addr_make("owner"),
            api.addr_make("publisher"),
            api.addr_make("lp"),
        );
        let mut app = App::default();
        let feed_code = app.store_code(feed_contract());
        let fund_code = app.store_code(fund_contract());
        let engine_code = app.store_code(engine_contract());
        let feed = app
            .instantiate_contract(
                feed_code,
                owner.clone(),
                &FeedInit {
                    owner: None,
                    publishers: vec![publisher.to_string()],
                    max_future_secs: None,
                },
                &[],
                "feed",
                None,
            )
            .unwrap();
        let fund = app
            .instantiate_contract(
                fund_code,
                owner.clone(),
                &perps_api::insurance_fund::InstantiateMsg {
                    owner: None,
                    denom: DENOM.to_string(),
                    engines: vec![],
                },
                &[],
                "fund",
                None,
            )
            .unwrap();
        let mut msg = instantiate_msg(&feed, &fund);
        edit(&mut msg);
        let engine = app
            .instantiate_contract(
                engine_code,
                owner.clone(),
                &msg,
                &[],
                "perps",
                Some(owner.to_string()),
            )
            .unwrap();
        let mut s = Suite {
            app,
            engine,
            feed,
            fund,
            engine_code,
            owner,
            publisher,
            lp,
            donations: 0,
        };
        for (id, cfg) in markets {
            s.add_feed(&cfg.feed_id);
            s.add_market(id, cfg.clone()).unwrap();
        }
        s.set_price("BTC", "60000");
        s.set_price("ETH", "3000");
        if lp_whole > 0 {
            let lp = s.lp.clone();
            s.mint(&lp, lp_whole * USDC);
            s.provide(&lp, lp_whole * USDC).unwrap();
        }
        s.check_invariants();
        s
    }

    /// Wallet `name` minted `usdc_balance` whole USDC (tests make wallets through
    /// [`Suite::trader`], the one way).
    fn wallet(&mut self, name: &str, usdc_balance: u128) -> Addr {
        let a = self.app.api().addr_make(name);
        if usdc_balance > 0 {
            self.mint(&a, usdc_balance * USDC);
        }
        a
    }

    pub fn mint(&mut self, to: &Addr, amount: u128) {
        self.app.mint(to, amount, DENOM);
    }

    pub fn now(&self) -> u64 {
        self.app.now()
    }

    /// Moves time forward and re-publishes nothing (prices age).
    pub fn advance(&mut self, secs: u64) {
        self.app.advance(secs);
    }

    pub fn add_feed(&mut self, feed_id: &str) {
        let owner = self.owner.clone();
        let _ = self.app.execute_contract(
            owner,
            self.feed.clone(),
            &FeedMsg::AddFeed {
                feed_id: feed_id.to_string(),
                description: feed_id.to_string(),
                max_price_jump: None,
                jump_window_secs: None,
                max_jump_windows: None,
            },
            &[],
        );
    }

    /// The feed's held records of `feed_id`, oldest first.
    pub fn price_history(&self, feed_id: &str) -> Vec<perps_api::price_feed::HistoryRecord> {
        let h: perps_api::price_feed::PriceHistoryResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                self.feed.clone(),
                &perps_api::price_feed::QueryMsg::PriceHistory {
                    feed_id: feed_id.into(),
                },
            )
            .unwrap();
        h.records
    }

    /// Publishes `price` (conf 0, EMA = price) one second later (the feed takes strictly newer
    /// publish times only).
    pub fn set_price(&mut self, feed_id: &str, price: &str) {
        self.advance(1);
        self.publish(feed_id, price, "0", None, self.now());
    }

    pub fn publish(&mut self, feed_id: &str, price: &str, conf: &str, ema: Option<&str>, t: u64) {
        let publisher = self.publisher.clone();
        self.app
            .execute_contract(
                publisher,
                self.feed.clone(),
                &FeedMsg::UpdatePrices {
                    prices: vec![PriceUpdate {
                        feed_id: feed_id.to_string(),
                        price: d(price),
                        conf: d(conf),
                        ema_price: ema.map(d),
                        publish_time: t,
                    }],
                },
                &[],
            )
            .unwrap();
    }

    pub fn exec(&mut self, sender: &Addr, msg: &ExecuteMsg) -> StdResult<AppResponse> {
        self.exec_coins(sender, msg, &[])
    }

    pub fn exec_funds(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        amount: u128,
    ) -> StdResult<AppResponse> {
        self.exec_coins(sender, msg, &coins(amount, DENOM))
    }

    /// `exec_at` on the engine.
    pub fn exec_coins(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        let engine = self.engine.clone();
        self.exec_at(&engine, sender, msg, funds)
    }

    /// A new code id of the engine (an upgrade path).
    pub fn store_engine_code(&mut self) -> u64 {
        self.app.store_code(Box::new(
            ContractWrapper::new(perps::execute, perps::instantiate, perps::query)
                .with_migrate(perps::migrate),
        ))
    }

    /// `who` migrates the engine to `code` (`MigrateMsg {}`).
    pub fn migrate_engine(&mut self, who: &Addr, code: u64) -> StdResult<AppResponse> {
        let engine = self.engine.clone();
        self.app
            .migrate_contract(who.clone(), engine, &MigrateMsg {}, code)
    }

    pub fn add_market(&mut self, id: &str, config: MarketConfig) -> StdResult<AppResponse> {
        let owner = self.owner.clone();
        self.exec(
            &owner,
            &ExecuteMsg::AddMarket {
                market_id: id.to_string(),
                config,
            },
        )
    }

    /// `provide_liquidity` with `amount` base units attached.
    pub fn provide(&mut self, who: &Addr, amount: u128) -> StdResult<AppResponse> {
        self.exec_funds(who, &ExecuteMsg::ProvideLiquidity {}, amount)
    }

    pub fn deposit(&mut self, who: &Addr, whole: u128) {
        self.exec_funds(who, &ExecuteMsg::Deposit {}, whole * USDC)
            .unwrap();
    }

    /// `lp` requests the withdrawal of `shares` (base units of shares).
    pub fn request_withdrawal(&mut self, lp: &Addr, shares: u128) -> AppResponse {
        let msg = ExecuteMsg::WithdrawLiquidity {
            shares: Uint128::new(shares),
        };
        self.exec(lp, &msg).unwrap()
    }

    /// Deposits `amount` base units (a deposit one unit short of a requirement).
    pub fn deposit_units(&mut self, who: &Addr, amount: u128) {
        self.exec_funds(who, &ExecuteMsg::Deposit {}, amount)
            .unwrap();
    }

    pub fn trade_msg(market: &str, size: &str) -> ExecuteMsg {
        ExecuteMsg::Trade {
            market_id: market.to_string(),
            size_delta: sd(size),
            acceptable_price: None,
            mode: None,
        }
    }

    pub fn try_trade(&mut self, who: &Addr, market: &str, size: &str) -> StdResult<AppResponse> {
        self.exec(who, &Self::trade_msg(market, size))
    }

    pub fn trade(&mut self, who: &Addr, market: &str, size: &str) -> AppResponse {
        self.try_trade(who, market, size).unwrap()
    }

    /// A trade opening or growing an isolated position with `margin` base units.
    pub fn isolated_msg(market: &str, size: &str, margin: u128) -> ExecuteMsg {
        ExecuteMsg::Trade {
            market_id: market.to_string(),
            size_delta: sd(size),
            acceptable_price: None,
            mode: Some(TradeMode::Isolated {
                margin: Uint128::new(margin),
            }),
        }
    }

    pub fn try_isolated(
        &mut self,
        who: &Addr,
        market: &str,
        size: &str,
        margin: u128,
    ) -> StdResult<AppResponse> {
        self.exec(who, &Self::isolated_msg(market, size, margin))
    }

    /// `withdraw` of `amount` base units.
    pub fn withdraw_msg(amount: u128) -> ExecuteMsg {
        ExecuteMsg::Withdraw {
            amount: Uint128::new(amount),
        }
    }

    /// `add_margin` of `amount` base units to the isolated position in `market`.
    pub fn add_margin_msg(market: &str, amount: u128) -> ExecuteMsg {
        ExecuteMsg::AddMargin {
            market_id: market.to_string(),
            amount: Uint128::new(amount),
        }
    }

    /// `remove_margin` of `amount` base units from the isolated position in `market`.
    pub fn remove_margin_msg(market: &str, amount: u128) -> ExecuteMsg {
        ExecuteMsg::RemoveMargin {
            market_id: market.to_string(),
            amount: Uint128::new(amount),
        }
    }

    /// `auto_deleverage` of `market`, no limit.
    pub fn adl_msg(market: &str) -> ExecuteMsg {
        ExecuteMsg::AutoDeleverage {
            market_id: market.to_string(),
            limit: None,
        }
    }

    pub fn close(&mut self, who: &Addr, market: &str) -> StdResult<AppResponse> {
        self.exec(
            who,
            &ExecuteMsg::ClosePosition {
                market_id: market.to_string(),
                acceptable_price: None,
            },
        )
    }

    pub fn withdraw(&mut self, who: &Addr, amount: u128) -> StdResult<AppResponse> {
        self.exec(who, &Self::withdraw_msg(amount))
    }

    pub fn account(&self, who: &Addr) -> AccountResponse {
        self.query(&QueryMsg::Account {
            address: who.to_string(),
        })
    }

    pub fn vault(&self) -> VaultResponse {
        self.query(&QueryMsg::Vault {})
    }

    pub fn config(&self) -> ConfigResponse {
        self.query(&QueryMsg::Config {})
    }

    pub fn market(&self, id: &str) -> MarketResponse {
        self.query(&QueryMsg::Market {
            market_id: id.to_string(),
        })
    }

    pub fn query<T: cosmwasm_schema::serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> T {
        self.query_at(&self.engine, msg)
    }

    /// Queries any contract (engine, feed or fund) and decodes the answer.
    pub fn query_at<
        M: cosmwasm_schema::serde::Serialize,
        T: cosmwasm_schema::serde::de::DeserializeOwned,
    >(
        &self,
        contract: &Addr,
        msg: &M,
    ) -> T {
        self.app.wrap().query_wasm_smart(contract, msg).unwrap()
    }

    pub fn balance(&self, who: &Addr) -> u128 {
        self.app
            .wrap()
            .query_balance(who, DENOM)
            .unwrap()
            .amount
            .to_string()
            .parse()
            .unwrap()
    }

    /// Attribute `key` of event `e` (empty when absent).
    pub fn event_attr(e: &cosmwasm_std::Event, key: &str) -> String {
        e.attributes
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.value.clone())
            .unwrap_or_default()
    }

    /// The LP position of `who`.
    pub fn lp_position(&self, who: &Addr) -> perps_api::perps::LpPositionResponse {
        self.query(&QueryMsg::LpPosition {
            address: who.to_string(),
        })
    }

    /// Attribute `key` of the first event of type `ty`.
    pub fn attr(res: &AppResponse, ty: &str, key: &str) -> String {
        res.events
            .iter()
            .filter(|e| e.ty == format!("wasm-{ty}") || e.ty == ty)
            .flat_map(|e| e.attributes.iter())
            .find(|a| a.key == key)
            .map(|a| a.value.clone())
            .unwrap_or_else(|| panic!("no attribute {key} in event {ty}: {:?}", res.events))
    }

    /// [`Suite::rejects`] for a trade of `size` in `market` without funds.
    pub fn rejects_trade(&mut self, who: &Addr, market: &str, size: &str, expected: &str) {
        self.rejects(who, &Self::trade_msg(market, size), &[], expected);
    }

    /// [`Suite::rejects_exact`] for a trade of `size` in `market` without funds.
    pub fn rejects_trade_exact(&mut self, who: &Addr, market: &str, size: &str, expected: &str) {
        self.rejects_exact(who, &Self::trade_msg(market, size), &[], expected);
    }

    /// Runs `msg` with `funds`, expects an error containing `expected`, and checks that nothing
    /// changed: every contract's storage, every bank balance, the whole chain state.
    pub fn rejects(&mut self, who: &Addr, msg: &ExecuteMsg, funds: &[Coin], expected: &str) {
        let before = self.snapshot();
        let who_before = self.balance(who);
        assert_err(self.exec_coins(who, msg, funds), expected);
        self.snapshot().assert_unchanged_since(&before);
        assert_eq!(
            self.balance(who),
            who_before,
            "a rejected message moved funds"
        );
    }

    /// DESIGN section 8, invariants 1 and 2, read from the engine's storage.
    pub fn check_invariants(&self) {
        let storage = self.app.contract_storage(&self.engine);
        let mut ledger: i128 = 0;
        for item in COLLATERAL.range(storage.as_ref(), None, None, Order::Ascending) {
            let (_, c) = item.unwrap();
            ledger += c.i128();
        }
        let mut aggregates: BTreeMap<String, MarketAggregate> = BTreeMap::new();
        for item in POSITIONS.range(storage.as_ref(), None, None, Order::Ascending) {
            let ((_, market), p) = item.unwrap();
            if let Mode::Isolated { margin } = p.mode {
                assert!(!margin.is_negative(), "stored isolated margin {margin} < 0");
                ledger += margin.i128();
            }
            let pos = perps_risk::position::Position {
                size: p.size,
                entry_price: p.entry_price,
                funding_index_at_entry: p.funding_index_at_entry,
            };
            aggregates.entry(market).or_default().add(&pos).unwrap();
            let _ = (entry_cost(&pos).unwrap(), funding_basis(&pos).unwrap());
        }
        let vault = VAULT.load(storage.as_ref()).unwrap();
        ledger += vault.cash.i128();
        ledger += vault.insurance_fees.u128() as i128;
        let bank = self.balance(&self.engine) as i128 - self.donations as i128;
        assert_eq!(
            ledger, bank,
            "conservation: ledger {ledger} != bank balance − donations {bank}"
        );
        for item in MARKET_STATES.range(storage.as_ref(), None, None, Order::Ascending) {
            let (id, s) = item.unwrap();
            let a = aggregates.remove(&id).unwrap_or_default();
            assert_eq!(s.long_oi, a.long_oi, "long_oi of {id}");
            assert_eq!(s.short_oi, a.short_oi, "short_oi of {id}");
            assert_eq!(s.entry_cost_sum, a.entry_cost_sum, "entry_cost_sum of {id}");
            assert_eq!(
                s.funding_basis_sum, a.funding_basis_sum,
                "funding_basis_sum of {id}"
            );
        }
        assert!(aggregates.is_empty(), "positions in unknown markets");
        self.check_vault_sums(storage.as_ref(), &vault);
        // issue 12: the vault's pending payouts are the accounts' claims, its receivables what
        // the books owe it (negative C; a stored margin is never negative); neither is money
        let pending: u128 = PENDING_PAYOUTS
            .range(storage.as_ref(), None, None, Order::Ascending)
            .map(|i| i.unwrap().1.u128())
            .sum();
        assert_eq!(vault.pending_payouts.u128(), pending, "Σ pending payouts");
        let owed: u128 = COLLATERAL
            .range(storage.as_ref(), None, None, Order::Ascending)
            .map(|i| i.unwrap().1)
            .filter(|c| c.is_negative())
            .map(|c| c.unsigned_abs().u128())
            .sum();
        assert_eq!(vault.receivables.u128(), owed, "Σ receivables");
        // Storage indexes: one holder entry per position and no other, and a collateral entry
        // for every account with a position (the liquidation scan pages over them).
        // one holder entry per position, at the position's rank (side and entry bucket)
        let mut holders: Vec<(String, u64, Addr)> = MARKET_HOLDERS
            .keys(storage.as_ref(), None, None, Order::Ascending)
            .map(|k| k.unwrap())
            .collect();
        holders.sort();
        let mut held_ranked: Vec<(String, u64, Addr)> = POSITIONS
            .range(storage.as_ref(), None, None, Order::Ascending)
            .map(|k| {
                let ((addr, market), p) = k.unwrap();
                (market, perps::state::holder_rank(&p), addr)
            })
            .collect();
        held_ranked.sort();
        assert_eq!(
            holders, held_ranked,
            "market holder index != stored positions"
        );
        let mut held: Vec<(String, Addr)> =
            held_ranked.into_iter().map(|(m, _, a)| (m, a)).collect();
        held.sort();
        let holders: Vec<(String, Addr)> = held.clone();
        assert_eq!(holders, held, "market holder index != stored positions");
        for (market, addr) in &held {
            assert!(
                COLLATERAL.has(storage.as_ref(), addr),
                "{addr} holds {market} without a collateral entry"
            );
        }
        check_orders(storage.as_ref());
    }
}

impl Suite {
    /// The vault's running sums (DESIGN 6.10, kept one market at a time) equal their
    /// recomputation from every stored market: `claims` and `exposure` at each market's last
    /// price, `unrecoverable` = Σ recorded shortfalls.
    fn check_vault_sums(&self, storage: &dyn cosmwasm_std::Storage, vault: &perps::state::Vault) {
        let dec = 6;
        let mut claims = perps_risk::num::Quote::ZERO;
        let mut exposure = perps_risk::num::Quote::ZERO;
        for item in MARKET_STATES.range(storage, None, None, Order::Ascending) {
            let (id, state) = item.unwrap();
            let market = MARKETS.load(storage, &id).unwrap();
            let part = perps::solvency::part(&market, &state, dec).unwrap();
            claims = claims.checked_add(part.liability).unwrap();
            exposure = exposure.checked_add(part.exposure).unwrap();
        }
        assert_eq!(
            vault.claims, claims.0,
            "vault claims != Σ market liabilities"
        );
        assert_eq!(vault.exposure, exposure.0, "vault exposure != Σ |K|·P");
        let marked: u128 = BAD_DEBT
            .range(storage, None, None, Order::Ascending)
            .map(|i| i.unwrap().1.u128())
            .sum();
        assert_eq!(
            vault.unrecoverable.u128(),
            marked,
            "unrecoverable != Σ records"
        );
    }
}

/// Invariant 13 and the order indexes: every order is indexed under its account with its
/// reservation (the account's reservation is their sum; the reserved collateral stays in `C`, so
/// invariant 1 above counts it), and under its market: a market or LP order in the market-order
/// index, a conditional order in exactly one of the resting index (by direction, trigger and id,
/// with its placement sequence) and, once a sweep found it triggered, the market-order index.
fn check_orders(storage: &dyn cosmwasm_std::Storage) {
    use perps::orders::{cond_key, ACCOUNT_ORDERS, COND_ORDERS, MARKET_ORDERS, ORDERS};
    use perps_api::perps::Trigger;
    let mut by_account = Vec::new();
    let mut by_market = Vec::new();
    let mut resting = Vec::new();
    for item in ORDERS.range(storage, None, None, Order::Ascending) {
        let (id, o) = item.unwrap();
        by_account.push(((o.owner.clone(), id), o.reserved.u128()));
        let Some(trigger) = o.trigger_price else {
            by_market.push((o.market_id.clone(), id));
            continue;
        };
        let key = cond_key(o.trigger == Some(Trigger::Above), trigger, id);
        let triggered = MARKET_ORDERS.has(storage, (&o.market_id, id));
        let rests = COND_ORDERS.may_load(storage, (&o.market_id, &key)).unwrap();
        assert!(
            triggered != rests.is_some(),
            "order {id}: in exactly one index"
        );
        if let Some(v) = rests {
            assert_eq!(v, 1, "order {id}: resting value");
            resting.push((o.market_id.clone(), key));
        } else {
            by_market.push((o.market_id.clone(), id));
        }
    }
    resting.sort();
    let idx: Vec<(String, Vec<u8>)> = COND_ORDERS
        .keys(storage, None, None, Order::Ascending)
        .map(|k| k.unwrap())
        .collect();
    assert_eq!(idx, resting, "conditional order index");
    by_account.sort();
    let idx: Vec<((Addr, u64), u128)> = ACCOUNT_ORDERS
        .range(storage, None, None, Order::Ascending)
        .map(|i| {
            let (k, r) = i.unwrap();
            (k, r.u128())
        })
        .collect();
    assert_eq!(idx, by_account, "account order index and reservations");
    by_market.sort();
    let idx: Vec<(String, u64)> = MARKET_ORDERS
        .keys(storage, None, None, Order::Ascending)
        .map(|k| k.unwrap())
        .collect();
    assert_eq!(idx, by_market, "market order index");
}

/// `Int128` from whole USDC.
pub fn int_usdc(whole: i128) -> Int128 {
    Int128::new(whole * USDC as i128)
}

/// Liquidation helpers: the insurance fund, `liquidate`, and events of a type.
impl Suite {
    /// Registers the engine with the insurance fund (so `cover_bad_debt` pays it).
    pub fn register_engine(&mut self) {
        let owner = self.owner.clone();
        self.app
            .execute_contract(
                owner,
                self.fund.clone(),
                &perps_api::insurance_fund::ExecuteMsg::AddEngine {
                    engine: self.engine.to_string(),
                },
                &[],
            )
            .unwrap();
        self.check_invariants();
    }

    /// Deposits `amount` base units into the insurance fund (minted to a donor first).
    pub fn fund_insurance(&mut self, amount: u128) {
        let donor = self.app.api().addr_make("insurance-donor");
        self.mint(&donor, amount);
        self.app
            .execute_contract(
                donor,
                self.fund.clone(),
                &perps_api::insurance_fund::ExecuteMsg::Deposit {},
                &coins(amount, DENOM),
            )
            .unwrap();
        self.check_invariants();
    }

    pub fn liquidate_msg(account: &Addr, min_reward: Option<u128>) -> ExecuteMsg {
        ExecuteMsg::Liquidate {
            account: account.to_string(),
            min_reward: min_reward.map(Uint128::new),
        }
    }

    pub fn liquidate(
        &mut self,
        by: &Addr,
        account: &Addr,
        min_reward: Option<u128>,
    ) -> StdResult<AppResponse> {
        self.exec(by, &Self::liquidate_msg(account, min_reward))
    }

    /// Every event of the engine's typed event `E` in `res`, in order.
    pub fn typed<E: TypedEvent>(res: &AppResponse) -> Vec<E> {
        E::all_in(&res.events).unwrap()
    }

    /// Every event of type `ty` (custom events arrive as `wasm-{ty}`), each as its attributes.
    pub fn events(res: &AppResponse, ty: &str) -> Vec<BTreeMap<String, String>> {
        res.events
            .iter()
            .filter(|e| e.ty == format!("wasm-{ty}"))
            .map(|e| {
                e.attributes
                    .iter()
                    .map(|a| (a.key.clone(), a.value.clone()))
                    .collect()
            })
            .collect()
    }

    /// Pending insurance fees of the engine, base units.
    pub fn pending_fees(&self) -> u128 {
        self.config().pending_insurance_fees.u128()
    }
}
