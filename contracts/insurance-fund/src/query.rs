//! Queries: config, the bank balance, and the payout history.

use cosmwasm_std::{Deps, Env, Order, StdResult, Uint128};
use cw_storage_plus::Bound;
use perps_api::insurance_fund::{
    BalanceResponse, ConfigResponse, PayoutsResponse, DEFAULT_PAYOUTS_LIMIT, MAX_PAYOUTS_LIMIT,
};

use crate::error::ContractResult;
use crate::state::{CONFIG, OWNERSHIP, PAYOUTS};

pub fn config(deps: Deps) -> ContractResult<ConfigResponse> {
    let ownership = OWNERSHIP.load(deps.storage)?;
    let config = CONFIG.load(deps.storage)?;
    Ok(ConfigResponse {
        owner: ownership.owner,
        pending_owner: ownership.pending_owner,
        denom: config.denom,
        engines: config.engines,
    })
}

/// The bank balance, so a donation counts as soon as it lands.
pub fn balance(deps: Deps, env: Env) -> ContractResult<BalanceResponse> {
    let denom = CONFIG.load(deps.storage)?.denom;
    let amount =
        perps_api::lenient::query_balance(&deps.querier, env.contract.address, denom.clone())?
            .amount;
    Ok(BalanceResponse {
        denom,
        amount: Uint128::try_from(amount)?,
    })
}

/// Payouts by ascending id, after `start_after` (exclusive).
pub fn payouts(
    deps: Deps,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> ContractResult<PayoutsResponse> {
    let limit = limit
        .unwrap_or(DEFAULT_PAYOUTS_LIMIT)
        .min(MAX_PAYOUTS_LIMIT) as usize;
    let payouts = PAYOUTS
        .range(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(limit)
        .map(|item| item.map(|(_, payout)| payout))
        .collect::<StdResult<Vec<_>>>()?;
    Ok(PayoutsResponse { payouts })
}
