//! An account as a message sees it: loaded once with its positions and their markets, valued
//! as `perps-risk` books, changed in memory (positions with their market aggregates, balances
//! through `perps_risk::ledger` results) and written back — only what changed.

// Sorted-`Vec` maps with `BTreeMap`'s order and API (`crate::vecmap`: far less code in the artifact).
use crate::vecmap::{VecMap as BTreeMap, VecSet as BTreeSet};

use cosmwasm_std::{
    Addr, Decimal256, Deps, Env, Int128, Order, SignedDecimal256, Storage, Uint128,
};
use perps_api::perps::MarketStatus;
use perps_risk::book::{
    book_health, settled_isolated_return, Book, BookHealth, BookParams, BookPosition,
};
use perps_risk::funding::funding_settlement;
use perps_risk::ledger::{self, Balances, Fill, Moved, Payout};
use perps_risk::num::int128;

use crate::error::{ContractError, ContractResult};
use crate::market::{aggregate, load_market_ctxs, risk_position, set_aggregate, MarketCtx, Prices};
use crate::orders::reserved_of;
use crate::solvency;
use crate::state::{
    holder_rank, Config, MarketState, Mode, Position, Vault, COLLATERAL, MARKET_HOLDERS,
    MARKET_STATES, PENDING_PAYOUTS, POSITIONS, VAULT,
};

/// An account with every position and the markets they are in.
#[derive(Debug)]
pub struct AccountCtx {
    pub addr: Addr,
    pub collateral: Int128,
    pub positions: BTreeMap<String, Position>,
    pub markets: BTreeMap<String, MarketCtx>,
    /// Markets whose position of this account changed (saved or removed at the end).
    pub dirty_positions: BTreeSet<String>,
    /// Markets whose state changed.
    pub dirty_markets: BTreeSet<String>,
    /// Decimals of the collateral (for the settled isolated values in the cross book).
    pub collateral_decimals: u8,
    /// `(V, Σ profits)` while the vault's equity is below zero: realized profits of this message
    /// are paid with the haircut (DESIGN 6.10; set by the handler, [`crate::solvency`]).
    pub haircut: Option<(perps_risk::num::Quote, perps_risk::num::Quote)>,
    /// Part of `C` held back by pending orders ([`crate::orders::RESERVED`]): spent for every
    /// risk-adding check ([`AccountCtx::cross_book`] under `Prices::Strict`). Read by
    /// [`load_account`]; 0 in page scans, which only value books.
    pub reserved: Uint128,
    /// What the account's books owed the vault at load ([`debt_of`]): its part of
    /// `Vault::receivables`.
    pub loaded_debt: Uint128,
    /// Pending payout added by this message (profits the vault could not pay in cash) and
    /// settled by it (paid into `C` or forgiven by the haircut); [`AccountCtx::save`] writes
    /// the account's record.
    pub pending_added: Uint128,
    pub pending_settled: Uint128,
}

/// What an account's books owe the vault: `max(0, −C)` and `max(0, −M)` of each isolated
/// position (DESIGN 6.10, issue 12: cash the vault booked and does not hold).
pub fn debt_of(
    collateral: Int128,
    positions: &BTreeMap<String, Position>,
) -> ContractResult<Uint128> {
    let owed = |x: Int128| {
        if x.is_negative() {
            x.unsigned_abs()
        } else {
            Uint128::zero()
        }
    };
    let mut total = owed(collateral);
    for p in positions.values() {
        if let Mode::Isolated { margin } = p.mode {
            total = total.checked_add(owed(margin))?;
        }
    }
    Ok(total)
}

/// What a message loaded for an account (market states as accrued to the block time at load),
/// taken right after loading so that [`AccountCtx::save`] writes back only what changed.
#[derive(Debug)]
pub struct Loaded {
    collateral: Int128,
    positions: BTreeMap<String, Position>,
    states: BTreeMap<String, MarketState>,
}

/// What a message loaded (the account and the vault), so that [`Snapshot::save`] writes back
/// only what changed.
#[derive(Debug)]
pub struct Snapshot {
    account: Loaded,
    vault: Vault,
}

