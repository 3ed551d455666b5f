//! Two keepers racing on the same crash: every account liquidated once, the losing calls
//! counted as lost races (not errors), and both keepers still scanning afterwards.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::*;

#[test]
fn two_keepers_racing_liquidate_everything_once_and_count_lost_races() {
    let net = Net::start("race", 300, 60, false);
    net.open_positions(|i| if i % 4 == 3 { "0.03" } else { "0.15" });
    let a = perps_keeper::start(&net.keeper_config(KEEPER_A), MNEMONIC).unwrap();
    let b = perps_keeper::start(&net.keeper_config(KEEPER_B), MNEMONIC).unwrap();
    let (addr_a, addr_b) = (a.addresses()[0].1.clone(), b.addresses()[0].1.clone());
    assert_ne!(addr_a, addr_b);
    assert!(
        wait_until(Duration::from_secs(30), || {
            a.metrics.scan_pages.get() >= 4 && b.metrics.scan_pages.get() >= 4
        }),
        "a: {:?}\nb: {:?}",
        http_get(a.http_addr().unwrap(), "/healthz"),
        http_get(b.http_addr().unwrap(), "/healthz")
    );

    net.publish("55000");
    let expected = 45u64;
    assert!(
        wait_until(Duration::from_secs(60), || net.liquidatable().is_empty()),
        "still liquidatable: {:?}",
        net.liquidatable()
    );
    assert!(
        wait_until(Duration::from_secs(30), || a.metrics.liquidations.get()
            + b.metrics.liquidations.get()
            == expected),
        "a {} + b {}",
        a.metrics.liquidations.get(),
        b.metrics.liquidations.get()
    );

    // on chain: each of the 45 exactly once, by one of the two
    let events = liquidation_events(net.addr);
    let mut per_account: BTreeMap<String, u32> = BTreeMap::new();
    let mut per_keeper: BTreeMap<String, u64> = BTreeMap::new();
    for (_, account, liquidator) in events {
        *per_account.entry(account).or_default() += 1;
        *per_keeper.entry(liquidator).or_default() += 1;
    }
    assert_eq!(per_account.len() as u64, expected);
    assert!(per_account.values().all(|n| *n == 1), "{per_account:?}");
    assert_eq!(
        per_keeper.get(&addr_a).copied().unwrap_or(0),
        a.metrics.liquidations.get()
    );
    assert_eq!(
        per_keeper.get(&addr_b).copied().unwrap_or(0),
        b.metrics.liquidations.get()
    );

    // the losing calls are lost races; no call failed for another reason (a slow answer of a
    // loaded node may still time out a request: that is retried, not a failed call)
    let lost = a.metrics.failures_of("liquidate", "lost_race")
        + b.metrics.failures_of("liquidate", "lost_race");
    eprintln!(
        "race: a liquidated {}, b {}, lost races {lost}",
        a.metrics.liquidations.get(),
        b.metrics.liquidations.get()
    );
    assert!(lost >= 1, "two keepers on one crash lost no race");
    for k in [&a, &b] {
        for reason in [
            "contract_error",
            "out_of_gas",
            "reward_below_min",
            "refused",
        ] {
            assert_eq!(k.metrics.failures_of("liquidate", reason), 0, "{reason}");
        }
    }

    // neither is stuck: both keep scanning and are healthy
    let (pa, pb) = (a.metrics.scan_pages.get(), b.metrics.scan_pages.get());
    assert!(wait_until(Duration::from_secs(10), || {
        a.metrics.scan_pages.get() >= pa + 4 && b.metrics.scan_pages.get() >= pb + 4
    }));
    for k in [&a, &b] {
        let (status, body) = http_get(k.http_addr().unwrap(), "/healthz");
        assert_eq!(status, 200, "{body}");
    }
    a.shutdown();
    b.shutdown();
    net.check_invariants();
    net.finish();
}
