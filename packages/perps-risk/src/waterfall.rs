//! Who pays a liquidation: the split of a book's reward and insurance share over the positions
//! it closed (for per-position events), and the bad-debt waterfall (pending insurance fees, then
//! the insurance fund up to its balance, then the vault).

use cosmwasm_std::Uint128;

use crate::error::RiskError;

/// One close's part of a book's reward and insurance share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CloseShare {
    /// Part of the liquidator reward attributed to this close.
    pub liquidator_reward: Uint128,
    /// Part of the insurance share attributed to this close.
    pub insurance_share: Uint128,
}

/// Splits a book's `reward` over its closes' `penalties`: proportional to the penalty (rounded
/// down), the rounding remainder given in order to closes whose share is below their penalty,
/// and any reward above the penalties (the `min_liquidation_reward` top-up) to the last close.
/// Each close's insurance share is its penalty minus its reward (0 when the reward covers it),
/// so the shares sum exactly to `reward` and to `Σ penalties − reward` (when positive).
pub fn split_reward(penalties: &[Uint128], reward: Uint128) -> Result<Vec<CloseShare>, RiskError> {
    let mut total = Uint128::zero();
    for p in penalties {
        total = total.checked_add(*p)?;
    }
    let from_penalties = reward.min(total);
    let mut shares: Vec<CloseShare> = Vec::with_capacity(penalties.len());
    let mut given = Uint128::zero();
    for p in penalties {
        let r = if total.is_zero() {
            Uint128::zero()
        } else {
            // ≤ p because from_penalties ≤ total
            p.checked_multiply_ratio(from_penalties, total)
                .map_err(|_| RiskError::Overflow {
                    context: "split_reward",
                })?
        };
        given = given.checked_add(r)?;
        shares.push(CloseShare {
            liquidator_reward: r,
            insurance_share: Uint128::zero(),
        });
    }
    let mut left = from_penalties.checked_sub(given)?;
    for (s, p) in shares.iter_mut().zip(penalties) {
        let room = p.checked_sub(s.liquidator_reward)?;
        let add = room.min(left);
        s.liquidator_reward = s.liquidator_reward.checked_add(add)?;
        left = left.checked_sub(add)?;
    }
    for (s, p) in shares.iter_mut().zip(penalties) {
        s.insurance_share = p.checked_sub(s.liquidator_reward)?;
    }
    let top_up = reward.checked_sub(from_penalties)?;
    if let Some(last) = shares.last_mut() {
        last.liquidator_reward = last.liquidator_reward.checked_add(top_up)?;
    }
    Ok(shares)
}

/// How a shortfall is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Waterfall {
    /// Shortfall `D` of the books that went below zero (plus unpaid rewards).
    pub shortfall: Uint128,
    /// Taken from the insurance fees accrued and not yet swept.
    pub from_fees: Uint128,
    /// Requested from the insurance fund (at most its bank balance).
    pub from_fund: Uint128,
    /// Left to the vault (a loss on its cash).
    pub socialized: Uint128,
}

/// Splits `shortfall`: pending insurance fees first, then the fund up to `fund_balance`, the
/// rest socialized. The three parts sum exactly to the shortfall.
pub fn bad_debt_waterfall(
    shortfall: Uint128,
    pending_fees: Uint128,
    fund_balance: Uint128,
) -> Result<Waterfall, RiskError> {
    let from_fees = shortfall.min(pending_fees);
    let rest = shortfall.checked_sub(from_fees)?;
    let from_fund = rest.min(fund_balance);
    let socialized = rest.checked_sub(from_fund)?;
    Ok(Waterfall {
        shortfall,
        from_fees,
        from_fund,
        socialized,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u128) -> Uint128 {
        Uint128::new(v)
    }

    fn rewards(s: &[CloseShare]) -> Vec<u128> {
        s.iter().map(|c| c.liquidator_reward.u128()).collect()
    }

    fn insurance(s: &[CloseShare]) -> Vec<u128> {
        s.iter().map(|c| c.insurance_share.u128()).collect()
    }

    #[test]
    fn reward_split_is_proportional_and_exact() {
        let s = split_reward(&[u(300), u(100)], u(200)).unwrap();
        assert_eq!(rewards(&s), vec![150, 50]);
        assert_eq!(insurance(&s), vec![150, 50]);
    }

    #[test]
    fn rounding_remainder_goes_to_closes_with_room() {
        // floor(2·1/3) = 0 each; the remainder 2 fills the first two closes
        let s = split_reward(&[u(1), u(1), u(1)], u(2)).unwrap();
        assert_eq!(rewards(&s), vec![1, 1, 0]);
        assert_eq!(insurance(&s), vec![0, 0, 1]);
    }

    #[test]
    fn top_up_beyond_the_penalties_goes_to_the_last_close() {
        let s = split_reward(&[u(10), u(5)], u(40)).unwrap();
        assert_eq!(rewards(&s), vec![10, 30]);
        assert_eq!(insurance(&s), vec![0, 0]);
        assert!(split_reward(&[], u(0)).unwrap().is_empty());
        let s = split_reward(&[u(0)], u(7)).unwrap();
        assert_eq!(rewards(&s), vec![7]);
    }

    #[test]
    fn split_sums_exactly_for_many_inputs() {
        for n in 1u128..6 {
            for reward in [0u128, 1, 7, 99, 1_000, 5_000] {
                let pens: Vec<Uint128> = (0..n).map(|i| u(i * 37 + 3)).collect();
                let total: u128 = pens.iter().map(|p| p.u128()).sum();
                let s = split_reward(&pens, u(reward)).unwrap();
                assert_eq!(rewards(&s).iter().sum::<u128>(), reward);
                assert_eq!(
                    insurance(&s).iter().sum::<u128>(),
                    total.saturating_sub(reward)
                );
                for (c, p) in s.iter().zip(&pens) {
                    if reward <= total {
                        assert!(c.liquidator_reward <= *p);
                    }
                    assert!(c.insurance_share <= *p);
                }
            }
        }
    }

    #[test]
    fn waterfall_fees_then_fund_then_vault() {
        let w = bad_debt_waterfall(u(1_000), u(300), u(500)).unwrap();
        assert_eq!(
            (w.from_fees, w.from_fund, w.socialized),
            (u(300), u(500), u(200))
        );
        let w = bad_debt_waterfall(u(1_000), u(0), u(5_000)).unwrap();
        assert_eq!(
            (w.from_fees, w.from_fund, w.socialized),
            (u(0), u(1_000), u(0))
        );
        let w = bad_debt_waterfall(u(1_000), u(2_000), u(0)).unwrap();
        assert_eq!(
            (w.from_fees, w.from_fund, w.socialized),
            (u(1_000), u(0), u(0))
        );
        let w = bad_debt_waterfall(u(0), u(5), u(5)).unwrap();
        assert_eq!(w, Waterfall::default());
        let w = bad_debt_waterfall(Uint128::MAX, Uint128::MAX, Uint128::MAX).unwrap();
        assert_eq!(w.from_fees, Uint128::MAX);
    }
}
