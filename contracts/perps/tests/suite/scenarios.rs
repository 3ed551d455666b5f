//! Setups many tests share: one BTC market of the test's own next to the plain ETH market, and
//! traders minted and deposited in one call.

use cosmwasm_std::{Addr, Decimal256, Int128, SignedDecimal256, Uint128};
use cw_multi_test::AppResponse;
use perps_api::events::BadDebtCoverFailedEvent;
use perps_api::perps::{ExecuteMsg, MarketConfig, MarketStatusUpdate};
use perps_api::price_feed::ExecuteMsg as FeedMsg;

use super::{d, funding_market, plain_market, usdc, Suite, USDC};

impl Suite {
    /// `btc` as the BTC market next to the plain ETH market, the default instantiate message.
    pub fn with_btc(btc: MarketConfig) -> Self {
        Self::with(|_| {}, &[("BTC", btc), ("ETH", plain_market("ETH"))])
    }

    /// The plain BTC market with both open-interest caps at `cap_whole` USDC, plain ETH next to it.
    pub fn with_btc_oi_cap(cap_whole: u128) -> Self {
        let mut btc = plain_market("BTC");
        btc.max_long_oi = usdc(cap_whole);
        btc.max_short_oi = usdc(cap_whole);
        Self::with_btc(btc)
    }

    /// Wallet `name` minted `balance` whole USDC, of which it deposits `deposit` (0: nothing
    /// deposited; `trader("keeper", 0, 0)` is an empty wallet). The one way the tests make a
    /// wallet.
    pub fn trader(&mut self, name: &str, balance: u128, deposit: u128) -> Addr {
        let who = self.wallet(name, balance);
        if deposit > 0 {
            self.deposit(&who, deposit);
        }
        who
    }

    /// The default suite with alice: 10,000 USDC deposited, no position.
    pub fn with_alice() -> (Self, Addr) {
        let mut s = Suite::new();
        let alice = s.trader("alice", 10_000, 10_000);
        (s, alice)
    }

    /// `funding_market` as BTC with alice (200,000 USDC deposited) long 6 BTC: at K = 6,
    /// r = 0.00432/86,400 · 6/(0.05·600) = 10^-8 per second. With BTC's funding index then.
    pub fn alice_long_6_funding_btc() -> (Self, Addr, SignedDecimal256) {
        let mut s = Suite::with_btc(funding_market());
        let alice = s.trader("alice", 200_000, 200_000);
        s.trade(&alice, "BTC", "6");
        let f0 = s.market("BTC").state.funding_index;
        (s, alice, f0)
    }

    /// The default suite with alice (10,000 USDC deposited) holding `size` in `market` (cross).
    pub fn alice_trading(market: &str, size: &str) -> (Self, Addr) {
        let (mut s, alice) = Suite::with_alice();
        s.trade(&alice, market, size);
        (s, alice)
    }

    /// The insurance fund refused the engine's cover (it does not know the engine): one
    /// `bad_debt_cover_failed` event socializing `socialized`, the fund still holding
    /// `fund_balance`, the vault's cash `cash_after`.
    pub fn assert_cover_failed(
        &self,
        res: &AppResponse,
        socialized: u128,
        fund_balance: u128,
        cash_after: Int128,
    ) {
        let failed = Self::typed::<BadDebtCoverFailedEvent>(res);
        assert_eq!(failed.len(), 1, "{:?}", res.events);
        assert_eq!(failed[0].socialized, Uint128::new(socialized));
        assert_eq!(self.balance(&self.fund.clone()), fund_balance);
        assert_eq!(self.vault().cash, cash_after);
    }

    /// `who`'s book values at `equity` whole USDC against a maintenance requirement of
    /// `maintenance` whole USDC.
    pub fn assert_equity_and_mm(&self, who: &Addr, equity: i128, maintenance: u128) {
        let a = self.account(who);
        assert_eq!(a.equity, super::int_usdc(equity));
        assert_eq!(a.maintenance_margin, usdc(maintenance));
    }

    /// bob (10,000 USDC) short 1 BTC at 60,000 on C = 6,150 USDC − 1 unit: one unit below the
    /// maintenance requirement at 63,000.
    pub fn bob_below_maintenance(&mut self) -> Addr {
        let bob = self.trader("bob", 10_000, 0);
        self.deposit_units(&bob, 6_150 * USDC - 1);
        self.trade(&bob, "BTC", "-1");
        bob
    }

    /// Wallets `names`, each minted `balance` whole USDC; then each, in order, deposits
    /// `deposit` whole USDC.
    pub fn traders<const N: usize>(
        &mut self,
        names: [&str; N],
        balance: u128,
        deposit: u128,
    ) -> [Addr; N] {
        names.map(|name| self.trader(name, balance, deposit))
    }

