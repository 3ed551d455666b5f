//! A liquidation's net realized profit is a payout like any other (DESIGN 6.8, 6.10, issue 12):
//! the vault pays it in cash only up to `payable = max(own debt, cash − what other books owe)`
//! and the rest is a pending payout of the liquidated account. On main a partial liquidation
//! closed a book's profitable leg and paid its profit from cash the vault did not hold (its
//! losing leg stayed open, unrealized): when that loss evaporated, the flat accounts together
//! held more than the engine.

use cosmwasm_std::{Addr, Uint128};
use perps::state::VAULT;
use perps_api::perps::ExecuteMsg;

use crate::suite::{d, plain_market, Suite, USDC};

const U: i128 = USDC as i128;

/// Vault cash less what the books owe it (`Vault::receivables`): the cash it really holds.
fn real_cash(s: &Suite) -> i128 {
    let storage = s.app.contract_storage(&s.engine);
    let v = VAULT.load(storage.as_ref()).unwrap();
    v.cash.i128() - v.receivables.u128() as i128
}

/// A 100,000 USDC vault. BTC trades in whole coins (`min_order_size` 1). carol short 1 BTC and
/// frank long 1 BTC at 60,000 (K_BTC = 0); frank (10,000 deposited) also short 6 ETH and the
/// whale long 30 ETH at 3,000. ETH 7,000: the whale closes +120,000, of which the vault holds
/// 100,000 (20,000 pending). BTC 90,000: frank buys back 3 ETH (−12,000 realized: C = −2,000,
/// his book's equity 16,000) and the whale's claim is paid 10,000 of the cash that loss brought
/// (the other 2,000 is frank's debt). BTC 78,000: frank's cross book, C = −2,000, BTC +18,000,
/// ETH −12,000: equity 4,000 < MM 4,950 (3,900 + 1,050). The vault holds no cash of its own:
/// cash 2,000 = what frank owes it.
fn frank_liquidatable_with_the_vaults_cash_owed() -> (Suite, [Addr; 6]) {
    let btc = plain_market("BTC");
    let btc = perps_api::perps::MarketConfig {
        min_order_size: d("1"),
        ..btc
    };
    let markets = [("BTC", btc), ("ETH", plain_market("ETH"))];
    let mut s = Suite::with_vault(|_| {}, &markets, 100_000);
    let [whale, carol] = s.traders(["whale", "carol"], 100_000, 100_000);
    let [dave, erin] = s.traders(["dave", "erin"], 50_000, 50_000);
    let frank = s.trader("frank", 10_000, 10_000);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&carol, "BTC", "-1");
    s.trade(&frank, "BTC", "1");
    s.trade(&frank, "ETH", "-6");
    s.trade(&whale, "ETH", "30");
    s.set_price("ETH", "7000");
    s.close(&whale, "ETH").unwrap();
    assert_eq!(s.vault().cash.i128(), 0);
    assert_eq!(
        s.account(&whale).pending_payout,
        Some(Uint128::new(20_000 * USDC))
    );
    s.set_price("BTC", "90000");
    s.trade(&frank, "ETH", "3");
    assert_eq!(s.account(&frank).collateral.i128(), -2_000 * U);
    assert_eq!(s.vault().cash.i128(), 12_000 * U);
    let res = s
        .exec(
            &keeper,
            &ExecuteMsg::MarkBadDebt {
                account: whale.to_string(),
            },
        )
        .unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "pending_paid"), "10000000000");
    assert_eq!(Suite::attr(&res, "wasm", "pending_left"), "10000000000");
    s.set_price("BTC", "78000");
    let f = s.account(&frank);
    assert_eq!(
        (f.equity.i128(), f.maintenance_margin.u128()),
        (4_000 * U, 4_950 * USDC)
    );
    let vault = s.vault();
    assert_eq!(vault.cash.i128(), 2_000 * U);
    assert_eq!(vault.equity.i128(), 4_000 * U);
    assert_eq!(real_cash(&s), 0);
    (s, [whale, carol, dave, erin, frank, keeper])
}

/// Every account of `who` withdraws its whole collateral, one after the other.
fn all_withdraw(s: &mut Suite, who: &[&Addr]) {
    for w in who {
        let c = s.account(w).collateral.i128();
        assert!(c >= 0, "{c}");
        if c == 0 {
            continue;
        }
        let before = s.balance(w);
        s.withdraw(w, c as u128).unwrap();
        assert_eq!(s.balance(w), before + c as u128);
    }
}

