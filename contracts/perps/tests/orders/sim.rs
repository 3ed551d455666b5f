//! Randomized orders (DESIGN 6.11, invariants 12 and 13): sequences of market orders, closes,
//! conditional orders, cancels, publishes in the same or a later block, time passing, keeper runs
//! and the owners' own messages, against a reference model of the feed's records and the pending
//! orders. After every step: the engine's invariants (conservation with reservations, order
//! indexes, invariant 13 — `Suite::exec` checks them), the pending orders equal the model's, and
//! every order filled, failed or expired in the step did so exactly at the record the model pins
//! it to (invariant 12), whoever executed it. A failed order's `price_move` stays within the
//! losses of the highest and the lowest fill the impact cap allows at its record, each closed at
//! the move since the record (`Model::price_move`).
//!
//! LP orders too: two LPs provide (`provide_liquidity`), request and claim (`claim_liquidity`)
//! while BTC is deferred. The model pins each LP order to its record (the first of a later block
//! within `max_order_age_secs`, or the least favourable held one for the LP), values the vault
//! there and predicts the exact shares minted (at the higher of the request's and the
//! execution's share prices) and the exact payout of a claim (the lowest of the request's, the
//! claim's and the execution's prices), the keeper fee, expiry, a claim dropped when its request
//! changed, and that `cancel_order` refuses an LP order with the state unchanged. After every
//! step each LP's reservation (query) equals the model's pending provides. A burst of more
//! records than the feed holds pushes an order's first record out of the history (the least
//! favourable held record then counts).
//!
//! `ORDERS_SIM_CASES` sets the number of sequences (default 40), `ORDERS_SIM_SEED` their seed (a
//! fixed default, so CI runs the same sequences every time; `scripts/soak.sh` passes its own).

use std::collections::BTreeMap;

use cosmwasm_std::{Addr, Decimal256, Int128, SignedDecimal256, Uint128};
use cw_multi_test::AppResponse;
use perps_api::events::{
    LpOrderExecutedEvent, OrderCancelledEvent, OrderExecutedEvent, OrderFailedEvent,
    OrderPlacedEvent, OrderSettledEvent,
};
use perps_api::perps::{
    ExecuteMsg, LpPositionResponse, MarketResponse, PendingOrdersResponse, QueryMsg, Trigger,
    VaultResponse,
};
use perps_risk::num::Quote;
use perps_risk::orders::{failure_exit, failure_move};
use perps_risk::vault::{redeem_value, shares_to_mint, vault_equity, MarketAggregate, VaultMarket};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::deferred_suite;
use crate::suite::{config_update, fee_market, sd, Suite};

const MAX_AGE: u64 = 300;
const HELD: u64 = 16;
/// `max_oracle_age_secs` of the suite: a record published longer before its acceptance fails
/// the strict rules.
const ORACLE_AGE: u64 = 60;
const KEEPER_FEE: u128 = 500_000;

#[derive(Debug, Clone)]
enum Step {
    Trade {
        who: usize,
        lots: i64,
    },
    Close {
        who: usize,
    },
    Conditional {
        who: usize,
        lots: i64,
        offset_bps: i64,
        above: bool,
        reduce_only: bool,
    },
    Cancel {
        who: usize,
        pick: usize,
    },
    Publish {
        later_block: bool,
        move_bps: i64,
    },
    Advance {
        secs: u64,
    },
    Keeper {
        all: bool,
        pick: usize,
    },
    Own {
        who: usize,
    },
    /// LP `who` provides `usdc` (an order while BTC is deferred).
    Provide {
        who: usize,
        usdc: u64,
    },
    /// LP `who` requests `pct` % of its shares (immediate).
    Request {
        who: usize,
        pct: u64,
    },
    /// LP `who` claims its request (an order).
    Claim {
        who: usize,
    },
    /// LP `who` tries to cancel one of its LP orders: refused, nothing changes.
    CancelLp {
        who: usize,
    },
    /// A keeper executes one LP order by id (older LP orders first).
    KeeperLp {
        pick: usize,
    },
    /// Any message of LP `who` (runs its ready orders first).
    OwnLp {
        who: usize,
    },
    /// More records than the feed holds, one per block: an order's first record leaves the
    /// history (it then fills at the least favourable held one).
    Burst {
        moves: Vec<i64>,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..3usize, -20i64..=20).prop_map(|(who, lots)| Step::Trade { who, lots }),
        1 => (0..3usize).prop_map(|who| Step::Close { who }),
        2 => (0..3usize, -20i64..=20, -300i64..=300, any::<bool>(), any::<bool>()).prop_map(
            |(who, lots, offset_bps, above, reduce_only)| Step::Conditional { who, lots, offset_bps, above, reduce_only }
        ),
        1 => (0..3usize, 0..8usize).prop_map(|(who, pick)| Step::Cancel { who, pick }),
        4 => (any::<bool>(), -150i64..=150).prop_map(|(later_block, move_bps)| Step::Publish { later_block, move_bps }),
        1 => prop_oneof![Just(1u64), Just(30), Just(299), Just(301)].prop_map(|secs| Step::Advance { secs }),
        2 => (any::<bool>(), 0..8usize).prop_map(|(all, pick)| Step::Keeper { all, pick }),
        1 => (0..3usize).prop_map(|who| Step::Own { who }),
        2 => (0..2usize, 1u64..=20_000).prop_map(|(who, usdc)| Step::Provide { who, usdc }),
        2 => (0..2usize, 1u64..=100).prop_map(|(who, pct)| Step::Request { who, pct }),
        2 => (0..2usize).prop_map(|who| Step::Claim { who }),
        1 => (0..2usize).prop_map(|who| Step::CancelLp { who }),
        1 => (0..8usize).prop_map(|pick| Step::KeeperLp { pick }),
        1 => (0..2usize).prop_map(|who| Step::OwnLp { who }),
        1 => prop::collection::vec(-150i64..=150, 16..=18).prop_map(|moves| Step::Burst { moves }),
    ]
}

