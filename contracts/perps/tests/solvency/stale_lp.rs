//! Attack 3 (SECURITY 46): a matured LP withdrawal request used as a free option to exit after a
//! gap, before the bankrupt trader is liquidated, leaving the socialized loss to the LPs who stay.

use cosmwasm_std::Addr;
use perps_api::perps::ExecuteMsg;

use crate::suite::{Suite, USDC};

/// LP1 (the suite's LP, 1M) and LP2 (1M, 1h after); a gambler long 10 BTC at 60,000 on 60,000
/// of collateral (exactly initial margin). Returns (suite, lp2, gambler).
fn two_lps_and_a_gambler() -> (Suite, Addr, Addr) {
    let mut s = Suite::new();
    let lp2 = s.trader("lp2", 1_000_000, 0);
    s.provide(&lp2, 1_000_000 * USDC).unwrap();
    let gambler = s.trader("gambler", 60_000, 60_000);
    s.trade(&gambler, "BTC", "10");
    (s, lp2, gambler)
}

/// [`two_lps_and_a_gambler`] an hour on, BTC still at 60,000: LP2 requests all its shares.
fn lp2_requesting_everything_an_hour_on() -> (Suite, Addr, Addr) {
    let (mut s, lp2, gambler) = two_lps_and_a_gambler();
    s.advance(3_600);
    s.set_price("BTC", "60000");
    s.request_withdrawal(&lp2, 1_000_000 * USDC);
    (s, lp2, gambler)
}

/// After the bankrupt gambler is liquidated (a keeper), LP1 redeems everything: his value per share.
fn lp1_value_per_share_after_liquidation(s: &mut Suite, gambler: &Addr) -> (u128, u128) {
    let keeper = s.trader("keeper", 0, 0);
    s.liquidate(&keeper, gambler, None).unwrap();
    let lp1 = s.lp_position(&s.lp.clone());
    (lp1.value.u128(), lp1.shares.u128())
}

/// The review's steps: LP2's request matured a week ago; BTC gaps −15 % (the gambler owes 90,000
/// on 60,000 of collateral); LP2 claims before anyone liquidates. The request lapsed with its
/// claim window (1 day by default): refused, nothing changes; LP2 must request again and wait.
#[test]
fn s46_a_request_matured_a_week_ago_has_lapsed() {
    let (mut s, lp2, gambler) = lp2_requesting_everything_an_hour_on();
    let claimable_at = s.now() + 3_600;
    s.advance(3_600 + 7 * 86_400);
    s.set_price("BTC", "51000");
    let now = s.now();
    s.rejects_exact(
        &lp2,
        &ExecuteMsg::ClaimLiquidity {},
        &[],
        &format!(
            "withdrawal request lapsed: claimable from {claimable_at} until {}, now {now}",
            claimable_at + 86_400
        ),
    );
    // a new request waits the delay again; by then the keeper has liquidated the gambler
    s.request_withdrawal(&lp2, 1_000_000 * USDC);
    s.advance(3_600);
    s.set_price("BTC", "51000");
    let (lp1_value, lp1_shares) = lp1_value_per_share_after_liquidation(&mut s, &gambler);
    s.exec(&lp2, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    let lp2_paid = s.balance(&lp2);
    // LP2 takes no more per share than LP1 who stays
    assert!(lp2_paid * lp1_shares <= lp1_value * 1_000_000 * USDC);
}

/// A request made before the gap and claimed within its window pays the lower share price, the
/// one at request: the gambler's unpaid loss, counted in V at claim, is not LP2's to take.
#[test]
fn s46_a_claim_after_a_gap_pays_the_share_price_at_request() {
    let (mut s, lp2, gambler) = lp2_requesting_everything_an_hour_on();
    s.advance(3_600);
    s.set_price("BTC", "51000");
    // V counts the gambler's 90,000 loss in full: 2,090,000 for 2,000,000 shares (1.045)
    assert_eq!(s.vault().equity.i128(), 2_090_000 * USDC as i128);
    s.exec(&lp2, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(s.balance(&lp2), 1_000_000 * USDC);
    let (lp1_value, lp1_shares) = lp1_value_per_share_after_liquidation(&mut s, &gambler);
    // LP1 keeps the gambler's 60,000 of collateral: 1.06 per share
    assert_eq!(lp1_value, 1_060_000 * USDC - 1_060_000);
    assert_eq!(lp1_shares, 1_000_000 * USDC - USDC);
}

/// `mark_bad_debt` records a bankrupt book's shortfall: every V the engine checks (LP claims,
/// caps) subtracts it at once, before any keeper liquidates.
#[test]
fn s46_mark_bad_debt_takes_the_shortfall_out_of_v_before_the_liquidation() {
    let (mut s, lp2, gambler) = two_lps_and_a_gambler();
    s.advance(3_600);
    s.set_price("BTC", "51000");
    let anyone = s.trader("anyone", 0, 0);
    // the gambler's book: 60,000 − 90,000 = −30,000
    s.exec(
        &anyone,
        &ExecuteMsg::MarkBadDebt {
            account: gambler.to_string(),
        },
    )
    .unwrap();
    assert_eq!(s.vault().equity.i128(), 2_060_000 * USDC as i128);
    // LP2 requests at 1.03 per share, and can claim no more than that
    s.request_withdrawal(&lp2, 1_000_000 * USDC);
    s.advance(3_600);
    s.set_price("BTC", "51000");
    s.exec(&lp2, &ExecuteMsg::ClaimLiquidity {}).unwrap();
    assert_eq!(s.balance(&lp2), 1_030_000 * USDC);
    let (lp1_value, _) = lp1_value_per_share_after_liquidation(&mut s, &gambler);
    assert_eq!(lp1_value, 1_030_000 * USDC - 1_030_000);
    // a healthy account cannot be marked
    let healthy = s.trader("healthy", 1_000, 1_000);
    s.rejects(
        &anyone,
        &ExecuteMsg::MarkBadDebt {
            account: healthy.to_string(),
        },
        &[],
        "is not bankrupt: no book has negative equity",
    );
}
