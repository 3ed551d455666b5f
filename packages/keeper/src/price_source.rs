//! Reading prices from an HTTP JSON source and refusing what is not a price: every number is
//! parsed exactly (no floats), and a price that is missing, not a number, not positive, stale,
//! from the future, or too far from the price on chain is not published.

use std::str::FromStr;

use cosmwasm_std::Decimal256;
use perps_api::price_feed::PriceUpdate;
use serde_json::Value;

use crate::config::{FeedSource, PricesConfig};

/// Why a feed's value was not published (the metric's `reason`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Missing, not a number, zero or negative.
    Garbage(String),
    /// Observed more than `max_age_secs` ago.
    Stale {
        /// Its age.
        age: u64,
    },
    /// Published more than `max_future_secs` in the future.
    Future {
        /// How far ahead.
        ahead: u64,
    },
    /// Moves more than `max_move` from the price on chain.
    TooLargeMove {
        /// The move, as a ratio.
        ratio: Decimal256,
    },
}

impl Refusal {
    /// The metric label.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Garbage(_) => "garbage",
            Refusal::Stale { .. } => "stale",
            Refusal::Future { .. } => "future",
            Refusal::TooLargeMove { .. } => "too_large_move",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Garbage(m) => write!(f, "garbage: {m}"),
            Refusal::Stale { age } => write!(f, "stale: observed {age}s ago"),
            Refusal::Future { ahead } => write!(f, "publish time {ahead}s in the future"),
            Refusal::TooLargeMove { ratio } => write!(f, "moves {ratio} from the price on chain"),
        }
    }
}

/// A decimal from a JSON number or string, exactly: `"60000.5"`, `60000.5`, `6.00005e4`.
pub fn parse_decimal(v: &Value) -> Result<Decimal256, String> {
    let text = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => return Err("missing".into()),
        other => return Err(format!("not a number: {other}")),
    };
    decimal_from_text(&text)
}

fn decimal_from_text(text: &str) -> Result<Decimal256, String> {
    let bad = || format!("not a positive decimal: {text:?}");
    if text.starts_with('-') {
        return Err(format!("negative: {text}"));
    }
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => {
            let exp: i32 = text[i + 1..].parse().map_err(|_| bad())?;
            (&text[..i], exp)
        }
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    if exponent.unsigned_abs() > 80 {
        return Err(bad());
    }
    // Move the decimal point by the exponent over the digits.
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + i64::from(exponent);
    let (int, frac) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_string(),
            digits[point as usize..].to_string(),
        )
    };
    let frac = frac.trim_end_matches('0');
    if frac.len() > 18 {
        return Err(format!("more than 18 decimals: {text}"));
    }
    let normal = if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    };
    Decimal256::from_str(&normal).map_err(|_| bad())
}

fn pointer<'a>(body: &'a Value, p: &str, what: &str) -> Result<&'a Value, String> {
    body.pointer(p)
        .ok_or_else(|| format!("{what}: nothing at {p}"))
}