/// One accepted record of BTC's feed, as the model saw it accepted.
#[derive(Debug, Clone)]
struct Record {
    seq: u64,
    price: Decimal256,
    height: u64,
    time: u64,
    publish_time: u64,
}

/// A pending order as the model sees it.
#[derive(Debug, Clone)]
struct Pending {
    placed_seq: u64,
    height: u64,
    time: u64,
    /// `Some((trigger, above))` for a conditional order.
    trigger: Option<(Decimal256, bool)>,
    /// An LP order.
    lp: Option<LpPending>,
    /// A market or conditional order's size (`None`: a close, sized at execution) and bound.
    size: Option<SignedDecimal256>,
    acceptable: Option<Decimal256>,
    /// A market order (not conditional: never clamped to a position).
    market: bool,
    /// A failed order's settling entry (scenario 77): its move is charged at the first record
    /// after the failure's block.
    settle: Option<Settle>,
}

/// What a settling entry's charge is checked against: the failure's record price, the size, the
/// highest and the lowest fill the impact cap (and the bound) allowed at the record, and whether
/// the lower bound applies (a keeper-run market order within its bound at the record, alone in
/// the failure's message, at a record the oracle policy accepted).
#[derive(Debug, Clone)]
struct Settle {
    rec: Decimal256,
    size: SignedDecimal256,
    highest: Decimal256,
    lowest: Decimal256,
    lower_check: bool,
}

/// Failed market and conditional orders whose `price_move` was checked against its bounds, and
/// those among them that paid one.
#[derive(Debug, Default, Clone, Copy)]
struct MoveStats {
    checked: u64,
    charged: u64,
    lower_bound_checked: u64,
}

/// An LP order as the model sees it.
#[derive(Debug, Clone)]
struct LpPending {
    who: usize,
    provide: bool,
    /// A provide's attached funds (its reservation).
    reserved: u128,
    /// A provide: the shares its funds less the keeper fee buy at the request's share price. A
    /// claim: the request's shares.
    shares: u128,
    /// A claim: its shares' value at the claim's share price.
    value: u128,
}

/// What the vault's value depends on, as the model tracks it through one message.
#[derive(Debug, Clone)]
struct VaultSnap {
    cash: i128,
    total: u128,
    unrecoverable: u128,
    btc: MarketResponse,
}

/// What LP orders did in a run.
#[derive(Debug, Default, Clone, Copy)]
struct LpStats {
    provided: u64,
    claimed: u64,
    failed: u64,
    expired: u64,
    dropped: u64,
    refused_cancels: u64,
    /// Executed after a market order in the same message (the vault moved in between: checked
    /// against the bounds only).
    after_trades: u64,
    /// Pinned to the least favourable held record (the first had left the history).
    least_favourable: u64,
    /// Expired in a message that filled a market order first (the skew before the message is
    /// not the one the expiry saw: only "no eligible record" is checked).
    expired_after_trades: u64,
    /// Provides refunded past their age while a settling entry was pending (scenario 87).
    expired_waiting_settlement: u64,
}

struct Model {
    s: Suite,
    traders: Vec<Addr>,
    lps: Vec<Addr>,
    /// Each LP's withdrawal request: `(shares, value_at_request)`.
    requests: Vec<Option<(u128, u128)>>,
    lp: LpStats,
    keeper: Addr,
    records: Vec<Record>,
    orders: BTreeMap<u64, Pending>,
    price: Decimal256,
    last_publish: u64,
    checked: u64,
    /// Conditional orders filled at their first trigger record once it had left the history.
    pinned_old: u64,
    /// Conditional orders cancelled by their owner, checked against every record since.
    cancels_checked: u64,
    expired: u64,
    cancelled: u64,
    moves: MoveStats,
}

impl Model {
    fn new() -> Self {
        let btc = perps_api::perps::MarketConfig {
            max_funding_rate_per_day: Decimal256::zero(),
            ..fee_market("BTC", "1000")
        };
        let mut s = deferred_suite(btc);
        let owner = s.owner.clone();
        s.exec(&owner, &config_update!(lp_withdraw_delay_secs: 0))
            .unwrap();
        s.exec(&owner, &config_update!(lp_claim_window_secs: 1_000_000))
            .unwrap();
        let traders = ["o1", "o2", "o3"]
            .map(|n| s.trader(n, 100_000, 50_000))
            .to_vec();
        let lps = ["l1", "l2"].map(|n| s.trader(n, 0, 0)).to_vec();
        let keeper = s.trader("keeper", 0, 0);
        // The feed's history so far (the suite published BTC once).
        let history = s.price_history("BTC");
        let records = history
            .iter()
            .map(|r| Record {
                seq: r.sequence,
                price: r.price,
                height: r.accepted_height,
                time: r.accepted_time,
                publish_time: r.publish_time,
            })
            .collect::<Vec<_>>();
        let last = history.last().unwrap();
        Model {
            price: last.price,
            last_publish: last.publish_time,
            s,
            traders,
            requests: vec![None; lps.len()],
            lps,
            lp: LpStats::default(),
            keeper,
            records,
            orders: BTreeMap::new(),
            checked: 0,
            pinned_old: 0,
            cancels_checked: 0,
            moves: MoveStats::default(),
            expired: 0,
            cancelled: 0,
        }
    }

