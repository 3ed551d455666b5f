//! Queries: pagination bounds, simulate_trade equals the trade (SECURITY 31).

use perps_api::events::TradeEvent;
use perps_api::perps::{AccountsResponse, MarketsResponse, QueryMsg, SimulateTradeResponse};

use crate::suite::{fee_market, sd, Suite};

#[test]
fn accounts_pages_cover_everything_once_and_cap_at_30() {
    let mut s = Suite::new();
    for i in 0..35 {
        s.trader(&format!("user{i}"), 1, 1);
    }
    let all: AccountsResponse = s.query(&QueryMsg::Accounts {
        start_after: None,
        limit: Some(u32::MAX),
    });
    assert_eq!(all.accounts.len(), 30);
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let page: AccountsResponse = s.query(&QueryMsg::Accounts {
            start_after: start.clone(),
            limit: Some(7),
        });
        seen.extend(page.accounts.iter().map(|a| a.address.to_string()));
        match page.next_start_after {
            Some(n) => start = Some(n),
            None => break,
        }
    }
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(seen.len(), 35);
    assert_eq!(dedup.len(), 35);
    let m: MarketsResponse = s.query(&QueryMsg::Markets {
        start_after: Some("BTC".into()),
        limit: None,
    });
    assert_eq!(m.markets.len(), 1);
    assert_eq!(m.markets[0].market_id, "ETH");
}

#[test]
fn simulate_trade_matches_the_trade() {
    let mut s = Suite::with_btc(fee_market("BTC", "1000"));
    let alice = s.trader("alice", 50_000, 50_000);
    let sim: SimulateTradeResponse = s.query(&QueryMsg::SimulateTrade {
        address: alice.to_string(),
        market_id: "BTC".into(),
        size_delta: sd("2"),
        mode: None,
    });
    let r = s.trade(&alice, "BTC", "2");
    let t = &Suite::typed::<TradeEvent>(&r)[0];
    assert_eq!((t.fill_price, t.fee), (sim.fill_price, sim.fee));
    // fill = 60,000·(1 + 1/1000) = 60,060; fee = 2·60,060·0.1 % = 120.12
    assert_eq!(sim.fill_price.to_string(), "60060");
    assert_eq!(sim.fee.u128(), 120_120_000);
    assert_eq!(sim.account, s.account(&alice));
}
