//! Exits are never blocked by someone else's skew, parameters move no value unannounced, funding
//! keeps its precision on low-priced markets (DESIGN 6.5, 6.6, 6.9; SECURITY 51, 52, 54, 55).

use cosmwasm_std::{Decimal256, Int128};
use cw_multi_test::Executor;
use perps_api::events::MarketRiskChangeEvent;
use perps_api::perps::{ExecuteMsg, MarketConfig, MarketStatusUpdate};

use crate::suite::{d, fee_market, funding_market, plain_market, sd, Suite, USDC};

fn fill(r: &cw_multi_test::AppResponse) -> Decimal256 {
    d(&Suite::attr(r, "trade", "fill_price"))
}

fn impact_refusal(impact: &str) -> String {
    format!("price impact {impact} in market BTC exceeds max 0.003")
}

/// SECURITY 51 with the review's numbers: BTC 60,000, skew_scale 1,000, cap 0.3 %. Bob is long
/// 0.1; the whale's buy of 5.8 would leave K = 5.9 (0.59 %), so it is refused (the old midpoint
/// rule let it through and then refused Bob's close, his partial sale and a new trader's sale).
/// The most the whale can buy leaves K at the cap, and every reduction from there is accepted.
#[test]
fn a_whale_cannot_trap_holders_behind_the_impact_cap() {
    let mut s = Suite::with_btc(fee_market("BTC", "1000"));
    let [bob, whale, carol] = s.traders(["bob", "whale", "carol"], 200_000, 100_000);
    s.trade(&bob, "BTC", "0.1");
    s.rejects_trade_exact(&whale, "BTC", "5.8", &impact_refusal("0.0059"));
    // 2.9 leaves K = 3 (0.3 %): fill 60,000·(1 + (0.1 + 1.45)/1,000) = 60,093
    let r = s.trade(&whale, "BTC", "2.9");
    assert_eq!(fill(&r), d("60093"));
    assert_eq!(Suite::attr(&r, "trade", "price_impact"), "0.00155");
    // one more base step is refused, naming the skew it would leave
    s.rejects_trade_exact(&whale, "BTC", "0.001", &impact_refusal("0.003001"));
    // Bob's partial sale (K 3 → 2.95): 60,000·(1 + 2.975/1,000) = 60,178.5
    let r = s.trade(&bob, "BTC", "-0.05");
    assert_eq!(fill(&r), d("60178.5"));
    // his close (2.95 → 2.9): 60,175.5
    let r = s.close(&bob, "BTC").unwrap();
    assert_eq!(fill(&r), d("60175.5"));
    // a new trader's 1 BTC sale on the other side (2.9 → 1.9): 60,000·(1 + 2.4/1,000) = 60,144
    let r = s.trade(&carol, "BTC", "-1");
    assert_eq!(fill(&r), d("60144"));
    assert_eq!(s.market("BTC").state.long_oi, d("2.9"));
    assert_eq!(s.market("BTC").state.short_oi, d("1"));
}