    fn height(&self) -> u64 {
        self.s.app.block_info().height
    }

    fn latest_seq(&self) -> u64 {
        self.records.last().map(|r| r.seq).unwrap_or(0)
    }

    /// The record the model pins order `o` to (`None`: not ready), with whether its first
    /// eligible record is still held (else the engine picks the least favourable held one).
    fn pin(&self, o: &Pending) -> (Option<Record>, Vec<Record>) {
        let latest = self.latest_seq();
        let oldest_held = latest.saturating_sub(HELD - 1).max(1);
        let eligible: Vec<Record> = self
            .records
            .iter()
            .filter(|r| r.seq > o.placed_seq && r.height > o.height)
            .filter(|r| match o.trigger {
                Some((t, true)) => r.price >= t,
                Some((t, false)) => r.price <= t,
                // a settling entry never expires: any later record
                None => o.settle.is_some() || r.time <= o.time + MAX_AGE,
            })
            .cloned()
            .collect();
        if o.placed_seq + 1 >= oldest_held {
            (eligible.first().cloned(), vec![])
        } else {
            let held = eligible
                .iter()
                .filter(|r| r.seq >= oldest_held)
                .cloned()
                .collect();
            (None, held)
        }
    }

    /// The first record after the order's block that meets a conditional order's trigger, held
    /// or not: the record a sweep that saw it pinned the order to (scenario 78).
    fn first_trigger(&self, o: &Pending) -> Option<Record> {
        let (t, above) = o.trigger?;
        self.records
            .iter()
            .filter(|r| r.seq > o.placed_seq && r.height > o.height)
            .find(|r| if above { r.price >= t } else { r.price <= t })
            .cloned()
    }

    /// The vault as it stands (before a message).
    fn snap(&self) -> VaultSnap {
        let v: VaultResponse = self.s.query(&QueryMsg::Vault {});
        VaultSnap {
            cash: v.cash.i128(),
            total: v.total_shares.u128(),
            unrecoverable: v.unrecoverable.u128(),
            btc: self.s.query(&QueryMsg::Market {
                market_id: "BTC".into(),
            }),
        }
    }

    /// `V` with BTC valued at `price` (no price needed when its skew is 0), as the model sees
    /// the vault: `cash − Σ (U − A) − L − unrecoverable` over the market's aggregates.
    fn equity(snap: &VaultSnap, price: Decimal256) -> Quote {
        let st = &snap.btc.state;
        let aggregate = MarketAggregate {
            long_oi: st.long_oi,
            short_oi: st.short_oi,
            entry_cost_sum: st.entry_cost_sum,
            funding_basis_sum: st.funding_basis_sum,
        };
        let cfg = &snap.btc.config;
        let m = VaultMarket {
            mark_price: (!st.skew.is_zero()).then_some(price),
            aggregate,
            funding_index: st.funding_index,
            skew_scale: cfg.skew_scale,
            max_price_impact: cfg.max_price_impact.unwrap_or_default(),
        };
        vault_equity(Int128::new(snap.cash), &[m], 6)
            .unwrap()
            .checked_sub(Quote::from_base_units_u(Uint128::new(snap.unrecoverable)))
            .unwrap()
    }

    /// The price the vault is valued at for a placement: the latest record's.
    fn live_price(&self) -> Decimal256 {
        self.records.last().map(|r| r.price).unwrap_or_default()
    }

    /// The record an LP order is pinned to when BTC has skew `k_negative`, and whether it is
    /// the first eligible one (`Err(true)`: none eligible and past its age: expired;
    /// `Err(false)`: it waits).
    fn lp_pin(&self, o: &Pending, k_negative: bool) -> Result<(Record, bool), bool> {
        let provide = o.lp.as_ref().unwrap().provide;
        let latest = self.latest_seq();
        let oldest_held = latest.saturating_sub(HELD - 1).max(1);
        let held: Vec<&Record> = self
            .records
            .iter()
            .filter(|r| r.seq >= oldest_held)
            .collect();
        let complete = oldest_held <= 1 || held.iter().any(|r| r.height <= o.height);
        let eligible: Vec<&Record> = held
            .iter()
            .copied()
            .filter(|r| r.height > o.height && r.time <= o.time + MAX_AGE)
            .collect();
        let pick = if complete {
            eligible.first().copied()
        } else {
            // the least favourable held one for the LP (the latest of equal prices)
            let buy = provide == k_negative;
            let prices = eligible.iter().map(|r| r.price);
            let p = if buy { prices.max() } else { prices.min() };
            eligible.iter().rev().copied().find(|r| Some(r.price) == p)
        };
        match pick {
            Some(r) => Ok((r.clone(), complete)),
            None => Err(self.s.now() > o.time + MAX_AGE),
        }
    }

