//! The liquidity vault: LP deposits, two-step withdrawals, and the insurance fee sweep.

use cosmwasm_std::{
    BankMsg, Coin, Decimal256, Deps, DepsMut, Env, MessageInfo, Order, Response, Uint128,
};
use cw_utils::nonpayable;
use perps_api::insurance_fund::InsuranceFund;
use perps_api::perps::MarketStatus;
use perps_risk::num::Quote;
use perps_risk::vault::{
    redeem_value, shares_to_mint, vault_equity, vault_required_backing, VaultMarket,
};

use crate::book::{accrue, aggregate, skew, Prices};
use crate::error::{ContractError, ContractResult};
use crate::execute::persist::{add_int, int, sub_int};
use crate::oracle;
use crate::state::{
    Config, LpAccount, LpRequest, Vault, CONFIG, LPS, LP_REQUESTS, MARKETS, MARKET_STATES, VAULT,
};

/// Every market as the vault sees it, in O(markets). A market with `K = 0` values the same at
/// any price, funding index and skew scale (`Σ U = −entry_cost_sum`, `Σ A = −funding_basis_sum`,
/// no premium), so only markets with open skew load their config; of those, only the ones not
/// settled need a price, and `prices` says which rules it must pass.
pub fn vault_markets(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    prices: Prices,
) -> ContractResult<Vec<VaultMarket>> {
    let mut out = Vec::new();
    for item in MARKET_STATES.range(deps.storage, None, None, Order::Ascending) {
        let (id, mut state) = item?;
        let k = skew(&state)?;
        if k.is_zero() {
            out.push(VaultMarket {
                aggregate: aggregate(&state),
                mark_price: None,
                funding_index: state.funding_index,
                skew_scale: Decimal256::zero(),
            });
            continue;
        }
        let market =
            MARKETS
                .may_load(deps.storage, &id)?
                .ok_or_else(|| ContractError::UnknownMarket {
                    market_id: id.clone(),
                })?;
        let mark_price = match market.status {
            MarketStatus::Settled { price } => price,
            _ => {
                let mark = oracle::mark(deps, env, cfg, &id, &market);
                let price = match (prices, mark) {
                    (Prices::Strict, m) => m?.strict()?,
                    (Prices::Live, m) => m?.price,
                    (Prices::Any, Ok(m)) => m.price,
                    (Prices::Any, Err(e)) => state.last_price.ok_or(e)?,
                };
                state = accrue(&market, state, price, env.block.time.seconds())?;
                price
            }
        };
        out.push(VaultMarket {
            aggregate: aggregate(&state),
            mark_price: Some(mark_price),
            funding_index: state.funding_index,
            skew_scale: market.config.skew_scale,
        });
    }
    Ok(out)
}

/// Vault equity `V` (exact) under `prices`.
pub fn equity(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    vault: &Vault,
    prices: Prices,
) -> ContractResult<(Quote, Vec<VaultMarket>)> {
    let markets = vault_markets(deps, env, cfg, prices)?;
    Ok((
        vault_equity(vault.cash, &markets, cfg.collateral_decimals)?,
        markets,
    ))
}

pub fn provide_liquidity(deps: DepsMut, env: Env, info: MessageInfo) -> ContractResult<Response> {
    let cfg = CONFIG.load(deps.storage)?;
    let amount = cw_utils::must_pay(&info, &cfg.collateral_denom)?;
    let amount =
        Uint128::try_from(amount).map_err(|e| ContractError::invalid("funds", e.to_string()))?;
    let mut vault = VAULT.load(deps.storage)?;
    let (v, _) = equity(deps.as_ref(), &env, &cfg, &vault, Prices::Strict)?;
    let minted = shares_to_mint(amount, vault.total_shares, v, cfg.collateral_decimals)?;
    vault.cash = add_int(vault.cash, int(amount)?)?;
    vault.total_shares = vault
        .total_shares
        .checked_add(minted.minted)
        .map_err(|e| ContractError::invalid("shares", e.to_string()))?;
    let received = minted.minted.saturating_sub(minted.locked);
    let mut lp = LPS
        .may_load(deps.storage, &info.sender)?
        .unwrap_or(LpAccount {
            shares: Uint128::zero(),
            last_provide_time: 0,
        });
    lp.shares = lp
        .shares
        .checked_add(received)
        .map_err(|e| ContractError::invalid("shares", e.to_string()))?;
    lp.last_provide_time = env.block.time.seconds();
    LPS.save(deps.storage, &info.sender, &lp)?;
    VAULT.save(deps.storage, &vault)?;
    Ok(Response::new()
        .add_attribute("action", "provide_liquidity")
        .add_attribute("provider", info.sender)
        .add_attribute("amount", amount)
        .add_attribute("shares", received)
        .add_attribute("locked_shares", minted.locked)
        .add_attribute("vault_equity_before", v.floor()?.to_string()))
}

