//! `abci_query`: the gRPC query paths clients use, answered with protobuf like a Cosmos SDK node.

use cosmrs::proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmrs::proto::cosmos::bank::v1beta1::{
    QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceRequest, QueryBalanceResponse,
};
use cosmrs::proto::cosmos::base::abci::v1beta1::GasInfo;
use cosmrs::proto::cosmos::base::abci::v1beta1::{Result as AbciResult, TxResponse};
use cosmrs::proto::cosmos::base::query::v1beta1::PageResponse;
use cosmrs::proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmrs::proto::cosmos::crypto::secp256k1::PubKey;
use cosmrs::proto::cosmos::tx::v1beta1::{
    GetTxRequest, GetTxResponse, SimulateRequest, SimulateResponse, Tx, TxRaw,
};
use cosmrs::proto::cosmwasm::wasm::v1::{
    AccessConfig, AccessType, CodeInfoResponse, ContractInfo, QueryCodeRequest, QueryCodeResponse,
    QueryCodesResponse, QueryContractInfoRequest, QueryContractInfoResponse,
    QueryRawContractStateRequest, QueryRawContractStateResponse, QuerySmartContractStateRequest,
    QuerySmartContractStateResponse,
};
use cosmrs::proto::prost::{Message, Name};
use cosmrs::proto::tendermint::abci::{Event as ProtoEvent, EventAttribute};
use cosmrs::Any;
use cosmwasm_std::{Addr, Event};

use super::app::{AbciError, App, SECP256K1_PUBKEY};
use super::json::rfc3339;
use super::txdecode;

fn bad_request(e: impl std::fmt::Display) -> AbciError {
    AbciError::sdk(18, e.to_string())
}

fn not_found(detail: String) -> AbciError {
    AbciError::sdk(22, format!("rpc error: code = NotFound desc = {detail}"))
}

