use cosmwasm_std::{
    CheckedFromRatioError, ConversionOverflowError, Decimal256, Int128, OverflowError,
    SignedDecimal256, StdError, Uint128,
};
use cw_utils::PaymentError;
use perps_api::migrate::MigrateError;
use perps_api::ownership::OwnershipError;
use perps_risk::RiskError;
use thiserror::Error;

/// A refused change of `skew_scale` with open skew (boxed: the error type stays small).
#[derive(Debug)]
pub struct SkewScaleChange {
    pub market_id: String,
    pub skew: SignedDecimal256,
    pub old: Decimal256,
    pub new: Decimal256,
    /// `L_old − L_new` of the impact liability, base units: what the change moves into vault
    /// equity (`P·K²/2·(1/S_old − 1/S_new)` while `|K| ≤ 3·cap·S`).
    pub value_moved: Int128,
}

/// Result of every handler.
pub type ContractResult<T> = Result<T, ContractError>;

/// Why a market's price cannot be used: a verdict of the oracle policy (DESIGN 6.3), stored with
/// the loaded market and reported as is whenever an action needs that price.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
pub enum OracleError {
    #[error("no price for market {market_id} (feed {feed_id})")]
    Missing { market_id: String, feed_id: String },

    #[error("price feed of market {market_id} cannot be read: {reason}")]
    Unreadable { market_id: String, reason: String },

    #[error("oracle price of market {market_id} is stale: age {age}s > max {max_age}s")]
    Stale {
        market_id: String,
        age: u64,
        max_age: u64,
    },

    /// The feed refused a newer price (DESIGN 6.3): its stored price is known to be stale and
    /// no action may use it until an accepted update or an owner reset answers the refusal.
    #[error("oracle price of market {market_id} is unconfirmed: the feed refused an update published at {refused_publish_time} (stored price published at {publish_time})")]
    Unconfirmed {
        market_id: String,
        refused_publish_time: u64,
        publish_time: u64,
    },

    #[error(
        "oracle price of market {market_id} is uncertain: conf/price {ratio} > max {max_ratio}"
    )]
    Uncertain {
        market_id: String,
        ratio: Decimal256,
        max_ratio: Decimal256,
    },

    #[error("oracle price of market {market_id} deviates from its EMA: {deviation} > max {max_deviation}")]
    EmaDeviation {
        market_id: String,
        deviation: Decimal256,
        max_deviation: Decimal256,
    },
}

impl OracleError {
    /// The market whose price this is about.
    pub fn market_id(&self) -> &str {
        match self {
            OracleError::Missing { market_id, .. }
            | OracleError::Unreadable { market_id, .. }
            | OracleError::Stale { market_id, .. }
            | OracleError::Unconfirmed { market_id, .. }
            | OracleError::Uncertain { market_id, .. }
            | OracleError::EmaDeviation { market_id, .. } => market_id,
        }
    }
}