impl Snapshot {
    /// Writes the account ([`AccountCtx::save`]) and the vault, each only where it changed.
    pub fn save(
        &self,
        storage: &mut dyn Storage,
        ctx: &AccountCtx,
        vault: &mut Vault,
    ) -> ContractResult<()> {
        ctx.save(storage, &self.account, vault)?;
        if *vault != self.vault {
            VAULT.save(storage, vault)?;
        }
        Ok(())
    }
}

/// [`load_account`] and the vault, with the [`Snapshot`] to save them against.
pub fn load_with_vault(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    addr: &Addr,
    extra_market: Option<&str>,
) -> ContractResult<(AccountCtx, Vault, Snapshot)> {
    let ctx = load_account(deps, env, cfg, addr, extra_market)?;
    with_vault(deps, env, cfg, ctx)
}

/// [`load_with_vault`] with the message's market already built (`known`: an order's execution
/// read its market and latest price to find its record; they are not read again).
pub fn load_with_vault_known(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    addr: &Addr,
    known: MarketCtx,
) -> ContractResult<(AccountCtx, Vault, Snapshot)> {
    let id = known.id.clone();
    let mut cache = BTreeMap::new();
    cache.insert(id.clone(), known);
    let ctx = load_account_in(deps, env, cfg, addr, Some(&id), cache)?;
    with_vault(deps, env, cfg, ctx)
}

fn with_vault(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    mut ctx: AccountCtx,
) -> ContractResult<(AccountCtx, Vault, Snapshot)> {
    let account = ctx.loaded();
    let mut vault = VAULT.load(deps.storage)?;
    let snapshot = Snapshot {
        account,
        vault: vault.clone(),
    };
    // a pending payout is paid first, before any check of the message (issue 12)
    solvency::pay_pending(deps, env, cfg, &mut ctx, &mut vault)?;
    Ok((ctx, vault, snapshot))
}

/// An account, its positions and their markets, plus `extra_market` (the market a message is
/// about, which the account may not hold yet).
pub fn load_account(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    addr: &Addr,
    extra_market: Option<&str>,
) -> ContractResult<AccountCtx> {
    load_account_in(deps, env, cfg, addr, extra_market, BTreeMap::new())
}

/// [`load_account`] with the markets already in `cache` not read again.
fn load_account_in(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    addr: &Addr,
    extra_market: Option<&str>,
    mut cache: BTreeMap<String, MarketCtx>,
) -> ContractResult<AccountCtx> {
    let collateral = COLLATERAL.may_load(deps.storage, addr)?.unwrap_or_default();
    let positions = read_positions(deps.storage, addr)?;
    // the extra market is read with the account's markets (one range for all of them)
    let mut extra =
        extra_market.filter(|id| !positions.contains_key(*id) && !cache.contains_key(*id));
    let mut ids: Vec<&str> = Vec::with_capacity(positions.len() + 1);
    for k in positions.keys().filter(|k| !cache.contains_key(k.as_str())) {
        if let Some(e) = extra.filter(|e| *e < k.as_str()) {
            ids.push(e);
            extra = None;
        }
        ids.push(k);
    }
    ids.extend(extra);
    load_market_ctxs(deps, env, cfg, &ids, &mut cache)?;
    let mut ctx = load_account_with(deps, env, cfg, addr, collateral, positions, &mut cache)?;
    ctx.reserved = reserved_of(deps.storage, addr)?;
    if let Some(id) = extra_market {
        if let Some(m) = cache.remove(id) {
            ctx.markets.insert(id.to_string(), m);
        }
    }
    Ok(ctx)
}

/// Every position of `addr`, by market.
pub fn read_positions(
    storage: &dyn Storage,
    addr: &Addr,
) -> ContractResult<BTreeMap<String, Position>> {
    Ok(POSITIONS
        .prefix(addr)
        .range(storage, None, None, Order::Ascending)
        .collect::<Result<_, _>>()?)
}

/// Like [`load_account`] for an account whose collateral the caller already read, taking market
/// contexts from `cache` first (one price read per market for a whole page of accounts); give
/// them back with [`AccountCtx::return_markets`].
pub fn load_account_cached(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    addr: &Addr,
    collateral: Int128,
    cache: &mut BTreeMap<String, MarketCtx>,
) -> ContractResult<AccountCtx> {
    let positions = read_positions(deps.storage, addr)?;
    load_account_with(deps, env, cfg, addr, collateral, positions, cache)
}

