//! Turns unchecked input (strings, optional parameters) into checked values, once, at the edge.

use cosmwasm_std::{Addr, Api, Decimal256};
use perps_api::price_feed::MAX_FEED_ID_LEN;

use crate::error::{ContractError, ContractResult};
use crate::state::{Config, Feed, DEFAULT_MAX_JUMP_WINDOWS};

/// Default of `max_future_secs` (DESIGN.md section 9).
pub const DEFAULT_MAX_FUTURE_SECS: u64 = 5;
/// Cap on `max_future_secs`: a publish time far ahead of the block never goes stale for a reader
/// that saturates ages at 0, and it blocks later updates until `reset_price`.
pub const MAX_FUTURE_SECS_LIMIT: u64 = 300;
/// Default of `jump_window_secs` (DESIGN.md section 9).
pub const DEFAULT_JUMP_WINDOW_SECS: u64 = 60;
/// Bounds the bytes a feed's metadata costs to store and to list.
pub const MAX_DESCRIPTION_LEN: usize = 256;

/// Validates one bech32 address.
pub fn addr(api: &dyn Api, address: &str) -> ContractResult<Addr> {
    api.addr_validate(address)
        .map_err(|source| ContractError::InvalidAddress {
            address: address.to_string(),
            source,
        })
}

/// Validates a publisher set; duplicates are refused so a removal never leaves a copy behind.
pub fn publishers(api: &dyn Api, publishers: &[String]) -> ContractResult<Vec<Addr>> {
    perps_api::addrs::unique(
        publishers,
        |publisher| addr(api, publisher),
        |publisher| ContractError::DuplicatePublisher { publisher },
    )
}

/// The checked configuration from instantiate's fields.
pub fn config(
    api: &dyn Api,
    publisher_list: &[String],
    max_future_secs: Option<u64>,
) -> ContractResult<Config> {
    let max_future_secs = max_future_secs.unwrap_or(DEFAULT_MAX_FUTURE_SECS);
    if max_future_secs > MAX_FUTURE_SECS_LIMIT {
        return Err(ContractError::InvalidMaxFutureSecs {
            value: max_future_secs,
            max: MAX_FUTURE_SECS_LIMIT,
        });
    }
    Ok(Config {
        publishers: publishers(api, publisher_list)?,
        max_future_secs,
    })
}

/// A feed id is 1 to 32 characters of `[A-Za-z0-9_./-]`: printable, unambiguous in attributes
/// ("<feed_id>:<rule>") and cheap as a storage key.
pub fn feed_id(feed_id: &str) -> ContractResult<()> {
    let valid = !feed_id.is_empty()
        && feed_id.len() <= MAX_FEED_ID_LEN
        && feed_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(ContractError::InvalidFeedId {
            feed_id: feed_id.to_string(),
            max_len: MAX_FEED_ID_LEN,
        })
    }
}

/// The checked metadata of a new feed. A `max_price_jump` above 1 is accepted: a ratio feed can
/// legitimately move by more than 100 % within a window.
pub fn feed(
    description: String,
    max_price_jump: Option<Decimal256>,
    jump_window_secs: Option<u64>,
    max_jump_windows: Option<u32>,
) -> ContractResult<Feed> {
    if description.len() > MAX_DESCRIPTION_LEN {
        return Err(ContractError::DescriptionTooLong {
            len: description.len(),
            max_len: MAX_DESCRIPTION_LEN,
        });
    }
    if let Some(value) = max_price_jump.filter(Decimal256::is_zero) {
        return Err(ContractError::InvalidMaxPriceJump { value });
    }
    let jump_window_secs = jump_window_secs.unwrap_or(DEFAULT_JUMP_WINDOW_SECS);
    if jump_window_secs == 0 {
        return Err(ContractError::InvalidJumpWindow {
            value: jump_window_secs,
        });
    }
    let max_jump_windows = max_jump_windows.unwrap_or(DEFAULT_MAX_JUMP_WINDOWS);
    if max_jump_windows == 0 {
        return Err(ContractError::InvalidMaxJumpWindows {
            value: max_jump_windows,
        });
    }
    Ok(Feed {
        description,
        max_price_jump,
        jump_window_secs,
        max_jump_windows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_ids() {
        for ok in ["BTC", "ETH/USD", "a.b-c_d", &"x".repeat(32)] {
            assert!(feed_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", &"x".repeat(33), "BTC USD", "BTC:1", "é", "a\n"] {
            assert!(
                matches!(feed_id(bad), Err(ContractError::InvalidFeedId { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn feed_parameters() {
        let f = feed("d".into(), None, None, None).unwrap();
        assert_eq!(f.jump_window_secs, DEFAULT_JUMP_WINDOW_SECS);
        assert_eq!(f.max_jump_windows, 3);
        assert!(feed("d".into(), Some("5".parse().unwrap()), Some(1), Some(1)).is_ok());
        assert!(matches!(
            feed("d".into(), Some(Decimal256::zero()), None, None),
            Err(ContractError::InvalidMaxPriceJump { .. })
        ));
        assert!(matches!(
            feed("d".into(), None, Some(0), None),
            Err(ContractError::InvalidJumpWindow { value: 0 })
        ));
        assert!(matches!(
            feed("d".into(), None, None, Some(0)),
            Err(ContractError::InvalidMaxJumpWindows { value: 0 })
        ));
        assert!(feed("x".repeat(256), None, None, None).is_ok());
        assert!(matches!(
            feed("x".repeat(257), None, None, None),
            Err(ContractError::DescriptionTooLong {
                len: 257,
                max_len: 256
            })
        ));
    }
}
