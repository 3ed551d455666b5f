//! Queries a contract makes (`deps.querier`): other contracts (smart and raw) and the bank.
//! Their gas is charged on the transaction's meter, as wasmd's query handler does, and reported
//! to the calling VM as externally used gas.

use std::rc::Rc;

use cosmwasm_std::{
    to_json_binary, BalanceResponse, BankQuery, Binary, Coin, ContractInfoResponse, ContractResult,
    Empty, QueryRequest, SystemError, SystemResult, WasmQuery,
};
use cosmwasm_vm::{BackendError, BackendResult, GasInfo, Querier};

use crate::bank;
use crate::error::ChainError;
use crate::gas::{self, Kind, CONTRACT_KEY_PREFIX_LEN, GAS_MULTIPLIER};
use crate::router;
use crate::state::{Ctx, KvAccess, KvOp};

/// The querier of one VM call.
pub(crate) struct ChainQuerier {
    ctx: Rc<Ctx>,
}

impl ChainQuerier {
    pub fn new(ctx: &Rc<Ctx>) -> Self {
        ChainQuerier {
            ctx: Rc::clone(ctx),
        }
    }
}

type QueryOutcome = Result<SystemResult<ContractResult<Binary>>, BackendError>;

impl Querier for ChainQuerier {
    fn query_raw(
        &self,
        request: &[u8],
        gas_limit: u64,
    ) -> BackendResult<SystemResult<ContractResult<Binary>>> {
        let ctx = &self.ctx;
        let before = ctx.meter.borrow().used().total();
        let result = handle(ctx, request, gas_limit);
        let used = ctx.meter.borrow().used().total().saturating_sub(before);
        (
            result,
            GasInfo::with_externally_used(used.saturating_mul(GAS_MULTIPLIER)),
        )
    }
}

fn handle(ctx: &Rc<Ctx>, request: &[u8], gas_limit: u64) -> QueryOutcome {
    let parsed: QueryRequest<Empty> = match serde_json::from_slice(request) {
        Ok(q) => q,
        Err(e) => {
            return Ok(SystemResult::Err(SystemError::InvalidRequest {
                error: e.to_string(),
                request: Binary::from(request),
            }))
        }
    };
    match parsed {
        QueryRequest::Wasm(WasmQuery::Smart { contract_addr, msg }) => {
            let exists = ctx.state.borrow().contracts.contains_key(&contract_addr);
            if !exists {
                return Ok(SystemResult::Err(SystemError::NoSuchContract {
                    addr: contract_addr,
                }));
            }
            match router::query(ctx, &contract_addr, &msg, Some(gas_limit)) {
                Ok(bin) => Ok(SystemResult::Ok(ContractResult::Ok(bin))),
                Err(ChainError::OutOfGas { .. }) => Err(BackendError::out_of_gas()),
                Err(ChainError::Contract { msg, .. }) => {
                    Ok(SystemResult::Ok(ContractResult::Err(msg)))
                }
                Err(e) => Ok(SystemResult::Ok(ContractResult::Err(e.to_string()))),
            }
        }
        QueryRequest::Wasm(WasmQuery::Raw { contract_addr, key }) => {
            let value = ctx
                .state
                .borrow()
                .contracts
                .get(&contract_addr)
                .and_then(|c| c.storage.get(key.as_slice()).cloned())
                .unwrap_or_default();
            let bytes = CONTRACT_KEY_PREFIX_LEN as usize + key.len() + value.len();
            let sdk_gas = gas::kv_read(bytes);
            ctx.record(|| KvAccess {
                contract: contract_addr.clone(),
                op: KvOp::Read,
                key: key.to_vec(),
                value_len: value.len(),
                gas: sdk_gas,
            });
            ctx.charge(Kind::KvRead, sdk_gas);
            Ok(SystemResult::Ok(ContractResult::Ok(Binary::from(value))))
        }
        QueryRequest::Wasm(WasmQuery::ContractInfo { contract_addr }) => {
            let info = ctx.state.borrow().contracts.get(&contract_addr).cloned();
            match info {
                None => Ok(SystemResult::Err(SystemError::NoSuchContract {
                    addr: contract_addr,
                })),
                Some(c) => {
                    let response =
                        ContractInfoResponse::new(c.code_id, c.creator, c.admin, false, None, None);
                    Ok(to_result(to_json_binary(&response)))
                }
            }
        }
        QueryRequest::Bank(BankQuery::Balance { address, denom }) => {
            let amount = bank::read_balance(ctx, &address, &denom);
            let response = BalanceResponse::new(Coin::new(amount, denom));
            Ok(to_result(to_json_binary(&response)))
        }
        other => Ok(SystemResult::Err(SystemError::UnsupportedRequest {
            kind: format!("{other:?}"),
        })),
    }
}

fn to_result(bin: cosmwasm_std::StdResult<Binary>) -> SystemResult<ContractResult<Binary>> {
    match bin {
        Ok(b) => SystemResult::Ok(ContractResult::Ok(b)),
        Err(e) => SystemResult::Ok(ContractResult::Err(e.to_string())),
    }
}
