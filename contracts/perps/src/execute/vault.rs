//! The liquidity vault: LP deposits, two-step withdrawals, and the insurance fee sweep.

use cosmwasm_std::{
    Addr, BankMsg, Coin, Decimal256, DepsMut, Env, MessageInfo, Response, Storage, Uint128,
};
use cw_utils::nonpayable;
use perps_api::insurance_fund::InsuranceFund;
use perps_risk::ledger;
use perps_risk::num::Quote;
use perps_risk::solvency::{claim, lp_free_cash, sweepable, ClaimOutcome, ClaimTerms};
use perps_risk::vault::{redeem_value, shares_to_mint, SharesMinted, VaultMarket};

use crate::error::{ContractError, ContractResult};
use crate::execute::orders::lp;
use crate::execute::paid_collateral;
use crate::market::Prices;
use crate::orders::any_deferred;
use crate::state::{Config, LpAccount, LpRequest, Vault, CONFIG, LPS, LP_REQUESTS, VAULT};
use crate::valuation::{equity, required_equity};

/// Mints at the share price now; while a market is deferred (and shares exist) the deposit
/// becomes an LP order instead (DESIGN 6.11, [`crate::execute::orders::lp`]).
pub fn provide_liquidity(deps: DepsMut, env: Env, info: MessageInfo) -> ContractResult<Response> {
    let cfg = CONFIG.load(deps.storage)?;
    let amount = paid_collateral(&info, &cfg)?;
    let mut vault = VAULT.load(deps.storage)?;
    let (v, _) = equity(deps.as_ref(), &env, &cfg, &vault, Prices::Strict, None)?;
    if !vault.total_shares.is_zero() && any_deferred(deps.storage)? {
        return lp::place_provide(deps, &env, &cfg, &info.sender, amount, v, &vault);
    }
    // the pending settling entries' charges are the vault's, not the new LP's (scenario 95)
    let pending = crate::orders::settling(deps.storage);
    if pending > 0 {
        return Err(ContractError::SettlementsPending { pending });
    }
    let minted = shares_to_mint(amount, vault.total_shares, v, cfg.collateral_decimals)?;
    let received = mint(
        deps.storage,
        &mut vault,
        &info.sender,
        amount,
        &minted,
        &env,
    )?;
    VAULT.save(deps.storage, &vault)?;
    Ok(Response::new()
        .add_attribute("action", "provide_liquidity")
        .add_attribute("provider", info.sender)
        .add_attribute("amount", amount)
        .add_attribute("shares", received)
        .add_attribute("locked_shares", minted.locked)
        .add_attribute("vault_equity_before", v.floor()?.to_string()))
}

/// Credits `amount` to vault cash and `minted` (less its locked part) to `lp`; returns the
/// shares the LP received.
pub fn mint(
    storage: &mut dyn Storage,
    vault: &mut Vault,
    lp: &Addr,
    amount: Uint128,
    minted: &SharesMinted,
    env: &Env,
) -> ContractResult<Uint128> {
    vault.apply(&ledger::provide_liquidity(vault.balances(), amount)?.after);
    vault.total_shares = vault.total_shares.checked_add(minted.minted)?;
    let received = minted.minted.saturating_sub(minted.locked);
    let mut acc = LPS.may_load(storage, lp)?.unwrap_or(LpAccount {
        shares: Uint128::zero(),
        last_provide_time: 0,
    });
    acc.shares = acc.shares.checked_add(received)?;
    acc.last_provide_time = env.block.time.seconds();
    LPS.save(storage, lp, &acc)?;
    Ok(received)
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
    let now = env.block.time.seconds();
    // a lapsed request is no request: a new one replaces it (and waits the delay again)
    if let Some(old) = LP_REQUESTS.may_load(deps.storage, &info.sender)? {
        if !lapsed(&old, &cfg, now) {
            return Err(ContractError::WithdrawalPending {});
        }
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
    let unlock = lp
        .last_provide_time
        .saturating_add(cfg.lp_withdraw_delay_secs);
    if now < unlock {
        return Err(ContractError::SharesTooRecent {
            unlock_at: unlock,
            now,
        });
    }
    // Strict prices on every market with open skew, as for every LP action; the share price of
    // the request bounds what the claim pays (DESIGN 6.7).
    let vault = VAULT.load(deps.storage)?;
    let (v, _) = equity(deps.as_ref(), &env, &cfg, &vault, Prices::Strict, None)?;
    let value_at_request = redeem_value(shares, vault.total_shares, v)?;
    let claimable_at = now.saturating_add(cfg.lp_withdraw_delay_secs);
    LP_REQUESTS.save(
        deps.storage,
        &info.sender,
        &LpRequest {
            shares,
            claimable_at,
            value_at_request: Some(value_at_request),
            refused: false,
        },
    )?;
    Ok(Response::new()
        .add_attribute("action", "withdraw_liquidity")
        .add_attribute("provider", info.sender)
        .add_attribute("shares", shares)
        .add_attribute("claimable_at", claimable_at.to_string())
        .add_attribute("value_at_request", value_at_request))
}

/// Past its claim window a request that was never refused has lapsed (DESIGN 6.7).
pub fn lapsed(req: &LpRequest, cfg: &Config, now: u64) -> bool {
    !req.refused && now > req.claimable_at.saturating_add(cfg.lp_claim_window_secs)
}

/// Pays a matured request at `min(share price at request, share price now)`, as far as cash,
/// the exposure caps and the backing allow (DESIGN 6.7); the rest stays requested, and a request
/// refused in whole or in part never lapses. A claim that can pay nothing records the refusal
/// and pays nothing. While a market is deferred the claim becomes an LP order that also pays
/// at most the share price at its pinned records (DESIGN 6.11).
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
    if lapsed(&req, &cfg, now) {
        return Err(ContractError::WithdrawalLapsed {
            claimable_at: req.claimable_at,
            expires_at: req.claimable_at.saturating_add(cfg.lp_claim_window_secs),
            now,
        });
    }
    let mut vault = VAULT.load(deps.storage)?;
    let (v, markets) = equity(deps.as_ref(), &env, &cfg, &vault, Prices::Strict, None)?;
    if any_deferred(deps.storage)? {
        return lp::place_claim(deps, &env, &cfg, &info.sender, &req, v, &vault);
    }
    let cap = request_cap(&req, &vault, v)?;
    let terms = claim_terms(&cfg, &req, cap, &vault, v, &markets)?;
    let out = claim(&terms)?;
    pay_claim(deps.storage, &info.sender, &req, &out, &mut vault)?;
    let mut resp = Response::new()
        .add_attribute("action", "claim_liquidity")
        .add_attribute("provider", info.sender.as_str())
        .add_attribute("shares", out.shares)
        .add_attribute("payout", out.payout)
        .add_attribute("shares_left", out.shares_left);
    if !out.payout.is_zero() {
        resp = resp.add_message(BankMsg::Send {
            to_address: info.sender.to_string(),
            amount: vec![Coin::new(out.payout, cfg.collateral_denom)],
        });
    }
    Ok(resp)
}