/// Answers one query path.
pub fn query(app: &mut App, path: &str, data: &[u8]) -> Result<Vec<u8>, AbciError> {
    match path {
        "/cosmos.auth.v1beta1.Query/Account" => {
            let req = QueryAccountRequest::decode(data).map_err(bad_request)?;
            let account = app
                .account(&req.address)
                .ok_or_else(|| not_found(format!("account {} not found", req.address)))?;
            let base = BaseAccount {
                address: account.address.clone(),
                pub_key: account.pubkey.as_ref().map(|k| Any {
                    type_url: SECP256K1_PUBKEY.to_string(),
                    value: PubKey { key: k.to_vec() }.encode_to_vec(),
                }),
                account_number: account.number,
                sequence: account.sequence,
            };
            Ok(QueryAccountResponse {
                account: Some(to_any(&base)),
            }
            .encode_to_vec())
        }
        "/cosmos.bank.v1beta1.Query/Balance" => {
            let req = QueryBalanceRequest::decode(data).map_err(bad_request)?;
            check_address(app, &req.address)?;
            if req.denom.is_empty() {
                return Err(bad_request("invalid denom"));
            }
            let amount = app
                .chain()
                .balance(&Addr::unchecked(&req.address), &req.denom);
            Ok(QueryBalanceResponse {
                balance: Some(ProtoCoin {
                    denom: req.denom,
                    amount: amount.to_string(),
                }),
            }
            .encode_to_vec())
        }
        "/cosmos.bank.v1beta1.Query/AllBalances" => {
            let req = QueryAllBalancesRequest::decode(data).map_err(bad_request)?;
            check_address(app, &req.address)?;
            let balances: Vec<ProtoCoin> = app
                .chain()
                .balances(&Addr::unchecked(&req.address))
                .into_iter()
                .map(|c| ProtoCoin {
                    denom: c.denom,
                    amount: c.amount.to_string(),
                })
                .collect();
            let total = balances.len() as u64;
            Ok(QueryAllBalancesResponse {
                balances,
                pagination: Some(PageResponse {
                    next_key: Vec::new(),
                    total,
                }),
            }
            .encode_to_vec())
        }
        "/cosmwasm.wasm.v1.Query/SmartContractState" => {
            let req = QuerySmartContractStateRequest::decode(data).map_err(bad_request)?;
            check_contract(app, &req.address)?;
            let msg: serde_json::Value = serde_json::from_slice(&req.query_data)
                .map_err(|_| bad_request("invalid query data"))?;
            let (bin, _) = app
                .chain()
                .query_smart_with_gas(&Addr::unchecked(&req.address), &msg)
                .map_err(|e| super::app::chain_error(&e, 0, 0))?;
            Ok(QuerySmartContractStateResponse { data: bin.to_vec() }.encode_to_vec())
        }
        "/cosmwasm.wasm.v1.Query/RawContractState" => {
            let req = QueryRawContractStateRequest::decode(data).map_err(bad_request)?;
            check_contract(app, &req.address)?;
            let value = app
                .chain()
                .query_raw(&Addr::unchecked(&req.address), &req.query_data)
                .unwrap_or_default();
            Ok(QueryRawContractStateResponse { data: value }.encode_to_vec())
        }
        "/cosmwasm.wasm.v1.Query/ContractInfo" => {
            let req = QueryContractInfoRequest::decode(data).map_err(bad_request)?;
            check_contract(app, &req.address)?;
            let meta = app
                .chain()
                .contract(&req.address)
                .ok_or_else(|| AbciError::wasm(22, format!("address {}", req.address)))?;
            Ok(QueryContractInfoResponse {
                address: req.address,
                contract_info: Some(ContractInfo {
                    code_id: meta.code_id,
                    creator: meta.creator,
                    admin: meta.admin.unwrap_or_default(),
                    label: meta.label,
                    created: None,
                    ibc_port_id: String::new(),
                    extension: None,
                }),
            }
            .encode_to_vec())
        }
        "/cosmwasm.wasm.v1.Query/Code" => {
            let req = QueryCodeRequest::decode(data).map_err(bad_request)?;
            let info = app
                .chain()
                .code_info(req.code_id)
                .ok_or_else(|| AbciError::wasm(28, format!("code id {}", req.code_id)))?;
            Ok(QueryCodeResponse {
                code_info: Some(code_info(&info)),
                data: info.wasm.to_vec(),
            }
            .encode_to_vec())
        }
        "/cosmwasm.wasm.v1.Query/Codes" => {
            let count = app.chain().code_count();
            let code_infos: Vec<CodeInfoResponse> = (1..=count)
                .filter_map(|id| app.chain().code_info(id))
                .map(|c| code_info(&c))
                .collect();
            Ok(QueryCodesResponse {
                code_infos,
                pagination: Some(PageResponse {
                    next_key: Vec::new(),
                    total: count,
                }),
            }
            .encode_to_vec())
        }
        "/cosmos.tx.v1beta1.Service/Simulate" => {
            let req = SimulateRequest::decode(data).map_err(bad_request)?;
            #[allow(deprecated)]
            let bytes = if !req.tx_bytes.is_empty() {
                req.tx_bytes
            } else if let Some(tx) = req.tx {
                tx.encode_to_vec()
            } else {
                return Err(bad_request("empty txBytes is not allowed"));
            };
            let (ran, result) = app.simulate(&bytes)?;
            Ok(SimulateResponse {
                gas_info: Some(GasInfo {
                    gas_wanted: ran.gas_wanted,
                    gas_used: result.gas_used,
                }),
                result: Some(AbciResult {
                    #[allow(deprecated)]
                    data: result.data.to_vec(),
                    log: String::new(),
                    events: proto_events(&result.events),
                    msg_responses: cosmrs::proto::cosmos::base::abci::v1beta1::TxMsgData::decode(
                        result.data.as_slice(),
                    )
                    .map(|d| d.msg_responses)
                    .unwrap_or_default(),
                }),
            }
            .encode_to_vec())
        }
        "/cosmos.tx.v1beta1.Service/GetTx" => {
            let req = GetTxRequest::decode(data).map_err(bad_request)?;
            let record = app
                .tx(&req.hash)
                .ok_or_else(|| not_found(format!("tx not found: {}", req.hash)))?;
            let raw = TxRaw::decode(record.tx.as_slice()).map_err(bad_request)?;
            let decoded = txdecode::decode(record.tx.as_slice()).map_err(|e| bad_request(e.log))?;
            let tx = Tx {
                body: Some(decoded.body),
                auth_info: Some(decoded.auth_info),
                signatures: raw.signatures,
            };
            let time = app
                .block(record.height)
                .map(|(b, _)| rfc3339(b.time_nanos))
                .unwrap_or_default();
            let r = &record.result;
            #[allow(deprecated)]
            let tx_response = TxResponse {
                height: record.height as i64,
                txhash: record.hash.clone(),
                codespace: r.codespace.clone(),
                code: r.code,
                data: hex::encode_upper(r.data.as_slice()),
                raw_log: r.log.clone(),
                logs: Vec::new(),
                info: String::new(),
                gas_wanted: r.gas_wanted as i64,
                gas_used: r.gas_used as i64,
                tx: Some(Any {
                    type_url: Tx::type_url(),
                    value: tx.encode_to_vec(),
                }),
                timestamp: time,
                events: proto_events(&r.events),
            };
            Ok(GetTxResponse {
                tx: Some(tx),
                tx_response: Some(tx_response),
            }
            .encode_to_vec())
        }
        other => Err(AbciError::sdk(6, format!("unknown query path {other}"))),
    }
}

fn to_any<M: Message + Name>(msg: &M) -> Any {
    Any {
        type_url: M::type_url(),
        value: msg.encode_to_vec(),
    }
}

fn code_info(info: &crate::CodeInfo) -> CodeInfoResponse {
    CodeInfoResponse {
        code_id: info.code_id,
        creator: info.creator.clone(),
        data_hash: info.checksum.as_slice().to_vec(),
        instantiate_permission: Some(AccessConfig {
            permission: AccessType::Everybody as i32,
            addresses: Vec::new(),
        }),
    }
}

fn check_address(app: &App, address: &str) -> Result<(), AbciError> {
    app.chain()
        .validate_address(address)
        .map(|_| ())
        .map_err(|e| AbciError::sdk(7, format!("invalid address {address}: {e}")))
}

fn check_contract(app: &App, address: &str) -> Result<(), AbciError> {
    check_address(app, address)?;
    if app.chain().contract(address).is_none() {
        return Err(AbciError::wasm(22, format!("address {address}")));
    }
    Ok(())
}

/// Events as CometBFT's protobuf (plain-string attributes, all indexed).
pub fn proto_events(events: &[Event]) -> Vec<ProtoEvent> {
    events
        .iter()
        .map(|e| ProtoEvent {
            r#type: e.ty.clone(),
            attributes: e
                .attributes
                .iter()
                .map(|a| EventAttribute {
                    key: a.key.clone(),
                    value: a.value.clone(),
                    index: true,
                })
                .collect(),
        })
        .collect()
}
