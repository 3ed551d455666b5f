//! Bank balances with the SDK's KV gas for the reads and writes a `MsgSend` makes.

use std::collections::BTreeMap;

use cosmwasm_std::{Coin, Event, Uint256};

use crate::error::ChainError;
use crate::gas::{self, Kind, KV_DELETE, KV_HAS};
use crate::state::Ctx;

/// Key bytes of a balance in x/bank: prefix, address length, address, denom.
fn balance_key_len(ctx: &Ctx, addr: &str, denom: &str) -> usize {
    2 + ctx.canonical_len(addr) + denom.len()
}

/// Bytes of the stored amount (`math.Int` marshals as decimal text); 0 when absent.
fn amount_len(amount: Uint256) -> usize {
    if amount.is_zero() {
        0
    } else {
        amount.to_string().len()
    }
}

/// The balance without gas (for the chain's own getters).
pub(crate) fn balance(ctx: &Ctx, addr: &str, denom: &str) -> Uint256 {
    ctx.state
        .borrow()
        .balances
        .get(addr)
        .and_then(|b| b.get(denom).copied())
        .unwrap_or_default()
}

/// The balance as a query or `MsgSend` reads it, paying the KV read.
pub(crate) fn read_balance(ctx: &Ctx, addr: &str, denom: &str) -> Uint256 {
    let amount = balance(ctx, addr, denom);
    let bytes = balance_key_len(ctx, addr, denom) + amount_len(amount);
    ctx.charge(Kind::KvRead, gas::kv_read(bytes));
    amount
}

fn write_balance(ctx: &Ctx, addr: &str, denom: &str, amount: Uint256) {
    let key = balance_key_len(ctx, addr, denom);
    let mut state = ctx.state.borrow_mut();
    if amount.is_zero() {
        ctx.charge(Kind::KvDelete, KV_DELETE);
        if let Some(b) = state.balances.get_mut(addr) {
            b.remove(denom);
            if b.is_empty() {
                state.balances.remove(addr);
            }
        }
    } else {
        ctx.charge(Kind::KvWrite, gas::kv_write(key + amount_len(amount)));
        state
            .balances
            .entry(addr.to_string())
            .or_default()
            .insert(denom.to_string(), amount);
    }
}

/// The coin list the SDK accepts: positive amounts, non-empty distinct denoms; returned sorted.
pub(crate) fn normalize(coins: &[Coin]) -> Result<Vec<Coin>, ChainError> {
    let mut sorted: BTreeMap<&str, Uint256> = BTreeMap::new();
    for c in coins {
        if c.denom.is_empty() {
            return Err(ChainError::InvalidMessage(
                "coin with an empty denom".into(),
            ));
        }
        if c.amount.is_zero() {
            return Err(ChainError::InvalidMessage(format!(
                "coin {} has a zero amount",
                c.denom
            )));
        }
        if sorted.insert(&c.denom, c.amount).is_some() {
            return Err(ChainError::InvalidMessage(format!(
                "duplicate denom {}",
                c.denom
            )));
        }
    }
    Ok(sorted
        .into_iter()
        .map(|(denom, amount)| Coin::new(amount, denom))
        .collect())
}

/// Takes `coins` from `from`, or refuses the first coin it holds too little of.
fn debit(ctx: &Ctx, from: &str, coins: &[Coin]) -> Result<(), ChainError> {
    for c in coins {
        let available = read_balance(ctx, from, &c.denom);
        let left = available
            .checked_sub(c.amount)
            .map_err(|_| ChainError::InsufficientFunds {
                address: from.to_string(),
                denom: c.denom.clone(),
                available,
                required: c.amount,
            })?;
        write_balance(ctx, from, &c.denom, left);
    }
    Ok(())
}

/// `MsgSend`: moves `coins` (already normalized) and returns the SDK's `transfer` event.
pub(crate) fn send(ctx: &Ctx, from: &str, to: &str, coins: &[Coin]) -> Result<Event, ChainError> {
    debit(ctx, from, coins)?;
    for c in coins {
        let held = read_balance(ctx, to, &c.denom);
        let sum = held
            .checked_add(c.amount)
            .map_err(|e| ChainError::InvalidMessage(e.to_string()))?;
        write_balance(ctx, to, &c.denom, sum);
    }
    // The SDK looks the recipient account up (and would create it).
    ctx.charge(Kind::KvHas, KV_HAS);
    Ok(Event::new("transfer")
        .add_attribute("recipient", to)
        .add_attribute("sender", from)
        .add_attribute("amount", coins_string(coins)))
}

/// `MsgBurn` from a contract.
pub(crate) fn burn(ctx: &Ctx, from: &str, coins: &[Coin]) -> Result<Event, ChainError> {
    debit(ctx, from, coins)?;
    Ok(Event::new("burn")
        .add_attribute("burner", from)
        .add_attribute("amount", coins_string(coins)))
}

/// Creates coins out of nothing (test setup; no gas).
pub(crate) fn mint(ctx: &Ctx, to: &str, coins: &[Coin]) -> Result<(), ChainError> {
    let mut state = ctx.state.borrow_mut();
    let balances = state.balances.entry(to.to_string()).or_default();
    for c in coins {
        let held = balances.get(&c.denom).copied().unwrap_or_default();
        let sum = held
            .checked_add(c.amount)
            .map_err(|e| ChainError::InvalidMessage(e.to_string()))?;
        balances.insert(c.denom.clone(), sum);
    }
    Ok(())
}

/// `100uatom,5uusd`, as the SDK prints coins.
pub(crate) fn coins_string(coins: &[Coin]) -> String {
    coins
        .iter()
        .map(|c| format!("{}{}", c.amount, c.denom))
        .collect::<Vec<_>>()
        .join(",")
}
