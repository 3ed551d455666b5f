//! One simulation step and the invariants of DESIGN section 8 checked around it. Invariants 1
//! (conservation) and 2 (aggregates) run inside `Suite::exec_coins` after every message; the
//! others are here, with the reference model compared after every step.

use cosmwasm_std::{Decimal256, Uint256};
use cw_multi_test::{AppResponse, Executor};
use perps_api::perps::{LiquidatableAccountsResponse, MarketStatus, QueryMsg};

use super::actions::{Action, TRADERS};
use super::model::{self, ceil_bu, floor_bu, TOL};
use super::world::{Exec, Obs, Sim, IDS};

/// Vault equity may move by the vault's share of a trade's fee plus this much rounding dust
/// (funding settled at integer units, the floor of V, the entry price rounded against the trader).
pub(super) const VAULT_DUST: i128 = 3;

/// Sum of attribute `key` over every event of type `ty` (custom events arrive as `wasm-<ty>`).
pub(super) fn attr_sum(res: &AppResponse, ty: &str, key: &str) -> Option<i128> {
    let mut found = false;
    let mut total = 0i128;
    for e in res.events.iter().filter(|e| e.ty == format!("wasm-{ty}")) {
        for a in e.attributes.iter().filter(|a| a.key == key) {
            found = true;
            total += a.value.parse::<i128>().unwrap();
        }
    }
    found.then_some(total)
}

fn actor(a: &Action) -> Vec<usize> {
    match a {
        Action::Deposit { who, .. }
        | Action::Withdraw { who, .. }
        | Action::Trade { who, .. }
        | Action::MaxTrade { who, .. }
        | Action::Close { who, .. }
        | Action::SkewToCap { who, .. }
        | Action::AddMargin { who, .. }
        | Action::RemoveMargin { who, .. }
        | Action::RoundTrip { who, .. }
        | Action::Whale { who, .. }
        | Action::Dust { who, .. } => vec![*who],
        Action::Liquidate { target, .. } => vec![*target],
        // `mark_bad_debt` pays the target's pending payout into its `C` first (issue 12)
        Action::MarkBadDebt { target } => vec![*target],
        // auto-deleveraging closes whoever tops the index
        Action::Deleverage { .. } | Action::AdlShock { .. } => (0..TRADERS).collect(),
        Action::GroupRoundTrip { a, b, .. } => vec![*a, *b],
        // the seller is the largest holder on the skew's side, found at the step
        Action::SqueezeSkew { .. } => (0..TRADERS).collect(),
        _ => vec![],
    }
}

