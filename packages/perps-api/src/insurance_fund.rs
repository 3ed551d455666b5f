//! insurance-fund messages, responses, and a typed helper for the contracts that talk to it.
//!
//! The fund's ledger is its bank balance in its denom: deposits, plain bank sends (donations),
//! payouts and withdrawals all move that one number, so [`BalanceResponse`] is read from the bank.
//! An engine that only needs the balance can ask the bank directly
//! ([`InsuranceFund::bank_balance`]): a bank query does not load the fund's contract instance (a
//! smart query costs ~60k SDK gas).

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{
    Addr, Coin, CustomQuery, QuerierWrapper, StdError, StdResult, Uint128, Uint256, WasmMsg,
};

use crate::msg::{none_left, req, superset_deserialize, FieldError};

/// Default page size of `payouts`.
pub const DEFAULT_PAYOUTS_LIMIT: u32 = 10;
/// Largest page of `payouts`; a larger `limit` is clamped to it.
pub const MAX_PAYOUTS_LIMIT: u32 = 30;
/// Most engines the fund registers, so that `config` stays bounded.
pub const MAX_ENGINES: usize = 30;

/// Instantiates the insurance fund. Takes no funds (deposit them with `deposit`).
// `#[cw_serde]` without its derived `Deserialize`: read through [`MsgFields`].
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct InstantiateMsg {
    /// Owner (governance): the only address that may `withdraw` and manage engines; defaults to
    /// the sender.
    pub owner: Option<String>,
    /// Bank denom the fund holds and pays out (e.g. `uusdc`); 3 to 128 characters, a letter first,
    /// then letters, digits or `/:._-`.
    pub denom: String,
    /// Engines allowed to call `cover_bad_debt`; no duplicates, at most 30, may be empty.
    pub engines: Vec<String>,
}

crate::record_fields! {
    refuse
    /// Every field of every message of the fund: `ExecuteMsg`'s variants, `QueryMsg`'s and
    /// [`InstantiateMsg`] (one reader, `crate::record`), each read with its own names
    /// (`*_FIELDS`, in the order the derived readers listed them).
    struct MsgFields {
        amount: Option<Uint128>,
        recipient: Option<String>,
        engine: Option<String>,
        new_owner: Option<String>,
        start_after: Option<u64>,
        limit: Option<u32>,
        owner: Option<String>,
        denom: Option<String>,
        engines: Option<Vec<String>>,
    }
}

const EXECUTE_FIELDS: &[&str] = &["amount", "recipient", "engine", "new_owner"];
const QUERY_FIELDS: &[&str] = &["start_after", "limit"];
const INSTANTIATE_FIELDS: &[&str] = &["owner", "denom", "engines"];

impl<'de> serde::Deserialize<'de> for InstantiateMsg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f: MsgFields = crate::record::read_only(d, INSTANTIATE_FIELDS)?;
        Ok(InstantiateMsg {
            owner: f.owner,
            denom: crate::record::need(f.denom, "denom")?,
            engines: crate::record::need(f.engines, "engines")?,
        })
    }
}

/// Execute messages of the insurance fund. Only `deposit` takes funds; every other message
/// attached with funds is rejected.
// `#[cw_serde]` without its derived `Deserialize` (`crate::msg`).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
pub enum ExecuteMsg {
    /// Anyone adds to the fund: exactly one non-zero coin of the fund's denom must be attached.
    Deposit {},
    /// A registered engine asks for bad-debt cover. Pays `min(amount, balance)` to the caller with
    /// one bank send (none when that is 0), records a payout, and emits a `cover_bad_debt` event
    /// (`id`, `engine`, `denom`, `requested`, `paid`, `shortfall`). Never fails for a low
    /// balance. The response data is the JSON of the recorded [`Payout`].
    CoverBadDebt {
        /// Amount of bad debt to cover, in base units of the denom; must be > 0.
        amount: Uint128,
    },
    /// The owner takes money out of the fund; never more than its bank balance.
    Withdraw {
        /// Amount to send, in base units of the denom; > 0 and at most the balance.
        amount: Uint128,
        /// Receiver of the bank send.
        recipient: String,
    },
    /// The owner registers an engine (an error if it is already registered).
    AddEngine {
        /// Address of the engine contract.
        engine: String,
    },
    /// The owner removes an engine (an error if it is not registered). Its payouts stay recorded.
    RemoveEngine {
        /// Address of the engine contract.
        engine: String,
    },
    /// The owner proposes a new owner, who must `accept_ownership`; a later proposal replaces an
    /// earlier one.
    TransferOwnership {
        /// Proposed owner.
        new_owner: String,
    },
    /// The proposed owner takes over.
    AcceptOwnership {},
}

