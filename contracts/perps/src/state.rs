//! Storage layout. Values stay small: a trade reads one config, one market config, one market
//! state, the account and its positions, and writes back only what changed.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, Decimal256, Int128, SignedDecimal256, Uint128};
use cw_storage_plus::{Item, Map};

use crate::compact::{BinItem, BinMap, Compact, Reader};
use crate::jsonrec::JsonMap;
use crate::{compact_enum, compact_struct};
use perps_api::ownership::Ownership;
use perps_api::perps::{Execution, MarginTier, MarketConfig, MarketStatus};
use perps_risk::ledger::Balances;
use perps_risk::num::Quote;

/// The one cw2 identity of this contract (instantiate, migrate and tests).
pub const CONTRACT_NAME: &str = "crates.io:perps";
/// Version stored by cw2 and checked by migrate.
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Checked engine configuration (ownership lives in [`OWNERSHIP`]).
#[cw_serde]
pub struct Config {
    pub collateral_denom: String,
    pub collateral_decimals: u8,
    pub price_feed: Addr,
    pub insurance_fund: Addr,
    pub max_oracle_age_secs: u64,
    pub max_confidence_ratio: Decimal256,
    pub max_ema_deviation: Decimal256,
    pub max_positions_per_account: u32,
    /// Orders (DESIGN 6.11); defaults for configurations stored before orders existed.
    #[serde(default = "default_max_order_age_secs")]
    pub max_order_age_secs: u64,
    #[serde(default = "default_max_orders_per_account")]
    pub max_orders_per_account: u32,
    #[serde(default)]
    pub keeper_fee: Uint128,
    pub liquidation_target_ratio: Decimal256,
    pub liquidator_reward_share: Decimal256,
    pub insurance_fee_share: Decimal256,
    pub vault_min_backing: Decimal256,
    pub min_liquidation_reward: Uint128,
    pub default_max_slippage: Decimal256,
    pub unrealized_profit_weight: Decimal256,
    pub lp_withdraw_delay_secs: u64,
    /// 0: every market uses `2·min_liquidation_reward/mmr_1` (DESIGN 6.8).
    #[serde(default)]
    pub min_position_notional: Uint128,
    #[serde(default = "default_max_total_skew_to_vault")]
    pub max_total_skew_to_vault: Decimal256,
    #[serde(default = "default_adl_trigger_ratio")]
    pub adl_trigger_ratio: Decimal256,
    #[serde(default = "default_lp_claim_window_secs")]
    pub lp_claim_window_secs: u64,
}

/// Defaults of the solvency fields (DESIGN 6.7, 6.10), also for a configuration stored before
/// they existed.
pub fn default_max_total_skew_to_vault() -> Decimal256 {
    Decimal256::from_ratio(2u8, 1u8)
}

pub fn default_adl_trigger_ratio() -> Decimal256 {
    Decimal256::percent(5)
}

pub fn default_lp_claim_window_secs() -> u64 {
    86_400
}

/// Default `max_order_age_secs` (DESIGN 6.11).
pub fn default_max_order_age_secs() -> u64 {
    300
}

/// Default `max_orders_per_account` (DESIGN 6.11).
pub fn default_max_orders_per_account() -> u32 {
    16
}

/// A market's parameters and status: changed only by the owner.
#[cw_serde]
pub struct Market {
    pub config: MarketConfig,
    pub status: MarketStatus,
}

impl Market {
    /// True when `trade` and `close_position` place market orders (DESIGN 6.11). A market
    /// stored before the field existed has none and keeps trading at once, as it was created;
    /// `add_market` stores `deferred` when the field is omitted.
    pub fn deferred(&self) -> bool {
        self.config.execution == Some(Execution::Deferred)
    }
}

