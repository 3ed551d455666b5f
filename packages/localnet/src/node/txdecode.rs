//! Decoding a signed transaction (`TxRaw`) into the chain's messages, with the SDK's
//! `ValidateBasic` checks and error codes.

use std::io::Read;

use cosmrs::proto::cosmos::bank::v1beta1::MsgSend;
use cosmrs::proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmrs::proto::cosmos::tx::v1beta1::{AuthInfo, TxBody, TxRaw};
use cosmrs::proto::cosmwasm::wasm::v1::{
    MsgExecuteContract, MsgInstantiateContract, MsgMigrateContract, MsgStoreCode, MsgUpdateAdmin,
};
use cosmrs::proto::prost::Message;
use cosmwasm_std::{Addr, Coin, Uint256};

use super::app::AbciError;
use crate::{ChainMsg, MAX_WASM_BYTES};

/// Type URLs of the messages the node routes.
pub const MSG_SEND: &str = "/cosmos.bank.v1beta1.MsgSend";
/// wasm `MsgStoreCode`.
pub const MSG_STORE_CODE: &str = "/cosmwasm.wasm.v1.MsgStoreCode";
/// wasm `MsgInstantiateContract`.
pub const MSG_INSTANTIATE: &str = "/cosmwasm.wasm.v1.MsgInstantiateContract";
/// wasm `MsgExecuteContract`.
pub const MSG_EXECUTE: &str = "/cosmwasm.wasm.v1.MsgExecuteContract";
/// wasm `MsgMigrateContract`.
pub const MSG_MIGRATE: &str = "/cosmwasm.wasm.v1.MsgMigrateContract";
/// wasm `MsgUpdateAdmin`.
pub const MSG_UPDATE_ADMIN: &str = "/cosmwasm.wasm.v1.MsgUpdateAdmin";

/// A decoded transaction.
pub struct DecodedTx {
    pub body_bytes: Vec<u8>,
    pub auth_info_bytes: Vec<u8>,
    pub body: TxBody,
    pub auth_info: AuthInfo,
    pub signatures: Vec<Vec<u8>>,
    /// Messages with their type URL and signer, in order.
    pub msgs: Vec<DecodedMsg>,
    /// Distinct signers in the order of first appearance (the SDK's `GetSigners`).
    pub signers: Vec<String>,
}

/// One message.
pub struct DecodedMsg {
    pub type_url: String,
    pub signer: String,
    pub msg: ChainMsg,
}

fn parse_error(detail: impl std::fmt::Display) -> AbciError {
    AbciError::sdk(2, detail.to_string())
}

/// Decodes `TxRaw` bytes (also the `Tx` encoding, which has the same wire format).
pub fn decode(bytes: &[u8]) -> Result<DecodedTx, AbciError> {
    let raw = TxRaw::decode(bytes).map_err(parse_error)?;
    let body = TxBody::decode(raw.body_bytes.as_slice()).map_err(parse_error)?;
    let auth_info = AuthInfo::decode(raw.auth_info_bytes.as_slice()).map_err(parse_error)?;
    let mut msgs = Vec::with_capacity(body.messages.len());
    for any in &body.messages {
        msgs.push(decode_msg(&any.type_url, &any.value)?);
    }
    let mut signers: Vec<String> = Vec::new();
    for m in &msgs {
        if !signers.contains(&m.signer) {
            signers.push(m.signer.clone());
        }
    }
    Ok(DecodedTx {
        body_bytes: raw.body_bytes,
        auth_info_bytes: raw.auth_info_bytes,
        body,
        auth_info,
        signatures: raw.signatures,
        msgs,
        signers,
    })
}