/// Query messages of the insurance fund.
// `#[cw_serde]` without its derived `Deserialize` (`crate::msg`).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
#[serde(rename_all = "snake_case")]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// Owner, pending owner, denom and registered engines.
    #[returns(ConfigResponse)]
    Config {},
    /// The fund's bank balance in its denom.
    #[returns(BalanceResponse)]
    Balance {},
    /// Recorded payouts by ascending id.
    #[returns(PayoutsResponse)]
    Payouts {
        /// Exclusive: the page starts after this payout id.
        start_after: Option<u64>,
        /// Page size; default 10, at most 30.
        limit: Option<u32>,
    },
}

pub(crate) const EXECUTE_VARIANTS: &[&str] = &[
    "deposit",
    "cover_bad_debt",
    "withdraw",
    "add_engine",
    "remove_engine",
    "transfer_ownership",
    "accept_ownership",
];

// Fields are taken (`Option::take`), not moved: the struct is dropped once at the end.
impl MsgFields {
    fn into_execute(mut self, variant: &str) -> Result<ExecuteMsg, FieldError> {
        let msg = match variant {
            "deposit" => ExecuteMsg::Deposit {},
            "cover_bad_debt" => ExecuteMsg::CoverBadDebt {
                amount: req(self.amount.take(), "amount")?,
            },
            "withdraw" => ExecuteMsg::Withdraw {
                amount: req(self.amount.take(), "amount")?,
                recipient: req(self.recipient.take(), "recipient")?,
            },
            "add_engine" => ExecuteMsg::AddEngine {
                engine: req(self.engine.take(), "engine")?,
            },
            "remove_engine" => ExecuteMsg::RemoveEngine {
                engine: req(self.engine.take(), "engine")?,
            },
            "transfer_ownership" => ExecuteMsg::TransferOwnership {
                new_owner: req(self.new_owner.take(), "new_owner")?,
            },
            _ => ExecuteMsg::AcceptOwnership {},
        };
        // what the variant did not take is another variant's field
        none_left(&[
            ("amount", self.amount.is_some()),
            ("recipient", self.recipient.is_some()),
            ("engine", self.engine.is_some()),
            ("new_owner", self.new_owner.is_some()),
        ])?;
        Ok(msg)
    }
}

superset_deserialize!(
    ExecuteMsg,
    MsgFields,
    EXECUTE_VARIANTS,
    EXECUTE_FIELDS,
    into_execute
);

pub(crate) const QUERY_VARIANTS: &[&str] = &["config", "balance", "payouts"];

// Fields are taken (`Option::take`), not moved: the struct is dropped once at the end.
impl MsgFields {
    fn into_query(mut self, variant: &str) -> Result<QueryMsg, FieldError> {
        let msg = match variant {
            "config" => QueryMsg::Config {},
            "balance" => QueryMsg::Balance {},
            _ => QueryMsg::Payouts {
                start_after: self.start_after.take(),
                limit: self.limit.take(),
            },
        };
        // what the variant did not take is another variant's field
        none_left(&[
            ("start_after", self.start_after.is_some()),
            ("limit", self.limit.is_some()),
        ])?;
        Ok(msg)
    }
}

superset_deserialize!(
    QueryMsg,
    MsgFields,
    QUERY_VARIANTS,
    QUERY_FIELDS,
    into_query
);

/// Migrates the contract; only the same contract at an older or equal version.
#[cw_serde]
#[serde(deny_unknown_fields)]
#[schemaifier(mute_warnings)]
pub struct MigrateMsg {}