impl Sim {
    /// Runs step `i` and checks every invariant around it. Panics (with the step) on a violation.
    pub fn step(&mut self, i: usize, a: &Action) {
        let pre = self.observe();
        self.cover_paid = 0;
        let fail = |msg: String| -> ! { panic!("step {i} {a:?}: {msg}") };
        let keeper;
        let a = match a {
            Action::Keeper => {
                keeper = match self.keeper_target(&pre) {
                    Ok(Some(target)) => Action::Liquidate {
                        by: TRADERS,
                        target,
                        min_reward: None,
                    },
                    Ok(None) => Action::Time { secs: 0 },
                    Err(msg) => fail(msg),
                };
                &keeper
            }
            other => other,
        };
        let observed = match a {
            Action::Publish {
                market,
                bps,
                conf_bps,
                ema_bps,
            } => {
                let p = self.new_price(*market, *bps);
                let conf = Decimal256::new(
                    p.atomics() * Uint256::from(*conf_bps as u128) / Uint256::from(10_000u128),
                );
                let ema = Decimal256::new(
                    p.atomics() * Uint256::from((10_000 + *ema_bps).max(1) as u128)
                        / Uint256::from(10_000u128),
                );
                self.publish(*market, p, conf, ema);
                None
            }
            Action::Refresh => {
                self.s.advance(1);
                let t = self.s.now();
                for (m, id) in IDS.iter().enumerate() {
                    let p = self.prices[m].to_string();
                    self.s.publish(id, &p, "0", None, t);
                }
                self.doubtful = [false; IDS.len()];
                None
            }
            Action::Time { secs } => {
                self.s.advance(*secs);
                None
            }
            Action::Donate { amount } => {
                let lp = self.lps[1].clone();
                let engine = self.s.engine.clone();
                self.s
                    .app
                    .send_tokens(
                        lp,
                        engine,
                        &cosmwasm_std::coins(*amount, crate::suite::DENOM),
                    )
                    .unwrap();
                self.s.donations += amount;
                self.s.check_invariants();
                None
            }
            Action::RoundTrip { who, market, lots } => {
                self.round_trip(&pre, *who, *market, *lots);
                None
            }
            Action::AdlShock {
                who,
                market,
                short,
                over,
            } => {
                self.adl_shock(*who, *market, *short, *over);
                None
            }
            Action::SqueezeSkew { market, permille } => {
                self.squeeze(&pre, *market, *permille);
                None
            }
            Action::GroupRoundTrip {
                a: x,
                b: y,
                market,
                lots_a,
                lots_b,
            } => {
                self.group_round_trip(&pre, *x, *y, *market, *lots_a, *lots_b);
                None
            }
            _ => {
                if let Action::StaleClaim { lapse, .. } = a {
                    // past the delay (and with `lapse` the claim window) of a request made
                    // before, every price re-published
                    self.s
                        .advance(if *lapse { 3_600 + 86_400 + 1 } else { 3_600 });
                    let t = self.s.now();
                    for (m, id) in IDS.iter().enumerate() {
                        let p = self.prices[m].to_string();
                        self.s.publish(id, &p, "0", None, t);
                    }
                    self.doubtful = [false; IDS.len()];
                }
                // the share price right before a claim (time may have moved within the step)
                self.vault_before = self.s.vault();
                let (_, ex) = self.execute_simple(a).expect("simple step");
                let post = self.observe();
                if let Err(msg) = self.after_message(a, &pre, &post, &ex) {
                    fail(msg);
                }
                if let Err(msg) = self.solvency_after_message(a, &pre, &post, &ex) {
                    fail(msg);
                }
                Some(post)
            }
        };
        let post = observed.unwrap_or_else(|| self.observe());
        if std::env::var("SIM_DEBUG").is_ok() {
            eprintln!(
                "step {i} {a:?}\n  vault {:?} fund {}\n  accounts {:?}",
                post.vault, post.fund_balance, post.accounts
            );
        }
        if let Err(msg) = self.after_step(a, &pre, &post) {
            fail(msg);
        }
        if let Err(msg) = self.solvency_after_step(a, &pre, &post) {
            fail(msg);
        }
    }

