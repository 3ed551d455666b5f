//! Solvency (DESIGN 6.7, 6.8, 6.10; SECURITY 44-46, 50): winners are paid by the vault, never by
//! other traders' deposits. Each attack of the review runs as the attacker would, with the
//! review's numbers, and every bystander withdraws everything afterwards.

mod adl;
mod adl_skew;
mod bystanders;
mod deferred;
mod liquidation_payout;
pub(crate) mod pending;
mod review2;
mod reward_farming;
mod stale_lp;
mod sweep;

use cosmwasm_std::Addr;

use crate::suite::Suite;

/// Every wallet of `bystanders` withdraws its whole collateral and ends with `balance` each.
pub fn bystanders_withdraw_everything(s: &mut Suite, bystanders: &[Addr], deposit: u128) {
    for b in bystanders {
        let before = s.balance(b);
        let c = s.account(b).collateral;
        assert_eq!(c.i128(), deposit as i128, "bystander collateral");
        s.withdraw(b, deposit).unwrap();
        assert_eq!(s.balance(b), before + deposit, "bystander paid in full");
    }
}

/// Every account of `who` withdraws its whole collateral, one after the other.
pub fn all_withdraw(s: &mut Suite, who: &[&Addr]) {
    for w in who {
        let c = s.account(w).collateral.i128();
        assert!(c >= 0, "{c}");
        let before = s.balance(w);
        s.withdraw(w, c as u128).unwrap();
        assert_eq!(s.balance(w), before + c as u128);
    }
}

/// Wallet sum of `who`.
pub fn wallets(s: &Suite, who: &[Addr]) -> u128 {
    who.iter().map(|w| s.balance(w)).sum()
}

mod bounded;