/// Answer to `config`.
// `#[cw_serde]` without its derived `Deserialize`: read through `crate::record::ForeignFields`
// (the engine reads it at instantiate).
#[derive(
    ::cosmwasm_schema::serde::Serialize,
    Clone,
    Debug,
    PartialEq,
    ::cosmwasm_schema::schemars::JsonSchema,
    ::cosmwasm_schema::cw_schema::Schemaifier,
)]
#[allow(clippy::derive_partial_eq_without_eq)]
#[serde(crate = "::cosmwasm_schema::serde")]
#[schemaifier(crate = "::cosmwasm_schema::cw_schema")]
#[schemars(crate = "::cosmwasm_schema::schemars")]
pub struct ConfigResponse {
    /// Current owner.
    pub owner: Addr,
    /// Address proposed by `transfer_ownership`, waiting to accept.
    pub pending_owner: Option<Addr>,
    /// Bank denom of the fund.
    pub denom: String,
    /// Engines allowed to call `cover_bad_debt`, in registration order.
    pub engines: Vec<Addr>,
}

impl<'de> serde::Deserialize<'de> for ConfigResponse {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::record::need;
        let f: crate::record::ForeignFields = crate::record::read(d)?;
        Ok(ConfigResponse {
            owner: need(f.owner, "owner")?,
            pending_owner: f.pending_owner,
            denom: need(f.denom, "denom")?,
            engines: need(f.engines, "engines")?,
        })
    }
}

/// Answer to `balance`.
#[cw_serde]
pub struct BalanceResponse {
    /// Bank denom of the fund.
    pub denom: String,
    /// The fund's bank balance in `denom`, donations included.
    pub amount: Uint128,
}

/// One `cover_bad_debt` call, as recorded.
#[cw_serde]
pub struct Payout {
    /// Running id, from 1.
    pub id: u64,
    /// Engine that asked for cover and received `paid`.
    pub engine: Addr,
    /// Amount the engine asked for.
    pub requested: Uint128,
    /// Amount sent: `min(requested, balance)`; 0 when the fund was empty.
    pub paid: Uint128,
    /// Block time of the call, in Unix seconds.
    pub time: u64,
}

/// Answer to `payouts`.
#[cw_serde]
pub struct PayoutsResponse {
    /// Payouts by ascending id; fewer than `limit` (possibly none) on the last page.
    pub payouts: Vec<Payout>,
}

/// A typed handle on a deployed insurance fund.
#[cw_serde]
pub struct InsuranceFund(pub Addr);

impl InsuranceFund {
    /// The `cover_bad_debt { amount }` call an engine sends (as a submessage, replying on error,
    /// so a failing fund cannot block a liquidation).
    pub fn cover_msg(&self, amount: Uint128) -> StdResult<WasmMsg> {
        self.execute(&ExecuteMsg::CoverBadDebt { amount }, vec![])
    }

    /// A `deposit {}` carrying `coin`. Refuses a zero coin: the fund would reject it, and a chain
    /// refuses zero-amount sends anyway.
    pub fn deposit_msg(&self, coin: Coin) -> StdResult<WasmMsg> {
        if coin.amount.is_zero() {
            return Err(StdError::msg(format!(
                "refusing a zero-amount deposit of {} to the insurance fund",
                coin.denom
            )));
        }
        self.execute(&ExecuteMsg::Deposit {}, vec![coin])
    }

    /// Owner, pending owner, denom and engines (smart query).
    pub fn config<C: CustomQuery>(&self, querier: &QuerierWrapper<C>) -> StdResult<ConfigResponse> {
        querier.query_wasm_smart(self.0.as_str(), &QueryMsg::Config {})
    }

    /// The fund's balance through its `balance` smart query.
    pub fn balance<C: CustomQuery>(
        &self,
        querier: &QuerierWrapper<C>,
    ) -> StdResult<BalanceResponse> {
        querier.query_wasm_smart(self.0.as_str(), &QueryMsg::Balance {})
    }

    /// The same number straight from the bank (no contract instance is loaded). The caller
    /// passes the fund's denom, which it knows from its own configuration.
    pub fn bank_balance<C: CustomQuery>(
        &self,
        querier: &QuerierWrapper<C>,
        denom: impl Into<String>,
    ) -> StdResult<Uint256> {
        // `QuerierWrapper::query_balance` reads the answer with the bank's derived
        // `BalanceResponse`; the record reader is smaller (docs/size.md).
        let request = cosmwasm_std::BankQuery::Balance {
            address: self.0.to_string(),
            denom: denom.into(),
        };
        let f: crate::record::ForeignFields = querier.query(&request.into())?;
        match f.amount {
            Some(coin) => Ok(coin.amount),
            None => Err(StdError::msg("bank balance answer: missing field `amount`")),
        }
    }