    /// Checks what a response did to orders against the model and removes them; `snap` is the
    /// vault before the message (LP fills move it, in event order).
    fn check(&mut self, res: &AppResponse, mut snap: VaultSnap) {
        let mut traded = false;
        for ev in &res.events {
            match ev.ty.as_str() {
                "wasm-order_placed" => {
                    let e = OrderPlacedEvent::try_from(ev.clone()).unwrap();
                    self.placed(&e, &snap);
                }
                "wasm-order_executed" => {
                    let e = OrderExecutedEvent::try_from(ev.clone()).unwrap();
                    self.in_id_order(e.order_id);
                    self.market_fill(e.order_id, e.sequence, e.price);
                    traded = true;
                }
                "wasm-order_failed" => {
                    let e = OrderFailedEvent::try_from(ev.clone()).unwrap();
                    if e.market_id.is_empty() {
                        self.lp_failed(&e, &snap, traded);
                    } else {
                        self.in_id_order(e.order_id);
                        let settle = self.failure(&e, alone(res, &e.account));
                        self.market_fill(e.order_id, e.sequence, e.price);
                        if let Some(settle) = settle {
                            self.settling(&e, settle);
                        }
                        traded = true;
                    }
                }
                "wasm-order_settled" => {
                    let e = OrderSettledEvent::try_from(ev.clone()).unwrap();
                    self.in_id_order(e.order_id);
                    self.price_move(&e, alone(res, &e.account));
                    self.market_fill(e.order_id, e.sequence, e.price);
                    // the charge is the vault's cash (an LP order after it sees it)
                    snap.cash += e.price_move.u128() as i128;
                }
                "wasm-order_lp_executed" => {
                    let e = LpOrderExecutedEvent::try_from(ev.clone()).unwrap();
                    self.lp_filled(&e, &mut snap, traded);
                }
                "wasm-order_cancelled" => {
                    let e = OrderCancelledEvent::try_from(ev.clone()).unwrap();
                    self.cancelled(&e, &snap, traded);
                }
                _ => {}
            }
        }
        let page: PendingOrdersResponse = self.s.query(&QueryMsg::PendingOrders {
            start_after: None,
            limit: Some(30),
        });
        let ids: Vec<u64> = page.orders.iter().map(|o| o.order_id).collect();
        let model: Vec<u64> = self.orders.keys().copied().take(30).collect();
        assert_eq!(ids, model, "pending orders");
    }

    /// A placement: a market or conditional order pinned after the latest record; an LP order
    /// with its bound at the share price now.
    fn placed(&mut self, e: &OrderPlacedEvent, snap: &VaultSnap) {
        let lp = match e.kind.as_str() {
            "provide" | "claim" => {
                let provide = e.kind == "provide";
                let who = self.lps.iter().position(|a| *a == e.account).unwrap();
                let v = Self::equity(snap, self.live_price());
                let total = Uint128::new(snap.total);
                let (shares, value) = if provide {
                    assert_eq!(e.keeper_fee.u128(), KEEPER_FEE);
                    let full = e.reserved.u128() - KEEPER_FEE;
                    let m = shares_to_mint(Uint128::new(full), total, v, 6).unwrap();
                    (m.minted.u128(), 0)
                } else {
                    assert!(e.reserved.is_zero(), "a claim reserves nothing");
                    let (shares, _) = self.requests[who].expect("claim without a request");
                    let value = redeem_value(Uint128::new(shares), total, v).unwrap();
                    (shares, value.u128())
                };
                Some(LpPending {
                    who,
                    provide,
                    reserved: e.reserved.u128(),
                    shares,
                    value,
                })
            }
            _ => {
                assert_eq!(
                    e.placed_sequence,
                    self.latest_seq(),
                    "placed sequence of order {}",
                    e.order_id
                );
                None
            }
        };
        let trigger = e
            .trigger_price
            .map(|t| (t, e.trigger.as_deref() == Some("above")));
        let p = Pending {
            placed_seq: e.placed_sequence,
            height: self.height(),
            time: self.s.now(),
            trigger,
            lp,
            size: e.size_delta,
            acceptable: e.acceptable_price,
            market: e.kind == "market",
            settle: None,
        };
        self.orders.insert(e.order_id, p);
    }

    /// DESIGN 6.11, orders of the market in `order_id` order: when order `id` fills or fails, no
    /// older market or conditional order that was ready (a record pins it, triggered conditional
    /// orders included) is still pending — the response handled it first.
    fn in_id_order(&self, id: u64) {
        for (older, o) in self.orders.range(..id) {
            let (pin, held) = self.pin(o);
            assert!(
                o.lp.is_some() || (pin.is_none() && held.is_empty()),
                "order {id} ran before the older ready order {older}"
            );
        }
    }

    /// A failed market or conditional order (docs/decisions.md "A failed order pays the move
    /// since its record", "Attacker review 3", "A failure settles its move at the next record"):
    /// it pays no move at the failure; unless exempt (`settles_at_next_record` false: its own
    /// bound refuses the record's price with any impact, or the oracle policy refused the
    /// record — never a market order within its bound at an accepted record) it becomes a
    /// settling entry. Returns what its charge is checked against (the size: the engine's entry's,
    /// a close's included).
    fn failure(&mut self, e: &OrderFailedEvent, alone: bool) -> Option<Settle> {
        assert!(
            e.price_move.is_zero(),
            "order {}: move at the failure",
            e.order_id
        );
        let o = &self.orders[&e.order_id];
        let rec = e.price;
        let within = |size: SignedDecimal256| {
            let buy = !size.is_negative();
            o.acceptable
                .is_none_or(|a| if buy { rec <= a } else { rec >= a })
        };
        // a record the oracle policy refuses decides the failure at the record: no move
        let priced = !e.reason.starts_with("oracle price");
        if !e.settles_at_next_record {
            assert!(
                !(o.market && priced && o.size.is_some_and(within)),
                "order {}: exempt from the move: {e:?}",
                e.order_id
            );
            return None;
        }
        let engine = super::orders_of(&self.s, &e.account);
        let entry = engine
            .iter()
            .find(|r| r.order_id == e.order_id)
            .expect("a settling entry");
        assert_eq!(entry.kind, perps_api::perps::OrderKind::Settlement);
        let size = entry.size_delta.expect("a settling entry's size");
        let buy = !size.is_negative();
        let cap = Decimal256::permille(3);
        let lo = rec * (Decimal256::one() - cap);
        let hi = rec * (Decimal256::one() + cap);
        let (highest, lowest) = match (buy, o.acceptable) {
            (true, a) => (a.map_or(hi, |a| a.min(hi)), lo),
            (false, a) => (hi, a.map_or(lo, |a| a.max(lo))),
        };
        let lower_check = o.market
            && o.size.is_some()
            && within(size)
            && alone
            && priced
            && e.keeper != e.account;
        Some(Settle {
            rec,
            size,
            highest,
            lowest,
            lower_check,
        })
    }