/// [`load_account_cached`] for positions the caller already read.
pub fn load_account_with(
    deps: Deps,
    env: &Env,
    cfg: &Config,
    addr: &Addr,
    collateral: Int128,
    positions: BTreeMap<String, Position>,
    cache: &mut BTreeMap<String, MarketCtx>,
) -> ContractResult<AccountCtx> {
    let mut markets = BTreeMap::new();
    let mut missing: Vec<&str> = Vec::new();
    for id in positions.keys() {
        match cache.remove(id) {
            Some(m) => {
                markets.insert(id.clone(), m);
            }
            None => missing.push(id),
        }
    }
    load_market_ctxs(deps, env, cfg, &missing, &mut markets)?;
    let loaded_debt = debt_of(collateral, &positions)?;
    Ok(AccountCtx {
        addr: addr.clone(),
        collateral,
        positions,
        markets,
        dirty_positions: BTreeSet::new(),
        dirty_markets: BTreeSet::new(),
        collateral_decimals: cfg.collateral_decimals,
        haircut: None,
        reserved: Uint128::zero(),
        loaded_debt,
        pending_added: Uint128::zero(),
        pending_settled: Uint128::zero(),
    })
}

pub fn book_params(cfg: &Config) -> BookParams {
    BookParams {
        collateral_decimals: cfg.collateral_decimals,
        unrealized_profit_weight: cfg.unrealized_profit_weight,
    }
}

/// Reading: markets, positions and books.
impl AccountCtx {
    pub fn market(&self, id: &str) -> ContractResult<&MarketCtx> {
        self.markets
            .get(id)
            .ok_or_else(|| ContractError::UnknownMarket {
                market_id: id.to_string(),
            })
    }

    pub fn market_mut(&mut self, id: &str) -> ContractResult<&mut MarketCtx> {
        self.markets
            .get_mut(id)
            .ok_or_else(|| ContractError::UnknownMarket {
                market_id: id.to_string(),
            })
    }

    /// Hands the loaded market contexts back to a page cache.
    pub fn return_markets(self, cache: &mut BTreeMap<String, MarketCtx>) {
        cache.extend(self.markets);
    }

    /// The position in `id`, or `NoPosition`.
    pub fn position(&self, id: &str) -> ContractResult<&Position> {
        self.positions
            .get(id)
            .ok_or_else(|| ContractError::NoPosition {
                market_id: id.to_string(),
            })
    }

    /// The margin of the isolated position in `id`: `NoPosition` or `NotIsolated` otherwise.
    pub fn isolated_margin(&self, id: &str) -> ContractResult<Int128> {
        match self.position(id)?.mode {
            Mode::Isolated { margin } => Ok(margin),
            Mode::Cross => Err(ContractError::NotIsolated {
                market_id: id.to_string(),
            }),
        }
    }

    fn book_position(
        &self,
        id: &str,
        p: &Position,
        prices: Prices,
    ) -> ContractResult<BookPosition> {
        let m = self.market(id)?;
        // A settled position is valued as its close books it, at the settlement price with the
        // funding index frozen at settlement, whatever rules the caller asks for.
        let (mark_price, price_live, settled) = match m.market.status {
            MarketStatus::Settled { price } => (price, true, true),
            _ => {
                let (price, live) = m.price_for(prices, p.entry_price)?;
                (price, live, false)
            }
        };
        Ok(BookPosition {
            position: risk_position(p),
            mark_price,
            funding_index: m.state.funding_index,
            market: m.risk(),
            price_live,
            settled,
        })
    }