    /// The default suite; bob (10,000 USDC) short 1 BTC and long 1 ETH on C = 6,300, exactly
    /// the initial requirement; carol (10,000 USDC in her wallet, nothing deposited) and a keeper
    /// with an empty wallet. Returns `[bob, carol, keeper]`.
    pub fn hedged_book_at_initial_margin() -> (Self, [Addr; 3]) {
        let mut s = Self::new();
        let bob = s.trader("bob", 10_000, 6_300);
        let [carol, keeper] = [s.trader("carol", 10_000, 0), s.trader("keeper", 0, 0)];
        s.trade(&bob, "BTC", "-1");
        s.trade(&bob, "ETH", "1");
        (s, [bob, carol, keeper])
    }

    /// The owner replaces market `id`'s configuration (`force` as in `UpdateMarket`).
    pub fn update_market(&mut self, id: &str, config: MarketConfig, force: Option<bool>) {
        let owner = self.owner.clone();
        let msg = ExecuteMsg::UpdateMarket {
            market_id: id.into(),
            config,
            force,
        };
        self.exec(&owner, &msg).unwrap();
    }

    /// The owner sets market `id`'s status.
    pub fn set_market_status(&mut self, id: &str, status: MarketStatusUpdate) {
        let owner = self.owner.clone();
        let msg = ExecuteMsg::SetMarketStatus {
            market_id: id.into(),
            status,
        };
        self.exec(&owner, &msg).unwrap();
    }

    /// The owner settles market `id` at `price` (the oracle's when `None`).
    pub fn settle_market(&mut self, id: &str, price: Option<Decimal256>) -> AppResponse {
        let owner = self.owner.clone();
        let msg = ExecuteMsg::SettleMarket {
            market_id: id.into(),
            price,
        };
        self.exec(&owner, &msg).unwrap()
    }

    /// A keeper with an empty wallet settles the positions of settled market `id`.
    pub fn settle_positions(&mut self, id: &str) -> AppResponse {
        let keeper = self.trader("keeper", 0, 0);
        let msg = ExecuteMsg::SettlePositions {
            market_id: id.into(),
            limit: None,
        };
        self.exec(&keeper, &msg).unwrap()
    }

    /// The default suite; alice (200,000 USDC, all deposited) long 10 BTC, so the vault is short
    /// 10 BTC; an hour on, past the LP withdrawal delay. Returns `[lp, alice]`.
    pub fn vault_short_10_btc_an_hour_on() -> (Self, [Addr; 2]) {
        let mut s = Self::new();
        let lp = s.lp.clone();
        let alice = s.trader("alice", 200_000, 200_000);
        s.trade(&alice, "BTC", "10");
        s.advance(3_600);
        (s, [lp, alice])
    }

    /// The owner adds feed `id` to the price feed, skipping moves over 10 % within 60 seconds.
    pub fn add_jump_guarded_feed(&mut self, id: &str) {
        let (owner, feed) = (self.owner.clone(), self.feed.clone());
        let msg = FeedMsg::AddFeed {
            feed_id: id.into(),
            description: id.into(),
            max_price_jump: Some(d("0.1")),
            jump_window_secs: Some(60),
            max_jump_windows: None,
        };
        self.exec_at(&feed, &owner, &msg, &[]).unwrap();
    }

    /// The default suite plus a SOL feed that skips moves over 10 % within 60 seconds, a plain
    /// SOL market at 100, and alice (10,000 USDC, all deposited) long 10 SOL. Returns alice.
    pub fn sol_jump_guarded_alice_long_10() -> (Self, Addr) {
        let mut s = Self::new();
        s.add_jump_guarded_feed("SOL");
        s.add_market("SOL", plain_market("SOL")).unwrap();
        s.set_price("SOL", "100");
        let alice = s.trader("alice", 10_000, 10_000);
        s.trade(&alice, "SOL", "10");
        (s, alice)
    }

    /// The default suite, the engine registered with the insurance fund, the fund holding
    /// `fund` base units.
    pub fn insured(fund: u128) -> Self {
        let mut s = Self::new();
        s.register_engine();
        s.fund_insurance(fund);
        s
    }

    /// `name` (3,000 USDC, all deposited) opens an isolated long 0.15 BTC at 60,000 with margin
    /// 1,000, leaving C = 2,000. Settled or priced at 52,000 the loss is 1,200: the margin pays
    /// 1,000 and 200 is a shortfall.
    pub fn isolated_long_btc(&mut self, name: &str) -> Addr {
        let who = self.trader(name, 3_000, 3_000);
        self.try_isolated(&who, "BTC", "0.15", 1_000 * USDC)
            .unwrap();
        who
    }
}