    /// A failure's settling entry: pending from the failure's block and latest record.
    fn settling(&mut self, e: &OrderFailedEvent, settle: Settle) {
        let p = Pending {
            placed_seq: self.latest_seq(),
            height: self.height(),
            time: self.s.now(),
            trigger: None,
            lp: None,
            size: Some(settle.size),
            acceptable: None,
            market: false,
            settle: Some(settle),
        };
        self.orders.insert(e.order_id, p);
    }

    /// A settling entry's charge: the loss of a fill closed at the move from the failure's record
    /// to the settlement's (`fill · next / record`), which grows with the fill on either side:
    /// at most that of the highest fill it could have had (a buy: the record's price at the
    /// 0.3 % impact cap, never beyond its bound; a sell: the record at the cap), nothing when the
    /// settlement's price is on its side of the record; when the lower bound applies and the
    /// owner has collateral left (alone in this message too), at least that of the lowest.
    fn price_move(&mut self, e: &OrderSettledEvent, alone: bool) {
        let o = &self.orders[&e.order_id];
        let st = o
            .settle
            .clone()
            .expect("a settled order is a settling entry");
        let closed = |fill| {
            let exit = failure_exit(st.size, fill, (st.rec, e.price)).unwrap();
            failure_move(st.size, fill, exit, 6).unwrap().u128()
        };
        let paid = e.price_move.u128();
        let most = closed(st.highest);
        assert!(
            paid <= most,
            "order {}: price_move {paid} > {most}",
            e.order_id
        );
        self.moves.checked += 1;
        self.moves.charged += u64::from(paid > 0);
        let c = self.s.account(&e.account).collateral.i128();
        if st.lower_check && alone && c > 0 {
            let least = closed(st.lowest);
            assert!(
                paid >= least,
                "order {}: price_move {paid} < {least}",
                e.order_id
            );
            self.moves.lower_bound_checked += 1;
        }
    }

    /// A market or conditional order filled or failed at `(seq, price)`: the model's record.
    fn market_fill(&mut self, id: u64, seq: u64, price: Decimal256) {
        let o = self
            .orders
            .remove(&id)
            .expect("filled order is pending in the model");
        assert!(o.lp.is_none(), "order {id}: an LP order filled as a trade");
        match self.pin(&o) {
            (Some(r), _) => {
                assert_eq!((seq, price), (r.seq, r.price), "invariant 12: order {id}")
            }
            // a conditional order a sweep pinned fills at its first record, held or not
            (None, _)
                if self
                    .first_trigger(&o)
                    .is_some_and(|r| (r.seq, r.price) == (seq, price)) =>
            {
                self.pinned_old += 1;
            }
            (None, held) => {
                let prices: Vec<_> = held.iter().map(|r| r.price).collect();
                let lo = prices.iter().min().copied();
                let hi = prices.iter().max().copied();
                assert!(
                    Some(price) == lo || Some(price) == hi,
                    "order {id}: {price} not the least favourable of {prices:?}"
                );
            }
        }
        self.checked += 1;
    }

    /// The record and the vault value an LP order executes at (`None`: the record fails the
    /// strict rules, stale at its acceptance).
    fn lp_value_at(&mut self, o: &Pending, snap: &VaultSnap, id: u64) -> Option<Quote> {
        let k = snap.btc.state.skew;
        if k.is_zero() {
            return Some(Self::equity(snap, Decimal256::zero()));
        }
        let (r, first) = self
            .lp_pin(o, k.is_negative())
            .unwrap_or_else(|_| panic!("LP order {id} ran without a record: {o:?}"));
        if !first {
            self.lp.least_favourable += 1;
        }
        (r.time.saturating_sub(r.publish_time) <= ORACLE_AGE).then(|| Self::equity(snap, r.price))
    }

    /// An LP order executed: the exact shares and amount the model predicts.
    fn lp_filled(&mut self, e: &LpOrderExecutedEvent, snap: &mut VaultSnap, traded: bool) {
        let id = e.order_id;
        let o = self
            .orders
            .remove(&id)
            .expect("LP order pending in the model");
        let lp = o.lp.clone().expect("an LP order");
        let fee = if e.keeper == e.account { 0 } else { KEEPER_FEE };
        let total = Uint128::new(snap.total);
        if lp.provide {
            // scenario 87: no provide while a settling entry's charge is pending
            let settling: Vec<u64> = self
                .orders
                .iter()
                .filter(|(_, o)| o.settle.is_some())
                .map(|(id, _)| *id)
                .collect();
            assert!(
                settling.is_empty(),
                "provide {id} before settlements {settling:?}"
            );
            self.lp.provided += 1;
            let keeper = fee.min(lp.reserved);
            let amount = lp.reserved - keeper;
            assert_eq!(
                (e.amount.u128(), e.keeper_fee.u128()),
                (amount, keeper),
                "provide {id}"
            );
            let full = lp.reserved - KEEPER_FEE;
            let bound = Uint128::new(lp.shares).multiply_ratio(amount, full).u128();
            if traded {
                self.lp.after_trades += 1;
                assert!(
                    e.shares.u128() <= bound,
                    "provide {id} above its request's price"
                );
            } else {
                let v = self
                    .lp_value_at(&o, snap, id)
                    .expect("a stale record fills");
                let now = shares_to_mint(Uint128::new(amount), total, v, 6).unwrap();
                assert_eq!(
                    e.shares.u128(),
                    now.minted.u128().min(bound),
                    "provide {id}: shares at the higher share price"
                );
            }
            snap.cash += amount as i128;
            snap.total += e.shares.u128();
        } else {
            self.lp.claimed += 1;
            let (shares, at_request) = self.requests[lp.who].take().expect("a request");
            assert_eq!(
                (e.shares.u128(), shares),
                (lp.shares, lp.shares),
                "claim {id}"
            );
            let cap = at_request.min(lp.value);
            let gross = if traded {
                self.lp.after_trades += 1;
                let gross = e.amount.u128() + e.keeper_fee.u128();
                assert!(
                    gross <= cap,
                    "claim {id} above the request's or the claim's price"
                );
                gross
            } else {
                let v = self
                    .lp_value_at(&o, snap, id)
                    .expect("a stale record fills");
                let now = redeem_value(Uint128::new(shares), total, v).unwrap().u128();
                now.min(cap)
            };
            let keeper = fee.min(gross);
            assert_eq!(
                (e.amount.u128(), e.keeper_fee.u128()),
                (gross - keeper, keeper),
                "claim {id}: the lowest of the request's, the claim's and the execution's prices"
            );
            snap.cash -= gross as i128;
            snap.total -= shares;
        }
    }

