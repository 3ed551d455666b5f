//! Bounded checks (from the same review): `update_market`'s safety check does not iterate an
//! unbounded list of holders, and `liquidatable_accounts` is not diluted by accounts holding no
//! position.

use perps_api::perps::{ExecuteMsg, MarginTier, MarketConfig};

use crate::suite::{d, plain_market, Suite};

fn tighter() -> MarketConfig {
    MarketConfig {
        margin_tiers: vec![MarginTier {
            max_notional: None,
            initial_margin_ratio: d("0.2"),
            maintenance_margin_ratio: d("0.1"),
        }],
        ..plain_market("BTC")
    }
}

/// 31 holders: an update that does not raise the maintenance schedule (a fee) needs no scan and
/// passes; one that raises it cannot be checked within the bound and needs `force`.
#[test]
fn update_market_scans_at_most_thirty_holders_and_only_when_maintenance_rises() {
    let mut s = Suite::new();
    for i in 0..31 {
        let t = s.trader(&format!("holder{i}"), 1_000, 1_000);
        s.trade(&t, "BTC", "0.01");
    }
    let fee = MarketConfig {
        taker_fee: d("0.001"),
        ..plain_market("BTC")
    };
    s.update_market("BTC", fee, None);
    let owner = s.owner.clone();
    s.rejects_exact(
        &owner,
        &ExecuteMsg::UpdateMarket {
            market_id: "BTC".into(),
            config: tighter(),
            force: None,
        },
        &[],
        "update of market BTC raises its maintenance requirements and more than 30 accounts hold it: too many books to check (send force: true to override)",
    );
    s.update_market("BTC", tighter(), Some(true));
}

/// Twelve 1-base-unit deposits and one liquidatable account: a page of two finds it (the dust
/// accounts cannot be liquidatable and are stepped over, up to ten per account scanned).
#[test]
fn liquidatable_accounts_is_not_diluted_by_accounts_without_positions() {
    let mut s = Suite::new();
    for i in 0..12 {
        let dust = s.trader(&format!("dust{i}"), 1, 0);
        s.exec_funds(&dust, &ExecuteMsg::Deposit {}, 1).unwrap();
    }
    let victim = s.trader("victim", 6_000, 6_000);
    s.trade(&victim, "BTC", "1");
    s.set_price("BTC", "54500");
    let page: perps_api::perps::LiquidatableAccountsResponse =
        s.query(&perps_api::perps::QueryMsg::LiquidatableAccounts {
            start_after: None,
            limit: Some(2),
        });
    let listed: Vec<_> = page.accounts.iter().map(|a| a.address.clone()).collect();
    assert_eq!(listed, vec![victim]);
    assert_eq!(page.next_start_after, None);
}
