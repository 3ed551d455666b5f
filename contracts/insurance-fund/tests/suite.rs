//! A small typed harness: one fund in `uusdc` with one registered engine, a handful of funded
//! wallets, and a snapshot of everything a query or the bank can see, so each rejection can be
//! checked to change nothing.

use cosmwasm_std::{coin, to_json_binary, Addr, Coin, Empty, StdError, StdResult, Uint128};
use cw_multi_test::{App, AppResponse, Contract, ContractWrapper, Executor};
use insurance_fund::ContractError;
use perps_api::insurance_fund::{
    BalanceResponse, ConfigResponse, ExecuteMsg, InstantiateMsg, Payout, PayoutsResponse, QueryMsg,
};
use perps_api::ownership::OwnershipError;

pub const DENOM: &str = "uusdc";
pub const OTHER: &str = "uatom";
/// What every wallet starts with, in each of `DENOM` and `OTHER`.
pub const START: u128 = 1_000_000_000;

pub fn contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            insurance_fund::execute,
            insurance_fund::instantiate,
            insurance_fund::query,
        )
        .with_migrate(insurance_fund::migrate),
    )
}

pub fn usdc(amount: u128) -> Coin {
    coin(amount, DENOM)
}

/// Asserts that `res` failed with exactly `expected` (cw-multi-test hands errors back as text), or,
/// for a refusal from outside the contract's own errors (an address check), with an error whose
/// text holds `expected`.
pub fn assert_err<T: std::fmt::Debug>(res: StdResult<T>, expected: impl std::fmt::Display) {
    let err: StdError = res.expect_err("expected an error");
    let text = err.to_string();
    assert!(
        text.contains(&expected.to_string()),
        "expected error `{expected}`, got `{text}`"
    );
}

pub use test_support::{assert_event, events, kv};

/// Everything visible from outside: queries and the bank balances of every wallet and the fund.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub config: ConfigResponse,
    pub balance: BalanceResponse,
    pub payouts: Vec<Payout>,
    pub bank: Vec<(Addr, u128, u128)>,
}

pub struct Suite {
    pub app: App,
    pub code_id: u64,
    pub fund: Addr,
    pub owner: Addr,
    pub engine: Addr,
    pub engine2: Addr,
    pub alice: Addr,
    pub stranger: Addr,
    pub recipient: Addr,
}

impl Suite {
    /// Owner (the instantiating sender), `engine` registered, an empty fund.
    pub fn new() -> Self {
        Self::with(|_| {})
    }

    /// Like `new`, with the instantiate message adjusted by `edit`.
    pub fn with(edit: impl FnOnce(&mut InstantiateMsg)) -> Self {
        let mut suite = Self::bare();
        let mut msg = suite.default_msg();
        edit(&mut msg);
        suite.fund = suite.instantiate(&msg, &[]).unwrap();
        suite
    }

    /// A fund holding `amount` deposited by alice.
    pub fn funded(amount: u128) -> Self {
        let mut suite = Self::new();
        suite.deposit(&suite.alice.clone(), amount).unwrap();
        suite
    }

    /// Code stored, nothing instantiated; every wallet holds `START` of both denoms.
    pub fn bare() -> Self {
        let [owner, engine, engine2, alice, stranger, recipient, placeholder] =
            test_support::addrs([
                "owner",
                "engine",
                "engine2",
                "alice",
                "stranger",
                "recipient",
                "not-instantiated",
            ]);
        let funded = [&owner, &engine, &engine2, &alice, &stranger];
        let mut app = App::new(|router, _, storage| {
            for addr in funded {
                router
                    .bank
                    .init_balance(storage, addr, vec![coin(START, OTHER), coin(START, DENOM)])
                    .unwrap();
            }
        });
        let code_id = app.store_code(contract());
        Self {
            app,
            code_id,
            // Replaced by the instantiated address in `with`; a syntactically valid placeholder.
            fund: placeholder,
            owner,
            engine,
            engine2,
            alice,
            stranger,
            recipient,
        }
    }

    pub fn default_msg(&self) -> InstantiateMsg {
        InstantiateMsg {
            owner: None,
            denom: DENOM.to_string(),
            engines: vec![self.engine.to_string()],
        }
    }

    pub fn instantiate(&mut self, msg: &InstantiateMsg, funds: &[Coin]) -> StdResult<Addr> {
        self.app.instantiate_contract(
            self.code_id,
            self.owner.clone(),
            msg,
            funds,
            "insurance-fund",
            Some(self.owner.to_string()),
        )
    }

    test_support::clock_and_wallets!();