pub fn withdraw_liquidity(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    shares: Uint128,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    if shares.is_zero() {
        return Err(ContractError::ZeroAmount {});
    }
    let cfg = CONFIG.load(deps.storage)?;
    if LP_REQUESTS.has(deps.storage, &info.sender) {
        return Err(ContractError::WithdrawalPending {});
    }
    let lp = LPS
        .may_load(deps.storage, &info.sender)?
        .unwrap_or(LpAccount {
            shares: Uint128::zero(),
            last_provide_time: 0,
        });
    if shares > lp.shares {
        return Err(ContractError::InsufficientShares {
            requested: shares,
            available: lp.shares,
        });
    }
    let now = env.block.time.seconds();
    let unlock = lp
        .last_provide_time
        .saturating_add(cfg.lp_withdraw_delay_secs);
    if now < unlock {
        return Err(ContractError::SharesTooRecent {
            unlock_at: unlock,
            now,
        });
    }
    // Strict prices on every market with open skew, as for every LP action.
    let vault = VAULT.load(deps.storage)?;
    equity(deps.as_ref(), &env, &cfg, &vault, Prices::Strict)?;
    let claimable_at = now.saturating_add(cfg.lp_withdraw_delay_secs);
    LP_REQUESTS.save(
        deps.storage,
        &info.sender,
        &LpRequest {
            shares,
            claimable_at,
        },
    )?;
    Ok(Response::new()
        .add_attribute("action", "withdraw_liquidity")
        .add_attribute("provider", info.sender)
        .add_attribute("shares", shares)
        .add_attribute("claimable_at", claimable_at.to_string()))
}

pub fn claim_liquidity(deps: DepsMut, env: Env, info: MessageInfo) -> ContractResult<Response> {
    nonpayable(&info)?;
    let cfg = CONFIG.load(deps.storage)?;
    let req = LP_REQUESTS
        .may_load(deps.storage, &info.sender)?
        .ok_or(ContractError::NoWithdrawalRequest {})?;
    let now = env.block.time.seconds();
    if now < req.claimable_at {
        return Err(ContractError::NotYetClaimable {
            claimable_at: req.claimable_at,
            now,
        });
    }
    let mut vault = VAULT.load(deps.storage)?;
    let (v, markets) = equity(deps.as_ref(), &env, &cfg, &vault, Prices::Strict)?;
    let payout = redeem_value(req.shares, vault.total_shares, v)?;
    let payout_i = int(payout)?;
    if payout_i > vault.cash {
        return Err(ContractError::InsufficientVaultCash {
            payout,
            cash: vault.cash,
        });
    }
    let v_after = v.checked_sub(Quote::from_base_units_u(payout))?;
    let required =
        vault_required_backing(&markets, cfg.vault_min_backing, cfg.collateral_decimals)?;
    if v_after < required {
        return Err(ContractError::InsufficientBacking {
            equity: v_after.floor()?,
            required: required.to_base_units_u(perps_risk::num::Round::Up)?,
        });
    }
    vault.cash = sub_int(vault.cash, payout_i)?;
    vault.total_shares = vault.total_shares.saturating_sub(req.shares);
    let mut lp = LPS.load(deps.storage, &info.sender)?;
    lp.shares = lp.shares.saturating_sub(req.shares);
    if lp.shares.is_zero() {
        LPS.remove(deps.storage, &info.sender);
    } else {
        LPS.save(deps.storage, &info.sender, &lp)?;
    }
    LP_REQUESTS.remove(deps.storage, &info.sender);
    VAULT.save(deps.storage, &vault)?;
    let mut resp = Response::new()
        .add_attribute("action", "claim_liquidity")
        .add_attribute("provider", info.sender.as_str())
        .add_attribute("shares", req.shares)
        .add_attribute("payout", payout);
    if !payout.is_zero() {
        resp = resp.add_message(BankMsg::Send {
            to_address: info.sender.to_string(),
            amount: vec![Coin::new(payout, cfg.collateral_denom)],
        });
    }
    Ok(resp)
}

pub fn cancel_withdraw_liquidity(deps: DepsMut, info: MessageInfo) -> ContractResult<Response> {
    nonpayable(&info)?;
    let req = LP_REQUESTS
        .may_load(deps.storage, &info.sender)?
        .ok_or(ContractError::NoWithdrawalRequest {})?;
    LP_REQUESTS.remove(deps.storage, &info.sender);
    Ok(Response::new()
        .add_attribute("action", "cancel_withdraw_liquidity")
        .add_attribute("provider", info.sender)
        .add_attribute("shares", req.shares))
}

/// Sends the accrued insurance share of fees to the fund in one message.
pub fn sweep_fees(deps: DepsMut, info: MessageInfo) -> ContractResult<Response> {
    nonpayable(&info)?;
    let cfg = CONFIG.load(deps.storage)?;
    let mut vault = VAULT.load(deps.storage)?;
    let amount = vault.insurance_fees;
    if amount.is_zero() {
        return Err(ContractError::NothingToSweep {});
    }
    vault.insurance_fees = Uint128::zero();
    VAULT.save(deps.storage, &vault)?;
    let msg = InsuranceFund(cfg.insurance_fund.clone())
        .deposit_msg(Coin::new(amount, cfg.collateral_denom))?;
    Ok(Response::new()
        .add_message(msg)
        .add_attribute("action", "sweep_fees")
        .add_attribute("amount", amount)
        .add_attribute("insurance_fund", cfg.insurance_fund))
}
