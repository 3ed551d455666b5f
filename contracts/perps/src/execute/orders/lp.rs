//! LP orders (DESIGN 6.11): while any market is deferred, `provide_liquidity` (once shares
//! exist) and `claim_liquidity` are orders executed like market orders. Each is pinned, in every
//! market with open skew at execution, to the first price record accepted in a block after the
//! request's; the vault is valued at those records (as the strict oracle rules judged them when
//! accepted), and the LP gets the worse of the share prices at request and at execution: a
//! provide mints at the higher, a claim pays the lowest of the request's, the claim's and the
//! execution's. An LP who sees a price update coming gains nothing by acting first, and an
//! order that waits is no option: its records are fixed, and it cannot be cancelled.
//!
//! A provide's attached funds are deposited into the owner's `C` and reserved (as a market
//! order's), its keeper fee included; a claim's keeper fee comes out of its payout.

use std::cell::Cell;

use cosmwasm_std::{
    Addr, BankMsg, Coin, Decimal256, Deps, DepsMut, Env, Response, SubMsg, Uint128,
};
use perps_api::events::{LpOrderExecutedEvent, OrderFailedEvent};
use perps_risk::book::book_health;
use perps_risk::ledger::{self, Balances};
use perps_risk::num::{int128, Quote};
use perps_risk::orders::order_charge;
use perps_risk::solvency::claim;
use perps_risk::vault::{redeem_value, shares_to_mint, SharesMinted, VaultMarket};

use super::pin::{find_pin, latest_sequence, record_mark, Pin};
use super::place::{check_count, placed_event};
use super::run::{cancel, Batch};
use crate::account::{book_params, load_account};
use crate::error::{ContractError, ContractResult};
use crate::execute::vault::{claim_terms, mint, pay_claim, request_cap};
use crate::market::{skew, Prices};
use crate::oracle;
use crate::orders::{self, LpOrder, StoredOrder};
use crate::state::{Config, LpRequest, Market, MarketState, Vault, COLLATERAL, LP_REQUESTS, VAULT};
use crate::valuation::equity;

const WAITING: u8 = 1;
const EXPIRED: u8 = 2;

/// `provide_liquidity` as an order: `funds − keeper_fee` is provided at execution, minting at
/// most what it buys at the share price now (`v`).
pub fn place_provide(
    deps: DepsMut,
    env: &Env,
    cfg: &Config,
    owner: &Addr,
    funds: Uint128,
    v: Quote,
    vault: &Vault,
) -> ContractResult<Response> {
    let amount = funds.saturating_sub(cfg.keeper_fee);
    if amount.is_zero() {
        return Err(ContractError::invalid(
            "funds",
            format!("{funds} must exceed the keeper fee {}", cfg.keeper_fee),
        ));
    }
    let minted = shares_to_mint(amount, vault.total_shares, v, cfg.collateral_decimals)?;
    let c = COLLATERAL
        .may_load(deps.storage, owner)?
        .unwrap_or_default();
    let before = Balances {
        collateral: c,
        ..Balances::default()
    };
    let c = ledger::deposit(before, funds)?.after.collateral;
    COLLATERAL.save(deps.storage, owner, &c)?;
    let lp = LpOrder::Provide {
        shares: minted.minted,
    };
    store(deps, env, cfg, owner, funds, lp, "provide_liquidity")
}

/// `claim_liquidity` as an order on the request `req`, paying at most its shares' worth at the
/// share price now (`v`).
pub fn place_claim(
    deps: DepsMut,
    env: &Env,
    cfg: &Config,
    owner: &Addr,
    req: &LpRequest,
    v: Quote,
    vault: &Vault,
) -> ContractResult<Response> {
    let lp = LpOrder::Claim {
        shares: req.shares,
        value: redeem_value(req.shares, vault.total_shares, v)?,
    };
    store(
        deps,
        env,
        cfg,
        owner,
        Uint128::zero(),
        lp,
        "claim_liquidity",
    )
}

#[allow(clippy::too_many_arguments)]
fn store(
    deps: DepsMut,
    env: &Env,
    cfg: &Config,
    owner: &Addr,
    reserved: Uint128,
    lp: LpOrder,
    action: &str,
) -> ContractResult<Response> {
    check_count(deps.storage, cfg, owner)?;
    let order = StoredOrder {
        owner: owner.clone(),
        market_id: String::new(),
        size_delta: None,
        trigger_price: None,
        trigger: None,
        reduce_only: false,
        acceptable_price: None,
        mode: None,
        placed_at: env.block.time.seconds(),
        placed_height: env.block.height,
        placed_sequence: 0,
        reserved,
        keeper_fee: cfg.keeper_fee,
        lp_shares: Some(match lp {
            LpOrder::Provide { shares } | LpOrder::Claim { shares, .. } => shares,
        }),
        lp_value: match lp {
            LpOrder::Claim { value, .. } => Some(value),
            LpOrder::Provide { .. } => None,
        },
        settle_fill: None,
        settle_record: None,
        settle_in_position: false,
    };
    let order_id = orders::insert(deps.storage, &order)?;
    Ok(Response::new()
        .add_attribute("action", action)
        .add_event(placed_event(order_id, &order)))
}

