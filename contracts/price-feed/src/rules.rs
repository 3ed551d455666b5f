//! The rules a pushed price must pass. Pure functions over plain data: the handler loads, calls
//! these, and saves. A failed rule skips that one update (reported, never an error) so one bad
//! entry does not freeze the rest of the batch.

use std::fmt;

use cosmwasm_std::{Addr, Decimal256, Uint512};
use perps_api::price_feed::{PriceRecord, PriceUpdate};

use crate::state::{Feed, Refusal};

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

/// A record the jump rule measures a move from: the anchor (the first accepted record of the
/// current jump window, or the owner's last reset) or the latest stored record.
/// Stored as `JumpState::previous_anchor`; read through `state::Stored`.
#[derive(serde::Serialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub price: Decimal256,
    pub publish_time: u64,
    /// Block time the record was accepted at.
    pub accepted_time: u64,
}

impl Anchor {
    /// Time elapsed since this record for an update published at `publish_time` in a block at
    /// `now`: the smaller of the publish-time and block-time distances (saturating), so updates of
    /// one block cannot earn more windows than block time allows.
    pub fn elapsed(&self, publish_time: u64, now: u64) -> u64 {
        publish_time
            .saturating_sub(self.publish_time)
            .min(now.saturating_sub(self.accepted_time))
    }
}

/// Where the jump rule measures from: the anchor (within `max_jump_windows` bounds), the latest
/// stored record (within one bound, scaled the same way) and, in the block that moved the
/// anchor, the anchor before it (`previous`, within `max_jump_windows` bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JumpRefs {
    pub anchor: Anchor,
    pub latest: Anchor,
    /// The anchor the current one replaced (absent after a reset or before the first move).
    pub previous: Option<Anchor>,
}

impl JumpRefs {
    /// The anchor the block at `now` started from, when the current anchor was accepted in that
    /// very block: one block may then move at most `max_jump_windows` bounds from it in all,
    /// not that plus one more bound from the anchor it moved to.
    fn block_start_anchor(&self, now: u64) -> Option<Anchor> {
        self.previous.filter(|_| self.anchor.accepted_time >= now)
    }
}

/// The checked values of an accepted update (the handler adds the sequence and the refusal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub price: Decimal256,
    pub conf: Decimal256,
    pub ema_price: Decimal256,
    pub publish_time: u64,
}

/// The values to store for `update`, or the first rule it breaks (checked in the order of
/// `SkipRule`). `now` is the block time, `latest_allowed` is block time + `max_future_secs`;
/// `refs` is where the jump rule measures from (absent before the first price).
pub fn check_update(
    feed: &Feed,
    stored: Option<&PriceRecord>,
    refs: Option<JumpRefs>,
    update: &PriceUpdate,
    now: u64,
    latest_allowed: u64,
) -> Result<Accepted, SkipRule> {
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
    if let (Some(refs), Some(max_jump)) = (refs, feed.max_price_jump) {
        // From the anchor: up to `max_jump_windows` bounds. From the latest stored record: one
        // bound per elapsed window, capped the same way, so a publisher cannot walk away from the
        // latest price while an honest price can still correct a single bad print.
        let within = |from: &Anchor| {
            within_jump(
                from.price,
                update.price,
                max_jump,
                // A record newer than the update (an owner reset dated later) counts as no time.
                from.elapsed(update.publish_time, now),
                feed.jump_window_secs,
                feed.max_jump_windows,
            )
        };
        let block_start = refs.block_start_anchor(now);
        if !within(&refs.anchor)
            || !within(&refs.latest)
            || block_start.is_some_and(|a| !within(&a))
        {
            return Err(SkipRule::Jump);
        }
    }
    Ok(Accepted {
        price: update.price,
        conf: update.conf,
        ema_price,
        publish_time: update.publish_time,
    })
}

