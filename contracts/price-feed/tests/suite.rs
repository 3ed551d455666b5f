//! A small typed harness: one price feed, its owner, one publisher, and snapshots of every piece
//! of state a query can see, so each rejection can be checked to change nothing.

use cosmwasm_std::{coins, Addr, Decimal256, Empty, StdError, StdResult};
use cw_multi_test::{App, AppResponse, Contract, ContractWrapper, Executor};
use perps_api::price_feed::{
    ConfigResponse, ExecuteMsg, FeedInfo, FeedsResponse, HistoryRecord, InstantiateMsg,
    PriceHistoryResponse, PriceResponse, PriceUpdate, QueryMsg,
};
use price_feed::ContractError;

pub const FUNDED_DENOM: &str = "uusdc";

pub use test_support::d;

pub fn contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            price_feed::execute,
            price_feed::instantiate,
            price_feed::query,
        )
        .with_migrate(price_feed::migrate),
    )
}

/// An update with `conf` 1 and no explicit EMA.
pub fn upd(feed_id: &str, price: &str, publish_time: u64) -> PriceUpdate {
    PriceUpdate {
        feed_id: feed_id.to_string(),
        price: d(price),
        conf: d("1"),
        ema_price: None,
        publish_time,
    }
}

/// Values of every attribute named `key` in the response, in order.
pub fn attrs(res: &AppResponse, key: &str) -> Vec<String> {
    res.events
        .iter()
        .flat_map(|e| e.attributes.iter())
        .filter(|a| a.key == key)
        .map(|a| a.value.clone())
        .collect()
}

/// Asserts that `res` failed with exactly `expected` (cw-multi-test hands errors back as text), or,
/// for a refusal from outside the contract's own errors (an address check), with an error whose
/// text holds `expected`.
pub fn assert_err<T: std::fmt::Debug>(res: StdResult<T>, expected: impl std::fmt::Display) {
    let err: StdError = res.expect_err("expected an error");
    let text = format!("{err:?} {err}");
    assert!(
        text.contains(&expected.to_string()),
        "expected error `{expected}`, got `{text}`"
    );
}

/// Everything a query can see: config, every feed with its price and its price history.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub config: ConfigResponse,
    pub feeds: Vec<FeedInfo>,
    pub histories: Vec<Vec<HistoryRecord>>,
}

pub struct Suite {
    pub app: App,
    pub code_id: u64,
    pub feed: Addr,
    pub owner: Addr,
    pub publisher: Addr,
    pub stranger: Addr,
}

impl Suite {
    /// Owner (the instantiating sender), one publisher, default `max_future_secs`.
    pub fn new() -> Self {
        Self::with(|_| {})
    }

    /// `new` plus BTC (jumps bounded at 10 %) at 100 and ETH (unbounded) at 2,000, both
    /// published at the returned time.
    pub fn priced() -> (Self, u64) {
        let mut suite = Self::new();
        suite.add_feed("BTC", Some("0.1"));
        suite.add_feed("ETH", None);
        let t = suite.now();
        suite
            .push(vec![upd("BTC", "100", t), upd("ETH", "2000", t)])
            .unwrap();
        (suite, t)
    }

    /// Like `new`, with the instantiate message adjusted by `edit`.
    pub fn with(edit: impl FnOnce(&mut InstantiateMsg)) -> Self {
        let mut suite = Self::bare();
        let mut msg = InstantiateMsg {
            owner: None,
            publishers: vec![suite.publisher.to_string()],
            max_future_secs: None,
        };
        edit(&mut msg);
        suite.feed = suite.instantiate(&msg).unwrap();
        suite
    }

    /// Code stored, nothing instantiated yet; the stranger holds some coins.
    pub fn bare() -> Self {
        let [owner, publisher, stranger, placeholder] =
            test_support::addrs(["owner", "publisher", "stranger", "not-instantiated"]);
        let funded = [owner.clone(), publisher.clone(), stranger.clone()];
        let mut app = App::new(|router, _, storage| {
            for addr in &funded {
                router
                    .bank
                    .init_balance(storage, addr, coins(1_000_000, FUNDED_DENOM))
                    .unwrap();
            }
        });
        let code_id = app.store_code(contract());
        Self {
            app,
            code_id,
            // Replaced by `with`; a bare suite instantiates for itself.
            feed: placeholder,
            owner,
            publisher,
            stranger,
        }
    }

    pub fn instantiate(&mut self, msg: &InstantiateMsg) -> StdResult<Addr> {
        self.app.instantiate_contract(
            self.code_id,
            self.owner.clone(),
            msg,
            &[],
            "price-feed",
            Some(self.owner.to_string()),
        )
    }

    test_support::clock_and_wallets!();