/// A good update for `feed` out of `body`, or why there is none. `now` is the local time,
/// `on_chain` the feed's current price, if any.
pub fn read_feed(
    body: &Value,
    feed: &FeedSource,
    cfg: &PricesConfig,
    now: u64,
    on_chain: Option<Decimal256>,
) -> Result<PriceUpdate, Refusal> {
    let g = Refusal::Garbage;
    let price = parse_decimal(pointer(body, &feed.price, "price").map_err(g)?)
        .map_err(|e| Refusal::Garbage(format!("price: {e}")))?;
    if price.is_zero() {
        return Err(Refusal::Garbage("price: zero".into()));
    }
    let publish_time = match &feed.publish_time {
        Some(p) => {
            let t = parse_decimal(pointer(body, p, "publish_time").map_err(g)?)
                .map_err(|e| Refusal::Garbage(format!("publish_time: {e}")))?;
            // whole seconds (a fractional time is truncated: older, never newer)
            cosmwasm_std::Uint128::try_from(t.to_uint_floor())
                .ok()
                .and_then(|v| u64::try_from(v.u128()).ok())
                .ok_or_else(|| Refusal::Garbage(format!("publish_time: {t}")))?
        }
        None => now,
    };
    if publish_time > now.saturating_add(cfg.max_future_secs) {
        return Err(Refusal::Future {
            ahead: publish_time - now,
        });
    }
    let age = now.saturating_sub(publish_time);
    if age > cfg.max_age_secs {
        return Err(Refusal::Stale { age });
    }
    let conf = match (&feed.conf, feed.conf_ratio) {
        (Some(p), _) => parse_decimal(pointer(body, p, "conf").map_err(Refusal::Garbage)?)
            .map_err(|e| Refusal::Garbage(format!("conf: {e}")))?,
        (None, Some(r)) => price
            .checked_mul(r)
            .map_err(|e| Refusal::Garbage(format!("conf: {e}")))?,
        (None, None) => Decimal256::zero(),
    };
    let ema_price = match &feed.ema_price {
        Some(p) => {
            let e = parse_decimal(pointer(body, p, "ema_price").map_err(Refusal::Garbage)?)
                .map_err(|e| Refusal::Garbage(format!("ema_price: {e}")))?;
            if e.is_zero() {
                return Err(Refusal::Garbage("ema_price: zero".into()));
            }
            Some(e)
        }
        None => None,
    };
    if let (Some(max), Some(old)) = (cfg.max_move, on_chain.filter(|p| !p.is_zero())) {
        let diff = if price > old {
            price - old
        } else {
            old - price
        };
        let ratio = diff
            .checked_div(old)
            .map_err(|e| Refusal::Garbage(e.to_string()))?;
        if ratio > max {
            return Err(Refusal::TooLargeMove { ratio });
        }
    }
    Ok(PriceUpdate {
        feed_id: feed.feed_id.clone(),
        price,
        conf,
        ema_price,
        publish_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> Decimal256 {
        Decimal256::from_str(s).unwrap()
    }

    fn cfg() -> PricesConfig {
        toml::from_str(
            r#"
            url = "http://127.0.0.1:1/"
            max_age_secs = 30
            max_future_secs = 5
            max_move = "0.5"
            [[feeds]]
            feed_id = "BTC"
            price = "/btc/price"
            publish_time = "/btc/time"
            conf_ratio = "0.001"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn numbers_parse_exactly_from_strings_numbers_and_exponents() {
        assert_eq!(parse_decimal(&json!("60000.5")).unwrap(), d("60000.5"));
        assert_eq!(parse_decimal(&json!(60000.5)).unwrap(), d("60000.5"));
        assert_eq!(parse_decimal(&json!(67187)).unwrap(), d("67187"));
        assert_eq!(parse_decimal(&json!("6.00005e4")).unwrap(), d("60000.5"));
        assert_eq!(parse_decimal(&json!(1.5e-7)).unwrap(), d("0.00000015"));
        assert_eq!(parse_decimal(&json!("2E3")).unwrap(), d("2000"));
        assert_eq!(parse_decimal(&json!(".5")).unwrap(), d("0.5"));
        for bad in [
            json!("-1"),
            json!(-1),
            json!("abc"),
            json!(""),
            json!("."),
            json!("1.2.3"),
            json!(null),
            json!(true),
            json!([1]),
            json!("1e999"),
            json!("NaN"),
            json!("0.0000000000000000001"),
        ] {
            assert!(parse_decimal(&bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn a_good_price_becomes_an_update_with_its_confidence() {
        let body = json!({ "btc": { "price": "60000", "time": 1000 } });
        let u = read_feed(&body, &cfg().feeds[0], &cfg(), 1010, Some(d("59000"))).unwrap();
        assert_eq!(
            u,
            PriceUpdate {
                feed_id: "BTC".into(),
                price: d("60000"),
                conf: d("60"),
                ema_price: None,
                publish_time: 1000,
            }
        );
    }

    #[test]
    fn garbage_stale_future_and_wild_prices_are_refused() {
        let c = cfg();
        let f = &c.feeds[0];
        let read = |body: Value, now: u64| read_feed(&body, f, &c, now, Some(d("60000")));
        let reason = |r: Result<PriceUpdate, Refusal>| r.unwrap_err().reason();
        assert_eq!(reason(read(json!({}), 1000)), "garbage");
        assert_eq!(reason(read(json!("<html>"), 1000)), "garbage");
        assert_eq!(
            reason(read(json!({"btc": {"price": "0", "time": 1000}}), 1000)),
            "garbage"
        );
        assert_eq!(
            reason(read(json!({"btc": {"price": "x", "time": 1000}}), 1000)),
            "garbage"
        );
        assert_eq!(
            reason(read(json!({"btc": {"price": "60000"}}), 1000)),
            "garbage"
        );
        assert_eq!(
            read(json!({"btc": {"price": "60000", "time": 969}}), 1000).unwrap_err(),
            Refusal::Stale { age: 31 }
        );
        assert!(read(json!({"btc": {"price": "60000", "time": 970}}), 1000).is_ok());
        assert_eq!(
            read(json!({"btc": {"price": "60000", "time": 1006}}), 1000).unwrap_err(),
            Refusal::Future { ahead: 6 }
        );
        assert_eq!(
            read(json!({"btc": {"price": "90001", "time": 1000}}), 1000).unwrap_err(),
            Refusal::TooLargeMove {
                ratio: d("0.500016666666666666")
            }
        );
        assert!(read(json!({"btc": {"price": "90000", "time": 1000}}), 1000).is_ok());
        assert!(read(json!({"btc": {"price": "30000", "time": 1000}}), 1000).is_ok());
    }
}
