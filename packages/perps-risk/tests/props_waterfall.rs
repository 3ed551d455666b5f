//! Properties: a book's reward splits exactly over its closes, and the bad-debt waterfall pays
//! exactly the shortfall in order (fees, fund, vault).

use cosmwasm_std::Uint128;
use perps_risk::waterfall::{bad_debt_waterfall, split_reward};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reward_split_sums_exactly(
        penalties in prop::collection::vec(0u128..1_000_000_000_000, 0..17),
        reward in 0u128..20_000_000_000_000,
    ) {
        let pens: Vec<Uint128> = penalties.iter().copied().map(Uint128::new).collect();
        let total: u128 = penalties.iter().sum();
        let reward = if pens.is_empty() { 0 } else { reward };
        let shares = split_reward(&pens, Uint128::new(reward)).unwrap();
        prop_assert_eq!(shares.len(), pens.len());
        let r: u128 = shares.iter().map(|s| s.liquidator_reward.u128()).sum();
        let i: u128 = shares.iter().map(|s| s.insurance_share.u128()).sum();
        prop_assert_eq!(r, reward);
        prop_assert_eq!(i, total.saturating_sub(reward));
        for (s, p) in shares.iter().zip(&pens) {
            // every close's parts are within its penalty, except the top-up on the last one
            prop_assert!(s.insurance_share <= *p);
            if reward <= total {
                prop_assert_eq!(s.liquidator_reward + s.insurance_share, *p);
            }
        }
    }

    #[test]
    fn waterfall_pays_the_shortfall_in_order(
        shortfall in 0u128..u128::MAX / 2,
        fees in 0u128..u128::MAX / 2,
        fund in 0u128..u128::MAX / 2,
    ) {
        let w = bad_debt_waterfall(Uint128::new(shortfall), Uint128::new(fees), Uint128::new(fund))
            .unwrap();
        prop_assert_eq!(w.from_fees.u128() + w.from_fund.u128() + w.socialized.u128(), shortfall);
        prop_assert_eq!(w.from_fees.u128(), shortfall.min(fees));
        prop_assert!(w.from_fund.u128() <= fund);
        // the vault pays only what fees and fund cannot
        if !w.socialized.is_zero() {
            prop_assert_eq!(w.from_fees.u128(), fees);
            prop_assert_eq!(w.from_fund.u128(), fund);
        }
    }
}