/// The liquidation closes BTC (the larger requirement; a part would leave less than one coin,
/// so all of it): +18,000 realized, of which the vault pays only frank's debt 2,000 (it holds
/// nothing else) and 16,000 is pending. His equity in cash is then −12,000 (the ETH loss): no
/// penalty can be paid, the target is out of reach and ETH closes too, −12,000 netted against
/// the claim: frank ends flat with C = 0 and a claim of 4,000 — his equity before, which the
/// vault owes him, not the bystanders. On main the vault paid all 18,000 (cash −16,000), frank
/// kept 15,220 of it (780 penalty) against an open ETH loss; ETH and BTC back at their entry,
/// the flat accounts held 15,610 more than the engine and erin could not withdraw.
#[test]
fn a_liquidations_net_profit_is_paid_only_from_cash_the_vault_holds() {
    let (mut s, [whale, carol, dave, erin, frank, keeper]) =
        frank_liquidatable_with_the_vaults_cash_owed();
    let res = s.liquidate(&keeper, &frank, None).unwrap();
    let ev = Suite::events(&res, "liquidation");
    let got: Vec<(&str, &str, &str, &str)> = ev
        .iter()
        .map(|e| {
            (
                e["market_id"].as_str(),
                e["realized_pnl"].as_str(),
                e["penalty"].as_str(),
                e["liquidator_reward"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("BTC", "18000000000", "0", "0"),
            ("ETH", "-12000000000", "0", "0")
        ]
    );
    assert_eq!(Suite::attr(&res, "wasm", "reward"), "0");
    assert_eq!(Suite::attr(&res, "wasm", "pending_payout"), "4000000000");
    let f = s.account(&frank);
    assert!(f.positions.is_empty());
    assert_eq!(f.collateral.i128(), 0);
    assert_eq!(f.pending_payout, Some(Uint128::new(4_000 * USDC)));
    let vault = s.vault();
    assert_eq!(vault.cash.i128(), 0);
    assert_eq!(vault.pending_payouts, Some(Uint128::new(14_000 * USDC)));
    // nothing moved V: the claim is a liability like the profit it was (carol's BTC loss)
    assert_eq!(vault.equity.i128(), 4_000 * U);
    assert_eq!(real_cash(&s), 0);
    assert_eq!(s.balance(&keeper), 0);
    // carol's loss evaporates: V = −14,000 = −Σ claims, h = 0, both claims are forgiven
    s.set_price("BTC", "60000");
    s.close(&carol, "BTC").unwrap();
    for w in [&whale, &frank] {
        s.exec(
            &keeper,
            &ExecuteMsg::MarkBadDebt {
                account: w.to_string(),
            },
        )
        .unwrap();
        assert_eq!(s.account(w).pending_payout, None);
    }
    assert_eq!((s.vault().cash.i128(), s.vault().equity.i128()), (0, 0));
    all_withdraw(&mut s, &[&frank, &whale, &carol, &dave, &erin]);
    assert_eq!(s.balance(&s.engine.clone()), 0);
}

/// Carol's loss comes in as cash (she closes at 78,000: +18,000): frank's next message is paid
/// his claim first, in full, and every account withdraws everything.
#[test]
fn a_liquidated_accounts_claim_is_paid_as_cash_comes_back() {
    let (mut s, [whale, carol, dave, erin, frank, keeper]) =
        frank_liquidatable_with_the_vaults_cash_owed();
    s.liquidate(&keeper, &frank, None).unwrap();
    s.close(&carol, "BTC").unwrap();
    assert_eq!(s.vault().cash.i128(), 18_000 * U);
    s.withdraw(&frank, 4_000 * USDC).unwrap();
    let f = s.account(&frank);
    assert_eq!((f.collateral.i128(), f.pending_payout), (0, None));
    s.withdraw(&whale, 1).unwrap();
    assert_eq!(s.account(&whale).collateral.i128(), 220_000 * U - 1);
    let vault = s.vault();
    assert_eq!(vault.cash.i128(), 4_000 * U);
    assert_eq!(vault.equity.i128(), 4_000 * U);
    assert_eq!(vault.pending_payouts, Some(Uint128::zero()));
    all_withdraw(&mut s, &[&whale, &carol, &dave, &erin]);
}