    /// The cross book: every cross position, and `C` plus what each settled isolated position
    /// returns to `C` on its close (`max(0, M + settled value)`; a loss beyond the margin goes
    /// to the bad-debt waterfall). Every message that moves money closes settled positions
    /// first, so the book is valued as that touch leaves it.
    ///
    /// Under `Prices::Strict` (the risk-adding checks: openings, `withdraw`, moves into isolated
    /// margin) the collateral pending orders reserved counts as spent (DESIGN 6.11).
    pub fn cross_book(&self, prices: Prices) -> ContractResult<Book> {
        let mut positions = Vec::new();
        let mut collateral = self.collateral;
        if prices == Prices::Strict {
            collateral = collateral.checked_sub(int128(self.reserved)?)?;
        }
        for (id, p) in &self.positions {
            match p.mode {
                Mode::Cross => positions.push(self.book_position(id, p, prices)?),
                Mode::Isolated { margin } if self.market(id)?.is_settled() => {
                    let bp = self.book_position(id, p, prices)?;
                    let back = settled_isolated_return(margin, &bp, self.collateral_decimals)?;
                    collateral = collateral.checked_add(back)?;
                }
                Mode::Isolated { .. } => {}
            }
        }
        Ok(Book {
            collateral,
            positions,
        })
    }

    /// The isolated book of the position in `id`.
    pub fn isolated_book(&self, id: &str, prices: Prices) -> ContractResult<Book> {
        let margin = self.isolated_margin(id)?;
        Ok(Book {
            collateral: margin,
            positions: vec![self.position_entry(id, prices)?],
        })
    }

    /// The book `mode` of the position in `id` is in.
    pub fn book_of(&self, id: &str, mode: &Mode, prices: Prices) -> ContractResult<Book> {
        match mode {
            Mode::Cross => self.cross_book(prices),
            Mode::Isolated { .. } => self.isolated_book(id, prices),
        }
    }

    /// One position as a risk book position (for `remove_margin`).
    pub fn position_entry(&self, id: &str, prices: Prices) -> ContractResult<BookPosition> {
        self.book_position(id, self.position(id)?, prices)
    }

    /// The cross book's health under `prices` (one copy of the valuation for every handler).
    #[inline(never)]
    pub fn cross_health(&self, cfg: &Config, prices: Prices) -> ContractResult<BookHealth> {
        Ok(book_health(&self.cross_book(prices)?, &book_params(cfg))?)
    }

    /// Refuses taking `amount` out of `C` beyond the cross book's free collateral (strict
    /// prices: the collateral pending orders reserved counts as spent).
    #[inline(never)]
    pub fn check_free_collateral(&self, cfg: &Config, amount: Uint128) -> ContractResult<()> {
        let free = self.cross_health(cfg, Prices::Strict)?.free_collateral;
        if amount > free {
            return Err(ContractError::ExceedsFreeCollateral { amount, free });
        }
        Ok(())
    }

    /// True when the account holds a cross position.
    pub fn has_cross_position(&self) -> bool {
        self.positions.values().any(|p| p.mode == Mode::Cross)
    }
}

/// Changing: positions with their aggregates, and balances through ledger results.
impl AccountCtx {
    /// Replaces (or removes) the position in `id`, keeping the market aggregate equal to the
    /// recomputation from stored positions.
    pub fn replace_position(&mut self, id: &str, new: Option<Position>) -> ContractResult<()> {
        let old = self.positions.get(id).cloned();
        let m = self.market_mut(id)?;
        let mut agg = aggregate(&m.state);
        if let Some(o) = &old {
            agg.remove(&risk_position(o))?;
        }
        if let Some(n) = &new {
            agg.add(&risk_position(n))?;
        }
        set_aggregate(&mut m.state, agg);
        match new {
            Some(n) => self.positions.insert(id.to_string(), n),
            None => self.positions.remove(id),
        };
        self.dirty_positions.insert(id.to_string());
        self.dirty_markets.insert(id.to_string());
        Ok(())
    }

    /// The balances a ledger step on the position in `id` moves: `C`, the position's margin
    /// when it is isolated, and the vault.
    pub fn balances(&self, id: Option<&str>, vault: &Vault) -> Balances {
        let margin = id
            .and_then(|id| self.positions.get(id))
            .and_then(|p| match p.mode {
                Mode::Isolated { margin } => Some(margin),
                Mode::Cross => None,
            });
        Balances {
            margin,
            collateral: self.collateral,
            ..vault.balances()
        }
    }