/// What a request's shares may be paid at most: their value at the request (a request stored
/// before the rule: their value now).
pub fn request_cap(req: &LpRequest, vault: &Vault, v: Quote) -> ContractResult<Uint128> {
    Ok(match req.value_at_request {
        Some(value) => value,
        None => redeem_value(req.shares, vault.total_shares, v)?,
    })
}

/// The claim of `req` capped at `cap`, at vault equity `v` over `markets`.
pub fn claim_terms(
    cfg: &Config,
    req: &LpRequest,
    cap: Uint128,
    vault: &Vault,
    v: Quote,
    markets: &[(VaultMarket, Decimal256)],
) -> ContractResult<ClaimTerms> {
    Ok(ClaimTerms {
        shares: req.shares,
        value_at_request: cap,
        total_shares: vault.total_shares,
        equity: v,
        // never cash a book owes the vault nor a trader's pending payout (scenario 61)
        cash: lp_free_cash(vault.cash, vault.receivables, vault.pending_payouts)?,
        required: required_equity(cfg, markets)?,
    })
}

/// Applies a claim's outcome: vault cash and shares, the LP's shares, what stays requested
/// (refused: it no longer lapses); saves the vault. The payout is the caller's to send.
pub fn pay_claim(
    storage: &mut dyn Storage,
    owner: &Addr,
    req: &LpRequest,
    out: &ClaimOutcome,
    vault: &mut Vault,
) -> ContractResult<()> {
    vault.apply(&ledger::claim_liquidity(vault.balances(), out.payout)?.after);
    vault.total_shares = vault.total_shares.checked_sub(out.shares)?;
    let mut lp = LPS.load(storage, owner)?;
    lp.shares = lp.shares.checked_sub(out.shares)?;
    if lp.shares.is_zero() {
        LPS.remove(storage, owner);
    } else {
        LPS.save(storage, owner, &lp)?;
    }
    if out.shares_left.is_zero() {
        LP_REQUESTS.remove(storage, owner);
    } else {
        let rest = LpRequest {
            shares: out.shares_left,
            claimable_at: req.claimable_at,
            value_at_request: Some(out.value_left),
            refused: true,
        };
        LP_REQUESTS.save(storage, owner, &rest)?;
    }
    VAULT.save(storage, vault)?;
    Ok(())
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

/// Sends the accrued insurance share of fees the vault holds to the fund in one message: at most
/// `cash + insurance_fees − receivables` (`perps_risk::solvency::sweepable`), the rest, booked
/// from books that owe it, stays pending.
pub fn sweep_fees(deps: DepsMut, info: MessageInfo) -> ContractResult<Response> {
    nonpayable(&info)?;
    let cfg = CONFIG.load(deps.storage)?;
    let mut vault = VAULT.load(deps.storage)?;
    if vault.insurance_fees.is_zero() {
        return Err(ContractError::NothingToSweep {});
    }
    let amount = sweepable(vault.insurance_fees, vault.cash, vault.receivables)?;
    if amount.is_zero() {
        return Err(ContractError::FeesNotHeld {
            insurance_fees: vault.insurance_fees,
            cash: vault.cash,
            receivables: vault.receivables,
        });
    }
    vault.apply(&ledger::sweep_fees(vault.balances(), amount)?.after);
    VAULT.save(deps.storage, &vault)?;
    let msg = InsuranceFund(cfg.insurance_fund.clone())
        .deposit_msg(Coin::new(amount, cfg.collateral_denom))?;
    Ok(Response::new()
        .add_message(msg)
        .add_attribute("action", "sweep_fees")
        .add_attribute("amount", amount)
        .add_attribute("insurance_fund", cfg.insurance_fund))
}
