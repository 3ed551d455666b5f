//! Property tests of `perps_risk::adl`: the index order follows the entry price (longs
//! ascending, shorts descending, every long before every short), and the close size restores
//! the trigger ratio and never takes more than needed (up to one atom of size) or than the
//! position.

use cosmwasm_std::{Decimal256, Int128};
use perps_risk::adl::{adl_close_size, adl_rank, adl_triggered, entry_bucket};
use perps_risk::num::Quote;
use proptest::prelude::*;

fn price(atoms: u128) -> Decimal256 {
    Decimal256::new(cosmwasm_std::Uint256::from(atoms))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ranks_follow_the_entry_price(a in 1u128..10u128.pow(30), b in 1u128..10u128.pow(30)) {
        let (pa, pb) = (price(a), price(b));
        if pa <= pb {
            prop_assert!(entry_bucket(pa) <= entry_bucket(pb));
            prop_assert!(adl_rank(false, pa) <= adl_rank(false, pb));
            prop_assert!(adl_rank(true, pa) >= adl_rank(true, pb));
        }
        prop_assert!(adl_rank(false, pa) < adl_rank(true, pb));
        // four significant digits: within 0.1 % apart, a lower bucket means a lower price
        if entry_bucket(pa) < entry_bucket(pb) {
            prop_assert!(pa < pb);
        }
    }

    #[test]
    fn the_close_size_restores_the_ratio_and_no_more(
        size_milli in 1u64..1_000_000,
        price_whole in 1u64..1_000_000,
        v in 0i128..1_000_000_000_000,
        exposure in 0i128..100_000_000_000_000,
        trigger_bp in 1u64..5_000,
    ) {
        let size = Decimal256::from_ratio(size_milli, 1000u64);
        let p = Decimal256::from_ratio(price_whole, 1u64);
        let trigger = Decimal256::from_ratio(trigger_bp, 10_000u64);
        let (vq, eq) = (Quote::from_base_units(Int128::new(v)), Quote::from_base_units(Int128::new(exposure)));
        let x = adl_close_size(size, p, vq, eq, trigger, 6).unwrap();
        prop_assert!(x <= size);
        let per_unit = Quote::from_base_units(Int128::new(price_whole as i128 * 1_000_000));
        let removed = |s: Decimal256| per_unit.mul_ratio(s, perps_risk::Round::Down).unwrap();
        let after = eq.checked_sub(removed(x)).unwrap();
        if x < size {
            // restored (exposure after within what V supports)
            prop_assert!(!adl_triggered(vq, after, trigger).unwrap() || after <= Quote::ZERO);
        }
        if !x.is_zero() {
            // one atom less would not have been enough
            let less = x - Decimal256::new(cosmwasm_std::Uint256::one());
            let after_less = eq.checked_sub(removed(less)).unwrap();
            prop_assert!(adl_triggered(vq, after_less, trigger).unwrap() || vq.0.is_zero() || after_less.mul_ratio(trigger, perps_risk::Round::Down).unwrap() >= vq);
        }
    }
}