    /// What the other books owe the vault, with `book` (a market id: its isolated margin, else
    /// the cross `C`) left out: `Vault::receivables` less this account's part at load, plus
    /// its other books now.
    pub fn owed_by_others(&self, vault: &Vault, book: Option<&str>) -> ContractResult<Uint128> {
        let mut mine = debt_of(self.collateral, &self.positions)?;
        let isolated = book
            .and_then(|id| self.positions.get(id))
            .and_then(|p| match p.mode {
                Mode::Isolated { margin } => Some(margin),
                Mode::Cross => None,
            });
        let this = debt_of(isolated.unwrap_or(self.collateral), &BTreeMap::new())?;
        mine = mine.checked_sub(this)?;
        let others = vault.receivables.saturating_sub(self.loaded_debt);
        Ok(others.checked_add(mine)?)
    }

    /// What a realized profit of the book `book` is paid against: the haircut terms of the
    /// message and what the other books owe the vault.
    pub fn payout(&self, vault: &Vault, book: Option<&str>) -> ContractResult<Payout> {
        Ok(Payout {
            haircut: self.haircut,
            owed_by_others: self.owed_by_others(vault, book)?,
        })
    }

    /// Books a settled profit's pending part and what it settled of earlier claims.
    pub fn record_payout(
        &mut self,
        vault: &mut Vault,
        added: Uint128,
        settled: Uint128,
    ) -> ContractResult<()> {
        vault.pending_payouts = vault
            .pending_payouts
            .checked_add(added)?
            .checked_sub(settled)?;
        self.pending_added = self.pending_added.checked_add(added)?;
        self.pending_settled = self.pending_settled.checked_add(settled)?;
        Ok(())
    }

    /// The vault's `receivables` moved by what this account's books owe now against at load,
    /// and the account's pending payout record written when the message changed it.
    fn save_claims(
        &self,
        storage: &mut dyn Storage,
        loaded: &Loaded,
        vault: &mut Vault,
    ) -> ContractResult<()> {
        let before = debt_of(loaded.collateral, &loaded.positions)?;
        let after = debt_of(self.collateral, &self.positions)?;
        if before != after {
            // an engine stored before the sum may hold debts it never counted: never below 0
            vault.receivables = vault
                .receivables
                .saturating_sub(before)
                .checked_add(after)?;
        }
        if self.pending_added.is_zero() && self.pending_settled.is_zero() {
            return Ok(());
        }
        let old = PENDING_PAYOUTS
            .may_load(storage, &self.addr)?
            .unwrap_or_default();
        let new = old
            .checked_add(self.pending_added)?
            .checked_sub(self.pending_settled)?;
        if new.is_zero() {
            PENDING_PAYOUTS.remove(storage, &self.addr);
        } else {
            PENDING_PAYOUTS.save(storage, &self.addr, &new)?;
        }
        Ok(())
    }

    /// Writes back `C` and the vault from a ledger step (a margin goes with its position).
    pub fn apply(&mut self, vault: &mut Vault, moved: &Moved) {
        self.collateral = moved.after.collateral;
        vault.apply(&moved.after);
    }

    /// Writes back a ledger step on the open position in `id`: `C`, the vault and the
    /// position's margin.
    pub fn apply_to_position(
        &mut self,
        id: &str,
        vault: &mut Vault,
        moved: &Moved,
    ) -> ContractResult<()> {
        self.apply(vault, moved);
        let mut pos = self.position(id)?.clone();
        pos.mode = mode_with(&pos.mode, moved.after.margin);
        self.replace_position(id, Some(pos))
    }

    /// A fill of the position in `id` through the ledger (`ledger::fill` under the close rules
    /// and the payout terms of the book) and the position it leaves: `size` at `entry_price`
    /// from the funding index now, in `mode` with the margin after (none when `size` is 0).
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub fn book_fill(
        &mut self,
        vault: &mut Vault,
        id: &str,
        before: Balances,
        fill: Fill,
        size: SignedDecimal256,
        entry_price: Decimal256,
        mode: &Mode,
    ) -> ContractResult<Moved> {
        let closed = size.is_zero();
        let cross_left = self
            .positions
            .iter()
            .any(|(p_id, p)| p.mode == Mode::Cross && (p_id != id || !closed));
        let fill = Fill {
            position_closed: closed,
            clear_cross_book: !cross_left,
            payout: self.payout(vault, Some(id))?,
            ..fill
        };
        let moved = ledger::fill(before, &fill)?;
        self.apply(vault, &moved);
        let index = self.market(id)?.state.funding_index;
        let next = (!closed).then(|| Position {
            size,
            entry_price,
            funding_index_at_entry: index,
            mode: mode_with(mode, Some(moved.after.margin.unwrap_or_default())),
        });
        self.replace_position(id, next)?;
        Ok(moved)
    }