    /// An LP order failed: only at a record that fails the strict rules (stale at acceptance).
    fn lp_failed(&mut self, e: &OrderFailedEvent, snap: &VaultSnap, traded: bool) {
        let id = e.order_id;
        let o = self
            .orders
            .remove(&id)
            .expect("LP order pending in the model");
        self.lp.failed += 1;
        if !traded {
            assert!(
                self.lp_value_at(&o, snap, id).is_none(),
                "LP order {id} failed at a good record: {}",
                e.reason
            );
        }
        assert!(e.reason.contains("stale"), "LP order {id}: {}", e.reason);
    }

    /// `traded`: a market order of the same message filled or failed before this event, so the
    /// skew in `snap` (before the message) may not be the one the engine saw.
    fn cancelled(&mut self, e: &OrderCancelledEvent, snap: &VaultSnap, traded: bool) {
        let o = self
            .orders
            .remove(&e.order_id)
            .expect("cancelled order is pending in the model");
        self.cancelled += 1;
        if let Some(lp) = &o.lp {
            match e.reason.as_str() {
                "expired" => {
                    self.lp.expired += 1;
                    let k = snap.btc.state.skew;
                    let settling = self.orders.values().any(|o| o.settle.is_some());
                    if lp.provide && settling && self.s.now() > o.time + MAX_AGE {
                        // scenario 87: a provide held back by a settling entry past its age
                        self.lp.expired_waiting_settlement += 1;
                    } else if !traded {
                        assert!(!k.is_zero(), "LP order {} expired without skew", e.order_id);
                        assert_eq!(self.lp_pin(&o, k.is_negative()).err(), Some(true));
                    } else {
                        // an expiry needs no eligible record whatever the skew's sign
                        assert_eq!(self.lp_pin(&o, false).err(), Some(true));
                        self.lp.expired_after_trades += 1;
                    }
                    assert_eq!(e.refund.u128(), lp.reserved);
                }
                "request_changed" => {
                    self.lp.dropped += 1;
                    let req = self.requests[lp.who].map(|r| r.0);
                    assert!(!lp.provide && req != Some(lp.shares), "{e:?}");
                }
                other => panic!("LP order {} cancelled: {other}", e.order_id),
            }
            return;
        }
        if e.reason == "cancelled" {
            // scenario 78: the owner cancels only an order no record has met since its block,
            // held or not (within the feed's 256 records)
            let oldest_kept = self.latest_seq().saturating_sub(255);
            if let Some(r) = self.first_trigger(&o).filter(|r| r.seq >= oldest_kept) {
                panic!(
                    "order {} cancelled after record {} met it",
                    e.order_id, r.seq
                );
            }
            self.cancels_checked += 1;
        }
        if e.reason == "expired" {
            self.expired += 1;
            assert!(
                o.trigger.is_none() && self.s.now() > o.time + MAX_AGE,
                "early expiry of {}",
                e.order_id
            );
            assert!(
                self.pin(&o).0.is_none(),
                "order {} expired with an eligible record",
                e.order_id
            );
        }
    }

    /// Each LP's reservation is its pending provides' funds, order by order and in sum.
    fn check_reservations(&self) {
        for (i, who) in self.lps.iter().enumerate() {
            let mut model: Vec<(u64, u128)> = self
                .orders
                .iter()
                .filter_map(|(id, o)| {
                    o.lp.as_ref()
                        .filter(|l| l.who == i)
                        .map(|l| (*id, l.reserved))
                })
                .collect();
            model.sort();
            let orders = super::orders_of(&self.s, who);
            let engine: Vec<(u64, u128)> = orders
                .iter()
                .map(|o| (o.order_id, o.reserved.unwrap_or_default().u128()))
                .collect();
            assert_eq!(engine, model, "LP {i}: orders and reservations");
            let a = self.s.account(who);
            let reserved: u128 = model.iter().map(|(_, r)| r).sum();
            let free = (a.collateral.i128().max(0) as u128).saturating_sub(reserved);
            assert_eq!(a.free_collateral.u128(), free, "LP {i}: free collateral");
        }
    }

    fn exec(&mut self, who: &Addr, msg: &ExecuteMsg) {
        self.exec_funds(who, msg, 0);
    }