/// What an executed LP order moved.
struct LpFill {
    /// Provided to the vault, or paid to the LP.
    amount: Uint128,
    shares: Uint128,
    keeper_fee: Uint128,
}

/// A provide waits for the pending settling entries (scenario 87): their charges are the
/// vault's, not the new LP's; past its age limit it is refunded.
fn wait_for_settlements(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    id: u64,
    order: &StoredOrder,
    batch: &mut Batch,
) -> ContractResult<bool> {
    let deadline = order.placed_at.saturating_add(cfg.max_order_age_secs);
    if env.block.time.seconds() > deadline {
        return cancel(deps, id, order, "expired", batch);
    }
    Ok(false)
}

/// Runs LP order `id` if every market with open skew has its pinned record (false: it waits),
/// a provide only when no settling entry is pending.
pub fn run_lp(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    keeper: &Addr,
    id: u64,
    order: StoredOrder,
    batch: &mut Batch,
) -> ContractResult<bool> {
    let lp = order.lp();
    let provide = matches!(lp, Some(LpOrder::Provide { .. }));
    if provide && orders::settling(deps.storage) > 0 {
        return wait_for_settlements(deps, env, cfg, id, &order, batch);
    }
    let req = LP_REQUESTS.may_load(deps.storage, &order.owner)?;
    // A claim order pays the request it was placed on: one made after it (the same shares
    // again, after a cancel or a lapse) is claimable only later than the order was placed.
    let req = match (lp, req) {
        (Some(LpOrder::Claim { shares, .. }), Some(r))
            if r.shares == shares && r.claimable_at <= order.placed_at =>
        {
            Some(r)
        }
        (Some(LpOrder::Claim { .. }), _) => {
            return cancel(deps, id, &order, "request_changed", batch);
        }
        _ => None,
    };
    let status = Cell::new(0u8);
    let d = deps.as_ref();
    let pin = |market_id: &str, market: &Market, state: &MarketState| {
        // The record least favourable to the LP, if the first has left the history: a provide
        // fears a high V (the highest price when traders are short), a claim a low one.
        let buy = provide == skew(state)?.is_negative();
        let (rec, set) = match lp_pin(d, env, cfg, &order, market_id, market, buy) {
            Ok(Pin::Ready(rec)) => (Some(rec), 0),
            Ok(Pin::Expired) => (None, EXPIRED),
            _ => (None, WAITING),
        };
        status.set(set);
        match rec {
            Some(rec) => Ok(record_mark(cfg, env, market_id, market, &rec)?.strict()?),
            None => Err(ContractError::invalid("order", "not ready")),
        }
    };
    let vault = VAULT.load(deps.storage)?;
    let valued = equity(d, env, cfg, &vault, Prices::Strict, Some(&pin));
    match status.get() {
        WAITING => return Ok(false),
        EXPIRED => return cancel(deps, id, &order, "expired", batch),
        _ => {}
    }
    orders::remove(deps.storage, id, &order)?;
    batch.handled += 1;
    let keeper_fee = if *keeper == order.owner {
        Uint128::zero()
    } else {
        order.keeper_fee
    };
    let filled = valued.and_then(|(v, markets)| match (lp, req) {
        (Some(LpOrder::Provide { shares }), _) => {
            fill_provide(deps, env, cfg, &order, shares, keeper_fee, v, vault)
        }
        (Some(LpOrder::Claim { value, .. }), Some(req)) => fill_claim(
            deps, cfg, &order, &req, value, keeper_fee, v, &markets, vault,
        ),
        _ => Err(ContractError::invalid("order", "not an LP order")),
    });
    match filled {
        Ok(f) => {
            record_fill(cfg, id, &order, keeper, provide, f, batch)?;
            Ok(true)
        }
        Err(e) => fail_lp(deps, id, &order, keeper, keeper_fee, e.to_string(), batch),
    }
}

/// The keeper fee, the LP's payout (a claim) and the event of a filled LP order.
fn record_fill(
    cfg: &Config,
    id: u64,
    order: &StoredOrder,
    keeper: &Addr,
    provide: bool,
    f: LpFill,
    batch: &mut Batch,
) -> ContractResult<()> {
    batch.keeper_fees = batch.keeper_fees.checked_add(f.keeper_fee)?;
    if !provide && !f.amount.is_zero() {
        batch.submsgs.push(SubMsg::new(BankMsg::Send {
            to_address: order.owner.to_string(),
            amount: vec![Coin::new(f.amount, cfg.collateral_denom.clone())],
        }));
    }
    let kind = if provide { "provide" } else { "claim" };
    batch.events.push(
        LpOrderExecutedEvent {
            order_id: id,
            account: order.owner.clone(),
            keeper: keeper.clone(),
            kind: kind.to_string(),
            amount: f.amount,
            shares: f.shares,
            keeper_fee: f.keeper_fee,
        }
        .into(),
    );
    Ok(())
}

