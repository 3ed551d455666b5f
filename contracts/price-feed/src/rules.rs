//! The rules a pushed price must pass. Pure functions over plain data: the handler loads, calls
//! these, and saves. A failed rule skips that one update (reported, never an error) so one bad
//! entry does not freeze the rest of the batch.

use std::fmt;

use cosmwasm_std::{Decimal256, Uint512};
use perps_api::price_feed::{PriceRecord, PriceUpdate};

use crate::state::Feed;

/// Why an update was skipped; the `Display` form is the `<rule>` in `skipped_update` attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipRule {
    /// The feed was never added (or was removed).
    UnknownFeed,
    /// `price` (or a given `ema_price`) is zero.
    ZeroPrice,
    /// `publish_time` is not strictly after the stored one.
    NotNewer,
    /// `publish_time` is after block time + `max_future_secs`.
    Future,
    /// The move from the stored price exceeds the feed's jump bound.
    Jump,
}

impl fmt::Display for SkipRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipRule::UnknownFeed => "unknown_feed",
            SkipRule::ZeroPrice => "zero_price",
            SkipRule::NotNewer => "not_newer",
            SkipRule::Future => "future",
            SkipRule::Jump => "jump",
        })
    }
}

/// The record to store for `update`, or the first rule it breaks (checked in the order of
/// `SkipRule`). `latest_allowed` is block time + `max_future_secs`.
pub fn check_update(
    feed: &Feed,
    stored: Option<&PriceRecord>,
    update: &PriceUpdate,
    latest_allowed: u64,
) -> Result<PriceRecord, SkipRule> {
    let ema_price = update.ema_price.unwrap_or(update.price);
    // A zero EMA would make every reader's EMA-deviation check divide by zero.
    if update.price.is_zero() || ema_price.is_zero() {
        return Err(SkipRule::ZeroPrice);
    }
    if let Some(stored) = stored {
        if update.publish_time <= stored.publish_time {
            return Err(SkipRule::NotNewer);
        }
    }
    if update.publish_time > latest_allowed {
        return Err(SkipRule::Future);
    }
    if let (Some(stored), Some(max_jump)) = (stored, feed.max_price_jump) {
        // Strictly newer was checked above, so this cannot wrap.
        let elapsed = update.publish_time.saturating_sub(stored.publish_time);
        if !within_jump(
            stored.price,
            update.price,
            max_jump,
            elapsed,
            feed.jump_window_secs,
        ) {
            return Err(SkipRule::Jump);
        }
    }
    Ok(PriceRecord {
        price: update.price,
        conf: update.conf,
        ema_price,
        publish_time: update.publish_time,
    })
}