/// The skew above the cap that a lower skew_scale leaves (forced, reported): every reduction is
/// accepted at the fill clamped to the cap, any increase is refused, and a `reduce_only`
/// wind-down empties the market.
#[test]
fn a_lower_skew_scale_and_a_reduce_only_wind_down_do_not_trap() {
    let mut s = Suite::with_btc(fee_market("BTC", "2000"));
    let [bob, whale, carol] = s.traders(["bob", "whale", "carol"], 200_000, 100_000);
    s.trade(&bob, "BTC", "0.1");
    // K = 5.9 of a cap skew of 0.003·2,000 = 6
    s.trade(&whale, "BTC", "5.8");
    let owner = s.owner.clone();
    let lower = ExecuteMsg::UpdateMarket {
        market_id: "BTC".into(),
        config: fee_market("BTC", "1000"),
        force: None,
    };
    // ΔV = 60,000·5.9²/2·(1/2,000 − 1/1,000) = −522.15 USDC
    s.rejects_exact(
        &owner,
        &lower,
        &[],
        "skew_scale of market BTC cannot change from 2000 to 1000 while the skew is 5.9: it \
         moves -522150000 base units of vault equity (send force: true to override)",
    );
    let v0 = s.vault().equity;
    let forced = ExecuteMsg::UpdateMarket {
        market_id: "BTC".into(),
        config: fee_market("BTC", "1000"),
        force: Some(true),
    };
    let r = s.exec(&owner, &forced).unwrap();
    assert_eq!(
        Suite::attr(&r, "skew_scale_change", "vault_equity_change"),
        "-522150000"
    );
    assert_eq!(
        s.vault().equity,
        v0.checked_sub(Int128::new(522_150_000)).unwrap()
    );
    // K = 5.9 is now twice the cap: Bob's partial sale, his close and Carol's sale all fill at
    // the clamped 60,000·1.003 = 60,180 (the midpoints are 5.875, 5.825 and 5.3 per mille)
    let r = s.trade(&bob, "BTC", "-0.05");
    assert_eq!(
        (fill(&r), Suite::attr(&r, "trade", "price_impact")),
        (d("60180"), "0.003".to_string())
    );
    let r = s.close(&bob, "BTC").unwrap();
    assert_eq!(fill(&r), d("60180"));
    let r = s.trade(&carol, "BTC", "-1");
    assert_eq!(fill(&r), d("60180"));
    // K = 4.8: a buy of 0.001 would leave 4.801 → refused
    s.rejects_trade_exact(&whale, "BTC", "0.001", &impact_refusal("0.004801"));
    // wind-down: reduce_only, the whale sells in two parts, Carol buys back
    s.set_market_status("BTC", MarketStatusUpdate::ReduceOnly);
    let r = s.trade(&whale, "BTC", "-2");
    assert_eq!(fill(&r), d("60180"));
    // K 2.8 → −1 crosses zero and leaves 0.1 %: accepted, midpoint (2.8 − 1.9)/1,000 → 60,054
    let r = s.close(&whale, "BTC").unwrap();
    assert_eq!(fill(&r), d("60054"));
    // Carol's buy-back reduces the short skew to 0: midpoint −0.5/1,000 → 59,970
    let r = s.close(&carol, "BTC").unwrap();
    assert_eq!(fill(&r), d("59970"));
    let st = s.market("BTC").state;
    assert_eq!((st.long_oi, st.short_oi), (d("0"), d("0")));
}