    fn exec_funds(&mut self, who: &Addr, msg: &ExecuteMsg, funds: u128) {
        let snap = self.snap();
        let res = if funds == 0 {
            self.s.exec(who, msg)
        } else {
            self.s.exec_funds(who, msg, funds)
        };
        if let Ok(res) = res {
            self.check(&res, snap);
        }
        self.check_reservations();
    }

    /// The pending LP orders of LP `who`, by id.
    fn lp_orders_of(&self, who: usize) -> Vec<u64> {
        self.orders
            .iter()
            .filter(|(_, o)| o.lp.as_ref().is_some_and(|l| l.who == who))
            .map(|(id, _)| *id)
            .collect()
    }

    fn lp_shares(&self, who: usize) -> u128 {
        let p: LpPositionResponse = self.s.query(&QueryMsg::LpPosition {
            address: self.lps[who].to_string(),
        });
        p.shares.u128()
    }

    /// LP `who` requests `pct` % of its shares (immediate; a new request replaces the old one,
    /// which drops a pending claim order of the old one when it runs).
    fn request(&mut self, who: usize, pct: u64) {
        let shares = self.lp_shares(who) * u128::from(pct) / 100;
        if shares == 0 {
            return;
        }
        let addr = self.lps[who].clone();
        let msg = ExecuteMsg::WithdrawLiquidity {
            shares: Uint128::new(shares),
        };
        self.exec(&addr, &msg);
        let p: LpPositionResponse = self.s.query(&QueryMsg::LpPosition {
            address: addr.to_string(),
        });
        self.requests[who] = p
            .pending_withdrawal
            .map(|w| (w.shares.u128(), w.value_at_request.u128()));
    }

    fn run(&mut self, st: &Step) {
        match st {
            Step::Trade { who, lots } if *lots != 0 => {
                let who = self.traders[*who].clone();
                let size = Decimal256::from_ratio(lots.unsigned_abs(), 10u64);
                let sign = if *lots < 0 { "-" } else { "" };
                self.exec(&who, &Suite::trade_msg("BTC", &format!("{sign}{size}")));
            }
            Step::Trade { .. } => {}
            Step::Close { who } => {
                let who = self.traders[*who].clone();
                self.exec(
                    &who,
                    &ExecuteMsg::ClosePosition {
                        market_id: "BTC".into(),
                        acceptable_price: None,
                    },
                );
            }
            Step::Conditional {
                who,
                lots,
                offset_bps,
                above,
                reduce_only,
            } => {
                let who = self.traders[*who].clone();
                let size = Decimal256::from_ratio(lots.unsigned_abs().max(1), 10u64);
                let sign = if *lots < 0 { "-" } else { "" };
                let factor = Decimal256::from_ratio((10_000 + offset_bps) as u64, 10_000u64);
                let msg = ExecuteMsg::PlaceOrder {
                    market_id: "BTC".into(),
                    size_delta: sd(&format!("{sign}{size}")),
                    trigger_price: self.price * factor,
                    trigger: if *above {
                        Trigger::Above
                    } else {
                        Trigger::Below
                    },
                    reduce_only: Some(*reduce_only),
                    acceptable_price: None,
                    mode: None,
                };
                self.exec(&who, &msg);
            }
            Step::Cancel { who, pick } => {
                let who = self.traders[*who].clone();
                let ids: Vec<u64> = self.orders.keys().copied().collect();
                if let Some(id) = ids.get(pick % ids.len().max(1)) {
                    self.exec(&who, &ExecuteMsg::CancelOrder { order_id: *id });
                }
            }
            Step::Publish {
                later_block,
                move_bps,
            } => {
                if *later_block {
                    self.s.advance(1);
                }
                let t = self.last_publish + 1;
                if t > self.s.now() + 5 {
                    return;
                }
                let factor = Decimal256::from_ratio((10_000 + move_bps) as u64, 10_000u64);
                let price = (self.price * factor).floor();
                self.s.publish("BTC", &price.to_string(), "0", None, t);
                self.price = price;
                self.last_publish = t;
                let seq = self.latest_seq() + 1;
                let (height, time) = (self.height(), self.s.now());
                self.records.push(Record {
                    seq,
                    price,
                    height,
                    time,
                    publish_time: t,
                });
            }
            Step::Advance { secs } => self.s.advance(*secs),
            Step::Keeper { all, pick } => {
                let ids: Vec<u64> = self.orders.keys().copied().collect();
                let order_ids = if *all || ids.is_empty() {
                    None
                } else {
                    Some(vec![ids[pick % ids.len()]])
                };
                let keeper = self.keeper.clone();
                self.exec(
                    &keeper,
                    &ExecuteMsg::ExecuteOrders {
                        order_ids,
                        limit: Some(10),
                    },
                );
            }
            Step::Own { who } => {
                let who = self.traders[*who].clone();
                self.s.mint(&who, 1);
                self.exec_funds(&who, &ExecuteMsg::Deposit {}, 1);
            }
            Step::Burst { moves } => {
                for move_bps in moves {
                    self.run(&Step::Publish {
                        later_block: true,
                        move_bps: *move_bps,
                    });
                }
            }
            Step::OwnLp { who } => {
                let who = self.lps[*who].clone();
                self.s.mint(&who, 1);
                self.exec_funds(&who, &ExecuteMsg::Deposit {}, 1);
            }
            Step::Provide { who, usdc } => {
                let who = self.lps[*who].clone();
                let funds = u128::from(*usdc) * crate::suite::USDC;
                self.s.mint(&who, funds);
                self.exec_funds(&who, &ExecuteMsg::ProvideLiquidity {}, funds);
            }
            Step::Request { who, pct } => self.request(*who, *pct),
            Step::Claim { who } => {
                let who = self.lps[*who].clone();
                self.exec(&who, &ExecuteMsg::ClaimLiquidity {});
            }
            Step::CancelLp { who } => {
                let addr = self.lps[*who].clone();
                for id in self.lp_orders_of(*who).into_iter().take(1) {
                    let msg = ExecuteMsg::CancelOrder { order_id: id };
                    let expected =
                        format!("order {id} is a market order: market orders cannot be cancelled");
                    self.s.rejects_exact(&addr, &msg, &[], &expected);
                    self.lp.refused_cancels += 1;
                }
            }
            Step::KeeperLp { pick } => {
                let ids: Vec<u64> = (0..self.lps.len())
                    .flat_map(|w| self.lp_orders_of(w))
                    .collect();
                if let Some(id) = ids.get(pick % ids.len().max(1)) {
                    let keeper = self.keeper.clone();
                    let msg = ExecuteMsg::ExecuteOrders {
                        order_ids: Some(vec![*id]),
                        limit: Some(10),
                    };
                    self.exec(&keeper, &msg);
                }
            }
        }
    }
}