/// Per-market aggregates, rewritten on every touch. `Σ U = P·K − entry_cost_sum` and
/// `Σ A = F·K − funding_basis_sum`, so the vault is valued in O(markets).
#[cw_serde]
pub struct MarketState {
    pub long_oi: Decimal256,
    pub short_oi: Decimal256,
    /// Σ size · entry_price over every open position.
    pub entry_cost_sum: SignedDecimal256,
    /// Cumulative funding per unit of long size, quote whole units.
    pub funding_index: SignedDecimal256,
    /// Σ size · funding_index_at_entry over every open position.
    pub funding_basis_sum: SignedDecimal256,
    pub last_funding_time: u64,
    /// Last price the market was touched at (valuation fallback when the oracle is unreadable).
    pub last_price: Option<Decimal256>,
    /// Sequence of the feed's latest record when the market's resting conditional orders were
    /// last compared with the records (`execute::orders::sweep`); 0 on a state stored before.
    #[serde(default, rename = "sw", skip_serializing_if = "is_zero_u64")]
    pub swept: u64,
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// Margin mode as stored on a position.
#[cw_serde]
pub enum Mode {
    Cross,
    /// Margin `M` in base units (negative only transiently, when funding exceeds it).
    Isolated {
        margin: Int128,
    },
}

/// One position; at most one per account and market.
#[cw_serde]
pub struct Position {
    pub size: SignedDecimal256,
    pub entry_price: Decimal256,
    pub funding_index_at_entry: SignedDecimal256,
    pub mode: Mode,
}

/// Vault ledger plus the insurance fees waiting for `sweep_fees`.
#[cw_serde]
#[derive(Default)]
pub struct Vault {
    /// Cash in base units; negative only through socialized bad debt.
    pub cash: Int128,
    /// Shares outstanding, including the locked first-deposit shares.
    pub total_shares: Uint128,
    /// Insurance share of fees accrued and not yet swept, base units.
    pub insurance_fees: Uint128,
    /// `Σ_m` of what the vault owes each market's traders (`perps_risk::vault::market_liability`)
    /// as each market state was last stored (at its last price), exact base units: `V` for the
    /// caps is `cash − this − unrecoverable`, kept current at every market state write
    /// ([`crate::solvency::restate`]) so no check iterates the markets.
    #[serde(default, rename = "cl")]
    pub claims: SignedDecimal256,
    /// `Σ_m |K_m|·P_m` at each market's stored last price, exact base units (kept like `claims`).
    #[serde(default, rename = "ex")]
    pub exposure: SignedDecimal256,
    /// Shortfall of books found bankrupt and not yet covered ([`BAD_DEBT`]), base units.
    #[serde(default, rename = "ur", skip_serializing_if = "Uint128::is_zero")]
    pub unrecoverable: Uint128,
    /// `Σ` of the accounts' pending payouts ([`PENDING_PAYOUTS`]): realized profits the vault
    /// owes and did not hold the cash for (DESIGN 6.10, issue 12), a liability in `V`.
    #[serde(default, rename = "pp", skip_serializing_if = "Uint128::is_zero")]
    pub pending_payouts: Uint128,
    /// `Σ` over books of what they owe the vault (`max(0, −C)`, `max(0, −M)`), as stored: cash
    /// the vault booked and does not hold, never paid out ([`perps_risk::solvency::payable`]).
    #[serde(default, rename = "rc", skip_serializing_if = "Uint128::is_zero")]
    pub receivables: Uint128,
}

impl Vault {
    /// The vault's part of the balances a `perps_risk::ledger` step moves (no account).
    pub fn balances(&self) -> Balances {
        Balances {
            collateral: Int128::zero(),
            margin: None,
            vault_cash: self.cash,
            insurance_fees: self.insurance_fees,
        }
    }

    /// What `V` subtracts besides the markets' claims: `unrecoverable` and the pending payouts.
    pub fn debts(&self) -> Result<Uint128, cosmwasm_std::OverflowError> {
        self.unrecoverable.checked_add(self.pending_payouts)
    }

