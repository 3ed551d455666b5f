//! What a failed order pays for its market's move since its record (docs/decisions.md "A failed
//! order pays the move since its record" and "Attacker review 3"; scenario 62 in
//! `solvency::review2`, 71–80 in `orders::review3`): the loss of its fill closed at the move
//! since the record (`fill · live / record`), never a gain, never beyond its acceptable price,
//! nothing when its own slippage bound refuses the record's price with the best impact the
//! market allows, never more than `C` holds.

use cosmwasm_std::{Addr, Decimal256};
use cw_multi_test::AppResponse;
use perps_api::events::OrderFailedEvent;
use perps_api::perps::{ExecuteMsg, MarketConfig};

use super::{deferred_suite, keeper_run, orders_of, settle_at, settled_move};
use crate::suite::{d, fee_market, sd, Suite, USDC};

/// BTC with a 0.1 % fee, impact on a 1,000 skew scale capped at 1 % (liquidation fee 3 %, as
/// validation asks), no funding.
pub(super) fn wide_impact_btc() -> MarketConfig {
    MarketConfig {
        max_funding_rate_per_day: Decimal256::zero(),
        max_price_impact: Some(d("0.01")),
        liquidation_fee: d("0.03"),
        ..fee_market("BTC", "1000")
    }
}

/// Bob's order of `bob` BTC, then alice's (`alice_c` deposited) of `size` with `acceptable`,
/// both pinned to the record at 60,000; the next record at `later`; a keeper executes both in id
/// order, so bob's fill moves the skew alice's order meets; a record at `later` again after the
/// failure's block charges its move (scenario 77). Returns the suite, the keeper's responses
/// (the failure's and the settlement's events) and alice.
pub(super) fn raced(
    bob: &str,
    size: &str,
    acceptable: &str,
    later: &str,
    alice_c: u128,
) -> (Suite, AppResponse, Addr) {
    let mut s = deferred_suite(wide_impact_btc());
    let b = s.trader("bob", 100_000, 100_000);
    let alice = s.trader("alice", alice_c, alice_c);
    let keeper = s.trader("keeper", 0, 0);
    s.trade(&b, "BTC", bob);
    let order = ExecuteMsg::Trade {
        market_id: "BTC".into(),
        size_delta: sd(size),
        acceptable_price: Some(d(acceptable)),
        mode: None,
    };
    s.exec(&alice, &order).unwrap();
    s.set_price("BTC", "60000");
    s.set_price("BTC", later);
    let mut res = keeper_run(&mut s, &keeper, None);
    settle_at(&mut s, &keeper, "BTC", later, &mut res);
    assert!(orders_of(&s, &alice).is_empty());
    (s, res, alice)
}

pub(super) fn failed(res: &AppResponse) -> OrderFailedEvent {
    let f = Suite::typed::<OrderFailedEvent>(res);
    assert_eq!(f.len(), 1, "{f:?}");
    f[0].clone()
}

/// [`raced`], then alice's failure: `(fee, price_move, keeper_fee, C after)`, base units.
fn charged(bob: &str, size: &str, acceptable: &str, later: &str, c: u128) -> [i128; 4] {
    let (s, res, alice) = raced(bob, size, acceptable, later, c);
    let f = failed(&res);
    let a = s.account(&alice);
    assert!(a.positions.is_empty());
    [
        f.fee.u128() as i128,
        settled_move(&res) as i128,
        f.keeper_fee.u128() as i128,
        a.collateral.i128(),
    ]
}

const FEE: i128 = 60 * USDC as i128;
const KEEPER: i128 = 500_000;

#[test]
fn an_order_pushed_past_its_slippage_by_the_skew_pays_the_move_at_its_acceptable_price() {
    // Bob's 5 BTC fill first (K = 5): alice's 1 BTC would fill at 60,000·(1 + 5.5/1000) = 60,330
    // > 60,100 although the record (60,000) is within it. BTC is at 59,000: the fill she accepted
    // (at most 60,100) closed at 60,100 × 59,000/60,000 = 59,098.33… is 1,001.666667 down
    // (rounded up); she pays that, the fee at the record (60) and the keeper fee (0.5).
    let (_, res, _) = raced("5", "1", "60100", "59000", 10_000);
    assert_eq!(
        failed(&res).reason,
        "fill price 60330 is worse than the acceptable price 60100"
    );
    let paid = [FEE, 1_001_666_667, KEEPER, 8_937_833_333];
    assert_eq!(charged("5", "1", "60100", "59000", 10_000), paid);
    // The sell the same way: bob sells 5 first, alice's sale of 1 would fill at 60,000·(1 −
    // 5.5/1000) = 59,670 < 59,900; the 59,900 she accepted closed at 59,900 × 61,000/60,000 =
    // 60,898.33… (rounded up) is 998.333334 up.
    let paid = [FEE, 998_333_334, KEEPER, 8_941_166_666];
    assert_eq!(charged("-5", "-1", "59900", "61000", 10_000), paid);
}

#[test]
fn a_move_the_orders_way_or_a_bound_that_refuses_the_record_costs_only_the_fees() {
    // BTC at 61,000 after the record: the buy would stand in profit; the failure pays only the
    // fees (no gain is paid either).
    let fees_only = [FEE, 0, KEEPER, 9_939_500_000];
    assert_eq!(charged("5", "1", "60100", "61000", 10_000), fees_only);
    // Even the best fill the market allows at the record (60,000 × 0.99 = 59,400, the most
    // favourable impact) is above 59,350: the outcome was fixed at the record, whatever the
    // skew; a later fall to 59,000 charges nothing beyond the fees.
    assert_eq!(charged("5", "1", "59350", "59000", 10_000), fees_only);
    // 59,950 refuses the record's price but not a fill with a short skew (≥ 59,400): whether it
    // fills depends on the skew, which others can move after the record (scenario 73), so it
    // pays the move from 59,950: 59,950 − 59,950 × 59,000/60,000 = 999.166667.
    assert_eq!(
        charged("5", "1", "59950", "59000", 10_000),
        [FEE, 999_166_667, KEEPER, 8_940_333_333]
    );
}

#[test]
fn the_move_is_charged_only_as_far_as_collateral_goes() {
    // alice holds 7,000; the move to 50,000 is 10,016.67 (60,100 closed at 50,083.33): after
    // the fees (60.5) the vault takes the 6,939.5 left and C ends at zero, never below.
    assert_eq!(
        charged("5", "1", "60100", "50000", 7_000),
        [FEE, 6_939_500_000, KEEPER, 0]
    );
}

#[test]
fn an_order_refused_for_its_impact_pays_the_move_from_the_capped_fill() {
    // Bob's 9.5 BTC first (K = 9.5): alice's buy would leave a skew of 10.5/1000 > the 1 % cap,
    // so no fill price exists; the move is counted from the worst fill the market allows,
    // 60,000·1.01 = 60,600 (within her 61,000), closed at 60,600 × 59,000/60,000 = 59,590: 1,010.
    let (_, res, _) = raced("9.5", "1", "61000", "59000", 10_000);
    assert!(failed(&res).reason.contains("impact"));
    let move_ = 1_010 * USDC as i128;
    assert_eq!(
        charged("9.5", "1", "61000", "59000", 10_000),
        [FEE, move_, KEEPER, 8_929_500_000]
    );
}