/// Provides the order's funds (as far as `C` still holds them beyond the other orders'
/// reservations) less the keeper fee, minting at the higher of the share prices at request
/// (`bound` shares for the whole amount) and now.
#[allow(clippy::too_many_arguments)]
fn fill_provide(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    order: &StoredOrder,
    bound: Uint128,
    keeper_fee: Uint128,
    v: Quote,
    mut vault: Vault,
) -> ContractResult<LpFill> {
    let owner = &order.owner;
    // The funds leave `C` as a withdrawal would: only as far as the cross book's free collateral
    // (the other orders' reservations counted as spent) goes, the rest stays in `C`.
    let ctx = load_account(deps.as_ref(), env, cfg, owner, None)?;
    let c = ctx.collateral;
    let free = book_health(&ctx.cross_book(Prices::Strict)?, &book_params(cfg))?.free_collateral;
    let funds = order.reserved.min(free);
    let keeper = keeper_fee.min(funds);
    let amount = funds.checked_sub(keeper)?;
    let now = shares_to_mint(amount, vault.total_shares, v, cfg.collateral_decimals)?;
    let full = order.reserved.checked_sub(order.keeper_fee)?;
    let minted = SharesMinted {
        minted: now.minted.min(bound.multiply_ratio(amount, full)),
        locked: now.locked,
    };
    if minted.minted.is_zero() {
        return Err(ContractError::ZeroShares { amount });
    }
    COLLATERAL.save(deps.storage, owner, &c.checked_sub(int128(funds)?)?)?;
    let shares = mint(deps.storage, &mut vault, owner, amount, &minted, env)?;
    VAULT.save(deps.storage, &vault)?;
    Ok(LpFill {
        amount,
        shares,
        keeper_fee: keeper,
    })
}

/// Claims `req` at the lowest of the share prices at the request, at the claim (`value`) and
/// now; the keeper fee comes out of the payout.
#[allow(clippy::too_many_arguments)]
fn fill_claim(
    deps: &mut DepsMut,
    cfg: &Config,
    order: &StoredOrder,
    req: &LpRequest,
    value: Uint128,
    keeper_fee: Uint128,
    v: Quote,
    markets: &[(VaultMarket, Decimal256)],
    mut vault: Vault,
) -> ContractResult<LpFill> {
    let cap = request_cap(req, &vault, v)?.min(value);
    let out = claim(&claim_terms(cfg, req, cap, &vault, v, markets)?)?;
    pay_claim(deps.storage, &order.owner, req, &out, &mut vault)?;
    let keeper = keeper_fee.min(out.payout);
    Ok(LpFill {
        amount: out.payout.checked_sub(keeper)?,
        shares: out.shares,
        keeper_fee: keeper,
    })
}

/// An LP order refused at its records: a provide pays its keeper fee out of `C` (the rest of
/// its funds stay there, free), a claim pays nothing (its request stays).
fn fail_lp(
    deps: &mut DepsMut,
    id: u64,
    order: &StoredOrder,
    keeper: &Addr,
    keeper_fee: Uint128,
    reason: String,
    batch: &mut Batch,
) -> ContractResult<bool> {
    let mut charged = Uint128::zero();
    if order.reserved > Uint128::zero() {
        let c = COLLATERAL
            .may_load(deps.storage, &order.owner)?
            .unwrap_or_default();
        let before = Balances {
            collateral: c,
            ..Balances::default()
        };
        let (moved, charge) = order_charge(before, keeper_fee, Uint128::zero())?;
        COLLATERAL.save(deps.storage, &order.owner, &moved.after.collateral)?;
        charged = charge.keeper_fee;
    }
    batch.keeper_fees = batch.keeper_fees.checked_add(charged)?;
    batch.events.push(
        OrderFailedEvent {
            order_id: id,
            account: order.owner.clone(),
            market_id: String::new(),
            keeper: keeper.clone(),
            reason,
            sequence: 0,
            price: Decimal256::zero(),
            keeper_fee: charged,
            fee: Uint128::zero(),
            price_move: Uint128::zero(),
            settles_at_next_record: false,
        }
        .into(),
    );
    Ok(true)
}

/// The record of a market an LP order is pinned to ([`find_pin`]); it waits while the market
/// is unconfirmed.
fn lp_pin(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    order: &StoredOrder,
    market_id: &str,
    market: &Market,
    buy: bool,
) -> ContractResult<Pin> {
    let feed_id = &market.config.feed_id;
    let latest = oracle::read(deps, cfg, market_id, feed_id)?;
    if latest.as_ref().is_some_and(|r| r.is_unconfirmed()) {
        return Ok(Pin::Waiting);
    }
    let seq = latest_sequence(latest.as_ref());
    find_pin(deps, env, cfg, order, feed_id, seq, buy, &[])
}