    /// Checks every step: the model, bystanders (5), funding zero-sum (6), the fund (7).
    fn after_step(&mut self, a: &Action, pre: &Obs, post: &Obs) -> Result<(), String> {
        // Reference model, every account and the vault.
        for t in 0..TRADERS {
            let mut errs = model::compare_account(&post.world, &post.accounts[t], &post.resp[t]);
            if errs.is_empty() {
                let (e, n) =
                    model::check_liquidation_prices(&post.world, &post.accounts[t], &post.resp[t]);
                errs = e;
                self.stats.liquidation_prices_checked += n;
            }
            if !errs.is_empty() {
                return Err(format!("model mismatch for trader{t}: {errs:?}"));
            }
            self.stats.model_accounts_compared += 1;
        }
        vault_matches_model(post)?;
        let liquidatable =
            (0..TRADERS).any(|t| post.books(t).iter().any(|b| b.clearly_liquidatable()));
        if liquidatable {
            self.stats.liquidatable_steps += 1;
        }
        // 5: nobody but the step's actor (and the holders a settlement closes) changes.
        let actors = actor(a);
        for t in 0..TRADERS {
            if actors.contains(&t) {
                continue;
            }
            if let Action::SettlePositions { market } = a {
                if pre.position(t, IDS[*market]).is_some() {
                    continue;
                }
            }
            if pre.accounts[t] != post.accounts[t] {
                return Err(format!(
                    "bystander trader{t} changed: {:?} -> {:?}",
                    pre.accounts[t], post.accounts[t]
                ));
            }
        }
        // A settlement closes a holder's settled positions into C as the cross book valued
        // them: each cross value, and each isolated margin plus value when positive (never
        // more; a loss beyond the margin goes to the waterfall, not to C).
        if let Action::SettlePositions { .. } = a {
            let w = &pre.world;
            for t in 0..TRADERS {
                let settled: Vec<&model::PosIn> = pre.accounts[t]
                    .positions
                    .iter()
                    .filter(|p| matches!(w.markets[&p.market].status, MarketStatus::Settled { .. }))
                    .collect();
                if settled.is_empty()
                    || settled
                        .iter()
                        .any(|p| post.position(t, &p.market).is_some())
                {
                    continue;
                }
                let cross: i128 = settled
                    .iter()
                    .filter(|p| p.margin.is_none())
                    .map(|p| {
                        let v = w.position(p);
                        floor_bu(v.u) - ceil_bu(v.a)
                    })
                    .sum();
                let isolated: i128 = pre.accounts[t]
                    .settled_isolated_returns(w)
                    .iter()
                    .map(|(_, r)| r)
                    .sum();
                let expected = pre.accounts[t].collateral + cross + isolated;
                let got = post.accounts[t].collateral;
                if (got - expected).abs() > TOL {
                    return Err(format!(
                        "settlement booked C = {got} for trader{t}, the cross book valued {expected} \
                         (cross {cross}, isolated returns {isolated})"
                    ));
                }
            }
        }
        // 6: with prices unchanged and live, time moves money only between traders and the
        // vault (funding), so Σ trader equity + V is constant up to rounding.
        if matches!(a, Action::Time { .. } | Action::Refresh) && all_live(pre) && all_live(post) {
            let total = |o: &Obs| -> i128 {
                (0..TRADERS).map(|t| o.total_equity(t)).sum::<i128>() + o.vault.equity.i128()
            };
            let n = post.all_positions.len() as i128;
            let drift = total(post) - total(pre);
            if drift.abs() > 2 + 2 * n {
                return Err(format!(
                    "funding is not zero-sum: traders + vault moved by {drift} over {n} positions"
                ));
            }
            self.stats.funding_zero_sum_checked += 1;
        }
        // 7: the fund's balance only falls through cover_bad_debt to the engine, by exactly
        // what its events report paid.
        let lost = pre.fund_balance as i128 - post.fund_balance as i128;
        if lost > 0 && lost != self.cover_paid {
            return Err(format!(
                "insurance fund fell by {lost}, cover_bad_debt paid {}",
                self.cover_paid
            ));
        }
        Ok(())
    }