/// Whether `|new − old| / old ≤ max_jump · min(max_windows, max(1, elapsed / window))`, decided
/// exactly.
///
/// Multiplying both sides by `old · window · 10^36` turns it into integers over the 18-decimal
/// atomics: `|new − old|ₐ · window · 10^18 ≤ max_jumpₐ · oldₐ · min(max_windows · window,
/// max(window, elapsed))`. The left side is below 2^256 · 2^64 · 2^60 and fits in a `Uint512`;
/// when the right side overflows it is ≥ 2^512, larger than any left side, so the move is within
/// the bound. No rounding anywhere.
pub fn within_jump(
    old: Decimal256,
    new: Decimal256,
    max_jump: Decimal256,
    elapsed: u64,
    window: u64,
    max_windows: u32,
) -> bool {
    let cap = u128::from(window).saturating_mul(u128::from(max_windows));
    let scaled_time = u128::from(window.max(elapsed)).min(cap);
    let move_scaled = Uint512::from(old.abs_diff(new).atomics())
        .saturating_mul(Uint512::from(window))
        .saturating_mul(Uint512::from(Decimal256::one().atomics()));
    let bound = Uint512::from(max_jump.atomics())
        .checked_mul(Uint512::from(old.atomics()))
        .and_then(|b| b.checked_mul(Uint512::from(scaled_time)));
    match bound {
        Ok(bound) => move_scaled <= bound,
        Err(_) => true,
    }
}

/// The anchor after `accepted` was stored: it moves to an accepted record published at least one
/// window after it AND accepted at least one window of block time after it, so every record of
/// one window is measured from the same price, the anchor moves at most once per window of block
/// time, and a future-dated record cannot capture it before the window really passed.
pub fn next_anchor(anchor: Option<Anchor>, accepted: Anchor, window: u64) -> Anchor {
    // A window ending past u64::MAX never ends.
    let passed = |from: u64, to: u64| from.checked_add(window).is_some_and(|end| to >= end);
    match anchor {
        Some(a)
            if !passed(a.publish_time, accepted.publish_time)
                || !passed(a.accepted_time, accepted.accepted_time) =>
        {
            a
        }
        _ => accepted,
    }
}

/// Records that `publisher` was refused by the jump rule for an update published at
/// `publish_time` (≤ block time) in `refusals` (one entry per publisher; entries of addresses no
/// longer in `publishers` are dropped), and returns the refused publish time the feed must now
/// carry, if any: with fewer than two publishers every refusal counts; otherwise only once
/// another publisher was refused less than one window apart, and then the later of the two.
pub fn record_refusal(
    refusals: &mut Vec<Refusal>,
    publishers: &[Addr],
    publisher: &Addr,
    publish_time: u64,
    window: u64,
) -> Option<u64> {
    refusals.retain(|r| publishers.contains(&r.publisher));
    match refusals.iter_mut().find(|r| r.publisher == *publisher) {
        Some(r) => r.publish_time = r.publish_time.max(publish_time),
        None => refusals.push(Refusal {
            publisher: publisher.clone(),
            publish_time,
        }),
    }
    if publishers.len() < 2 {
        return Some(publish_time);
    }
    refusals
        .iter()
        .filter(|r| r.publisher != *publisher && r.publish_time.abs_diff(publish_time) < window)
        .map(|r| r.publish_time.max(publish_time))
        .max()
}

/// Who stored an accepted record: a publisher (with the current publisher set) or the owner's
/// `reset_price`.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Publisher {
        sender: &'a Addr,
        publishers: &'a [Addr],
    },
    Reset,
}

