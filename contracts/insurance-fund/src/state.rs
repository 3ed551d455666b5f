//! Storage of the insurance fund. The balance itself is not stored: it is the contract's bank
//! balance in `Config::denom`, so a donation (plain bank send) counts without any bookkeeping.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::Addr;
use cw_storage_plus::{Item, Map};
use perps_api::insurance_fund::Payout;
use perps_api::ownership::Ownership;

/// Owner and pending owner.
pub const OWNERSHIP: Item<Ownership> = Item::new("ownership");
/// Denom and engines.
pub const CONFIG: Item<Config> = Item::new("config");
/// Every `cover_bad_debt` call, by id.
pub const PAYOUTS: Map<u64, Payout> = Map::new("payouts");
/// Id of the last recorded payout; absent before the first one.
pub const LAST_PAYOUT_ID: Item<u64> = Item::new("last_payout_id");

/// Checked configuration.
#[cw_serde]
pub struct Config {
    /// Bank denom the fund holds and pays out; fixed at instantiate.
    pub denom: String,
    /// Engines allowed to call `cover_bad_debt` (validated, no duplicates, at most
    /// `MAX_ENGINES`). A short list read with the config costs less than a map lookup.
    pub engines: Vec<Addr>,
}