    pub fn exec(&mut self, sender: &Addr, msg: &ExecuteMsg) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.feed.clone(), msg, &[])
    }

    /// Runs `msg` from `sender`, expects `expected`, and checks that no visible state changed.
    pub fn rejects(&mut self, sender: &Addr, msg: &ExecuteMsg, expected: impl std::fmt::Display) {
        let before = self.snapshot();
        assert_err(self.exec(sender, msg), expected);
        assert_eq!(
            self.snapshot(),
            before,
            "state changed by a rejected message"
        );
    }

    /// Each of `senders` is refused `msg` as not a publisher, changing nothing.
    pub fn rejects_non_publishers(&mut self, senders: [Addr; 2], msg: &ExecuteMsg) {
        for sender in senders {
            let expected = ContractError::NotPublisher {
                sender: sender.clone(),
            };
            self.rejects(&sender, msg, expected);
        }
    }

    pub fn add_feed(&mut self, feed_id: &str, max_price_jump: Option<&str>) -> AppResponse {
        let msg = ExecuteMsg::AddFeed {
            feed_id: feed_id.to_string(),
            description: format!("{feed_id} feed"),
            max_price_jump: max_price_jump.map(d),
            jump_window_secs: None,
            max_jump_windows: None,
        };
        self.exec(&self.owner.clone(), &msg).unwrap()
    }

    /// `update_prices` from the publisher.
    pub fn push(&mut self, prices: Vec<PriceUpdate>) -> StdResult<AppResponse> {
        self.exec(
            &self.publisher.clone(),
            &ExecuteMsg::UpdatePrices { prices },
        )
    }

    /// Pushes `update` alone (from the publisher) and asserts that the feed skipped it as a jump.
    pub fn assert_jump_skipped(&mut self, update: PriceUpdate) {
        let feed_id = update.feed_id.clone();
        let res = self.push(vec![update]).unwrap();
        assert_eq!(attrs(&res, "skipped_update"), [format!("{feed_id}:jump")]);
    }

    /// Pushes `update` alone (from the publisher) and asserts that its price is now stored.
    pub fn assert_lands(&mut self, update: PriceUpdate) {
        let (feed_id, price) = (update.feed_id.clone(), update.price);
        self.push(vec![update]).unwrap();
        assert_eq!(self.stored(&feed_id).0, price);
    }

    /// `reset_price` from the owner with `conf` 1.
    pub fn reset(
        &mut self,
        feed_id: &str,
        price: &str,
        publish_time: u64,
    ) -> StdResult<AppResponse> {
        let msg = ExecuteMsg::ResetPrice {
            feed_id: feed_id.to_string(),
            price: d(price),
            conf: d("1"),
            publish_time,
        };
        self.exec(&self.owner.clone(), &msg)
    }

    pub fn query<T: cosmwasm_schema::serde::de::DeserializeOwned>(
        &self,
        msg: &QueryMsg,
    ) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(self.feed.clone(), msg)
    }

    pub fn price(&self, feed_id: &str) -> StdResult<PriceResponse> {
        self.query(&QueryMsg::Price {
            feed_id: feed_id.to_string(),
        })
    }

    /// The stored price of `feed_id` as `(price, conf, ema_price, publish_time)`.
    pub fn stored(&self, feed_id: &str) -> (Decimal256, Decimal256, Decimal256, u64) {
        let p = self.price(feed_id).unwrap();
        assert_eq!(p.feed_id, feed_id);
        (p.price, p.conf, p.ema_price, p.publish_time)
    }

    pub fn config(&self) -> ConfigResponse {
        self.query(&QueryMsg::Config {}).unwrap()
    }

    pub fn feeds_page(&self, start_after: Option<&str>, limit: Option<u32>) -> Vec<FeedInfo> {
        let res: FeedsResponse = self
            .query(&QueryMsg::Feeds {
                start_after: start_after.map(str::to_string),
                limit,
            })
            .unwrap();
        res.feeds
    }

    /// Every feed, walking pages of the maximum size.
    pub fn all_feeds(&self) -> Vec<FeedInfo> {
        let mut all: Vec<FeedInfo> = vec![];
        loop {
            let start = all.last().map(|f| f.feed_id.clone());
            let page = self.feeds_page(start.as_deref(), Some(30));
            if page.is_empty() {
                return all;
            }
            all.extend(page);
        }
    }

    /// The price history of `feed_id` (smart query), oldest first.
    pub fn history(&self, feed_id: &str) -> Vec<HistoryRecord> {
        let res: PriceHistoryResponse = self
            .query(&QueryMsg::PriceHistory {
                feed_id: feed_id.to_string(),
            })
            .unwrap();
        res.records
    }

    pub fn snapshot(&self) -> Snapshot {
        let feeds = self.all_feeds();
        let histories = feeds.iter().map(|f| self.history(&f.feed_id)).collect();
        Snapshot {
            config: self.config(),
            feeds,
            histories,
        }
    }
}
