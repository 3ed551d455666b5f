//! A fast run of the demo's story (`scripts/demo.sh`) on both backends, with its final numbers.

use perps_api::perps::Health;
use perps_e2e::{table, Backend, Story, WasmBackend};

use crate::compare::assert_same;
use crate::native::NativeBackend;

#[test]
fn the_demo_story_plays_the_same_on_wasm_and_natively() {
    let wasm = Story::play(WasmBackend::new().unwrap()).unwrap();
    let native = Story::play(NativeBackend::new()).unwrap();
    assert_same(&wasm.p.journal, &native.p.journal);

    let steps = &wasm.steps;
    assert_eq!(steps.len(), 12);
    let last = steps.last().unwrap();
    let [alice, bob, carol, dave] = &last.traders[..] else {
        panic!("four traders")
    };
    // Alice's hedge: the ETH short's gain almost covers the BTC long's loss.
    assert_eq!(alice.wallet, 7_662_280_865);
    assert!(alice.account.positions.is_empty());
    // Bob lost his whole isolated margin and keeps the 200 he left in cross.
    assert_eq!(bob.account.collateral.i128(), 200_000_000);
    assert!(bob.account.positions.is_empty());
    // Carol was liquidated partially and is healthy.
    assert_eq!(carol.account.health, Health::Healthy);
    assert_eq!(carol.account.positions.len(), 1);
    // The keeper: half of Carol's penalty; the bankrupt book held nothing, so its liquidation
    // paid no reward (a reward is paid by the liquidated book alone, never by the fund).
    assert_eq!(last.keeper, 26_001_993);
    // Dave on the deferred SOL market: his market order filled at the next block's record
    // (150, impact 0.0001: 150.015), his stop-loss at the crash's 130 (130.013), not at its 140
    // trigger: 1,000 − 3.0003 − 400.04 − 2.60026 (fees, realized) − 0.017334 (funding).
    assert!(dave.account.positions.is_empty());
    assert_eq!(dave.account.collateral.i128(), 594_342_106);
    let sol = &steps[4].txs;
    assert!(sol[0].events.iter().any(|(ty, _)| ty == "order_placed"));
    assert!(sol[2].events.iter().any(|(ty, _)| ty == "order_executed"));
    // The fund paid Bob's bad debt beyond the pending fees, then received the swept fees.
    let crash = &steps[7];
    assert_eq!(crash.fund, 2_000_000_000 - 105_652_232);
    assert_eq!(last.fund, FINAL_FUND);
    assert_eq!(last.pending_fees, 0);
    assert_eq!(last.vault.cash.i128(), FINAL_VAULT_CASH);
    // Conservation: the engine's bank balance is exactly its ledger.
    let margins: i128 = last
        .traders
        .iter()
        .flat_map(|t| t.account.positions.iter())
        .filter_map(|p| p.margin)
        .map(|m| m.u128() as i128)
        .sum();
    let collateral: i128 = last
        .traders
        .iter()
        .map(|t| t.account.collateral.i128())
        .sum();
    let engine_balance = wasm.p.backend.balance(&wasm.p.engine, perps_e2e::DENOM) as i128;
    assert_eq!(engine_balance, collateral + margins + FINAL_VAULT_CASH);

    // Every step has a table; every transaction on the chain reports its gas.
    let text = table::render(steps);
    assert!(
        text.contains("bad debt: bob shortfall 119.454542 = 13.80231 from pending fees + 105.652232 from the insurance fund"),
        "{text}"
    );
    assert!(steps
        .iter()
        .flat_map(|s| s.txs.iter())
        .all(|t| t.gas.is_some_and(|g| g > 0)));
}

// 2,000 − 105.652232 paid out + 34.573179 swept (Carol's insurance share 26.001994, the
// insurance share of Alice's two closing fees, 2.749808 and 5.301325, and of Dave's stop-loss
// fee, 0.520052; the share of his opening fee, 0.60006, paid part of Bob's bad debt).
const FINAL_FUND: u128 = 1_928_920_947;
// Regression value of the whole story (wasm and cw-multi-test agree on it step by step): the
// story without Dave ended at 1,004,216.661930; Dave's loss, the vault's part of his fees and
// his funding add 400.04 + 4.480448 + 0.017334.
const FINAL_VAULT_CASH: i128 = 1_004_621_199_712;
