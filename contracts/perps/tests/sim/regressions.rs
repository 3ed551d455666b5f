//! Step lists the simulation once shrank to, replayed on every run: each exercises a path where
//! a naive reading of an invariant is wrong and the spec's reading holds (see the comments).

use super::actions::{Action, Amount, ModeChoice};
use super::{run_steps, Stats};

fn replay(steps: &[Action]) -> Stats {
    let mut stats = Stats::default();
    run_steps(steps, &mut stats);
    stats
}

/// A 10x long (2.96 BTC, just under the 3 BTC cap skew) loses 16.7 %: the owner's close of the bankrupt book takes the bad-debt path and
/// the fund pays through `cover_bad_debt` (invariant 7 holds: payout == fund loss), and vault
/// equity moves by its fee share minus what was socialized.
#[test]
fn owner_close_of_a_bankrupt_book_is_paid_by_cover_bad_debt() {
    let stats = replay(&[
        Action::MaxTrade {
            who: 0,
            market: 0,
            permille: 592,
            short: false,
            isolated: false,
        },
        Action::Publish {
            market: 0,
            bps: -1669,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::Close {
            who: 0,
            market: 0,
            funds: 0,
        },
    ]);
    assert_eq!((stats.succeeded, stats.rejected), (2, 0));
    assert_eq!(stats.vault_fee_checked, 2);
}

/// A reduction while the confidence fails the strict rule fills `conf` worse; the spread goes
/// to the vault (invariant 9 widened upwards only).
#[test]
fn degraded_reduction_spread_goes_to_the_vault() {
    let stats = replay(&[
        Action::Trade {
            who: 3,
            market: 1,
            lots: 92,
            mode: ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::Publish {
            market: 1,
            bps: 0,
            conf_bps: 101,
            ema_bps: 0,
        },
        Action::Trade {
            who: 3,
            market: 1,
            lots: -1,
            mode: ModeChoice::Default,
            acceptable_bps: Some(101),
            funds: 0,
        },
    ]);
    assert_eq!((stats.trades_ok, stats.vault_fee_checked), (2, 2));
}

/// After `settle_market` the account query values the settled position as closed (no IM), so
/// the reported free collateral is exactly what a withdraw (which closes it first) may take.
#[test]
fn withdraw_after_settlement_takes_exactly_the_reported_free_collateral() {
    let stats = replay(&[
        // 5 lots of SOL (50 USDC): the smallest position above the 40 USDC floor that a
        // 1 USDC minimum reward sets at MMR 5 %
        Action::Trade {
            who: 1,
            market: 2,
            lots: 5,
            mode: ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::Settle { market: 2 },
        Action::Withdraw {
            who: 1,
            amount: Amount::FreePlus(1),
        },
        Action::Withdraw {
            who: 1,
            amount: Amount::FreePlus(0),
        },
    ]);
    assert_eq!((stats.succeeded, stats.rejected, stats.settles), (3, 1, 1));
}

/// The ADL path exhausted (SIM_SEED=5068): on main the whale's ETH profit was paid in full while
/// V ≥ 0, the vault's cash going below zero against the unrealized loss of a short BTC position
/// it could not deleverage; BTC then fell 1.14 %, that loss became a profit, V < 0; the ADL path
/// closed the short with h = 0 and left V = cash = −25.87 USDC with no position open: the flat
/// accounts together held 25.87 USDC more than the engine (finding 1 of issue 12). Now the vault
/// pays a profit only from the cash it holds (the rest pending, cut by the haircut like any
/// profit): the flat accounts can withdraw everything together at every step (checked after
/// each step with no tolerance).
#[test]
fn the_adl_path_can_leave_a_deficit_no_profit_can_cover() {
    let stats = replay(&[
        Action::SkewToCap {
            who: 0,
            market: 0,
            short: true,
            over: 0,
        },
        Action::Publish {
            market: 0,
            bps: 100,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::AdlShock {
            who: 0,
            market: 1,
            short: false,
            over: 68,
        },
        Action::Publish {
            market: 0,
            bps: -114,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::Sweep,
    ]);
    assert_eq!(stats.adl_shocks, 1);
    assert!(stats.pending_steps >= 1, "{stats:?}");
}

/// A bankrupt owner close of a book `mark_bad_debt` recorded (SIM_SEED=9066): the fund covers
/// the shortfall and the mark is cleared, so V (net of `unrecoverable`) rises by the mark; the
/// rule of invariant 9 holds on `V + unrecoverable`.
#[test]
fn a_marked_bankrupt_close_moves_v_by_the_cleared_mark() {
    let stats = replay(&[
        Action::SkewToCap {
            who: 3,
            market: 0,
            short: false,
            over: 0,
        },
        Action::Publish {
            market: 0,
            bps: -1829,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::AdlShock {
            who: 0,
            market: 1,
            short: false,
            over: 0,
        },
        Action::Close {
            who: 3,
            market: 0,
            funds: 0,
        },
    ]);
    assert_eq!(stats.bad_debt_marked, 1, "{stats:?}");
    assert!(stats.vault_fee_checked >= 2, "{stats:?}");
}

/// A reduction while the vault's equity as the MESSAGE sees it (other markets at their stored last
/// price, DESIGN 6.10) is below zero, although the query (every market at the oracle) shows
/// V ≥ 0 (SIM_SEED=20261256): the profit is paid with the haircut, so V rises by more than the
/// fee; the model predicts the haircut from the message's view and the fee rule allows it.
#[test]
fn a_haircut_seen_only_at_stored_last_prices_is_allowed_by_the_fee_rule() {
    let stats = replay(&[
        Action::Close {
            who: 0,
            market: 0,
            funds: 0,
        },
        Action::AdlShock {
            who: 2,
            market: 1,
            short: true,
            over: 0,
        },
        Action::MaxTrade {
            who: 1,
            market: 2,
            permille: 359,
            short: true,
            isolated: false,
        },
        Action::RemoveMargin {
            who: 0,
            market: 0,
            amount: Amount::Abs(2053000000),
        },
        Action::MaxTrade {
            who: 1,
            market: 0,
            permille: 542,
            short: false,
            isolated: true,
        },
        Action::SqueezeSkew {
            market: 0,
            permille: 774,
        },
        Action::AdlShock {
            who: 2,
            market: 2,
            short: false,
            over: 721,
        },
        Action::Publish {
            market: 2,
            bps: 394,
            conf_bps: 0,
            ema_bps: -879,
        },
        Action::MarkBadDebt { target: 1 },
        Action::Time { secs: 64006 },
        Action::UpdateMarket {
            market: 1,
            variant: 8,
            force: false,
        },
        Action::StaleClaim { lp: 1, lapse: true },
        Action::SqueezeSkew {
            market: 1,
            permille: 612,
        },
    ]);
    assert!(stats.haircut_payments >= 1, "{stats:?}");
}

/// After a shock beyond the caps a bankrupt book not yet marked kept V ≥ 0 while the vault's
/// cash was below what the flat accounts held (SIM_SEED=20261465): on main the flat accounts
/// could hold up to the unmarked shortfall more than the engine. Now no payout spends cash the
/// vault does not hold: the flat accounts withdraw everything together at every step.
#[test]
fn an_unmarked_bankrupt_book_after_a_shock_is_a_deficit_of_the_vault() {
    let stats = replay(&[
        Action::MaxTrade {
            who: 0,
            market: 2,
            permille: 396,
            short: true,
            isolated: false,
        },
        Action::AdlShock {
            who: 1,
            market: 0,
            short: true,
            over: 0,
        },
        Action::AdlShock {
            who: 2,
            market: 2,
            short: false,
            over: 49,
        },
        Action::Publish {
            market: 2,
            bps: 184,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::Publish {
            market: 0,
            bps: 5,
            conf_bps: 0,
            ema_bps: 0,
        },
    ]);
    assert_eq!(stats.sequences, 1, "{stats:?}");
}

/// The hour a stale claim waits moves funding: after a shock left V at 0 the vault paid 2.84 USDC
/// of funding in it (SIM_SEED=20261559); the claim itself (which pays nothing at V ≤ 0) is judged
/// from V right before its message.
#[test]
fn a_stale_claim_is_judged_after_the_time_it_waits() {
    let stats = replay(&[
        Action::MaxTrade {
            who: 0,
            market: 2,
            permille: 758,
            short: false,
            isolated: false,
        },
        Action::AdlShock {
            who: 1,
            market: 2,
            short: true,
            over: 0,
        },
        Action::Publish {
            market: 2,
            bps: 1,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::Time { secs: 61 },
        Action::StaleClaim {
            lp: 0,
            lapse: false,
        },
    ]);
    assert_eq!(stats.adl_shocks, 1);
}

/// Auto-deleveraging while V < 0 closed a whole long larger than the skew (SIM_SEED=20261662):
/// ETH's K went from +3.29 to −36.91 and the impact liability of the new skew lowered V by 101
/// USDC. ADL now closes at most |K| (`solvency::adl_skew`): no skew flips, and "ADL never lowers
/// V" is checked on this path too.
#[test]
fn adl_never_flips_the_skew() {
    let stats = replay(&[
        Action::MaxTrade {
            who: 2,
            market: 1,
            permille: 402,
            short: false,
            isolated: false,
        },
        Action::Trade {
            who: 1,
            market: 1,
            lots: 437,
            mode: ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::MaxTrade {
            who: 1,
            market: 1,
            permille: 515,
            short: true,
            isolated: false,
        },
        Action::Close {
            who: 0,
            market: 0,
            funds: 0,
        },
        Action::Publish {
            market: 1,
            bps: 11,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::MaxTrade {
            who: 1,
            market: 1,
            permille: 300,
            short: false,
            isolated: false,
        },
        Action::AdlShock {
            who: 0,
            market: 2,
            short: false,
            over: 106,
        },
        Action::Donate { amount: 913776 },
        Action::GroupRoundTrip {
            a: 2,
            b: 3,
            market: 1,
            lots_a: -1067,
            lots_b: 28,
        },
        Action::Liquidate {
            by: 2,
            target: 3,
            min_reward: None,
        },
    ]);
    assert_eq!(stats.adl_flips, 0, "{stats:?}");
    assert!(stats.adl_runs >= 1, "{stats:?}");
}

/// The ADL path after a liquidation (SIM_SEED=20261299): a deleveraged profit settled in part
/// (the vault's cash short of it) while V < 0.
#[test]
fn a_deleveraged_profit_the_cash_pays_in_part() {
    let stats = replay(&[
        Action::SkewToCap {
            who: 2,
            market: 0,
            short: false,
            over: 0,
        },
        Action::Trade {
            who: 3,
            market: 0,
            lots: -1,
            mode: ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::UpdateMarket {
            market: 0,
            variant: 6,
            force: false,
        },
        Action::Time { secs: 28600 },
        Action::AdlShock {
            who: 0,
            market: 1,
            short: false,
            over: 0,
        },
        Action::Time { secs: 1690 },
        Action::Deposit { who: 0, amount: 0 },
        Action::Publish {
            market: 0,
            bps: 0,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::Keeper,
        Action::Liquidate {
            by: 0,
            target: 0,
            min_reward: Some(3000000),
        },
        Action::AdlShock {
            who: 2,
            market: 2,
            short: false,
            over: 561,
        },
    ]);
    assert!(stats.adl_shocks >= 1, "{stats:?}");
}

/// SIM_SEED=20261299 (second form): the flat accounts after a shock and a liquidation.
#[test]
fn flat_accounts_stay_whole_after_a_shock_and_a_liquidation() {
    let stats = replay(&[
        Action::SkewToCap {
            who: 2,
            market: 0,
            short: false,
            over: 0,
        },
        Action::Trade {
            who: 0,
            market: 0,
            lots: -1,
            mode: ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::UpdateMarket {
            market: 0,
            variant: 6,
            force: false,
        },
        Action::Time { secs: 5898 },
        Action::RequestWithdraw { lp: 0, permille: 1 },
        Action::Time { secs: 2350 },
        Action::StaleClaim { lp: 0, lapse: true },
        Action::Keeper,
        Action::AdlShock {
            who: 2,
            market: 2,
            short: false,
            over: 561,
        },
        Action::Liquidate {
            by: 2,
            target: 2,
            min_reward: None,
        },
    ]);
    assert!(stats.adl_shocks >= 1, "{stats:?}");
}

/// A withdrawal after a shock pays the account's pending payout into C first (SIM_SEED=
/// 20261397): it may take up to that much above the free collateral reported before.
#[test]
fn a_withdrawal_is_paid_its_pending_payout_first() {
    let stats = replay(&[
        Action::Trade {
            who: 2,
            market: 1,
            lots: 50,
            mode: ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::AdlShock {
            who: 2,
            market: 2,
            short: false,
            over: 103,
        },
        Action::SetStatus {
            market: 0,
            reduce_only: false,
        },
        Action::Withdraw {
            who: 2,
            amount: Amount::FreePlus(1),
        },
    ]);
    assert!(stats.pending_steps >= 1, "{stats:?}");
}

/// Issue 12, a liquidation's net gain: trader 1 long 1,500 SOL and short 20 ETH; SOL +20 %, ETH
/// +60 %: he buys the ETH back at a loss beyond his collateral (`C` = −6,137.922223 USDC, his SOL
/// gain keeps his equity positive); trader 2 (2,000,000 deposited) short 2 BTC, trader 0 takes
/// BTC's skew to the cap and BTC rises to the ADL trigger; trader 0 closes: the vault pays him
/// its cash but trader 1's debt (540,316.62 pending, V ≥ 0 thanks to trader 2's open loss). SOL
/// 104.604: trader 1's equity 768.08 is below the 1 % penalty, everything closes, +6,906 realized:
/// the vault pays his debt (all its cash), 768.077777 is his pending payout, `C` = 0, V unchanged;
/// the reference model predicted the claim and the cash paid, exactly. On main the vault paid
/// the whole gain (cash −768.08) and the penalty took it.
#[test]
fn a_liquidations_gain_beyond_the_vaults_cash_is_pending() {
    let stats = replay(&[
        Action::Trade {
            who: 1,
            market: 2,
            lots: 15_000,
            mode: ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::Trade {
            who: 1,
            market: 1,
            lots: -2_000,
            mode: ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::Publish {
            market: 2,
            bps: 2000,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::Publish {
            market: 1,
            bps: 6000,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::Close {
            who: 1,
            market: 1,
            funds: 0,
        },
        Action::Deposit {
            who: 2,
            amount: 2_000_000_000_000,
        },
        Action::Trade {
            who: 2,
            market: 0,
            lots: -2_000,
            mode: ModeChoice::Default,
            acceptable_bps: None,
            funds: 0,
        },
        Action::AdlShock {
            who: 0,
            market: 0,
            short: false,
            over: 0,
        },
        Action::Close {
            who: 0,
            market: 0,
            funds: 0,
        },
        // SOL 120 → 104.604: equity 768 < the 1 % penalty of 156,906: everything closes
        Action::Publish {
            market: 2,
            bps: -1283,
            conf_bps: 0,
            ema_bps: 0,
        },
        Action::Liquidate {
            by: super::actions::TRADERS,
            target: 1,
            min_reward: None,
        },
    ]);
    assert_eq!(
        (stats.liquidations_ok, stats.liquidation_payouts_checked),
        (1, 1),
        "{stats:?}"
    );
    assert_eq!(stats.liquidation_payouts_deferred, 1, "{stats:?}");
}