    /// Settles accrued funding of the position in `id` into its book (C or M) and the vault.
    /// Returns what the position paid (negative: received).
    pub fn settle_funding(&mut self, id: &str, vault: &mut Vault) -> ContractResult<Int128> {
        let Some(pos) = self.positions.get(id).cloned() else {
            return Ok(Int128::zero());
        };
        let index = self.market(id)?.state.funding_index;
        let paid = funding_settlement(&risk_position(&pos), index, self.collateral_decimals)?;
        let before = self.balances(Some(id), vault);
        let moved = if paid.is_negative() {
            // funding received is paid like a profit: from cash the vault holds (issue 12)
            let others = self.owed_by_others(vault, Some(id))?;
            ledger::receive_funding(before, paid.unsigned_abs(), others)?
        } else {
            ledger::settle_funding(before, paid)?
        };
        self.apply(vault, &moved);
        self.record_payout(vault, moved.payout.pending, Uint128::zero())?;
        let next = Position {
            funding_index_at_entry: index,
            mode: mode_with(&pos.mode, moved.after.margin),
            ..pos
        };
        self.replace_position(id, Some(next))?;
        Ok(paid)
    }
}

/// `mode` with its isolated margin replaced by `margin` (a cross mode stays cross).
fn mode_with(mode: &Mode, margin: Option<Int128>) -> Mode {
    match (mode, margin) {
        (Mode::Isolated { .. }, Some(margin)) => Mode::Isolated { margin },
        _ => mode.clone(),
    }
}

/// Writing back.
impl AccountCtx {
    /// The snapshot [`AccountCtx::save`] compares with; take it right after loading.
    pub fn loaded(&self) -> Loaded {
        Loaded {
            collateral: self.collateral,
            positions: self.positions.clone(),
            states: self
                .markets
                .iter()
                .map(|(id, m)| (id.clone(), m.state.clone()))
                .collect(),
        }
    }

    /// Writes the collateral when it differs from `loaded`, every changed position (the holder
    /// index only for a position that did not exist at load) and every market state the message
    /// changed (a market state equal to the loaded one is not rewritten).
    /// The collateral is also written when the account held no position at load, so that every
    /// account with a position has a collateral entry (the liquidation scan pages over them).
    /// Each market state written replaces its part of the vault's `claims` and `exposure`
    /// ([`crate::solvency::restate`]); the caller writes the vault.
    pub fn save(
        &self,
        storage: &mut dyn Storage,
        loaded: &Loaded,
        vault: &mut Vault,
    ) -> ContractResult<()> {
        if self.collateral != loaded.collateral || loaded.positions.is_empty() {
            COLLATERAL.save(storage, &self.addr, &self.collateral)?;
        }
        self.save_claims(storage, loaded, vault)?;
        for id in &self.dirty_positions {
            let old_rank = loaded.positions.get(id).map(holder_rank);
            match self.positions.get(id) {
                Some(p) => {
                    POSITIONS.save(storage, (&self.addr, id), p)?;
                    // the index entry moves only when the rank does (side or entry bucket)
                    let rank = holder_rank(p);
                    if old_rank != Some(rank) {
                        if let Some(old) = old_rank {
                            MARKET_HOLDERS.remove(storage, (id, old, &self.addr));
                        }
                        MARKET_HOLDERS.save(storage, (id, rank, &self.addr), &())?;
                    }
                }
                None => {
                    if let Some(old) = old_rank {
                        POSITIONS.remove(storage, (&self.addr, id));
                        MARKET_HOLDERS.remove(storage, (id, old, &self.addr));
                    }
                }
            }
        }
        let dec = self.collateral_decimals;
        for id in &self.dirty_markets {
            let m = self.market(id)?;
            if loaded.states.get(id) != Some(&m.state) {
                let before = solvency::part(&m.market, &m.stored, dec)?;
                let after = solvency::part(&m.market, &m.state, dec)?;
                solvency::restate(vault, before, after)?;
                MARKET_STATES.save(storage, id, &m.state)?;
            }
        }
        Ok(())
    }
}