    /// One page of recorded payouts (smart query).
    pub fn payouts<C: CustomQuery>(
        &self,
        querier: &QuerierWrapper<C>,
        start_after: Option<u64>,
        limit: Option<u32>,
    ) -> StdResult<PayoutsResponse> {
        querier.query_wasm_smart(self.0.as_str(), &QueryMsg::Payouts { start_after, limit })
    }

    fn execute(&self, msg: &ExecuteMsg, funds: Vec<Coin>) -> StdResult<WasmMsg> {
        Ok(WasmMsg::Execute {
            contract_addr: self.0.to_string(),
            msg: crate::entry::answer(msg)?,
            funds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::{coin, from_json, to_json_binary};

    fn fund() -> InsuranceFund {
        InsuranceFund(Addr::unchecked("fund"))
    }

    #[test]
    fn config_response_reads_back_what_the_fund_writes() {
        let sent = ConfigResponse {
            owner: Addr::unchecked("owner"),
            pending_owner: Some(Addr::unchecked("next")),
            denom: "uusdc".to_string(),
            engines: vec![Addr::unchecked("e1"), Addr::unchecked("e2")],
        };
        let read: ConfigResponse = from_json(to_json_binary(&sent).unwrap()).unwrap();
        assert_eq!(read, sent);
        let json = r#"{"owner":"o","pending_owner":null,"denom":"d","engines":[],"later":1}"#;
        assert_eq!(
            from_json::<ConfigResponse>(json).unwrap().pending_owner,
            None
        );
        let err = from_json::<ConfigResponse>(r#"{"owner":"o","denom":"d"}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `engines`"), "{err}");
    }

    #[test]
    fn cover_msg_is_a_fundless_cover_bad_debt_call() {
        let msg = fund().cover_msg(Uint128::new(1_500)).unwrap();
        let WasmMsg::Execute {
            contract_addr,
            msg,
            funds,
        } = msg
        else {
            panic!("not an execute: {msg:?}");
        };
        assert_eq!(contract_addr, "fund");
        assert!(funds.is_empty());
        assert_eq!(
            msg.to_vec(),
            br#"{"cover_bad_debt":{"amount":"1500"}}"#.to_vec()
        );
        assert_eq!(
            from_json::<ExecuteMsg>(&msg).unwrap(),
            ExecuteMsg::CoverBadDebt {
                amount: Uint128::new(1_500)
            }
        );
    }

    #[test]
    fn deposit_msg_carries_the_coin_and_refuses_zero() {
        let msg = fund().deposit_msg(coin(42, "uusdc")).unwrap();
        assert_eq!(
            msg,
            WasmMsg::Execute {
                contract_addr: "fund".to_string(),
                msg: to_json_binary(&ExecuteMsg::Deposit {}).unwrap(),
                funds: vec![coin(42, "uusdc")],
            }
        );
        let err = fund().deposit_msg(coin(0, "uusdc")).unwrap_err();
        assert!(err.to_string().contains("zero-amount deposit"), "{err}");
    }

    #[test]
    fn wire_names_follow_the_catalogue() {
        let json = serde_json::to_string(&QueryMsg::Payouts {
            start_after: Some(3),
            limit: None,
        })
        .unwrap();
        assert_eq!(json, r#"{"payouts":{"start_after":3,"limit":null}}"#);
        let payout = Payout {
            id: 1,
            engine: Addr::unchecked("engine"),
            requested: Uint128::new(10),
            paid: Uint128::new(7),
            time: 1_700_000_000,
        };
        assert_eq!(
            serde_json::to_string(&payout).unwrap(),
            r#"{"id":1,"engine":"engine","requested":"10","paid":"7","time":1700000000}"#
        );
        let withdraw: ExecuteMsg =
            from_json(br#"{"withdraw":{"amount":"5","recipient":"gov"}}"#).unwrap();
        assert_eq!(
            withdraw,
            ExecuteMsg::Withdraw {
                amount: Uint128::new(5),
                recipient: "gov".to_string()
            }
        );
    }
}