/// Every way a message can fail; each message names the numbers involved.
#[derive(Error, Debug)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),

    #[error("{0}")]
    Ownership(#[from] OwnershipError),

    #[error("payment: {0}")]
    Payment(#[from] PaymentError),

    #[error("{0}")]
    Risk(RiskError),

    #[error("overflow: {0}")]
    Overflow(#[from] OverflowError),

    #[error("overflow: {0}")]
    ConversionOverflow(#[from] ConversionOverflowError),

    #[error("overflow: {0}")]
    RatioOverflow(#[from] CheckedFromRatioError),

    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter { name: String, reason: String },

    #[error("contract name mismatch: stored {stored}, expected {expected}")]
    WrongContract { stored: String, expected: String },

    #[error("{what} is not implemented yet")]
    NotImplemented { what: String },

    #[error("unknown market {market_id}")]
    UnknownMarket { market_id: String },

    #[error("market {market_id} already exists")]
    MarketExists { market_id: String },

    #[error("market {market_id} is reduce-only")]
    MarketReduceOnly { market_id: String },

    #[error("market {market_id} is settled at {price}")]
    MarketSettled {
        market_id: String,
        price: Decimal256,
    },

    #[error("market {market_id} is not settled")]
    MarketNotSettled { market_id: String },

    #[error("feed_id of market {market_id} cannot change while open interest is {long_oi} long / {short_oi} short")]
    FeedChangeWithOpenInterest {
        market_id: String,
        long_oi: Decimal256,
        short_oi: Decimal256,
    },

    #[error("skew_scale of market {} cannot change from {} to {} while the skew is {}: it moves {} base units of vault equity (send force: true to override)", .0.market_id, .0.old, .0.new, .0.skew, .0.value_moved)]
    SkewScaleChangeWithSkew(Box<SkewScaleChange>),

    #[error("isolated margin of market {market_id} would be {margin} (< 0) after this trade")]
    NegativeIsolatedMargin { market_id: String, margin: Int128 },

    #[error(
        "insurance fund {fund} holds {fund_denom}, not the engine's collateral {collateral_denom}"
    )]
    InsuranceFundDenom {
        fund: String,
        fund_denom: String,
        collateral_denom: String,
    },

    #[error("update of market {market_id} would make {count} open books liquidatable (send force: true to override)")]
    UpdateMakesLiquidatable { market_id: String, count: u32 },

    #[error("update of market {market_id} raises its maintenance requirements and more than {max} accounts hold it: too many books to check (send force: true to override)")]
    UpdateScanTooLarge { market_id: String, max: u32 },

    #[error("{0}")]
    Oracle(#[from] OracleError),

    #[error("amount must be positive")]
    ZeroAmount {},

    #[error("size_delta must be non-zero")]
    ZeroSize {},

    #[error("order size {size} in market {market_id} is below the minimum {min}")]
    BelowMinOrderSize {
        market_id: String,
        size: Decimal256,
        min: Decimal256,
    },

    #[error(
        "reduction would leave size {remaining} in market {market_id}, below the minimum {min}"
    )]
    DustRemainder {
        market_id: String,
        remaining: Decimal256,
        min: Decimal256,
    },

    #[error("account already holds {count} positions, the maximum is {max}")]
    TooManyPositions { count: u32, max: u32 },

    #[error("position notional {notional} in market {market_id} would exceed the cap {max}")]
    PositionCap {
        market_id: String,
        notional: Uint128,
        max: Uint128,
    },

    #[error("{side} open interest of market {market_id} would be {notional} > cap {max}")]
    OpenInterestCap {
        market_id: String,
        side: String,
        notional: Uint128,
        max: Uint128,
    },

    #[error("price impact {impact} in market {market_id} exceeds max {max}")]
    PriceImpactTooHigh {
        market_id: String,
        impact: Decimal256,
        max: Decimal256,
    },

    #[error("fill price {fill} is worse than the acceptable price {acceptable}")]
    AcceptablePrice {
        fill: Decimal256,
        acceptable: Decimal256,
    },

    #[error("insufficient margin: equity {equity} < initial requirement {required}")]
    InsufficientMargin { equity: Int128, required: Uint128 },

    #[error("withdrawal {amount} exceeds free collateral {free}")]
    ExceedsFreeCollateral { amount: Uint128, free: Uint128 },

    #[error("the cross book is liquidatable: equity {equity} < maintenance {maintenance}")]
    CrossBookLiquidatable {
        equity: Int128,
        maintenance: Uint128,
    },

    #[error("reduction would leave the book negative: {what} {value}")]
    ReductionLeavesNegative { what: String, value: Int128 },

    #[error(
        "mode {requested} conflicts with the existing {existing} position in market {market_id}"
    )]
    ConflictingMode {
        market_id: String,
        requested: String,
        existing: String,
    },

    #[error("no position in market {market_id}")]
    NoPosition { market_id: String },

    #[error("position in market {market_id} is not isolated")]
    NotIsolated { market_id: String },

    #[error("no pending order {order_id}")]
    UnknownOrder { order_id: u64 },

    #[error("order {order_id} belongs to {owner}")]
    NotOrderOwner { order_id: u64, owner: String },

    #[error("order {order_id} is a market order: market orders cannot be cancelled")]
    MarketOrderNotCancellable { order_id: u64 },

    #[error("order {order_id} has triggered: record {sequence} at {price} meets it")]
    OrderTriggered {
        order_id: u64,
        sequence: u64,
        price: Decimal256,
    },

    #[error("order {order_id} of market {market_id} must run before this message and cannot in it (more triggered or older orders of its market first): run execute_orders with order {order_id} first")]
    OwnOrderFirst { order_id: u64, market_id: String },

    #[error("{pending} failed orders' moves are charged at their markets' next records: provide_liquidity after them")]
    SettlementsPending { pending: u32 },

    #[error("the conditional orders of market {market_id} are compared with its price records up to {swept} of {latest}: run execute_orders with order {order_id} first")]
    OrdersBehind {
        market_id: String,
        order_id: u64,
        swept: u64,
        latest: u64,
    },

    #[error("trigger {trigger} {trigger_price} is already met by the price {price} of market {market_id}")]
    TriggerAlreadyMet {
        market_id: String,
        trigger: String,
        trigger_price: Decimal256,
        price: Decimal256,
    },

    #[error("order reserves {reserved} but free collateral is {free}")]
    ReservationExceedsFreeCollateral { reserved: Uint128, free: Uint128 },

    #[error("too many pending orders: {count} of max {max}")]
    TooManyOrders { count: u32, max: u32 },

    #[error("reduce-only order in market {market_id} does not reduce the position (size {size}, order {size_delta})")]
    ReduceOnlyWouldNotReduce {
        market_id: String,
        size: SignedDecimal256,
        size_delta: SignedDecimal256,
    },

    #[error("market {market_id} has {count} pending orders: its execution cannot change")]
    ExecutionChangeWithOrders { market_id: String, count: u32 },

    #[error("isolated margin {margin} < amount {amount}")]
    MarginTooLow { margin: Uint128, amount: Uint128 },

    #[error("collateral {collateral} is below the requested {amount}")]
    InsufficientCollateral { collateral: Int128, amount: Uint128 },

    #[error("trade would increase |skew| of market {market_id} while the vault has no shares")]
    VaultEmpty { market_id: String },

    #[error("vault equity {equity} is not positive while {total_shares} shares are outstanding")]
    VaultInsolvent {
        equity: Int128,
        total_shares: Uint128,
    },

    #[error("deposit {amount} would mint 0 shares")]
    ZeroShares { amount: Uint128 },

    #[error("first vault deposit {amount} must be at least {min}")]
    FirstDepositTooSmall { amount: Uint128, min: Uint128 },

    #[error("requested {requested} shares but only {available} are withdrawable now")]
    InsufficientShares {
        requested: Uint128,
        available: Uint128,
    },

    #[error("shares provided recently are locked until {unlock_at} (now {now})")]
    SharesTooRecent { unlock_at: u64, now: u64 },

    #[error("a withdrawal request is already pending")]
    WithdrawalPending {},

    #[error("no pending withdrawal request")]
    NoWithdrawalRequest {},

    #[error("withdrawal request claimable at {claimable_at}, now {now}")]
    NotYetClaimable { claimable_at: u64, now: u64 },

    #[error("payout {payout} exceeds vault cash {cash}")]
    InsufficientVaultCash { payout: Uint128, cash: Int128 },

    #[error("vault equity after payout {equity} < required backing {required}")]
    InsufficientBacking { equity: Int128, required: Uint128 },

    #[error("no insurance fees to sweep")]
    NothingToSweep {},

    #[error(
        "insurance fees {insurance_fees} not held: cash {cash} + fees ≤ receivables {receivables}"
    )]
    FeesNotHeld {
        insurance_fees: Uint128,
        cash: Int128,
        receivables: Uint128,
    },

    #[error("account {account} cannot liquidate itself")]
    SelfLiquidation { account: String },

    #[error("account {account} is healthy: cross equity {equity} ≥ maintenance {maintenance} and no isolated position is liquidatable")]
    AccountHealthy {
        account: String,
        equity: Int128,
        maintenance: Uint128,
    },

    #[error("liquidator reward {reward} is below min_reward {min_reward}")]
    RewardBelowMinimum {
        reward: Uint128,
        min_reward: Uint128,
    },

    #[error("unknown reply id {id}")]
    UnknownReply { id: u64 },

    #[error("exposure cap of market {market_id}: |skew|·price {exposure} > max_skew_to_vault {ratio} × vault equity {equity}")]
    ExposureCap {
        market_id: String,
        exposure: Uint128,
        ratio: Decimal256,
        equity: Int128,
    },

    #[error("total exposure cap: Σ |skew|·price {exposure} > max_total_skew_to_vault {ratio} × vault equity {equity}")]
    TotalExposureCap {
        exposure: Uint128,
        ratio: Decimal256,
        equity: Int128,
    },

    #[error(
        "position notional {notional} in market {market_id} is below min_position_notional {min}"
    )]
    BelowMinPositionNotional {
        market_id: String,
        notional: Uint128,
        min: Uint128,
    },

    #[error("account {account} is not bankrupt: no book has negative equity")]
    NotBankrupt { account: String },

    #[error("auto-deleveraging not needed: vault equity {equity} ≥ adl_trigger_ratio {trigger} × exposure {exposure}")]
    AdlNotNeeded {
        equity: Int128,
        trigger: Decimal256,
        exposure: Uint128,
    },

    #[error("no position in profit on the side the vault is short to in market {market_id} among the entries scanned")]
    AdlNothingToClose { market_id: String },

    #[error(
        "withdrawal request lapsed: claimable from {claimable_at} until {expires_at}, now {now}"
    )]
    WithdrawalLapsed {
        claimable_at: u64,
        expires_at: u64,
        now: u64,
    },
}

impl From<RiskError> for ContractError {
    fn from(e: RiskError) -> Self {
        match e {
            RiskError::InsufficientMargin { equity, required } => {
                ContractError::InsufficientMargin { equity, required }
            }
            other => ContractError::Risk(other),
        }
    }
}

impl ContractError {
    /// Shorthand for an invalid parameter.
    pub fn invalid(name: &str, reason: impl Into<String>) -> Self {
        ContractError::InvalidParameter {
            name: name.to_string(),
            reason: reason.into(),
        }
    }
}

/// Migration refusals keep this contract's messages: the name mismatch as [`WrongContract`],
/// a downgrade as cw2's own error.
///
/// [`WrongContract`]: ContractError::WrongContract
impl From<MigrateError> for ContractError {
    fn from(e: MigrateError) -> Self {
        match e {
            MigrateError::Std(e) | MigrateError::CannotMigrate { source: e, .. } => Self::Std(e),
            MigrateError::WrongContract { expected, found } => Self::WrongContract {
                stored: found,
                expected,
            },
        }
    }
}
