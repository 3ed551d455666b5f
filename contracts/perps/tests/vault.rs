//! The vault: first-deposit lock, share pricing, two-step withdrawal, cash and backing rules
//! (DESIGN 6.7, SECURITY 38).

use cosmwasm_std::Uint128;
use cw_multi_test::Executor;
use perps_api::perps::ExecuteMsg;

use crate::suite::{plain_market, Suite, USDC};

#[test]
fn first_deposit_locks_one_whole_unit_and_mints_one_share_per_base_unit() {
    let s = Suite::new();
    let v = s.vault();
    assert_eq!(v.cash.i128(), 1_000_000 * USDC as i128);
    assert_eq!(v.total_shares.u128(), 1_000_000 * USDC);
    let lp = s.lp_position(&s.lp);
    // 10^6 shares locked forever
    assert_eq!(lp.shares.u128(), 1_000_000 * USDC - USDC);
    assert_eq!(lp.value.u128(), 1_000_000 * USDC - USDC);
    assert_eq!(v.share_price, crate::suite::d("1"));
}

#[test]
fn first_deposit_below_twice_the_lock_and_trades_without_shares_are_refused() {
    let mut s = Suite::with_vault(
        |_| {},
        &[("BTC", plain_market("BTC")), ("ETH", plain_market("ETH"))],
        0,
    );
    let (alice, carol) = (s.trader("alice", 10_000, 0), s.trader("carol", 10, 0));
    s.deposit(&alice, 10_000);
    s.rejects_trade(
        &alice,
        "BTC",
        "0.1",
        "trade would increase |skew| of market BTC while the vault has no shares",
    );
    s.rejects(
        &carol,
        &ExecuteMsg::ProvideLiquidity {},
        &cosmwasm_std::coins(2 * USDC - 1, crate::suite::DENOM),
        "first deposit 1999999 is below the minimum 2000000",
    );
    s.provide(&carol, 2 * USDC).unwrap();
    assert_eq!(s.lp_position(&carol).shares.u128(), USDC);
}

#[test]
fn two_step_withdrawal_with_delay_and_cancel() {
    let mut s = Suite::new();
    let lp = s.lp.clone();
    let half = Uint128::new(500_000 * USDC);
    let request = ExecuteMsg::WithdrawLiquidity { shares: half };
    // shares provided less than the delay ago cannot be requested
    let unlock = s.now() + 3_600;
    s.rejects(
        &lp,
        &request,
        &[],
        &format!("shares provided recently are locked until {unlock}"),
    );
    s.advance(3_600);
    s.exec(&lp, &request).unwrap();
    s.rejects(
        &lp,
        &request,
        &[],
        "a withdrawal request is already pending",
    );
    let claimable = s.now() + 3_600;
    assert_eq!(
        s.lp_position(&lp).pending_withdrawal.unwrap().claimable_at,
        claimable
    );
    s.rejects(
        &lp,
        &ExecuteMsg::ClaimLiquidity {},
        &[],
        &format!("withdrawal request claimable at {claimable}"),
    );
    s.exec(&lp, &ExecuteMsg::CancelWithdrawLiquidity {})
        .unwrap();
    assert!(s.lp_position(&lp).pending_withdrawal.is_none());
    s.rejects(
        &lp,
        &ExecuteMsg::ClaimLiquidity {},
        &[],
        "no pending withdrawal request",
    );
    s.exec(&lp, &request).unwrap();
    s.advance(3_600);
    let before = s.balance(&lp);
    s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(s.balance(&lp), before + 500_000 * USDC);
    assert_eq!(s.vault().total_shares.u128(), 500_000 * USDC);
    // more shares than held
    s.rejects(
        &lp,
        &ExecuteMsg::WithdrawLiquidity {
            shares: Uint128::new(500_000 * USDC),
        },
        &[],
        "requested 500000000000 shares but only 499999000000 are withdrawable now",
    );
}

#[test]
fn claim_pays_the_lower_share_price_as_far_as_caps_and_backing_allow() {
    let (mut s, [lp, _alice]) = Suite::vault_short_10_btc_an_hour_on();
    s.set_price("BTC", "60000");
    // requested at V = 1,000,000: 1 per share
    s.request_withdrawal(&lp, 999_999 * USDC);
    s.advance(3_600);
    // BTC up 1,000: the vault lost 10,000 → V = 990,000 (0.99 per share, the lower price). The
    // vault's 610,000 of exposure needs V ≥ 610,000 (max_skew_to_vault 1; the backing needs
    // only 61,000): 380,000 can go, for 383,838.383838 shares
    s.set_price("BTC", "61000");
    let before = s.balance(&lp);
    let res = s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(s.balance(&lp), before + 379_999_999_999);
    assert_eq!(Suite::attr(&res, "wasm", "shares"), "383838383838");
    assert_eq!(Suite::attr(&res, "wasm", "shares_left"), "616160616162");
    // nothing more fits: the claim pays nothing and the request stays (refused: it never lapses)
    let res = s.exec(&lp, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(Suite::attr(&res, "wasm", "payout"), "0");
    let pending = s.lp_position(&lp).pending_withdrawal.unwrap();
    assert_eq!(pending.shares, Uint128::new(616_160_616_162));
    assert_eq!(pending.expires_at, None);
    s.advance(10 * 86_400);
    s.set_price("BTC", "61000");
    assert!(s.lp_position(&lp).pending_withdrawal.is_some());
}

#[test]
fn a_donation_changes_no_account_or_share_price() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 10_000, 5_000);
    let before = (s.vault(), s.account(&alice));
    let engine = s.engine.clone();
    s.app
        .execute(
            alice.clone(),
            cosmwasm_std::BankMsg::Send {
                to_address: engine.to_string(),
                amount: cosmwasm_std::coins(1_000 * USDC, crate::suite::DENOM),
            }
            .into(),
        )
        .unwrap();
    s.donations += 1_000 * USDC;
    s.check_invariants();
    assert_eq!((s.vault(), s.account(&alice)), before);
}