    pub fn exec(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.fund.clone(), msg, funds)
    }

    /// Runs `msg` from `sender` with `funds`, expects `expected`, and checks that no visible state
    /// (queries and bank balances) changed.
    /// `res` carries exactly one bank transfer: `amount` (with its denom) from the fund to `to`.
    pub fn assert_paid(&self, res: &AppResponse, to: &Addr, amount: &str) {
        let fund = self.fund.to_string();
        let expected = [
            ("recipient", to.as_str()),
            ("sender", fund.as_str()),
            ("amount", amount),
        ];
        assert_event(res, "transfer", &expected);
    }

    /// Each of `senders` is refused `msg` (no funds) as not the owner, changing nothing.
    pub fn rejects_non_owners<const N: usize>(&mut self, senders: [Addr; N], msg: &ExecuteMsg) {
        let owner = self.owner.clone();
        for sender in senders {
            let expected = ContractError::Ownership(OwnershipError::NotOwner {
                sender: sender.clone(),
                owner: owner.clone(),
            });
            self.rejects(&sender, msg, &[], expected);
        }
    }

    /// Runs `msg` from `sender` (no funds), expects success and exactly one `wasm` event with
    /// exactly `attributes`; the response, for what else a test checks.
    pub fn accepts(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        attributes: &[(&str, &str)],
    ) -> AppResponse {
        let res = self.exec(sender, msg, &[]).unwrap();
        assert_event(&res, "wasm", attributes);
        res
    }

    pub fn rejects(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[Coin],
        expected: impl std::fmt::Display,
    ) {
        let before = self.snapshot();
        assert_err(self.exec(sender, msg, funds), expected);
        assert_eq!(
            self.snapshot(),
            before,
            "state changed by a rejected message"
        );
    }

    pub fn deposit(&mut self, sender: &Addr, amount: u128) -> StdResult<AppResponse> {
        self.exec(sender, &ExecuteMsg::Deposit {}, &[usdc(amount)])
    }

    pub fn cover(&mut self, engine: &Addr, amount: u128) -> StdResult<AppResponse> {
        let msg = ExecuteMsg::CoverBadDebt {
            amount: Uint128::new(amount),
        };
        self.exec(engine, &msg, &[])
    }

    pub fn withdraw_msg(&self, amount: u128, recipient: &Addr) -> ExecuteMsg {
        ExecuteMsg::Withdraw {
            amount: Uint128::new(amount),
            recipient: recipient.to_string(),
        }
    }

    /// A plain bank send to the fund, bypassing the contract.
    pub fn donate(&mut self, sender: &Addr, amount: u128) {
        self.app
            .send_tokens(sender.clone(), self.fund.clone(), &[usdc(amount)])
            .unwrap();
    }

    /// Bank balance of `addr` in `DENOM`.
    pub fn bank(&self, addr: &Addr) -> u128 {
        self.bank_of(addr, DENOM)
    }

    /// Bank balance of `addr` in `denom`.
    pub fn bank_of(&self, addr: &Addr, denom: &str) -> u128 {
        let amount = self.app.wrap().query_balance(addr, denom).unwrap().amount;
        Uint128::try_from(amount).unwrap().u128()
    }

    pub fn query<T: cosmwasm_schema::serde::de::DeserializeOwned>(
        &self,
        msg: &QueryMsg,
    ) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(self.fund.clone(), msg)
    }

    pub fn config(&self) -> ConfigResponse {
        self.query(&QueryMsg::Config {}).unwrap()
    }

    pub fn balance(&self) -> BalanceResponse {
        self.query(&QueryMsg::Balance {}).unwrap()
    }

    /// The fund's balance through the query, checked against the bank.
    pub fn fund_balance(&self) -> u128 {
        let res = self.balance();
        assert_eq!(res.denom, DENOM);
        assert_eq!(res.amount.u128(), self.bank(&self.fund));
        res.amount.u128()
    }

    pub fn payouts_page(&self, start_after: Option<u64>, limit: Option<u32>) -> Vec<Payout> {
        let res: PayoutsResponse = self
            .query(&QueryMsg::Payouts { start_after, limit })
            .unwrap();
        res.payouts
    }

    /// Every payout, walking pages of the maximum size.
    pub fn all_payouts(&self) -> Vec<Payout> {
        let mut all: Vec<Payout> = vec![];
        loop {
            let page = self.payouts_page(all.last().map(|p| p.id), Some(30));
            if page.is_empty() {
                return all;
            }
            all.extend(page);
        }
    }

    /// Bank balances of the owner in both denoms (instantiate checks: no fund exists yet).
    pub fn snapshot_bank(&self) -> (u128, u128) {
        (self.bank(&self.owner), self.bank_of(&self.owner, OTHER))
    }

    pub fn snapshot(&self) -> Snapshot {
        let wallets = [
            &self.fund,
            &self.owner,
            &self.engine,
            &self.engine2,
            &self.alice,
            &self.stranger,
            &self.recipient,
        ];
        let bank = wallets
            .into_iter()
            .map(|a| (a.clone(), self.bank(a), self.bank_of(a, OTHER)))
            .collect();
        Snapshot {
            config: self.config(),
            balance: self.balance(),
            payouts: self.all_payouts(),
            bank,
        }
    }

    /// The response data of a `cover_bad_debt`, as the engine would read it.
    pub fn expected_data(payout: &Payout) -> cosmwasm_std::Binary {
        to_json_binary(payout).unwrap()
    }
}
