//! A crash: an isolated position goes bankrupt and is liquidated by a keeper, the bad debt is
//! paid from pending insurance fees and then by the insurance fund; a cross account is
//! liquidated partially and ends healthy. Funding is off so that every number is a formula.

use perps_api::perps::Health;
use perps_e2e::protocol::dec;
use perps_e2e::{Backend, Protocol, Setup, USDC};

use crate::compare::on_both;

fn setup() -> Setup {
    let mut s = Setup::default();
    for (_, config, _) in &mut s.markets {
        config.max_funding_rate_per_day = cosmwasm_std::Decimal256::zero();
    }
    s
}

fn scenario<B: Backend>(p: &mut Protocol<B>) {
    let bob = p.user("bob", 1_500 * USDC).unwrap();
    let carol = p.user("carol", 1_000 * USDC).unwrap();
    let keeper = p.user("keeper", 0).unwrap();
    p.deposit(&bob, 1_500 * USDC).unwrap();
    p.deposit(&carol, 1_000 * USDC).unwrap();
    // Bob: isolated long 0.2 BTC, fill 60,000·(1 + 0.1/1,000) = 60,006, fee 12.0012 from M.
    p.isolated(&bob, "BTC", "0.2", 1_300 * USDC).unwrap();
    // Carol: cross long 3 ETH, fill 3,000·(1 + 1.5/20,000) = 3,000.225, fee 9.000675.
    p.trade(&carol, "ETH", "3").unwrap();
    let healthy = p.liquidate(&keeper, &bob).unwrap_err();
    assert!(
        healthy.error.to_lowercase().contains("healthy"),
        "{}",
        healthy.error
    );

    // The crash: BTC −11.67 %, ETH −8.33 %.
    p.advance(1);
    let crash = [
        ("BTC".to_string(), dec("53000")),
        ("ETH".to_string(), dec("2750")),
    ];
    p.publish(&crash).unwrap();
    let b = p.account(&bob).unwrap();
    // M = 1,300 − 12.0012; U = 0.2·(53,000 − 60,006) = −1,401.2 → equity −113.2012.
    assert_eq!(b.positions[0].equity.map(|e| e.i128()), Some(-113_201_200));
    let c = p.account(&carol).unwrap();
    // 1,000 − 9.000675 + 3·(2,750 − 3,000.225) = 240.324325 < MM 412.5
    assert_eq!(c.equity.i128(), 240_324_325);
    assert_eq!(c.maintenance_margin.u128(), 412_500_000);
    assert_eq!(c.health, Health::Liquidatable);

    let fund_before = p.fund_balance().unwrap();
    assert_eq!(fund_before, 2_000 * USDC);
    let cfg: perps_api::perps::ConfigResponse = p
        .engine_query(&perps_api::perps::QueryMsg::Config {})
        .unwrap();
    // 20 % of the two opening fees.
    let pending = 2_400_240 + 1_800_135;
    assert_eq!(cfg.pending_insurance_fees.u128(), pending);

    // Bankrupt: penalty capped at 0, and the book holds nothing to pay the 5 USDC minimum reward:
    // the keeper gets nothing (a reward is paid by the liquidated book alone, never by the fund).
    // Shortfall 113.2012; pending fees pay 4.200375 first, the fund the rest.
    let r = p.liquidate(&keeper, &bob).unwrap();
    assert_eq!(p.balance(&keeper), 0);
    let shortfall = 113_201_200;
    assert_eq!(
        r.attr("wasm-bad_debt", "shortfall"),
        Some(shortfall.to_string().as_str())
    );
    let from_fund = shortfall - pending;
    assert_eq!(p.fund_balance().unwrap(), fund_before - from_fund);
    let b = p.account(&bob).unwrap();
    assert!(b.positions.is_empty());
    assert_eq!(b.collateral.i128(), 200 * USDC as i128);

    let fund_addr = p.fund.clone();
    let payouts: perps_api::insurance_fund::PayoutsResponse = p
        .query(
            &fund_addr,
            &perps_api::insurance_fund::QueryMsg::Payouts {
                start_after: None,
                limit: None,
            },
        )
        .unwrap();
    assert_eq!(payouts.payouts.len(), 1);
    assert_eq!(payouts.payouts[0].paid.u128(), from_fund);
    assert_eq!(payouts.payouts[0].engine, p.engine);

    // Carol: partial liquidation back above the target (equity ≥ 1.25 · MM of what is left).
    let r = p.liquidate(&keeper, &carol).unwrap();
    assert_eq!(r.attr("wasm-liquidation", "mode"), Some("cross"));
    assert_eq!(
        r.attr("wasm-liquidation", "equity_before"),
        Some("240324325")
    );
    let eq_after: u128 = r
        .attr("wasm-liquidation", "equity_after")
        .unwrap()
        .parse()
        .unwrap();
    let mm_after: u128 = r
        .attr("wasm-liquidation", "maintenance_after")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        eq_after * 4 >= mm_after * 5,
        "{eq_after} < 1.25 · {mm_after}"
    );
    assert!(r.events_of("wasm-bad_debt").next().is_none());
    let c = p.account(&carol).unwrap();
    assert_eq!(c.health, Health::Healthy);
    assert_eq!(c.positions.len(), 1);
    let again = p.liquidate(&keeper, &carol).unwrap_err();
    assert!(
        again.error.to_lowercase().contains("healthy"),
        "{}",
        again.error
    );
    p.vault().unwrap();
}