    /// Checks that depend on the message's outcome (3, 4, 5 for the actor, 7, 9).
    fn after_message(
        &mut self,
        a: &Action,
        pre: &Obs,
        post: &Obs,
        ex: &Exec,
    ) -> Result<(), String> {
        let ok = ex.res.is_ok();
        // 12: nothing fills at a price the feed had already refused to replace.
        if let Ok(res) = &ex.res {
            for e in res.events.iter() {
                if e.ty != "wasm-trade" && e.ty != "wasm-liquidation" {
                    continue;
                }
                let Some(id) = e.attributes.iter().find(|x| x.key == "market_id") else {
                    continue;
                };
                let m = &pre.world.markets[&id.value];
                if m.unconfirmed && !matches!(m.status, MarketStatus::Settled { .. }) {
                    return Err(format!(
                        "{} in {} at a price the feed refused to replace",
                        e.ty, id.value
                    ));
                }
            }
        }
        match a {
            Action::Trade {
                who, market, funds, ..
            }
            | Action::Close { who, market, funds }
                if ok =>
            {
                self.trade_checks(*who, *market, *funds, pre, post, ex)?;
            }
            Action::SkewToCap { who, market, .. } if ok => {
                self.trade_checks(*who, *market, 0, pre, post, ex)?;
            }
            Action::Whale { who, market, .. } if ok => {
                self.trade_checks(*who, *market, 2_000_000 * crate::suite::USDC, pre, post, ex)?;
            }
            Action::Dust { who, .. } if ok => {
                self.trade_checks(*who, 2, 0, pre, post, ex)?;
            }
            Action::MaxTrade { who, market, .. } if ok => {
                self.stats.max_trades_ok += 1;
                self.trade_checks(*who, *market, 0, pre, post, ex)?;
            }
            Action::Withdraw { who, .. } if ok => {
                if !post.cross(*who).meets_initial() {
                    return Err(format!(
                        "withdraw left the cross book below IM: {:?}",
                        post.cross(*who)
                    ));
                }
                // what reached the wallet (C also moves by the close of settled positions)
                let paid = post.bank[*who] as i128 - pre.bank[*who] as i128;
                // the reported free collateral already counts what the settled isolated
                // positions the withdraw closes first return to C
                // (and a pending payout is paid into C first: at most its face value more)
                let pending = pre.resp[*who].pending_payout.unwrap_or_default().u128() as i128;
                let free = pre.resp[*who].free_collateral.u128() as i128;
                if paid > free + pending {
                    return Err(format!(
                        "withdrew {paid} above free collateral {free} (pending payout {pending})"
                    ));
                }
                self.stats.risk_adding_checked += 1;
            }
            Action::AddMargin {
                who,
                market,
                amount,
                funds,
            } if ok => {
                if amount > funds {
                    if !post.cross(*who).meets_initial() {
                        return Err("add_margin from C left the cross book below IM".into());
                    }
                    let from_c = (amount - funds) as i128;
                    let pending = pre.resp[*who].pending_payout.unwrap_or_default().u128() as i128;
                    if from_c > pre.resp[*who].free_collateral.u128() as i128 + pending {
                        return Err(format!("add_margin moved {from_c} above free collateral"));
                    }
                    self.stats.risk_adding_checked += 1;
                }
                self.others_unchanged(*who, IDS[*market], pre, post)?;
            }
            Action::RemoveMargin { who, market, .. } if ok => {
                let id = IDS[*market];
                if let Some(p) = post.position(*who, id) {
                    let v = post.world.position(p);
                    let m = p.margin.unwrap();
                    let worst = floor_bu(v.contribution.min(cosmwasm_std::Int256::zero()));
                    if m + worst + TOL < ceil_bu(v.im) {
                        return Err(format!(
                            "remove_margin left M {m} + min(0,U-A) {worst} < IM {}",
                            ceil_bu(v.im)
                        ));
                    }
                    self.stats.risk_adding_checked += 1;
                }
                self.others_unchanged(*who, id, pre, post)?;
            }
            Action::Liquidate {
                by,
                target,
                min_reward,
            } => self.liquidation_checks(*by, *target, *min_reward, pre, post, ex)?,
            Action::Settle { .. } if ok => self.stats.settles += 1,
            _ => {}
        }
        Ok(())
    }

