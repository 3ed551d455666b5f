//! Oracle policy (DESIGN 6.3): prices are read from the feed's storage with a raw query, and each
//! action asks only for the markets it depends on, at the strictness it needs.

use cosmwasm_std::{Decimal256, Deps, Env};
use perps_api::perps::MarketStatus;
use perps_api::price_feed::{PriceFeed, PriceRecord};

use crate::error::OracleError;
use crate::state::{Config, Market};

/// A price that passed the liveness rules, with the verdict of the strict ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Oracle price (or the settlement price of a settled market).
    pub price: Decimal256,
    /// Published confidence (0 for a settled market).
    pub conf: Decimal256,
    /// Why the strict rules fail, if they do.
    pub strict_failure: Option<OracleError>,
    /// Sequence of the record (0: a settled market, or a record without one); an order placed
    /// now is pinned to a later one (DESIGN 6.11).
    pub sequence: u64,
}

impl Mark {
    /// The price, for an action that needs the strict rules.
    pub fn strict(&self) -> Result<Decimal256, OracleError> {
        match &self.strict_failure {
            None => Ok(self.price),
            Some(e) => Err(e.clone()),
        }
    }

    /// True when the strict rules hold.
    pub fn is_strict(&self) -> bool {
        self.strict_failure.is_none()
    }
}

/// Reads the raw price record of a feed (no contract instance is loaded).
pub fn read(
    deps: Deps,
    cfg: &Config,
    market_id: &str,
    feed_id: &str,
) -> Result<Option<PriceRecord>, OracleError> {
    PriceFeed(cfg.price_feed.clone())
        .raw_price(&deps.querier, feed_id)
        .map_err(|e| OracleError::Unreadable {
            market_id: market_id.to_string(),
            reason: e.to_string(),
        })
}

/// Applies the liveness rules (price > 0, confirmed, age) and records the strict verdict. A
/// settled market answers its settlement price without any oracle.
///
/// A record the feed has refused to replace (`refused_publish_time`) fails liveness with
/// `OracleError::Unconfirmed`, so every policy refuses it: trades, closes, withdrawals, margin moves, LP
/// actions and `settle_market` without a price; a liquidation skips that market like a stale one.
pub fn judge(
    cfg: &Config,
    env: &Env,
    market_id: &str,
    market: &Market,
    record: Option<PriceRecord>,
) -> Result<Mark, OracleError> {
    if let MarketStatus::Settled { price } = market.status {
        return Ok(Mark {
            price,
            conf: Decimal256::zero(),
            strict_failure: None,
            sequence: 0,
        });
    }
    let rec = record.ok_or_else(|| OracleError::Missing {
        market_id: market_id.to_string(),
        feed_id: market.config.feed_id.clone(),
    })?;
    if rec.price.is_zero() {
        return Err(OracleError::Missing {
            market_id: market_id.to_string(),
            feed_id: market.config.feed_id.clone(),
        });
    }
    if let Some(refused_publish_time) = rec.refused_publish_time {
        return Err(OracleError::Unconfirmed {
            market_id: market_id.to_string(),
            refused_publish_time,
            publish_time: rec.publish_time,
        });
    }
    // Saturating: a publish time in the future has age 0.
    let age = env.block.time.seconds().saturating_sub(rec.publish_time);
    if age > cfg.max_oracle_age_secs {
        return Err(OracleError::Stale {
            market_id: market_id.to_string(),
            age,
            max_age: cfg.max_oracle_age_secs,
        });
    }
    Ok(Mark {
        price: rec.price,
        conf: rec.conf,
        strict_failure: strict_failure(cfg, market_id, &rec),
        sequence: rec.sequence.unwrap_or(0),
    })
}

/// Strict rules, compared as products so that truncation never loosens a bound.
fn strict_failure(cfg: &Config, market_id: &str, rec: &PriceRecord) -> Option<OracleError> {
    let conf_bound = rec.price.checked_mul(cfg.max_confidence_ratio).ok();
    if conf_bound.is_none_or(|b| rec.conf > b) {
        return Some(OracleError::Uncertain {
            market_id: market_id.to_string(),
            ratio: rec.conf.checked_div(rec.price).unwrap_or(Decimal256::MAX),
            max_ratio: cfg.max_confidence_ratio,
        });
    }
    let gap = rec.price.abs_diff(rec.ema_price);
    let ema_bound = rec.ema_price.checked_mul(cfg.max_ema_deviation).ok();
    if rec.ema_price.is_zero() || ema_bound.is_none_or(|b| gap > b) {
        return Some(OracleError::EmaDeviation {
            market_id: market_id.to_string(),
            deviation: gap.checked_div(rec.ema_price).unwrap_or(Decimal256::MAX),
            max_deviation: cfg.max_ema_deviation,
        });
    }
    None
}

/// Reads and judges one market's price.
pub fn mark(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    market_id: &str,
    market: &Market,
) -> Result<Mark, OracleError> {
    let record = match market.status {
        MarketStatus::Settled { .. } => None,
        _ => read(deps, cfg, market_id, &market.config.feed_id)?,
    };
    judge(cfg, env, market_id, market, record)
}