#[test]
fn crash_liquidations_and_bad_debt_paid_by_the_insurance_fund() {
    on_both(&setup(), scenario, scenario);
}

/// The fund refuses to pay (the engine was removed from its list): `cover_bad_debt` fails inside
/// a submessage that replies on error, so the liquidation still succeeds, nothing leaves the
/// fund, and the amount is socialized on vault cash.
fn fund_refuses<B: Backend>(p: &mut Protocol<B>) {
    let bob = p.user("bob", 1_500 * USDC).unwrap();
    let keeper = p.user("keeper", 0).unwrap();
    p.deposit(&bob, 1_500 * USDC).unwrap();
    p.isolated(&bob, "BTC", "0.2", 1_300 * USDC).unwrap();
    let (owner, fund_addr, engine) = (p.owner.clone(), p.fund.clone(), p.engine.clone());
    p.exec(
        &owner,
        &fund_addr,
        &perps_api::insurance_fund::ExecuteMsg::RemoveEngine {
            engine: engine.to_string(),
        },
        &[],
    )
    .unwrap();
    p.advance(1);
    p.publish(&[("BTC".to_string(), dec("53000"))]).unwrap();
    let cash_before = p.vault().unwrap().cash.i128();

    let r = p.liquidate(&keeper, &bob).unwrap();
    // 113.2012 − 2.40024 (pending fees) requested from the fund (no reward: the book is empty).
    let requested = 113_201_200 - 2_400_240;
    assert_eq!(
        r.attr("wasm-bad_debt", "from_fund"),
        Some(requested.to_string().as_str())
    );
    assert_eq!(
        r.attr("wasm-bad_debt_cover_failed", "socialized"),
        Some(requested.to_string().as_str())
    );
    assert!(r.events_of("wasm-cover_bad_debt").next().is_none());
    if p.backend.name() == "wasm" {
        // wasmd hands `reply` the redacted error only.
        assert_eq!(
            r.attr("wasm-bad_debt_cover_failed", "error"),
            Some("codespace: wasm, code: 5")
        );
    }
    assert_eq!(p.fund_balance().unwrap(), 2_000 * USDC);
    assert_eq!(p.balance(&keeper), 0);
    // Vault cash: + the margin the book held (1,287.9988, all lost) + the pending fees (2.40024);
    // the fund's part was credited up front and taken back by the reply.
    let cash_after = p.vault().unwrap().cash.i128();
    assert_eq!(cash_after - cash_before, 1_287_998_800 + 2_400_240);
    let cfg: perps_api::perps::ConfigResponse = p
        .engine_query(&perps_api::perps::QueryMsg::Config {})
        .unwrap();
    assert_eq!(cfg.pending_insurance_fees.u128(), 0);
}

#[test]
fn a_fund_that_refuses_to_pay_leaves_the_loss_on_the_vault() {
    on_both(&setup(), fund_refuses, fund_refuses);
}