fn decode_msg(type_url: &str, value: &[u8]) -> Result<DecodedMsg, AbciError> {
    let (signer, msg) = match type_url {
        MSG_SEND => {
            let m = MsgSend::decode(value).map_err(parse_error)?;
            let msg = ChainMsg::Send {
                from: Addr::unchecked(&m.from_address),
                to: Addr::unchecked(&m.to_address),
                amount: coins(&m.amount)?,
            };
            (m.from_address, msg)
        }
        MSG_STORE_CODE => {
            let m = MsgStoreCode::decode(value).map_err(parse_error)?;
            if m.wasm_byte_code.is_empty() {
                return Err(AbciError::wasm(2, "empty wasm code".to_string()));
            }
            let wasm = uncompress(&m.wasm_byte_code)?;
            let msg = ChainMsg::StoreCode {
                sender: Addr::unchecked(&m.sender),
                wasm,
            };
            (m.sender, msg)
        }
        MSG_INSTANTIATE => {
            let m = MsgInstantiateContract::decode(value).map_err(parse_error)?;
            json_msg(&m.msg)?;
            let msg = ChainMsg::Instantiate {
                sender: Addr::unchecked(&m.sender),
                admin: (!m.admin.is_empty()).then(|| Addr::unchecked(&m.admin)),
                code_id: m.code_id,
                msg: m.msg,
                funds: coins(&m.funds)?,
                label: m.label,
            };
            (m.sender, msg)
        }
        MSG_EXECUTE => {
            let m = MsgExecuteContract::decode(value).map_err(parse_error)?;
            json_msg(&m.msg)?;
            let msg = ChainMsg::Execute {
                sender: Addr::unchecked(&m.sender),
                contract: Addr::unchecked(&m.contract),
                msg: m.msg,
                funds: coins(&m.funds)?,
            };
            (m.sender, msg)
        }
        MSG_MIGRATE => {
            let m = MsgMigrateContract::decode(value).map_err(parse_error)?;
            json_msg(&m.msg)?;
            let msg = ChainMsg::Migrate {
                sender: Addr::unchecked(&m.sender),
                contract: Addr::unchecked(&m.contract),
                code_id: m.code_id,
                msg: m.msg,
            };
            (m.sender, msg)
        }
        MSG_UPDATE_ADMIN => {
            let m = MsgUpdateAdmin::decode(value).map_err(parse_error)?;
            let msg = ChainMsg::UpdateAdmin {
                sender: Addr::unchecked(&m.sender),
                contract: Addr::unchecked(&m.contract),
                new_admin: Addr::unchecked(&m.new_admin),
            };
            (m.sender, msg)
        }
        other => {
            return Err(parse_error(format!("unable to resolve type URL {other}")));
        }
    };
    Ok(DecodedMsg {
        type_url: type_url.to_string(),
        signer,
        msg,
    })
}

/// wasmd's `RawContractMessage.ValidateBasic`: the message must be JSON.
fn json_msg(msg: &[u8]) -> Result<(), AbciError> {
    serde_json::from_slice::<serde::de::IgnoredAny>(msg)
        .map(|_| ())
        .map_err(|_| AbciError::wasm(14, "json".to_string()))
}

/// Proto coins with the SDK's checks (valid amounts).
pub fn coins(list: &[ProtoCoin]) -> Result<Vec<Coin>, AbciError> {
    list.iter()
        .map(|c| {
            let amount: Uint256 = c.amount.parse().map_err(|_| {
                AbciError::sdk(10, format!("invalid amount {:?} of {}", c.amount, c.denom))
            })?;
            Ok(Coin::new(amount, c.denom.clone()))
        })
        .collect()
}

/// wasmd accepts gzip-compressed code (cosmjs compresses uploads), up to `MaxWasmSize`
/// uncompressed.
fn uncompress(code: &[u8]) -> Result<Vec<u8>, AbciError> {
    if !code.starts_with(&[0x1f, 0x8b, 0x08]) {
        return Ok(code.to_vec());
    }
    let mut out = Vec::new();
    let limit = MAX_WASM_BYTES as u64 + 1;
    flate2::read::GzDecoder::new(code)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| AbciError::wasm(2, format!("uncompress wasm archive: {e}")))?;
    if out.len() > MAX_WASM_BYTES {
        return Err(AbciError::wasm(
            13,
            format!("uncompress wasm archive: max {MAX_WASM_BYTES} bytes"),
        ));
    }
    Ok(out)
}
