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
    assert_eq!(steps.len(), 10);
    let last = steps.last().unwrap();
    let [alice, bob, carol] = &last.traders[..] else {
        panic!("three traders")
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
    // The fund paid Bob's bad debt beyond the pending fees, then received the swept fees.
    let crash = &steps[6];
    assert_eq!(crash.fund, 2_000_000_000 - 106_252_292);
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
        text.contains("bad debt: bob shortfall 119.454542 = 13.20225 from pending fees + 106.252292 from the insurance fund"),
        "{text}"
    );
    assert!(steps
        .iter()
        .flat_map(|s| s.txs.iter())
        .all(|t| t.gas.is_some_and(|g| g > 0)));
}

// 2,000 − 106.252292 paid out + 34.053127 swept (Carol's insurance share 26.001994 and the
// insurance share of Alice's two closing fees, 2.749808 and 5.301325).
const FINAL_FUND: u128 = 1_927_800_835;
// Regression value of the whole story (wasm and cw-multi-test agree on it step by step).
const FINAL_VAULT_CASH: i128 = 1_004_216_661_930;