/// Applies an accepted record published at `publish_time` to the refusals and to the feed's
/// unconfirmed mark `refused_publish_time`, and returns the mark the feed keeps.
///
/// Clearing takes the same quorum as marking: the owner's reset, or a sole publisher's accepted
/// record, clears a mark it is not older than; with two or more publishers the mark clears only
/// once two distinct publishers' accepted records at or after it lie less than one window apart
/// in publish time (each publisher's latest is remembered in `confirmations` while the feed is
/// marked). A publisher's own refusals up to its accepted record are answered by it; the
/// quorum answers every refusal up to the earlier of its two records. So one publisher can
/// neither lift a mark nor erase another publisher's refusal.
pub fn confirm(
    refusals: &mut Vec<Refusal>,
    confirmations: &mut Vec<Refusal>,
    refused_publish_time: Option<u64>,
    publish_time: u64,
    window: u64,
    source: Source,
) -> Option<u64> {
    let answered = match source {
        Source::Reset => Some(publish_time),
        Source::Publisher { sender, publishers } => {
            refusals.retain(|r| {
                publishers.contains(&r.publisher)
                    && !(r.publisher == *sender && r.publish_time <= publish_time)
            });
            let mark = refused_publish_time.filter(|&t| t <= publish_time);
            match mark {
                None => None,
                Some(_) if publishers.len() < 2 => Some(publish_time),
                Some(mark) => {
                    confirmations.retain(|c| {
                        publishers.contains(&c.publisher)
                            && c.publisher != *sender
                            && c.publish_time >= mark
                    });
                    let quorum = confirmations
                        .iter()
                        .filter(|c| publish_time.abs_diff(c.publish_time) < window)
                        .map(|c| c.publish_time.min(publish_time))
                        .min();
                    confirmations.push(Refusal {
                        publisher: sender.clone(),
                        publish_time,
                    });
                    quorum
                }
            }
        }
    };
    match answered {
        Some(answered) if refused_publish_time.is_none_or(|t| t <= answered) => {
            refusals.retain(|r| r.publish_time > answered);
            confirmations.clear();
            None
        }
        Some(answered) => {
            // A reset dated before the mark answers the refusals up to it; the mark stays.
            refusals.retain(|r| r.publish_time > answered);
            refused_publish_time
        }
        None => refused_publish_time,
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
            max_jump_windows: 3,
        }
    }

    fn record(price: &str, publish_time: u64) -> PriceRecord {
        PriceRecord {
            price: d(price),
            conf: d("1"),
            ema_price: d(price),
            publish_time,
            sequence: Some(1),
            refused_publish_time: None,
        }
    }

    /// A record published and accepted at `t`.
    fn at(price: &str, t: u64) -> Anchor {
        Anchor {
            price: d(price),
            publish_time: t,
            accepted_time: t,
        }
    }

    fn refs(anchor: Anchor, latest: Anchor) -> Option<JumpRefs> {
        Some(JumpRefs {
            anchor,
            latest,
            previous: None,
        })
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
        let within = |old: &str, new: &str, jump: &str, elapsed| {
            within_jump(d(old), d(new), d(jump), elapsed, 60, 3)
        };
        // 10 % within one window: 110 is allowed, one atomic unit more is not.
        assert!(within("100", "110", "0.1", 1));
        assert!(within("100", "90", "0.1", 60));
        assert!(!within("100", "110.000000000000000001", "0.1", 1));
        assert!(!within("100", "89.999999999999999999", "0.1", 60));
        // Scaled by elapsed time: 15 % needs 90 s of a 60 s window at 10 %.
        assert!(!within("100", "115", "0.1", 89));
        assert!(within("100", "115", "0.1", 90));
        // A bound over 100 % is honoured as given.
        assert!(within("1", "3", "2", 1));
        assert!(!within("1", "3.01", "2", 1));
    }

    #[test]
    fn time_scaling_stops_at_max_jump_windows() {
        // 3 windows of 10 %: 30 % at 180 s and after any longer silence, never more.
        for elapsed in [180, 600, 86_400, u64::MAX] {
            assert!(within_jump(d("100"), d("70"), d("0.1"), elapsed, 60, 3));
            assert!(!within_jump(
                d("100"),
                d("69.999999999999999999"),
                d("0.1"),
                elapsed,
                60,
                3
            ));
            assert!(!within_jump(d("100"), d("0.01"), d("0.1"), elapsed, 60, 3));
        }
        // One window only: the old unscaled rule.
        assert!(within_jump(d("100"), d("110"), d("0.1"), 600, 60, 1));
        assert!(!within_jump(d("100"), d("110.1"), d("0.1"), 600, 60, 1));
        // The largest cap and silence: 10 % · (2^32 − 1) allows +900 %; the largest window
        // with the longest silence is one window.
        assert!(within_jump(
            d("100"),
            d("1000"),
            d("0.1"),
            u64::MAX,
            1,
            u32::MAX
        ));
        assert!(!within_jump(
            d("100"),
            d("110.1"),
            d("0.1"),
            u64::MAX,
            u64::MAX,
            u32::MAX
        ));
    }

    #[test]
    fn jump_bound_survives_extreme_values() {
        let max = Decimal256::MAX;
        assert!(within_jump(max, d("1"), max, u64::MAX, u64::MAX, u32::MAX));
        assert!(!within_jump(
            d("0.000000000000000001"),
            max,
            d("0.000000000000000001"),
            1,
            u64::MAX,
            3
        ));
    }

    #[test]
    fn rules_apply_in_order() {
        let stored = record("100", 1_000);
        let f = feed(Some("0.1"));
        let r = refs(at("100", 1_000), at("100", 1_000));
        let check = |u: &PriceUpdate| check_update(&f, Some(&stored), r, u, 1_995, 2_000);
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
            Ok(Accepted {
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
    fn the_jump_is_measured_from_the_anchor_not_the_stored_price() {
        // Stored 90 at 1,030 (accepted within the window of the anchor 100 at 1,000).
        let stored = record("90", 1_030);
        let f = feed(Some("0.1"));
        let r = refs(at("100", 1_000), at("90", 1_030));
        let check =
            |price: &str, t: u64| check_update(&f, Some(&stored), r, &update(price, None, t), t, t);
        // 81 is 10 % below the stored 90 but 19 % below the anchor: refused.
        assert_eq!(check("81", 1_031), Err(SkipRule::Jump));
        assert!(check("90", 1_031).is_ok());
        // 85 after 90 s of the anchor: 15 % ≤ 10 % · 1.5.
        assert_eq!(check("85", 1_089), Err(SkipRule::Jump));
        assert!(check("85", 1_090).is_ok());
        // An anchor dated after the update (an owner reset) counts as no time elapsed.
        let later = |price: &str| {
            check_update(
                &f,
                Some(&stored),
                refs(at("100", 5_000), at("100", 5_000)),
                &update(price, None, 1_031),
                5_000,
                5_000,
            )
        };
        assert!(later("110").is_ok());
        assert_eq!(later("110.1"), Err(SkipRule::Jump));
    }

    #[test]
    fn the_jump_is_also_bounded_from_the_latest_stored_price() {
        // Anchor 100 at 1,000; stored 90 at 1,060, accepted at block 1,000 (dated ahead).
        let stored = record("90", 1_060);
        let f = feed(Some("0.1"));
        let latest = Anchor {
            accepted_time: 1_000,
            ..at("90", 1_060)
        };
        let check = |price: &str, t: u64, now: u64| {
            check_update(
                &f,
                Some(&stored),
                refs(at("100", 1_000), latest),
                &update(price, None, t),
                now,
                u64::MAX,
            )
        };
        // 81 is 10 % below 90 but 19 % below the anchor: refused within the anchor's window.
        assert_eq!(check("81", 1_061, 1_000), Err(SkipRule::Jump));
        // 180 s of publish time but no block time: still one bound from each.
        assert_eq!(check("81", 1_180, 1_000), Err(SkipRule::Jump));
        // Back up: one bound from 90 (99), though the anchor would allow 110.
        assert!(check("99", 1_061, 1_000).is_ok());
        assert_eq!(check("99.01", 1_061, 1_000), Err(SkipRule::Jump));
        // Three windows of both kinds later: 30 % from the anchor, 3 · 10 % from 90.
        assert!(check("117", 1_240, 1_180).is_ok());
        assert_eq!(check("117.01", 1_240, 1_180), Err(SkipRule::Jump));
        assert!(check("70", 1_240, 1_180).is_ok());
        assert_eq!(check("69.99", 1_240, 1_180), Err(SkipRule::Jump));
    }

    #[test]
    fn the_anchor_moves_one_window_at_a_time() {
        let a = at;
        assert_eq!(next_anchor(None, a("5", 7), 60), a("5", 7));
        assert_eq!(next_anchor(Some(a("1", 100)), a("2", 159), 60), a("1", 100));
        assert_eq!(next_anchor(Some(a("1", 100)), a("2", 160), 60), a("2", 160));
        assert_eq!(
            next_anchor(Some(a("1", u64::MAX - 1)), a("2", u64::MAX), 60),
            a("1", u64::MAX - 1)
        );
        // Published a window later but accepted within the anchor's window of block time (a
        // future-dated record, or many records of one block): the anchor stays.
        let early = |t: u64, block: u64| Anchor {
            accepted_time: block,
            ..a("2", t)
        };
        assert_eq!(
            next_anchor(Some(a("1", 100)), early(160, 159), 60),
            a("1", 100)
        );
        assert_eq!(
            next_anchor(Some(a("1", 100)), early(700, 100), 60),
            a("1", 100)
        );
        assert_eq!(
            next_anchor(Some(a("1", 100)), early(160, 160), 60),
            early(160, 160)
        );
        // Accepted a window later but published within the window: the anchor stays too.
        assert_eq!(
            next_anchor(Some(a("1", 100)), early(159, 700), 60),
            a("1", 100)
        );
    }

    #[test]
    fn first_price_and_unbounded_feeds_have_no_jump_rule() {
        let u = update("1000000", None, 5);
        assert!(check_update(&feed(Some("0.1")), None, None, &u, 5, 5).is_ok());
        let stored = record("1", 1);
        let r = refs(at("1", 1), at("1", 1));
        assert!(check_update(&feed(None), Some(&stored), r, &u, 5, 5).is_ok());
    }

    #[test]
    fn one_publisher_alone_cannot_mark_a_shared_feed_unconfirmed() {
        let [p1, p2, p3] = test_support::addrs(["p1", "p2", "p3"]);
        let all = [p1.clone(), p2.clone(), p3.clone()];
        let mut refusals = vec![];
        // A sole publisher: every refusal counts.
        assert_eq!(
            record_refusal(&mut refusals, &all[..1], &p1, 100, 60),
            Some(100)
        );
        // Three publishers: p1 alone, twice, counts for nothing.
        let mut refusals = vec![];
        assert_eq!(record_refusal(&mut refusals, &all, &p1, 100, 60), None);
        assert_eq!(record_refusal(&mut refusals, &all, &p1, 130, 60), None);
        assert_eq!(refusals.len(), 1);
        // p2 a full window after p1's latest: not within one window.
        assert_eq!(record_refusal(&mut refusals, &all, &p2, 190, 60), None);
        // p3 59 s after p2: the later of the two.
        assert_eq!(record_refusal(&mut refusals, &all, &p3, 249, 60), Some(249));
        // p1 again, earlier than p3's: still the later one.
        assert_eq!(record_refusal(&mut refusals, &all, &p1, 240, 60), Some(249));
        // A publisher removed from the set no longer counts.
        let mut refusals = vec![];
        assert_eq!(record_refusal(&mut refusals, &all, &p1, 100, 60), None);
        assert_eq!(record_refusal(&mut refusals, &all[1..], &p2, 101, 60), None);
        assert_eq!(refusals.len(), 1);
    }

    #[test]
    fn the_block_that_moved_the_anchor_stays_within_the_cap_of_the_anchor_before() {
        // Anchor 100 at 1,000; after 600 s of silence 70 became the anchor at block 1,600.
        let f = feed(Some("0.1"));
        let stored = record("70", 1_600);
        let r = Some(JumpRefs {
            anchor: at("70", 1_600),
            latest: at("70", 1_600),
            previous: Some(at("100", 1_000)),
        });
        let check = |price: &str, t: u64, now: u64| {
            check_update(&f, Some(&stored), r, &update(price, None, t), now, u64::MAX)
        };
        // Same block: one bound from 70 and three from 100, so [70, 77].
        assert_eq!(
            check("69.999999999999999999", 1_601, 1_600),
            Err(SkipRule::Jump)
        );
        assert_eq!(check("63", 1_601, 1_600), Err(SkipRule::Jump));
        assert!(check("70", 1_601, 1_600).is_ok());
        assert!(check("77", 1_601, 1_600).is_ok());
        assert_eq!(check("77.01", 1_601, 1_600), Err(SkipRule::Jump));
        // A later block: the new anchor alone (and the latest price), one bound.
        assert!(check("63", 1_601, 1_601).is_ok());
        assert_eq!(check("62.99", 1_601, 1_601), Err(SkipRule::Jump));
    }

    fn refusal(publisher: &Addr, publish_time: u64) -> Refusal {
        Refusal {
            publisher: publisher.clone(),
            publish_time,
        }
    }

    #[test]
    fn a_sole_publisher_or_a_reset_answers_what_it_is_not_older_than() {
        let [p1] = test_support::addrs(["p1"]);
        let one = [p1.clone()];
        let by_p1 = Source::Publisher {
            sender: &p1,
            publishers: &one,
        };
        let mut refusals = vec![refusal(&p1, 110)];
        let mut confirmations = vec![];
        let mut confirm_at =
            |mark, t, source| confirm(&mut refusals, &mut confirmations, mark, t, 60, source);
        // Older than the mark: the mark stays.
        assert_eq!(confirm_at(Some(110), 109, by_p1), Some(110));
        assert_eq!(confirm_at(Some(110), 109, Source::Reset), Some(110));
        assert_eq!(confirm_at(Some(110), 110, by_p1), None);
        assert!(refusals.is_empty());
        let mut refusals = vec![refusal(&p1, 110)];
        assert_eq!(
            confirm(
                &mut refusals,
                &mut vec![],
                Some(110),
                110,
                60,
                Source::Reset
            ),
            None
        );
        assert!(refusals.is_empty());
        assert_eq!(confirm(&mut vec![], &mut vec![], None, 5, 60, by_p1), None);
    }

    #[test]
    fn with_several_publishers_two_distinct_confirmations_within_a_window_lift_the_mark() {
        let [p1, p2, p3] = test_support::addrs(["p1", "p2", "p3"]);
        let all = [p1.clone(), p2.clone(), p3.clone()];
        let by = |sender| Source::Publisher {
            sender,
            publishers: &all,
        };
        let mut refusals = vec![refusal(&p1, 100), refusal(&p2, 110)];
        let mut confirmations = vec![];
        // p3 alone, twice: the mark stays, the others' refusals stay.
        for t in [111, 150] {
            assert_eq!(
                confirm(&mut refusals, &mut confirmations, Some(110), t, 60, by(&p3)),
                Some(110)
            );
        }
        assert_eq!(refusals, [refusal(&p1, 100), refusal(&p2, 110)]);
        assert_eq!(confirmations, [refusal(&p3, 150)]);
        // p1's own accepted record answers p1's own refusal; 60 s after p3's: no quorum.
        assert_eq!(
            confirm(
                &mut refusals,
                &mut confirmations,
                Some(110),
                210,
                60,
                by(&p1)
            ),
            Some(110)
        );
        assert_eq!(refusals, [refusal(&p2, 110)]);
        // p2 59 s after p1: the quorum answers everything up to 210 and lifts the mark.
        assert_eq!(
            confirm(
                &mut refusals,
                &mut confirmations,
                Some(110),
                269,
                60,
                by(&p2)
            ),
            None
        );
        assert!(refusals.is_empty() && confirmations.is_empty());
        // A confirmation older than a moved mark, or by a removed publisher, no longer counts.
        let mut confirmations = vec![refusal(&p1, 100)];
        assert_eq!(
            confirm(&mut vec![], &mut confirmations, Some(120), 121, 60, by(&p2)),
            Some(120)
        );
        let fewer = [p2.clone(), p3.clone()];
        let by_p3 = Source::Publisher {
            sender: &p3,
            publishers: &fewer,
        };
        let mut confirmations = vec![refusal(&p1, 125)];
        assert_eq!(
            confirm(&mut vec![], &mut confirmations, Some(120), 126, 60, by_p3),
            Some(120)
        );
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
