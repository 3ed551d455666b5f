//! SECURITY.md "Market risk" (scenarios 27-30): global OI caps, round trips, funding bounds.

use cosmwasm_std::Uint128;
use perps_api::perps::{ExecuteMsg, TradeMode};

use crate::suite::{d, fee_market, plain_market, sd, usdc, Suite, USDC};

#[test]
fn s27_oi_cap_refuses_increases_and_never_blocks_reductions_after_lowering() {
    let mut s = Suite::with_btc_oi_cap(120_000);
    let [alice, bob] = s.traders(["alice", "bob"], 100_000, 50_000);
    s.trade(&alice, "BTC", "2");
    s.trade(&bob, "BTC", "-2");
    // both sides are full: 2 BTC · 60,000 = 120,000
    s.rejects_trade_exact(
        &alice,
        "BTC",
        "0.001",
        "long open interest of market BTC would be 120060000000 > cap 120000000000",
    );
    s.rejects_trade_exact(
        &bob,
        "BTC",
        "-0.001",
        "short open interest of market BTC would be 120060000000 > cap 120000000000",
    );
    // the owner lowers both caps to 30,000, far below the current OI
    let mut lowered = plain_market("BTC");
    lowered.max_long_oi = usdc(30_000);
    lowered.max_short_oi = usdc(30_000);
    s.update_market("BTC", lowered, None);
    s.rejects_trade_exact(
        &alice,
        "BTC",
        "0.001",
        "long open interest of market BTC would be 120060000000 > cap 30000000000",
    );
    // a flip of the long into a short is an increase of the short side: refused on its remainder
    s.rejects_trade_exact(
        &alice,
        "BTC",
        "-3",
        "short open interest of market BTC would be 180000000000 > cap 30000000000",
    );
    // reductions and closes still work on both sides
    s.trade(&alice, "BTC", "-1.5");
    s.trade(&bob, "BTC", "1");
    s.close(&bob, "BTC").unwrap();
    let m = s.market("BTC").state;
    assert_eq!((m.long_oi, m.short_oi), (d("0.5"), d("0")));
}

#[test]
fn s28_many_wallets_each_taking_a_slice_cannot_pass_the_global_cap() {
    // cap 60,000: exactly 1 BTC at 60,000 per side
    let mut s = Suite::with_btc_oi_cap(60_000);
    let mut wallets = vec![];
    for i in 0..10 {
        let w = s.trader(&format!("slice{i}"), 1_000, 1_000);
        wallets.push(w);
    }
    // ten wallets, 0.1 BTC each, cross and isolated alike: exactly the cap
    for (i, w) in wallets.iter().enumerate() {
        if i % 2 == 0 {
            s.trade(w, "BTC", "0.1");
        } else {
            s.exec(w, &Suite::isolated_msg("BTC", "0.1", 600 * USDC))
                .unwrap();
        }
    }
    assert_eq!(s.market("BTC").state.long_oi, d("1"));
    // an eleventh wallet, and each of the ten, are refused even the minimum order
    let late = s.trader("late", 1_000, 1_000);
    let over = "long open interest of market BTC would be 60060000000 > cap 60000000000";
    s.rejects_exact(&late, &Suite::trade_msg("BTC", "0.001"), &[], over);
    for w in wallets.clone() {
        s.rejects_exact(&w, &Suite::trade_msg("BTC", "0.001"), &[], over);
    }
    // the short side has its own cap, untouched
    s.trade(&late, "BTC", "-0.1");
    // a price rise fills the cap by value: 1 BTC at 60,001 is over, yet closes still work
    s.set_price("BTC", "60001");
    let later = s.trader("later", 1_000, 1_000);
    s.rejects_trade_exact(
        &later,
        "BTC",
        "0.1",
        "long open interest of market BTC would be 66001100000 > cap 60000000000",
    );
    for w in &wallets {
        s.close(w, "BTC").unwrap();
    }
    assert_eq!(s.market("BTC").state.long_oi, d("0"));
}