    /// The vault's exposure and claims as exact amounts of base units.
    pub fn claims_quote(&self) -> Quote {
        Quote(self.claims)
    }

    /// Writes back the vault's part of a ledger step's result.
    pub fn apply(&mut self, b: &Balances) {
        self.cash = b.vault_cash;
        self.insurance_fees = b.insurance_fees;
    }
}

/// One LP's holding.
#[cw_serde]
pub struct LpAccount {
    /// Shares held, including those locked in a withdrawal request.
    pub shares: Uint128,
    /// Time of the last `provide_liquidity` (shares younger than the delay cannot be requested).
    pub last_provide_time: u64,
}

/// A pending LP withdrawal.
#[cw_serde]
pub struct LpRequest {
    pub shares: Uint128,
    pub claimable_at: u64,
    /// What the shares were worth at the request (`shares·V/total`, rounded down): a claim never
    /// pays more per share (absent on requests stored before the rule: then no cap but the price
    /// at the claim).
    #[serde(default)]
    pub value_at_request: Option<Uint128>,
    /// A claim was refused or paid in part: the request no longer lapses (DESIGN 6.7).
    #[serde(default)]
    pub refused: bool,
}

// The hot records (what a trade, a margin check and a liquidation read and write) are stored in
// the compact encoding of [`crate::compact`] ([`LAYOUT`]); the others in JSON.
pub const CONFIG: BinItem<Config> = BinItem::new("cfg");
pub const OWNERSHIP: Item<Ownership> = Item::new("own");
pub const MARKETS: BinMap<&str, Market> = BinMap::new("m");
pub const MARKET_STATES: BinMap<&str, MarketState> = BinMap::new("ms");
/// Cross collateral `C` of each account, base units.
pub const COLLATERAL: BinMap<&Addr, Int128> = BinMap::new("c");
pub const POSITIONS: BinMap<(&Addr, &str), Position> = BinMap::new("p");
/// Index market → (rank, account) of every open position: the holders of a market for
/// `settle_positions` and the `update_market` check, and in rank order
/// (`perps_risk::adl::adl_rank`: longs by ascending entry price, then shorts by descending entry
/// price, to four significant digits) the order `auto_deleverage` closes in.
/// (Retired key: `"mh"`, the unranked `(market, account)` index.)
pub const MARKET_HOLDERS: Map<(&str, u64, &Addr), ()> = Map::new("ah");

/// A stored position's key in [`MARKET_HOLDERS`] (its rank).
pub fn holder_rank(p: &Position) -> u64 {
    perps_risk::adl::adl_rank(p.size.is_negative(), p.entry_price)
}
pub const VAULT: BinItem<Vault> = BinItem::new("v");
/// Settled markets that may still have holders: a `deposit` checks only these (one small read
/// when none), and `settle_positions` drops a market once its last holder is closed.
pub const SETTLED_WITH_HOLDERS: Item<Vec<String>> = Item::new("sh");
pub const LPS: JsonMap<&Addr, LpAccount> = JsonMap::new("lp");
pub const LP_REQUESTS: JsonMap<&Addr, LpRequest> = JsonMap::new("lr");
/// Shortfall recorded for an account's bankrupt books (`mark_bad_debt`), part of
/// `Vault::unrecoverable` until the books are closed (liquidation, the owner's bankrupt close).
pub const BAD_DEBT: Map<&Addr, Uint128> = Map::new("bd");
/// Pending payout of each account (DESIGN 6.10, issue 12): the part of its realized profits the
/// vault did not hold the cash for, paid into `C` as cash comes back (`Vault::pending_payouts`
/// is the sum). Absent when 0.
pub const PENDING_PAYOUTS: Map<&Addr, Uint128> = Map::new("pa");

/// Page size bounds of list queries and `settle_positions`.
pub const DEFAULT_LIMIT: u32 = 10;
pub const MAX_LIMIT: u32 = 30;

/// Storage layout of the hot records: absent on an engine stored before the compact encoding
/// (its `cfg`, `m`, `ms`, `c`, `p` and `v` records are JSON: `migrate` converts them).
pub const LAYOUT: Item<u8> = Item::new("lay");
/// The layout this code reads and writes.
pub const COMPACT_LAYOUT: u8 = 1;

compact_struct!(Config {
    collateral_denom,
    collateral_decimals,
    price_feed,
    insurance_fund,
    max_oracle_age_secs,
    max_confidence_ratio,
    max_ema_deviation,
    max_positions_per_account,
    max_order_age_secs,
    max_orders_per_account,
    keeper_fee,
    liquidation_target_ratio,
    liquidator_reward_share,
    insurance_fee_share,
    vault_min_backing,
    min_liquidation_reward,
    default_max_slippage,
    unrealized_profit_weight,
    lp_withdraw_delay_secs,
    min_position_notional,
    max_total_skew_to_vault,
    adl_trigger_ratio,
    lp_claim_window_secs,
});
compact_struct!(MarginTier {
    max_notional,
    initial_margin_ratio,
    maintenance_margin_ratio,
});
compact_struct!(MarketConfig {
    feed_id,
    margin_tiers,
    taker_fee,
    skew_scale,
    max_price_impact,
    max_funding_rate_per_day,
    max_long_oi,
    max_short_oi,
    max_position_notional,
    min_order_size,
    liquidation_fee,
    max_skew_to_vault,
    execution,
});
compact_struct!(Market { config, status });
// The market state's last field is written only when not 0 (a state stored before it reads 0:
// no layout change).
impl Compact for MarketState {
    fn encode(&self, out: &mut Vec<u8>) {
        self.long_oi.encode(out);
        self.short_oi.encode(out);
        self.entry_cost_sum.encode(out);
        self.funding_index.encode(out);
        self.funding_basis_sum.encode(out);
        self.last_funding_time.encode(out);
        self.last_price.encode(out);
        if self.swept != 0 {
            self.swept.encode(out);
        }
    }
    fn decode(r: &mut Reader) -> Self {
        let mut s = MarketState {
            long_oi: Compact::decode(r),
            short_oi: Compact::decode(r),
            entry_cost_sum: Compact::decode(r),
            funding_index: Compact::decode(r),
            funding_basis_sum: Compact::decode(r),
            last_funding_time: Compact::decode(r),
            last_price: Compact::decode(r),
            swept: 0,
        };
        if !r.at_end() {
            s.swept = Compact::decode(r);
        }
        s
    }
}
compact_struct!(Position {
    size,
    entry_price,
    funding_index_at_entry,
    mode,
});
// The vault's last two fields are written only when one is not zero (an engine stored before
// them reads them as 0: no layout change).
impl Compact for Vault {
    fn encode(&self, out: &mut Vec<u8>) {
        self.cash.encode(out);
        self.total_shares.encode(out);
        self.insurance_fees.encode(out);
        self.claims.encode(out);
        self.exposure.encode(out);
        self.unrecoverable.encode(out);
        if !self.pending_payouts.is_zero() || !self.receivables.is_zero() {
            self.pending_payouts.encode(out);
            self.receivables.encode(out);
        }
    }
    fn decode(r: &mut Reader) -> Self {
        let mut v = Vault {
            cash: Compact::decode(r),
            total_shares: Compact::decode(r),
            insurance_fees: Compact::decode(r),
            claims: Compact::decode(r),
            exposure: Compact::decode(r),
            unrecoverable: Compact::decode(r),
            ..Vault::default()
        };
        if !r.at_end() {
            v.pending_payouts = Compact::decode(r);
            v.receivables = Compact::decode(r);
        }
        v
    }
}

compact_enum!(Execution { 0 => Deferred, 1 => Immediate });

compact_enum!(MarketStatus { 0 => Active, 1 => ReduceOnly, 2 => Settled { price } });

compact_enum!(Mode { 0 => Cross, 1 => Isolated { margin } });
