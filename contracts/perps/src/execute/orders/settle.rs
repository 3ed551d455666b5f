//! A failure's move charged at the next record (scenario 77, docs/decisions.md "A failure
//! settles its move at the next record"): a failed order that is not exempt stays under its id
//! as a settling entry (`StoredOrder::settling`: its fill, clamped to its bound, and its
//! record's price). It runs like an order (keepers with or without ids, the owner's next message
//! first, id order in its market) and is charged, at the first record of its market accepted in
//! a block after the failure's ([`find_pin`]: past the history, the least favourable held one),
//! the loss of that fill closed there, `fill · next / record` ([`failure_exit`]), floored at
//! zero, as far as `C` holds (an isolated order's at most its margin). A settled market charges
//! at its settlement price. It cannot be cancelled and a liquidation or an ADL close keeps it.

use cosmwasm_std::{Decimal256, DepsMut, Env, Uint128};
use perps_api::events::OrderSettledEvent;
use perps_api::perps::MarketStatus;
use perps_risk::orders::{failure_exit, failure_move, order_charge};

use super::pin::{find_pin, latest_sequence, Pin};
use super::run::{isolated_bound, Batch};
use super::sweep::Seen;
use crate::account::load_with_vault;
use crate::error::ContractResult;
use crate::orders::{self, StoredOrder};
use crate::state::Config;

/// Charges settling entry `id` (`(fill, record price)` = `at`) if its record exists; returns
/// false while it waits.
#[allow(clippy::too_many_arguments)]
pub fn run_settlement(
    deps: &mut DepsMut,
    env: &Env,
    cfg: &Config,
    id: u64,
    order: &StoredOrder,
    (fill, record): (Decimal256, Decimal256),
    seen: Seen,
    batch: &mut Batch,
) -> ContractResult<bool> {
    let size = order.size_delta.unwrap_or_default();
    let (sequence, price) = match &seen.market.status {
        MarketStatus::Settled { price } => (0, *price),
        _ => {
            let Ok(latest) = &seen.latest else {
                return Ok(false);
            };
            let seq = latest_sequence(latest.as_ref());
            // the least favourable record for the entry: the lowest for a buy's fill
            let against = size.is_negative();
            let feed = &seen.market.config.feed_id;
            match find_pin(
                deps.as_ref(),
                env,
                cfg,
                order,
                feed,
                seq,
                against,
                &seen.recs,
            )? {
                Pin::Ready(rec) => (rec.sequence, rec.price),
                _ => return Ok(false),
            }
        }
    };
    orders::remove(deps.storage, id, order)?;
    let exit = failure_exit(size, fill, (record, price))?;
    let owed = failure_move(size, fill, exit, cfg.collateral_decimals)?;
    let (mut ctx, mut vault, loaded) =
        load_with_vault(deps.as_ref(), env, cfg, &order.owner, None)?;
    let owed = match isolated_bound(&ctx, order) {
        Some(margin) => owed.min(margin),
        None => owed,
    };
    let (moved, charged) = order_charge(ctx.balances(None, &vault), Uint128::zero(), owed)?;
    ctx.apply(&mut vault, &moved);
    let netted = crate::solvency::net_pending(
        deps.storage,
        &mut ctx,
        &mut vault,
        owed.checked_sub(charged.vault_fee)?,
        false,
    )?;
    loaded.save(deps.storage, &ctx, &mut vault)?;
    batch.events.push(
        OrderSettledEvent {
            order_id: id,
            account: order.owner.clone(),
            market_id: order.market_id.clone(),
            sequence,
            price,
            price_move: charged.vault_fee.checked_add(netted)?,
            payout_netted: (!netted.is_zero()).then_some(netted),
        }
        .into(),
    );
    batch.handled += 1;
    Ok(true)
}