    /// 3, 5 and 9 after a successful trade or close.
    fn trade_checks(
        &mut self,
        who: usize,
        market: usize,
        funds: u128,
        pre: &Obs,
        post: &Obs,
        ex: &Exec,
    ) -> Result<(), String> {
        self.stats.trades_ok += 1;
        let id = IDS[market];
        self.vault_fee_check(who, pre, post.vault.equity.i128(), ex)?;
        let (p0, p1) = (pre.position(who, id), post.position(who, id));
        // 3: a risk-adding trade leaves its book at initial margin.
        let adds = match (p0, p1) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a0), Some(a1)) => {
                a0.size.is_negative() != a1.size.is_negative()
                    || a1.size.atomics().abs() > a0.size.atomics().abs()
            }
        };
        if adds {
            let p1 = p1.unwrap();
            let book = match p1.margin {
                Some(_) => post.accounts[who].isolated(&post.world, id).unwrap(),
                None => post.cross(who),
            };
            if !book.meets_initial() {
                return Err(format!("risk-adding trade left {book:?} below IM"));
            }
            if p0.is_none() && p1.margin.is_some() && !post.cross(who).meets_initial() {
                return Err("opening isolated left the cross book below IM".into());
            }
            self.stats.risk_adding_checked += 1;
        }
        // 5: an isolated position's result never reduces C.
        if p0.is_some_and(|p| p.margin.is_some()) && !pre.holds_settled(who) {
            let (c0, c1) = (pre.accounts[who].collateral, post.accounts[who].collateral);
            if c1 < c0 + funds as i128 {
                return Err(format!("isolated trade reduced C from {c0} to {c1}"));
            }
        }
        self.others_unchanged(who, id, pre, post)?;
        Ok(())
    }

    /// The bot's scan: every account the model sees clearly liquidatable is reported, and
    /// every reported one is at least at the boundary. Returns the first reported trader.
    fn keeper_target(&mut self, pre: &Obs) -> Result<Option<usize>, String> {
        let res: Result<LiquidatableAccountsResponse, _> = self.s.app.wrap().query_wasm_smart(
            self.s.engine.clone(),
            &QueryMsg::LiquidatableAccounts {
                start_after: None,
                limit: Some(30),
            },
        );
        let Ok(res) = res else {
            // scan not available: the model picks
            return Ok(
                (0..TRADERS).find(|t| pre.books(*t).iter().any(|b| b.clearly_liquidatable()))
            );
        };
        let reported: Vec<usize> = res
            .accounts
            .iter()
            .filter_map(|a| self.traders.iter().position(|t| *t == a.address))
            .collect();
        for t in 0..TRADERS {
            let bs = pre.books(t);
            let clearly = bs.iter().any(|b| b.clearly_liquidatable());
            let maybe = bs
                .iter()
                .any(|b| b.liquidatable || (b.equity - b.maintenance_margin).abs() <= TOL);
            let listed = reported.contains(&t);
            if clearly && !listed {
                return Err(format!("liquidatable_accounts misses trader{t}: {bs:?}"));
            }
            if listed && !maybe {
                return Err(format!(
                    "liquidatable_accounts lists healthy trader{t}: {bs:?}"
                ));
            }
        }
        Ok(reported.first().copied())
    }

    /// 4, 5 and 7 around a `liquidate` call.
    fn liquidation_checks(
        &mut self,
        by: usize,
        target: usize,
        min_reward: Option<u128>,
        pre: &Obs,
        post: &Obs,
        ex: &Exec,
    ) -> Result<(), String> {
        let cross0 = pre.cross(target);
        let iso0 = pre.accounts[target].isolated_books(&pre.world);
        let maybe = |b: &model::BookValues| {
            b.liquidatable || (b.equity - b.maintenance_margin).abs() <= TOL
        };
        let any_maybe = maybe(&cross0) || iso0.iter().any(|(_, b)| maybe(b));
        if cross0.clearly_liquidatable() || iso0.iter().any(|(_, b)| b.clearly_liquidatable()) {
            self.stats.liquidatable_targets += 1;
        }
        let res = match &ex.res {
            Err(e) => {
                self.stats.liquidations_rejected += 1;
                let text = e.to_string();
                let closable = |b: &model::BookValues| {
                    b.clearly_liquidatable() && b.positions.iter().any(|v| v.mark.live)
                };
                let clearly = closable(&cross0) || iso0.iter().any(|(_, b)| closable(b));
                if clearly
                    && by != target
                    && min_reward.is_none()
                    && !text.contains("not implemented")
                    && !pre.holds_settled(target)
                {
                    return Err(format!(
                        "liquidate refused on a liquidatable account ({cross0:?}, {iso0:?}): {text}"
                    ));
                }
                return Ok(());
            }
            Ok(r) => r,
        };
        self.stats.liquidations_ok += 1;
        if by == target {
            return Err("an account liquidated itself".into());
        }
        if !any_maybe {
            return Err(format!(
                "liquidate succeeded on a healthy account: {cross0:?} {iso0:?}"
            ));
        }
        let cross1 = post.cross(target);
        let cross_ok = if cross1.open_positions == 0 {
            cross1.equity >= 0
        } else {
            !cross1.clearly_liquidatable() || cross1.all_stale
        };
        if !cross_ok {
            return Err(format!(
                "cross book still liquidatable after liquidation: {cross1:?}"
            ));
        }
        for (m, b) in post.accounts[target].isolated_books(&post.world) {
            if b.clearly_liquidatable() && !b.all_stale {
                return Err(format!(
                    "isolated {m} still liquidatable after liquidation: {b:?}"
                ));
            }
        }
        // 5: liquidating isolated books only never reduces C.
        let cross_healthy = !maybe(&cross0) && pre.accounts[target].collateral >= 0;
        if cross_healthy && !pre.holds_settled(target) {
            let (c0, c1) = (
                pre.accounts[target].collateral,
                post.accounts[target].collateral,
            );
            if c1 < c0 {
                return Err(format!("isolated liquidation reduced C from {c0} to {c1}"));
            }
            for p in pre.accounts[target]
                .positions
                .iter()
                .filter(|p| p.margin.is_none())
            {
                if post.position(target, &p.market) != Some(p) {
                    return Err(format!("healthy cross position {} changed", p.market));
                }
            }
        }
        // The liquidator is paid exactly the rewards the events report, at least min_reward.
        let reward = attr_sum(res, "liquidation", "liquidator_reward").unwrap_or(0);
        if reward < min_reward.unwrap_or(0) as i128 {
            return Err(format!("reward {reward} below min_reward {min_reward:?}"));
        }
        let got = post.bank[by] as i128 - pre.bank[by] as i128;
        if got != reward {
            return Err(format!("liquidator received {got}, events report {reward}"));
        }
        // issue 12: the book's net gain paid only up to payable, the rest pending
        self.check_liquidation_payout(target, pre, post, res)?;
        // 7: every unit the fund lost was paid by cover_bad_debt.
        let paid = attr_sum(res, "cover_bad_debt", "paid").unwrap_or(0);
        let lost = pre.fund_balance as i128 - post.fund_balance as i128;
        if lost > 0 && lost != paid {
            return Err(format!("fund lost {lost} but cover_bad_debt paid {paid}"));
        }
        Ok(())
    }

    /// 5: a message on one market leaves the account's other (non-settled) positions alone.
    fn others_unchanged(
        &self,
        who: usize,
        market: &str,
        pre: &Obs,
        post: &Obs,
    ) -> Result<(), String> {
        for p in &pre.accounts[who].positions {
            let settled = matches!(
                pre.world.markets[&p.market].status,
                MarketStatus::Settled { .. }
            );
            if p.market != market && !settled && post.position(who, &p.market) != Some(p) {
                return Err(format!(
                    "a message on {market} changed the position in {}: {p:?} -> {:?}",
                    p.market,
                    post.position(who, &p.market)
                ));
            }
        }
        Ok(())
    }
}

/// Every market with open interest has a live price (or is settled).
fn all_live(o: &Obs) -> bool {
    o.world.markets.iter().all(|(id, m)| {
        let open = !m.long_oi.is_zero() || !m.short_oi.is_zero();
        !open || o.world.account_mark(id, Decimal256::one()).live
    })
}

/// The engine's vault equity equals the reference model's (within `TOL`).
pub(super) fn vault_matches_model(post: &Obs) -> Result<(), String> {
    // V net of `unrecoverable` (the shortfalls `mark_bad_debt` recorded) and of the pending
    // payouts (profits owed and not yet paid, issue 12)
    let v_model = model::vault_equity(&post.world, post.cash, &post.all_positions)
        - post.vault.unrecoverable.u128() as i128
        - super::predict::pending(post);
    if (v_model - post.vault.equity.i128()).abs() > TOL {
        return Err(format!(
            "vault equity: model {v_model} engine {}",
            post.vault.equity
        ));
    }
    Ok(())
}