#[test]
fn s29_no_round_trip_leaves_a_trader_or_a_group_of_wallets_richer() {
    let mut s = Suite::with_btc(fee_market("BTC", "1000"));
    let [alice, bob] = s.traders(["alice", "bob"], 100_000, 50_000);
    let c = |s: &Suite, w| s.account(w).collateral.i128();
    let (a0, b0, v0) = (c(&s, &alice), c(&s, &bob), s.vault().equity.i128());
    let ins0 = s.pending_fees();
    // bob pushes the skew up, alice sells into it, bob sells out, alice buys back
    let fee = |r: &cw_multi_test::AppResponse| -> i128 {
        Suite::attr(r, "trade", "fee").parse().unwrap()
    };
    let mut fees = 0;
    let r = s.trade(&bob, "BTC", "2");
    assert_eq!(Suite::attr(&r, "trade", "fill_price"), "60060");
    fees += fee(&r);
    let r = s.trade(&alice, "BTC", "-2");
    assert_eq!(Suite::attr(&r, "trade", "fill_price"), "60060");
    fees += fee(&r);
    let r = s.close(&bob, "BTC").unwrap();
    assert_eq!(Suite::attr(&r, "trade", "fill_price"), "59940");
    fees += fee(&r);
    let r = s.close(&alice, "BTC").unwrap();
    assert_eq!(Suite::attr(&r, "trade", "fill_price"), "59940");
    fees += fee(&r);
    // 0.1 % of 120,120 + 120,120 + 119,880 + 119,880 = 480
    assert_eq!(fees, 480 * USDC as i128);
    // bob lost 240 of price and 240 of fees; alice won bob's 240 and paid 240: the group lost
    // exactly the fees
    assert_eq!(c(&s, &bob) - b0, -480 * USDC as i128);
    assert_eq!(c(&s, &alice) - a0, 0);
    // the vault gained exactly its 80 % of the fees
    let insurance = (s.pending_fees() - ins0) as i128;
    assert_eq!(insurance, 96 * USDC as i128);
    assert_eq!(s.vault().equity.i128() - v0, fees - insurance);

    // isolated open/close at an unchanged price, against an existing skew, loses the fees
    s.trade(&bob, "BTC", "-1.3");
    let a1 = c(&s, &alice);
    let r1 = s
        .exec(&alice, &Suite::isolated_msg("BTC", "0.7", 10_000 * USDC))
        .unwrap();
    let r2 = s.close(&alice, "BTC").unwrap();
    let lost = a1 - c(&s, &alice);
    assert!(
        lost >= fee(&r1) + fee(&r2),
        "lost {lost} < fees {}",
        fee(&r1) + fee(&r2)
    );
}

#[test]
fn s30_funding_over_a_year_is_exact_a_century_does_not_overflow() {
    // K = 6: r = 1e-8 per second (P·r·Δt is rounded once, owed up, and the same ΔF applies to
    // every side, so the rounding moves no money)
    let (mut s, alice, f0) = Suite::alice_long_6_funding_btc();
    // same second: nothing accrues
    s.trade(&alice, "BTC", "-0.001");
    s.trade(&alice, "BTC", "0.001");
    assert_eq!(s.market("BTC").state.funding_index, f0);
    // 365 days: ΔF = 60,000 · 1e-8 · 31,536,000 = 18,921.6 per BTC; 6 BTC owe 113,529.6 USDC
    s.advance(365 * 86_400 - 1);
    s.set_price("BTC", "60000");
    let year = 113_529_600_000i128;
    assert_eq!(s.account(&alice).positions[0].accrued_funding.i128(), year);
    // a century and one second on (0.0036 USDC per second): far more than the account holds;
    // nothing overflows
    s.advance(100 * 365 * 86_400);
    s.set_price("BTC", "60000");
    let a = s.account(&alice);
    let owed = 101 * year + 3_600;
    assert_eq!(a.positions[0].accrued_funding.i128(), owed);
    assert!(a.equity.i128() < 0);
    // the owner's close takes the bad-debt path; conservation holds (checked by the harness)
    let r = s.close(&alice, "BTC").unwrap();
    assert_eq!(Suite::attr(&r, "trade", "funding_paid"), owed.to_string());
    assert_eq!(s.account(&alice).collateral.i128(), 0);
    let _ = Uint128::zero();
}

#[test]
fn s29_a_grid_of_sizes_skews_and_modes_never_pays_a_round_trip() {
    for pre in ["0", "2", "-2.5", "0.123456789"] {
        for size in [
            "0.001",
            "0.333333333333333333",
            "1",
            "2.5",
            "-0.7",
            "-2.999",
        ] {
            for isolated in [false, true] {
                let mut s = Suite::with_btc(fee_market("BTC", "10000"));
                let [alice, bob] = s.traders(["alice", "bob"], 100_000, 50_000);
                if pre != "0" {
                    s.trade(&bob, "BTC", pre);
                }
                let (c0, v0, i0) = (
                    s.account(&alice).collateral.i128(),
                    s.vault().equity.i128(),
                    s.pending_fees() as i128,
                );
                let mode = isolated.then_some(TradeMode::Isolated {
                    margin: usdc(20_000),
                });
                let open = s
                    .exec(
                        &alice,
                        &ExecuteMsg::Trade {
                            market_id: "BTC".into(),
                            size_delta: sd(size),
                            acceptable_price: None,
                            mode,
                        },
                    )
                    .unwrap();
                let close = s.close(&alice, "BTC").unwrap();
                let fee = |r: &cw_multi_test::AppResponse| -> i128 {
                    Suite::attr(r, "trade", "fee").parse().unwrap()
                };
                let fees = fee(&open) + fee(&close);
                let lost = c0 - s.account(&alice).collateral.i128();
                let case = format!("skew {pre}, size {size}, isolated {isolated}");
                assert!(fees >= 2, "{case}: fees {fees}");
                assert!(lost >= fees, "{case}: lost {lost} < fees {fees}");
                // the vault moves by its share of the fees plus rounding dust in its favour
                let insurance = s.pending_fees() as i128 - i0;
                let dv = s.vault().equity.i128() - v0 - (fees - insurance);
                assert!(
                    (0..3).contains(&dv),
                    "{case}: vault moved {dv} beyond its fees"
                );
                // and what the trader lost beyond the fees is that same dust
                assert!(lost - fees < 3, "{case}: lost {lost} for fees {fees}");
            }
        }
    }
}