/// SECURITY 52 with the review's numbers: Alice long 20 BTC in a market without impact; setting
/// skew_scale 1,000 would move V from 1,000,000 to 988,000 at an unchanged price. Refused
/// without `force` (nothing changes); forced, the event reports the −12,000 USDC.
#[test]
fn a_skew_scale_change_with_open_skew_is_refused_unless_forced() {
    // 1,200,000 of skew on a 1,000,000 vault: BTC's exposure cap at 2 × V
    let mut s = Suite::with_btc(MarketConfig {
        max_skew_to_vault: Some(d("2")),
        ..plain_market("BTC")
    });
    let alice = s.trader("alice", 200_000, 200_000);
    s.trade(&alice, "BTC", "20");
    assert_eq!(s.vault().equity, Int128::new(1_000_000 * USDC as i128));
    let with_impact = MarketConfig {
        skew_scale: d("1000"),
        max_price_impact: Some(d("0.003")),
        ..plain_market("BTC")
    };
    let owner = s.owner.clone();
    let msg = |force| ExecuteMsg::UpdateMarket {
        market_id: "BTC".into(),
        config: with_impact.clone(),
        force,
    };
    s.rejects_exact(
        &owner,
        &msg(None),
        &[],
        "skew_scale of market BTC cannot change from 0 to 1000 while the skew is 20: it moves \
         -4410000000 base units of vault equity (send force: true to override)",
    );
    s.rejects_exact(
        &owner,
        &msg(Some(false)),
        &[],
        "skew_scale of market BTC cannot change from 0 to 1000 while the skew is 20: it moves \
         -4410000000 base units of vault equity (send force: true to override)",
    );
    assert_eq!(s.vault().equity, Int128::new(1_000_000 * USDC as i128));
    // other parameters still change with open skew
    let fee = MarketConfig {
        taker_fee: d("0.001"),
        ..plain_market("BTC")
    };
    s.update_market("BTC", fee, None);
    s.update_market("BTC", plain_market("BTC"), None);
    let r = s.exec(&owner, &msg(Some(true))).unwrap();
    assert_eq!(
        Suite::events(&r, "skew_scale_change"),
        vec![[
            ("_contract_address", s.engine.as_str()),
            ("market_id", "BTC"),
            ("skew", "20"),
            ("old_skew_scale", "0"),
            ("new_skew_scale", "1000"),
            ("vault_equity_change", "-4410000000"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()]
    );
    // K = 20 is beyond 3·cap·S = 9: the most Alice can take back is not 60,000·20²/2,000 =
    // 12,000 but 60,000·(9²/2,000 + 0.003·11) = 4,410 (a sale of 23 at the clamped 0.3 %, then
    // closing the short 3 at −0.15 %), which V now owes
    assert_eq!(s.vault().equity, Int128::new(995_590 * USDC as i128));
    // Alice's close reduces |K| from 20 to 0: never refused, its impact clamped to 0.3 %
    let r = s.close(&alice, "BTC").unwrap();
    assert_eq!(fill(&r), d("60180"));
    assert_eq!(Suite::attr(&r, "trade", "realized_pnl"), "3600000000");
    // the vault got back the 4,410 of impact it owed, less the 3,600 it paid
    assert_eq!(s.vault().equity, Int128::new(996_400 * USDC as i128));
}

/// Lowering `max_price_impact` is allowed at any time (a reduction is never refused); the skew
/// above the new cap can only shrink.
#[test]
fn a_lower_impact_cap_is_accepted_with_open_skew() {
    let mut s = Suite::with_btc(fee_market("BTC", "1000"));
    let [whale, bob] = s.traders(["whale", "bob"], 200_000, 100_000);
    s.trade(&whale, "BTC", "2");
    let tighter = MarketConfig {
        max_price_impact: Some(d("0.001")),
        liquidation_fee: d("0.01"),
        ..fee_market("BTC", "1000")
    };
    s.update_market("BTC", tighter, None);
    // K = 2 of a cap skew of 1: a sale is accepted at the clamped 60,000·1.001 = 60,060
    let r = s.trade(&bob, "BTC", "-0.5");
    assert_eq!(fill(&r), d("60060"));
    // a buy is refused
    s.rejects_exact(
        &bob,
        &Suite::trade_msg("BTC", "1"),
        &[],
        "price impact 0.0025 in market BTC exceeds max 0.001",
    );
}

/// SECURITY 54 with the review's numbers: a market at P = 10^-12, 0.1/day at full skew, cap
/// skew 0.005·4·10^17 = 2·10^15. A 1,000-USDC position (10^15 units) at half skew owes 50 USDC
/// a day (it owed 0: `P·r` was truncated per second); at full skew 100 (it owed 86.4).
#[test]
fn funding_on_a_market_priced_at_a_trillionth() {
    let tiny = MarketConfig {
        skew_scale: d("400000000000000000"),
        max_price_impact: Some(d("0.005")),
        max_funding_rate_per_day: d("0.1"),
        ..plain_market("TINY")
    };
    let mut s = Suite::with(
        |_| {},
        &[
            ("BTC", plain_market("BTC")),
            ("ETH", plain_market("ETH")),
            ("TINY", tiny),
        ],
    );
    s.set_price("TINY", "0.000000000001");
    let [alice, bob] = s.traders(["alice", "bob"], 5_000, 5_000);
    let r = s.trade(&alice, "TINY", "1000000000000000");
    // impact (0 + 5·10^14)/4·10^17 = 0.125 %
    assert_eq!(fill(&r), d("0.00000000000100125"));
    let accrued = |s: &Suite, who| {
        s.account(who)
            .positions
            .iter()
            .find(|p| p.market_id == "TINY")
            .map(|p| p.accrued_funding)
            .unwrap()
    };
    // one day later (the price republished at the same value on the last second)
    s.advance(86_399);
    s.set_price("TINY", "0.000000000001");
    assert_eq!(accrued(&s, &alice), Int128::new(50 * USDC as i128));
    // Bob doubles the skew to the cap: a day later Alice owes 100 more, Bob 100
    s.trade(&bob, "TINY", "1000000000000000");
    s.advance(86_399);
    s.set_price("TINY", "0.000000000001");
    assert_eq!(accrued(&s, &alice), Int128::new(150 * USDC as i128));
    assert_eq!(accrued(&s, &bob), Int128::new(100 * USDC as i128));
    // and they pay it: Alice's close settles exactly 150 USDC
    let r = s.close(&alice, "TINY").unwrap();
    assert_eq!(Suite::attr(&r, "trade", "funding_paid"), "150000000");
}

/// SECURITY 55: with `unrealized_profit_weight` 1 an isolated position whose funding exceeds
/// its margin could still pass the initial check on its profit; an increase that would store a
/// negative margin is refused, and the margin stays as it was.
#[test]
fn funding_cannot_drive_a_stored_isolated_margin_below_zero() {
    let btc = MarketConfig {
        max_funding_rate_per_day: d("1"),
        ..funding_market()
    };
    let mut s = Suite::with(
        |m| m.unrealized_profit_weight = Some(Decimal256::one()),
        &[("BTC", btc), ("ETH", plain_market("ETH"))],
    );
    let alice = s.trader("alice", 20_000, 20_000);
    // K 0 → 1 of a cap skew of 0.05·600 = 30: fill 60,000·(1 + 0.5/600) = 60,050
    let r = s.try_isolated(&alice, "BTC", "1", 12_100 * USDC).unwrap();
    assert_eq!(fill(&r), d("60050"));
    // seven days at 1/30 of the full rate, the price at 90,000 when the gap ends:
    // ΔF = 90,000·(1/30)·7 = 21,000 per BTC, more than the 12,100 of margin
    s.advance(7 * 86_400 - 1);
    s.set_price("BTC", "90000");
    let pos = s.account(&alice).positions[0].clone();
    assert_eq!(pos.accrued_funding, Int128::new(21_000 * USDC as i128));
    s.rejects_exact(
        &alice,
        &Suite::trade_msg("BTC", "0.001"),
        &[],
        "isolated margin of market BTC would be -8900000000 (< 0) after this trade",
    );
    // a reduction that realizes the profit first is fine: M = 12,100 − 21,000 + realized
    // (fill 90,000·(1 + 0.75/600) = 90,112.5, realized 0.5·30,062.5 = 15,031.25)
    let r = s.trade(&alice, "BTC", "-0.5");
    assert_eq!(Suite::attr(&r, "trade", "margin_after"), "6131250000");
}

/// SECURITY 55: `settle_market` with a dead oracle accrues the funding of the gap (at the
/// settlement price, where the gap ends) before it freezes the index.
#[test]
fn settling_on_a_dead_oracle_accrues_the_gap_first() {
    // r = 10^-8 per second
    let (mut s, _alice, f0) = Suite::alice_long_6_funding_btc();
    // an hour of silence: the oracle is stale
    s.advance(3600);
    let r = s.settle_market("BTC", Some(d("61000")));
    assert_eq!(Suite::attr(&r, "wasm", "price"), "61000");
    // ΔF = 61,000 · 10^-8 · 3,600 = 2.196 per BTC
    let f1 = s.market("BTC").state.funding_index;
    assert_eq!(f1.checked_sub(f0).unwrap(), sd("2.196"));
    // Alice (6 BTC) pays 13.176 USDC of it when her position settles
    let r = s.settle_positions("BTC");
    assert_eq!(
        Suite::attr(&r, "settle_position", "funding_paid"),
        "13176000"
    );
}

/// SECURITY 55: the insurance fund must hold the engine's collateral, at instantiate and at
/// `update_config` (the fund's `config` names its denom).
#[test]
fn an_insurance_fund_of_another_denom_is_refused() {
    let mut s = Suite::new();
    let owner = s.owner.clone();
    let fund_code = s
        .app
        .contract_data(&s.fund)
        .map(|c| c.code_id)
        .expect("fund code");
    let atom_fund = s
        .app
        .instantiate_contract(
            fund_code,
            owner.clone(),
            &perps_api::insurance_fund::InstantiateMsg {
                owner: None,
                denom: "uatom".into(),
                engines: vec![],
            },
            &[],
            "atom fund",
            None,
        )
        .unwrap();
    let mut msg = crate::suite::instantiate_msg(&s.feed, &atom_fund);
    let err = s
        .app
        .instantiate_contract(s.engine_code, owner.clone(), &msg, &[], "perps2", None)
        .unwrap_err();
    assert!(
        err.to_string().ends_with(&format!(
            "insurance fund {atom_fund} holds uatom, not the engine's collateral uusdc"
        )),
        "{err}"
    );
    // a fund address that is no fund cannot answer and is refused too
    msg.insurance_fund = s.feed.to_string();
    assert!(s
        .app
        .instantiate_contract(s.engine_code, owner.clone(), &msg, &[], "perps3", None)
        .is_err());
    let mut update = crate::suite::update_config_empty();
    if let ExecuteMsg::UpdateConfig { insurance_fund, .. } = &mut update {
        *insurance_fund = Some(atom_fund.to_string());
    }
    s.rejects_exact(
        &owner,
        &update,
        &[],
        &format!("insurance fund {atom_fund} holds uatom, not the engine's collateral uusdc"),
    );
    // the engine's own fund is accepted again
    if let ExecuteMsg::UpdateConfig { insurance_fund, .. } = &mut update {
        *insurance_fund = Some(s.fund.to_string());
    }
    s.exec(&owner, &update).unwrap();
    assert_eq!(s.config().insurance_fund, s.fund);
}

/// A market whose oracle died is valued at the last price the engine accepted (its last touch),
/// not at the feed's newer record that is now stale: that record never passed the engine's
/// liveness rules (docs/decisions.md, "Exits, impact and funding").
#[test]
fn a_dead_market_is_valued_at_the_last_accepted_price() {
    let mut s = Suite::new();
    let alice = s.trader("alice", 20_000, 20_000);
    s.trade(&alice, "BTC", "1");
    // the feed takes 50,000 but no message touches BTC before the record goes stale
    s.set_price("BTC", "50000");
    s.advance(120);
    let acc = s.account(&alice);
    let p = &acc.positions[0];
    assert_eq!(p.mark_price, d("60000"));
    // a dead market counts its losses only: U = 0 at the last accepted price
    assert_eq!(p.unrealized_pnl, Int128::zero());
    assert_eq!(acc.equity, Int128::new(20_000 * USDC as i128));
}

/// BTC 60,000, skew_scale 1,000, cap 0.3 %, 0.0003/day at the cap; the whale is long 2.4 (0.8 of
/// the cap skew) since the returned time.
fn whale_at_0_8_of_the_cap() -> (Suite, u64) {
    let mut s = Suite::with_btc(fee_market("BTC", "1000"));
    let [whale] = s.traders(["whale"], 200_000, 100_000);
    s.trade(&whale, "BTC", "2.4");
    let t0 = s.now();
    (s, t0)
}

/// The cap lowered to 0.05 %: 3·cap·S = 1.5 < 2.4.
fn update_to_a_lower_cap(s: &mut Suite) -> cw_multi_test::AppResponse {
    let owner = s.owner.clone();
    let lower = MarketConfig {
        max_price_impact: Some(d("0.0005")),
        ..fee_market("BTC", "1000")
    };
    let msg = ExecuteMsg::UpdateMarket {
        market_id: "BTC".into(),
        config: lower,
        force: None,
    };
    s.exec(&owner, &msg).unwrap()
}

/// The event of lowering the cap at K = 2.4 a day after the trade: funding accrued under the old
/// parameters, 60,000·0.0003·0.8 = 14.4 per unit; the rate goes from 0.00024 to the full 0.0003
/// a day (K is now beyond the cap skew 0.5); the impact liability drops from 60,000·2.4²/2,000 =
/// 172.8 to 60,000·(1.5²/2,000 + 0.0005·0.9) = 94.5: the vault gains 78.3.
fn lower_cap_event(price_source: &str) -> MarketRiskChangeEvent {
    MarketRiskChangeEvent {
        market_id: "BTC".into(),
        skew: sd("2.4"),
        price: d("60000"),
        price_source: price_source.into(),
        funding_index_delta: sd("14.4"),
        old_funding_rate_per_day: sd("0.00024"),
        new_funding_rate_per_day: sd("0.0003"),
        old_max_price_impact: d("0.003"),
        new_max_price_impact: d("0.0005"),
        vault_equity_change: Int128::new(78_300_000),
    }
}

/// Lowers the cap a day after `t0`: one `market_risk_change` event (priced from `price_source`),
/// and funding accrued under the old parameters to the update, 14.4 per unit.
fn lower_the_cap_after_a_day(s: &mut Suite, t0: u64, price_source: &str) {
    let r = update_to_a_lower_cap(s);
    assert_eq!(
        Suite::typed::<MarketRiskChangeEvent>(&r),
        [lower_cap_event(price_source)]
    );
    let state = s.market("BTC").state;
    assert_eq!(
        (state.funding_index, state.last_funding_time),
        (sd("14.4"), t0 + 86_400)
    );
}

/// DESIGN 6.9 keeps lowering the cap allowed with open skew; the update accrues funding under the
/// old parameters first and reports the rate change and the value it moves.
#[test]
fn lowering_the_cap_accrues_funding_first_and_reports_the_value_it_moves() {
    let (mut s, t0) = whale_at_0_8_of_the_cap();
    s.advance(86_399);
    s.set_price("BTC", "60000");
    let v = s.vault().equity;
    lower_the_cap_after_a_day(&mut s, t0, "oracle");
    assert_eq!(
        s.vault().equity,
        v.checked_add(Int128::new(78_300_000)).unwrap()
    );
    // a change that touches neither funding nor impact reports nothing
    let owner = s.owner.clone();
    let same = MarketConfig {
        max_price_impact: Some(d("0.0005")),
        taker_fee: d("0.002"),
        ..fee_market("BTC", "1000")
    };
    let msg = ExecuteMsg::UpdateMarket {
        market_id: "BTC".into(),
        config: same,
        force: None,
    };
    let r = s.exec(&owner, &msg).unwrap();
    assert!(Suite::typed::<MarketRiskChangeEvent>(&r).is_empty());
}

/// With the oracle not live the update still settles the old parameters: funding accrues to the
/// block at the last price the engine accepted (before, the gap was accrued later under the new
/// parameters: 18 per unit instead of 14.4).
#[test]
fn a_parameter_change_on_a_dead_oracle_accrues_at_the_last_price_first() {
    let (mut s, t0) = whale_at_0_8_of_the_cap();
    s.advance(86_400);
    lower_the_cap_after_a_day(&mut s, t0, "last_price");
    // the next day runs at the new full rate: 60,000·0.0003 = 18 more
    s.advance(86_399);
    s.set_price("BTC", "60000");
    let [bob] = s.traders(["bob"], 200_000, 100_000);
    s.trade(&bob, "BTC", "-0.1");
    assert_eq!(s.market("BTC").state.funding_index, sd("32.4"));
}
