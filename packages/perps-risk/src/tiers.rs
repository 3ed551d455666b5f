//! Bracket margin tiers: `IM(N) = Σ_k clamp(N − lo_k, 0, hi_k − lo_k)·imr_k`, same for MM.

use cosmwasm_std::{Decimal256, Uint128};

use crate::error::RiskError;
use crate::num::{Quote, Round};

/// Most tiers a market may have (DESIGN 6.9: every parameter bounded; each margin requirement,
/// liquidation plan and liquidation price walks the table).
pub const MAX_TIERS: usize = 10;

/// One bracket as configured (`MarginTier` of the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarginTier {
    /// Upper bound of the bracket's notional in base units; `None` for the last (unbounded) one.
    pub max_notional: Option<Uint128>,
    /// Initial margin ratio of the notional inside this bracket.
    pub initial_margin_ratio: Decimal256,
    /// Maintenance margin ratio of the notional inside this bracket.
    pub maintenance_margin_ratio: Decimal256,
}

/// One bracket with its precomputed lower bound and the requirements accumulated below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierSegment {
    /// Lower notional bound (base units).
    pub lo: Quote,
    /// Upper notional bound (base units), `None` when unbounded.
    pub hi: Option<Quote>,
    /// Initial ratio inside the bracket.
    pub imr: Decimal256,
    /// Maintenance ratio inside the bracket.
    pub mmr: Decimal256,
    /// `IM(lo)`, exact (rounded up at 18 decimals).
    pub im_below: Quote,
    /// `MM(lo)`, exact (rounded up at 18 decimals).
    pub mm_below: Quote,
}

/// A validated tier table. Build it with [`TierTable::new`]; the rules hold for its lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierTable {
    segments: Vec<TierSegment>,
}

fn invalid(reason: String) -> RiskError {
    RiskError::InvalidTiers { reason }
}

/// Which of the two requirement schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Initial margin.
    Initial,
    /// Maintenance margin.
    Maintenance,
}

impl TierTable {
    /// Validate `tiers`: non-empty; `0 < mmr_k < imr_k ≤ 1`; both ratios non-decreasing in k;
    /// `max_notional` strictly ascending and > 0; every tier bounded but the last, which is not;
    /// at most [`MAX_TIERS`] tiers (every requirement walks them).
    pub fn new(tiers: &[MarginTier]) -> Result<TierTable, RiskError> {
        if tiers.is_empty() {
            return Err(invalid("no tiers".to_string()));
        }
        if tiers.len() > MAX_TIERS {
            return Err(invalid(format!(
                "{} tiers, at most {MAX_TIERS}",
                tiers.len()
            )));
        }
        let mut segments = Vec::with_capacity(tiers.len());
        let mut lo = Quote::ZERO;
        let (mut im_below, mut mm_below) = (Quote::ZERO, Quote::ZERO);
        let mut prev: Option<&MarginTier> = None;
        for (k, t) in tiers.iter().enumerate() {
            let (imr, mmr) = (t.initial_margin_ratio, t.maintenance_margin_ratio);
            if mmr.is_zero() || mmr >= imr || imr > Decimal256::one() {
                return Err(invalid(format!(
                    "tier {k}: need 0 < maintenance {mmr} < initial {imr} <= 1"
                )));
            }
            if let Some(p) = prev {
                if imr < p.initial_margin_ratio || mmr < p.maintenance_margin_ratio {
                    return Err(invalid(format!("tier {k}: ratios must not decrease")));
                }
            }
            let last = k + 1 == tiers.len();
            let hi = match (t.max_notional, last) {
                (None, true) => None,
                (Some(_), true) => {
                    return Err(invalid("last tier must have no max_notional".to_string()))
                }
                (None, false) => return Err(invalid(format!("tier {k}: max_notional missing"))),
                (Some(m), false) => {
                    let m = Quote::from_base_units_u(m);
                    if m <= lo {
                        return Err(invalid(format!(
                            "tier {k}: max_notional {} must exceed the previous bound",
                            t.max_notional.unwrap_or_default()
                        )));
                    }
                    Some(m)
                }
            };
            segments.push(TierSegment {
                lo,
                hi,
                imr,
                mmr,
                im_below,
                mm_below,
            });
            if let Some(h) = hi {
                let width = h.checked_sub(lo)?;
                im_below = im_below.checked_add(width.mul_ratio(imr, Round::Up)?)?;
                mm_below = mm_below.checked_add(width.mul_ratio(mmr, Round::Up)?)?;
                lo = h;
            }
            prev = Some(t);
        }
        Ok(TierTable { segments })
    }

    /// The brackets in ascending order.
    pub fn segments(&self) -> &[TierSegment] {
        &self.segments
    }

    /// The first bracket's maintenance ratio (`mmr_1`).
    pub fn first_mmr(&self) -> Decimal256 {
        self.segments
            .first()
            .map(|s| s.mmr)
            .unwrap_or_else(Decimal256::one)
    }

    /// Index of the bracket holding notional `n` (a boundary belongs to the lower bracket).
    pub fn segment_index(&self, n: Quote) -> usize {
        self.segments
            .iter()
            .position(|s| s.hi.is_none_or(|h| n <= h))
            .unwrap_or(self.segments.len().saturating_sub(1))
    }

    /// Requirement for notional `n` (base units), exact to 18 decimals, rounded up.
    pub fn requirement(&self, which: Requirement, n: Quote) -> Result<Quote, RiskError> {
        let n = n.max_zero();
        let seg = self
            .segments
            .get(self.segment_index(n))
            .ok_or_else(|| invalid("empty table".to_string()))?;
        let (below, ratio) = match which {
            Requirement::Initial => (seg.im_below, seg.imr),
            Requirement::Maintenance => (seg.mm_below, seg.mmr),
        };
        below.checked_add(n.checked_sub(seg.lo)?.mul_ratio(ratio, Round::Up)?)
    }

    /// `IM(N)`, exact, rounded up.
    pub fn initial(&self, n: Quote) -> Result<Quote, RiskError> {
        self.requirement(Requirement::Initial, n)
    }

    /// `MM(N)`, exact, rounded up.
    pub fn maintenance(&self, n: Quote) -> Result<Quote, RiskError> {
        self.requirement(Requirement::Maintenance, n)
    }

    /// True when `self` never asks more maintenance than `old` at any notional: both schedules
    /// are piecewise linear from 0, so comparing them at every bound of either table and the
    /// slopes of their last brackets decides it exactly. A market update that passes this cannot
    /// make any book liquidatable at unchanged prices.
    pub fn maintenance_never_above(&self, old: &TierTable) -> Result<bool, RiskError> {
        let bounds = self.segments.iter().chain(old.segments.iter());
        for n in bounds.filter_map(|s| s.hi) {
            if self.maintenance(n)? > old.maintenance(n)? {
                return Ok(false);
            }
        }
        let last = |t: &TierTable| t.segments.last().map(|s| s.mmr);
        Ok(last(self) <= last(old))
    }
}