/// Whether `|new − old| / old ≤ max_jump · max(1, elapsed / window)`, decided exactly.
///
/// Multiplying both sides by `old · window · 10^36` turns it into integers over the 18-decimal
/// atomics: `|new − old|ₐ · window · 10^18 ≤ max_jumpₐ · oldₐ · max(window, elapsed)`. The left
/// side is below 2^256 · 2^64 · 2^60 and fits in a `Uint512`; when the right side overflows it is
/// ≥ 2^512, larger than any left side, so the move is within the bound. No rounding anywhere.
pub fn within_jump(
    old: Decimal256,
    new: Decimal256,
    max_jump: Decimal256,
    elapsed: u64,
    window: u64,
) -> bool {
    let move_scaled = Uint512::from(old.abs_diff(new).atomics())
        .saturating_mul(Uint512::from(window))
        .saturating_mul(Uint512::from(Decimal256::one().atomics()));
    let bound = Uint512::from(max_jump.atomics())
        .checked_mul(Uint512::from(old.atomics()))
        .and_then(|b| b.checked_mul(Uint512::from(window.max(elapsed))));
    match bound {
        Ok(bound) => move_scaled <= bound,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal256 {
        s.parse().unwrap()
    }

    fn feed(max_jump: Option<&str>) -> Feed {
        Feed {
            description: String::new(),
            max_price_jump: max_jump.map(d),
            jump_window_secs: 60,
        }
    }

    fn record(price: &str, publish_time: u64) -> PriceRecord {
        PriceRecord {
            price: d(price),
            conf: d("1"),
            ema_price: d(price),
            publish_time,
        }
    }

    fn update(price: &str, ema: Option<&str>, publish_time: u64) -> PriceUpdate {
        PriceUpdate {
            feed_id: "BTC".into(),
            price: d(price),
            conf: d("0.5"),
            ema_price: ema.map(d),
            publish_time,
        }
    }

    #[test]
    fn jump_bound_is_exact_at_the_edge() {
        // 10 % within one window: 110 is allowed, one atomic unit more is not.
        assert!(within_jump(d("100"), d("110"), d("0.1"), 1, 60));
        assert!(within_jump(d("100"), d("90"), d("0.1"), 60, 60));
        assert!(!within_jump(
            d("100"),
            d("110.000000000000000001"),
            d("0.1"),
            1,
            60
        ));
        assert!(!within_jump(
            d("100"),
            d("89.999999999999999999"),
            d("0.1"),
            60,
            60
        ));
        // Scaled by elapsed time: 15 % needs 90 s of a 60 s window at 10 %.
        assert!(!within_jump(d("100"), d("115"), d("0.1"), 89, 60));
        assert!(within_jump(d("100"), d("115"), d("0.1"), 90, 60));
        // A bound over 100 % is honoured as given.
        assert!(within_jump(d("1"), d("3"), d("2"), 1, 60));
        assert!(!within_jump(d("1"), d("3.01"), d("2"), 1, 60));
    }

    #[test]
    fn jump_bound_survives_extreme_values() {
        let max = Decimal256::MAX;
        assert!(within_jump(max, d("1"), max, u64::MAX, u64::MAX));
        assert!(!within_jump(
            d("0.000000000000000001"),
            max,
            d("0.000000000000000001"),
            1,
            u64::MAX
        ));
    }

    #[test]
    fn rules_apply_in_order() {
        let stored = record("100", 1_000);
        let f = feed(Some("0.1"));
        let check = |u: &PriceUpdate| check_update(&f, Some(&stored), u, 2_000);
        assert_eq!(check(&update("0", None, 1_001)), Err(SkipRule::ZeroPrice));
        assert_eq!(
            check(&update("100", Some("0"), 1_001)),
            Err(SkipRule::ZeroPrice)
        );
        assert_eq!(check(&update("100", None, 1_000)), Err(SkipRule::NotNewer));
        assert_eq!(check(&update("100", None, 2_001)), Err(SkipRule::Future));
        assert_eq!(check(&update("111", None, 1_001)), Err(SkipRule::Jump));
        assert_eq!(
            check(&update("101", Some("99"), 2_000)),
            Ok(PriceRecord {
                price: d("101"),
                conf: d("0.5"),
                ema_price: d("99"),
                publish_time: 2_000
            })
        );
        assert_eq!(
            check(&update("101", None, 1_500)).unwrap().ema_price,
            d("101")
        );
    }

    #[test]
    fn first_price_and_unbounded_feeds_have_no_jump_rule() {
        let u = update("1000000", None, 5);
        assert!(check_update(&feed(Some("0.1")), None, &u, 5).is_ok());
        let stored = record("1", 1);
        assert!(check_update(&feed(None), Some(&stored), &u, 5).is_ok());
    }

    #[test]
    fn rule_names() {
        let names = [
            SkipRule::UnknownFeed,
            SkipRule::ZeroPrice,
            SkipRule::NotNewer,
            SkipRule::Future,
            SkipRule::Jump,
        ]
        .map(|r| r.to_string());
        assert_eq!(
            names,
            ["unknown_feed", "zero_price", "not_newer", "future", "jump"]
        );
    }
}