#[test]
fn random_order_sequences_fill_at_their_pinned_records() {
    let cases = std::env::var("ORDERS_SIM_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    // Deterministic (a fixed ChaCha seed unless ORDERS_SIM_SEED is set).
    let seed = std::env::var("ORDERS_SIM_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x0de2_0013_u64);
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &crate::sim::seed_bytes(seed));
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let total = std::cell::Cell::new((0u64, 0u64, 0u64));
    let moves = std::cell::Cell::new(MoveStats::default());
    let pinned_old = std::cell::Cell::new(0u64);
    let cancels = std::cell::Cell::new(0u64);
    let lp = std::cell::Cell::new(LpStats::default());
    runner
        .run(&prop::collection::vec(step(), 10..60), |steps| {
            let mut m = Model::new();
            for st in &steps {
                m.run(st);
            }
            // Let every pending market order resolve: a later record, then past the age limit.
            m.run(&Step::Publish {
                later_block: true,
                move_bps: 0,
            });
            m.run(&Step::Keeper { all: true, pick: 0 });
            m.run(&Step::Advance { secs: 301 });
            m.run(&Step::Keeper { all: true, pick: 0 });
            m.run(&Step::Keeper { all: true, pick: 0 });
            // The failures' settling entries: a record after their block charges them.
            m.run(&Step::Publish {
                later_block: true,
                move_bps: 0,
            });
            m.run(&Step::Keeper { all: true, pick: 0 });
            m.run(&Step::Keeper { all: true, pick: 0 });
            assert!(
                m.orders.values().all(|o| o.settle.is_none()),
                "settling entries left: {:?}",
                m.orders
            );
            // LP orders still waiting: an LP's own message runs them.
            m.run(&Step::OwnLp { who: 0 });
            m.run(&Step::OwnLp { who: 1 });
            assert!(
                m.orders.values().all(|o| o.lp.is_none()),
                "LP orders left: {:?}",
                m.orders
            );
            let (f, e, c) = total.get();
            total.set((f + m.checked, e + m.expired, c + m.cancelled));
            pinned_old.set(pinned_old.get() + m.pinned_old);
            cancels.set(cancels.get() + m.cancels_checked);
            let mut t = lp.get();
            t.provided += m.lp.provided;
            t.claimed += m.lp.claimed;
            t.failed += m.lp.failed;
            t.expired += m.lp.expired;
            t.dropped += m.lp.dropped;
            t.refused_cancels += m.lp.refused_cancels;
            t.after_trades += m.lp.after_trades;
            t.least_favourable += m.lp.least_favourable;
            t.expired_after_trades += m.lp.expired_after_trades;
            t.expired_waiting_settlement += m.lp.expired_waiting_settlement;
            lp.set(t);
            let mut mv = moves.get();
            mv.checked += m.moves.checked;
            mv.charged += m.moves.charged;
            mv.lower_bound_checked += m.moves.lower_bound_checked;
            moves.set(mv);
            Ok(())
        })
        .unwrap();
    let (filled, expired, cancelled) = total.get();
    eprintln!(
        "orders sim: {cases} sequences, {filled} orders filled or failed at their pinned \
         record, {expired} expired, {cancelled} removed without a fill"
    );
    let lp = lp.get();
    eprintln!("orders sim, LP orders: {lp:?}");
    eprintln!("orders sim, failed orders' price moves: {:?}", moves.get());
    eprintln!(
        "orders sim: {} conditional orders filled at their first trigger record after it left \
         the history (pinned by a sweep); {} owner cancels checked against every record since \
         the order's block",
        pinned_old.get(),
        cancels.get()
    );
    assert!(
        filled > u64::from(cases) && expired > 0,
        "the sequences reached too little"
    );
    assert!(
        lp.provided > u64::from(cases)
            && lp.claimed > 0
            && lp.refused_cancels > 0
            && lp.least_favourable > 0,
        "the LP orders reached too little"
    );
}

/// True when `account` has one order filled, failed or settled in `res` (its collateral after the
/// message is then the one its failure or settlement left).
fn alone(res: &AppResponse, account: &Addr) -> bool {
    let mine = |ev: &&cosmwasm_std::Event| {
        [
            "wasm-order_failed",
            "wasm-order_executed",
            "wasm-order_settled",
        ]
        .contains(&ev.ty.as_str())
            && ev
                .attributes
                .iter()
                .any(|a| a.key == "account" && a.value == account.as_str())
    };
    res.events.iter().filter(mine).count() == 1
}
