//! Dispatch: one arm per message, one call each.

use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Reply, Response, Uint128};
use perps_api::entry::answer;
use perps_api::perps::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

use crate::error::ContractResult;
use crate::execute::{
    account, adl, admin, bad_debt, liquidate, markets, orders, settle, solvency, trade, vault,
};
use crate::query as q;

pub fn instantiate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> ContractResult<Response> {
    admin::instantiate(deps, env, info, msg)
}

/// Every message of an account first executes that account's ready orders (DESIGN 6.11), except
/// `execute_orders` (it executes orders itself) and `cancel_order` (refused for an order that
/// has triggered rather than executing it first); a message that cannot run one of them first
/// is refused (`OwnOrderFirst`), unless it only adds collateral (a deposit, an `add_margin`
/// paid whole by attached funds).
pub fn execute(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> ContractResult<Response> {
    let own = match msg {
        ExecuteMsg::ExecuteOrders { .. } | ExecuteMsg::CancelOrder { .. } => Response::new(),
        // adding collateral never waits for the sender's orders (it can only help its books);
        // a margin moved out of `C` changes the book an order fills into: it waits (scenario 104)
        ExecuteMsg::Deposit { .. } => {
            orders::run_own_first(deps.branch(), &env, &info.sender, false)?
        }
        ExecuteMsg::AddMargin { amount, .. } => {
            let paid = match info.funds.is_empty() {
                true => Uint128::zero(),
                false => {
                    let cfg = crate::state::CONFIG.load(deps.storage)?;
                    crate::execute::attached_collateral(&info, &cfg)?
                }
            };
            orders::run_own_first(deps.branch(), &env, &info.sender, paid < amount)?
        }
        _ => orders::run_own_first(deps.branch(), &env, &info.sender, true)?,
    };
    let res = dispatch(deps, env, info, msg)?;
    Ok(merge(own, res))
}

/// `first`'s events and messages before `then`'s; `then`'s attributes.
fn merge(first: Response, then: Response) -> Response {
    if first.events.is_empty() && first.messages.is_empty() {
        return then;
    }
    let mut res = Response::new()
        .add_submessages(first.messages)
        .add_events(first.events)
        .add_submessages(then.messages)
        .add_events(then.events)
        .add_attributes(then.attributes);
    res.data = then.data;
    res
}

fn dispatch(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> ContractResult<Response> {
    match msg {
        ExecuteMsg::Deposit {} => account::deposit(deps, env, info),
        ExecuteMsg::Withdraw { amount } => account::withdraw(deps, env, info, amount),
        ExecuteMsg::Trade {
            market_id,
            size_delta,
            acceptable_price,
            mode,
        } => trade::trade(
            deps,
            env,
            info,
            market_id,
            size_delta,
            acceptable_price,
            mode,
        ),
        ExecuteMsg::ClosePosition {
            market_id,
            acceptable_price,
        } => trade::close_position(deps, env, info, market_id, acceptable_price),
        msg @ (ExecuteMsg::ExecuteOrders { .. }
        | ExecuteMsg::PlaceOrder { .. }
        | ExecuteMsg::CancelOrder { .. }) => dispatch_orders(deps, env, info, msg),
        ExecuteMsg::AddMargin { market_id, amount } => {
            account::add_margin(deps, env, info, market_id, amount)
        }
        ExecuteMsg::RemoveMargin { market_id, amount } => {
            account::remove_margin(deps, env, info, market_id, amount)
        }
        ExecuteMsg::Liquidate {
            account,
            min_reward,
        } => liquidate::liquidate(deps, env, info, account, min_reward),
        ExecuteMsg::ProvideLiquidity {} => vault::provide_liquidity(deps, env, info),
        ExecuteMsg::WithdrawLiquidity { shares } => {
            vault::withdraw_liquidity(deps, env, info, shares)
        }
        ExecuteMsg::ClaimLiquidity {} => vault::claim_liquidity(deps, env, info),
        ExecuteMsg::CancelWithdrawLiquidity {} => vault::cancel_withdraw_liquidity(deps, info),
        ExecuteMsg::SweepFees {} => vault::sweep_fees(deps, info),
        ExecuteMsg::AutoDeleverage { market_id, limit } => {
            adl::auto_deleverage(deps, env, info, market_id, limit)
        }
        ExecuteMsg::MarkBadDebt { account } => solvency::mark_bad_debt(deps, env, info, account),
        ExecuteMsg::SettlePositions { market_id, limit } => {
            settle::settle_positions(deps, env, info, market_id, limit)
        }
        ExecuteMsg::AddMarket { market_id, config } => {
            markets::add_market(deps, env, info, market_id, config)
        }
        ExecuteMsg::UpdateMarket {
            market_id,
            config,
            force,
        } => markets::update_market(deps, env, info, market_id, config, force),
        ExecuteMsg::SetMarketStatus { market_id, status } => {
            markets::set_market_status(deps, info, market_id, status)
        }
        ExecuteMsg::SettleMarket { market_id, price } => {
            markets::settle_market(deps, env, info, market_id, price)
        }
        msg @ ExecuteMsg::UpdateConfig { .. } => admin::update_config(deps, info, msg),
        ExecuteMsg::TransferOwnership { new_owner } => {
            admin::transfer_ownership(deps, info, new_owner)
        }
        ExecuteMsg::AcceptOwnership {} => admin::accept_ownership(deps, info),
    }
}

/// The order messages (DESIGN 6.11).
fn dispatch_orders(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> ContractResult<Response> {
    match msg {
        ExecuteMsg::ExecuteOrders { order_ids, limit } => {
            orders::execute_orders(deps, env, info, order_ids, limit)
        }
        ExecuteMsg::PlaceOrder {
            market_id,
            size_delta,
            trigger_price,
            trigger,
            reduce_only,
            acceptable_price,
            mode,
        } => orders::place::place_order(
            deps,
            env,
            info,
            orders::place::Conditional {
                market_id,
                size_delta,
                trigger_price,
                trigger,
                reduce_only,
                acceptable_price,
                mode,
            },
        ),
        ExecuteMsg::CancelOrder { order_id } => orders::cancel_order(deps, env, info, order_id),
        _ => Err(crate::error::ContractError::NotImplemented {
            what: "an order message".to_string(),
        }),
    }
}

pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> ContractResult<Binary> {
    let answered = match msg {
        QueryMsg::Config {} => answer(&q::config(deps)?),
        QueryMsg::Market { market_id } => answer(&q::market(deps, market_id)?),
        QueryMsg::Markets { start_after, limit } => answer(&q::markets(deps, start_after, limit)?),
        QueryMsg::Account { address } => answer(&q::account(deps, env, address)?),
        QueryMsg::Accounts { start_after, limit } => {
            answer(&q::accounts(deps, env, start_after, limit)?)
        }
        QueryMsg::LiquidatableAccounts { start_after, limit } => {
            answer(&q::liquidatable_accounts(deps, env, start_after, limit)?)
        }
        QueryMsg::SimulateTrade {
            address,
            market_id,
            size_delta,
            mode,
        } => answer(&q::simulate_trade(
            deps, env, address, market_id, size_delta, mode,
        )?),
        QueryMsg::Orders { address } => answer(&q::orders(deps, address)?),
        QueryMsg::PendingOrders { start_after, limit } => {
            answer(&q::pending_orders(deps, start_after, limit)?)
        }
        QueryMsg::Vault {} => answer(&q::vault(deps, env)?),
        QueryMsg::LpPosition { address } => answer(&q::lp_position(deps, env, address)?),
        QueryMsg::AdlRanking {
            market_id,
            start_after,
            limit,
        } => answer(&q::adl_ranking(deps, env, market_id, start_after, limit)?),
    };
    Ok(answered?)
}

pub fn migrate(deps: DepsMut, _env: Env, msg: MigrateMsg) -> ContractResult<Response> {
    admin::migrate(deps, msg)
}

/// Replies: only the insurance fund's `cover_bad_debt` failing comes back here.
pub fn reply(deps: DepsMut, _env: Env, msg: Reply) -> ContractResult<Response> {
    bad_debt::reply(deps, msg)
}
