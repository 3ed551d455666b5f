use cosmwasm_std::Uint128;
use perps_api::insurance_fund::Payout;

use crate::suite::{Suite, START};

/// 35 covers of 1..=35 (requested 10·i) from a fund of 5_000: the first ones paid in full, one
/// partial, the rest with nothing left.
fn history() -> (Suite, Vec<Payout>) {
    let mut suite = Suite::funded(5_000);
    let engine = suite.engine.clone();
    let mut expected = vec![];
    let mut balance = 5_000u128;
    for i in 1..=35u64 {
        let requested = 10 * u128::from(i);
        let paid = requested.min(balance);
        balance -= paid;
        suite.cover(&engine, requested).unwrap();
        expected.push(Payout {
            id: i,
            engine: engine.clone(),
            requested: Uint128::new(requested),
            paid: Uint128::new(paid),
            time: suite.now(),
        });
        suite.advance(7);
    }
    assert_eq!(suite.fund_balance(), balance);
    assert_eq!(suite.bank(&engine), START + 5_000 - balance);
    (suite, expected)
}

#[test]
fn pages_cover_every_payout_exactly_once_in_ascending_id() {
    let (suite, expected) = history();
    // Σ 10·i for i = 1..=31 is 4_960; payout 32 gets the last 40 of its 320; 33..35 get nothing.
    assert_eq!(expected[30].paid, Uint128::new(310));
    assert_eq!(expected[31].paid, Uint128::new(40));
    assert!(expected[32..].iter().all(|p| p.paid.is_zero()));
    assert_eq!(suite.fund_balance(), 0);

    // Default limit 10.
    assert_eq!(suite.payouts_page(None, None), expected[..10].to_vec());
    // Explicit pages of 10 walk 35 payouts as 10 + 10 + 10 + 5 + empty.
    let mut seen = vec![];
    let mut start = None;
    let mut sizes = vec![];
    loop {
        let page = suite.payouts_page(start, Some(10));
        sizes.push(page.len());
        if page.is_empty() {
            break;
        }
        start = page.last().map(|p| p.id);
        seen.extend(page);
    }
    assert_eq!(sizes, vec![10, 10, 10, 5, 0]);
    assert_eq!(seen, expected);
    assert_eq!(suite.all_payouts(), expected);
}

#[test]
fn limit_is_capped_at_30_and_start_after_is_exclusive() {
    let (suite, expected) = history();
    assert_eq!(
        suite.payouts_page(None, Some(u32::MAX)),
        expected[..30].to_vec()
    );
    assert_eq!(suite.payouts_page(None, Some(31)).len(), 30);
    assert_eq!(
        suite.payouts_page(Some(30), Some(u32::MAX)),
        expected[30..].to_vec()
    );
    assert_eq!(suite.payouts_page(Some(0), Some(1)), expected[..1].to_vec());
    assert_eq!(
        suite.payouts_page(Some(1), Some(2)),
        expected[1..3].to_vec()
    );
    assert_eq!(suite.payouts_page(Some(34), None), expected[34..].to_vec());
    assert!(suite.payouts_page(Some(35), None).is_empty());
    assert!(suite.payouts_page(Some(u64::MAX), None).is_empty());
    assert!(suite.payouts_page(None, Some(0)).is_empty());
}
