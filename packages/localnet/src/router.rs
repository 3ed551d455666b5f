//! Contract calls and message routing the way wasmd's keeper does them: instance cost, funds,
//! VM call, compute and deserialization gas, events, then submessages in order with replies.
//! Atomicity: a transaction runs on a snapshot of the state (see `chain.rs`); a submessage whose
//! reply catches errors gets its own snapshot, so a failure reverts only its sub-tree.

use std::rc::Rc;

use cosmwasm_std::{
    Addr, BankMsg, Binary, BlockInfo, Coin, ContractInfo, ContractResult, CosmosMsg, Env, Event,
    MessageInfo, MsgResponse, Reply, ReplyOn, Response, SubMsg, SubMsgResponse, SubMsgResult,
    TransactionInfo, WasmMsg,
};
use cosmwasm_vm::{
    call_execute_raw, call_instantiate_raw, call_migrate_raw, call_query_raw, call_reply_raw,
    from_slice, to_vec, Backend, BackendApi, Instance, InstanceOptions, VmError, VmResult,
};

use crate::api::ChainApi;
use crate::bank;
use crate::error::ChainError;
use crate::gas::{self, Kind, DESERIALIZATION_COST_PER_BYTE, GAS_MULTIPLIER, INSTANCE_COST};
use crate::querier::ChainQuerier;
use crate::state::{ContractData, Ctx};
use crate::storage::ContractStorage;

type ChainInstance = Instance<ChainApi, ContractStorage, ChainQuerier>;

/// Largest result the chain deserializes (the VM's own default limit).
const RESULT_LIMIT: usize = 256 * 1024;

/// What a message produced: its events and its data.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub events: Vec<Event>,
    pub data: Option<Binary>,
}

/// What a routed `CosmosMsg` produced, as a submessage reply sees it.
struct MsgOutcome {
    events: Vec<Event>,
    /// The SDK message response: type URL and protobuf bytes.
    msg_response: MsgResponse,
}

pub(crate) fn addr(s: &str) -> Addr {
    Addr::unchecked(s)
}

pub(crate) fn out_of_gas(ctx: &Ctx) -> ChainError {
    let meter = ctx.meter.borrow();
    ChainError::OutOfGas {
        limit: meter.limit(),
        used: meter.used().total(),
    }
}

fn charge(ctx: &Ctx, kind: Kind, sdk_gas: u64) -> Result<(), ChainError> {
    if ctx.charge(kind, sdk_gas) {
        Ok(())
    } else {
        Err(out_of_gas(ctx))
    }
}

fn env(ctx: &Ctx, contract: &str) -> Env {
    let block: BlockInfo = ctx.block.borrow().clone();
    Env {
        block,
        transaction: Some(TransactionInfo::new(0, Binary::default())),
        contract: ContractInfo {
            address: addr(contract),
        },
    }
}

fn vm_err(contract: &str, e: impl std::fmt::Display) -> ChainError {
    ChainError::Vm {
        contract: contract.to_string(),
        msg: e.to_string(),
    }
}

/// Loads an instance and runs one entry point, charging the instance load, the VM compute and
/// the deserialization of the result. `vm_gas_cap`: the caller VM's remaining gas for queries.
fn call(
    ctx: &Rc<Ctx>,
    contract: &str,
    vm_gas_cap: Option<u64>,
    run: impl FnOnce(&mut ChainInstance) -> VmResult<Vec<u8>>,
) -> Result<Vec<u8>, ChainError> {
    charge(ctx, Kind::InstanceLoad, INSTANCE_COST)?;
    let code_id = ctx
        .state
        .borrow()
        .contracts
        .get(contract)
        .map(|c| c.code_id)
        .ok_or_else(|| ChainError::NoSuchContract(contract.to_string()))?;
    let checksum = code_checksum(ctx, code_id)?;
    let mut gas_limit = ctx.remaining().saturating_mul(GAS_MULTIPLIER);
    if let Some(cap) = vm_gas_cap {
        gas_limit = gas_limit.min(cap);
    }
    let backend = Backend {
        api: ctx.api,
        storage: ContractStorage::new(Rc::clone(ctx), contract),
        querier: ChainQuerier::new(ctx),
    };
    let mut instance = ctx
        .cache
        .get_instance(&checksum, backend, InstanceOptions { gas_limit })
        .map_err(|e| vm_err(contract, e))?;
    let result = run(&mut instance);
    let report = instance.create_gas_report();
    drop(instance);
    // wasmd converts each call's VM gas separately, rounding down.
    charge(
        ctx,
        Kind::VmCompute,
        report.used_internally / GAS_MULTIPLIER,
    )?;
    match result {
        Ok(data) => {
            let cost = DESERIALIZATION_COST_PER_BYTE.saturating_mul(data.len() as u64);
            charge(ctx, Kind::Deserialization, cost)?;
            Ok(data)
        }
        Err(VmError::GasDepletion { .. }) => {
            // The VM ran to its limit; the floor above can leave a fraction of an SDK gas
            // uncounted, and a chain charges the whole limit.
            if vm_gas_cap.is_none() {
                ctx.charge(Kind::VmCompute, ctx.remaining());
            }
            Err(out_of_gas(ctx))
        }
        Err(e) => Err(vm_err(contract, e)),
    }
}

fn code_checksum(ctx: &Ctx, code_id: u64) -> Result<cosmwasm_std::Checksum, ChainError> {
    let index = usize::try_from(code_id)
        .ok()
        .and_then(|i| i.checked_sub(1))
        .ok_or(ChainError::NoSuchCode(code_id))?;
    ctx.codes
        .borrow()
        .get(index)
        .map(|c| c.checksum)
        .ok_or(ChainError::NoSuchCode(code_id))
}

fn parse_response(
    contract: &str,
    entry_point: &'static str,
    raw: &[u8],
) -> Result<Response, ChainError> {
    let result: ContractResult<Response> =
        from_slice(raw, RESULT_LIMIT).map_err(|e| vm_err(contract, e))?;
    result.into_result().map_err(|msg| ChainError::Contract {
        contract: contract.to_string(),
        entry_point,
        msg,
    })
}

/// `MsgExecuteContract` from `sender`.
pub(crate) fn execute(
    ctx: &Rc<Ctx>,
    sender: &str,
    contract: &str,
    msg: &[u8],
    funds: &[Coin],
) -> Result<Outcome, ChainError> {
    if !ctx.state.borrow().contracts.contains_key(contract) {
        return Err(ChainError::NoSuchContract(contract.to_string()));
    }
    let funds = bank::normalize(funds)?;
    let mut events = Vec::new();
    if !funds.is_empty() {
        events.push(bank::send(ctx, sender, contract, &funds)?);
    }
    let env = to_vec(&env(ctx, contract)).map_err(|e| vm_err(contract, e))?;
    let info = MessageInfo {
        sender: addr(sender),
        funds,
    };
    let info = to_vec(&info).map_err(|e| vm_err(contract, e))?;
    let raw = call(ctx, contract, None, |i| {
        call_execute_raw(i, &env, &info, msg)
    })?;
    let response = parse_response(contract, "execute", &raw)?;
    events.push(Event::new("execute").add_attribute("_contract_address", contract));
    handle_response(ctx, contract, response, events)
}

/// `MsgInstantiateContract` from `sender`; returns the new address.
pub(crate) fn instantiate(
    ctx: &Rc<Ctx>,
    sender: &str,
    code_id: u64,
    msg: &[u8],
    funds: &[Coin],
    label: &str,
    admin: Option<String>,
) -> Result<(String, Outcome), ChainError> {
    code_checksum(ctx, code_id)?;
    if label.trim().is_empty() {
        return Err(ChainError::InvalidMessage("label is required".into()));
    }
    let admin = match admin {
        Some(a) => Some(validate(ctx, &a)?),
        None => None,
    };
    let funds = bank::normalize(funds)?;
    let contract = {
        let mut state = ctx.state.borrow_mut();
        state.instance_seq = state.instance_seq.saturating_add(1);
        let address = ctx
            .api
            .addr_make(&format!("contract/{code_id}/{}", state.instance_seq));
        state.contracts.insert(
            address.clone(),
            ContractData {
                code_id,
                creator: addr(sender),
                admin,
                label: label.to_string(),
                storage: Default::default(),
            },
        );
        address
    };
    let mut events = Vec::new();
    if !funds.is_empty() {
        events.push(bank::send(ctx, sender, &contract, &funds)?);
    }
    let env = to_vec(&env(ctx, &contract)).map_err(|e| vm_err(&contract, e))?;
    let info = MessageInfo {
        sender: addr(sender),
        funds,
    };
    let info = to_vec(&info).map_err(|e| vm_err(&contract, e))?;
    let raw = call(ctx, &contract, None, |i| {
        call_instantiate_raw(i, &env, &info, msg)
    })?;
    let response = parse_response(&contract, "instantiate", &raw)?;
    events.push(
        Event::new("instantiate")
            .add_attribute("_contract_address", &contract)
            .add_attribute("code_id", code_id.to_string()),
    );
    let outcome = handle_response(ctx, &contract, response, events)?;
    Ok((contract, outcome))
}

/// `MsgMigrateContract` from `sender` (who must be the contract's admin): the contract moves to
/// `code_id`, whose `migrate` entry point runs.
pub(crate) fn migrate(
    ctx: &Rc<Ctx>,
    sender: &str,
    contract: &str,
    code_id: u64,
    msg: &[u8],
) -> Result<Outcome, ChainError> {
    code_checksum(ctx, code_id)?;
    as_admin(ctx, sender, contract, "migrate", |data| {
        data.code_id = code_id
    })?;
    let env = to_vec(&env(ctx, contract)).map_err(|e| vm_err(contract, e))?;
    let raw = call(ctx, contract, None, |i| call_migrate_raw(i, &env, msg))?;
    let response = parse_response(contract, "migrate", &raw)?;
    let events = vec![Event::new("migrate")
        .add_attribute("code_id", code_id.to_string())
        .add_attribute("_contract_address", contract)];
    handle_response(ctx, contract, response, events)
}

/// Changes `contract`'s record by `change` if `sender` is its admin; otherwise the SDK's
/// refusal ("… can not {action}") and nothing changes.
fn as_admin(
    ctx: &Ctx,
    sender: &str,
    contract: &str,
    action: &str,
    change: impl FnOnce(&mut ContractData),
) -> Result<(), ChainError> {
    let mut state = ctx.state.borrow_mut();
    let data = state
        .contracts
        .get_mut(contract)
        .ok_or_else(|| ChainError::NoSuchContract(contract.to_string()))?;
    if data.admin.as_ref().map(Addr::as_str) != Some(sender) {
        return Err(ChainError::Unauthorized(format!(
            "{sender} is not the admin of {contract}: can not {action}"
        )));
    }
    change(data);
    Ok(())
}

/// `MsgUpdateAdmin` from `sender` (who must be the contract's admin).
pub(crate) fn update_admin(
    ctx: &Ctx,
    sender: &str,
    contract: &str,
    new_admin: &str,
) -> Result<Event, ChainError> {
    let new_admin = validate(ctx, new_admin)?;
    as_admin(ctx, sender, contract, "modify contract", |data| {
        data.admin = Some(new_admin.clone())
    })?;
    Ok(Event::new("update_contract_admin")
        .add_attribute("_contract_address", contract)
        .add_attribute("new_admin_address", new_admin.as_str()))
}

/// A smart query; `vm_gas_cap` is the calling VM's remaining gas when a contract asks.
pub(crate) fn query(
    ctx: &Rc<Ctx>,
    contract: &str,
    msg: &[u8],
    vm_gas_cap: Option<u64>,
) -> Result<Binary, ChainError> {
    let env = to_vec(&env(ctx, contract)).map_err(|e| vm_err(contract, e))?;
    let raw = call(ctx, contract, vm_gas_cap, |i| call_query_raw(i, &env, msg))?;
    let result: ContractResult<Binary> =
        from_slice(&raw, RESULT_LIMIT).map_err(|e| vm_err(contract, e))?;
    result.into_result().map_err(|msg| ChainError::Contract {
        contract: contract.to_string(),
        entry_point: "query",
        msg,
    })
}

fn reply(ctx: &Rc<Ctx>, contract: &str, msg: &Reply) -> Result<Outcome, ChainError> {
    if let SubMsgResult::Ok(ok) = &msg.result {
        charge(ctx, Kind::Events, gas::reply_event_costs(&ok.events))?;
    }
    let env = to_vec(&env(ctx, contract)).map_err(|e| vm_err(contract, e))?;
    let reply = to_vec(msg).map_err(|e| vm_err(contract, e))?;
    let raw = call(ctx, contract, None, |i| call_reply_raw(i, &env, &reply))?;
    let response = parse_response(contract, "reply", &raw)?;
    let events = vec![Event::new("reply").add_attribute("_contract_address", contract)];
    handle_response(ctx, contract, response, events)
}

pub(crate) fn validate(ctx: &Ctx, address: &str) -> Result<Addr, ChainError> {
    match ctx.api.addr_validate(address).0 {
        Ok(()) => Ok(addr(address)),
        Err(e) => Err(ChainError::InvalidAddress {
            address: address.to_string(),
            reason: e.to_string(),
        }),
    }
}

/// Charges the response's events, emits them, then runs its submessages in order. The data is
/// the contract's, replaced by the last reply that returns data (wasmd's rule).
fn handle_response(
    ctx: &Rc<Ctx>,
    contract: &str,
    response: Response,
    mut events: Vec<Event>,
) -> Result<Outcome, ChainError> {
    charge(
        ctx,
        Kind::Events,
        gas::event_costs(&response.attributes, &response.events),
    )?;
    events.extend(contract_events(contract, &response)?);
    let mut data = response.data;
    for sub in response.messages {
        if let Some(reply_data) = dispatch_submsg(ctx, contract, sub, &mut events)? {
            data = Some(reply_data);
        }
    }
    Ok(Outcome { events, data })
}

/// The `wasm` event (response attributes) and `wasm-<type>` custom events, validated as wasmd
/// validates them.
fn contract_events(contract: &str, response: &Response) -> Result<Vec<Event>, ChainError> {
    let check = |attrs: &[cosmwasm_std::Attribute]| -> Result<(), ChainError> {
        for a in attrs {
            let key = a.key.trim();
            if key.is_empty() {
                return Err(ChainError::InvalidMessage("empty attribute key".into()));
            }
            if key.starts_with('_') {
                return Err(ChainError::InvalidMessage(format!(
                    "attribute key {key} starts with the reserved prefix _"
                )));
            }
        }
        Ok(())
    };
    let mut out = Vec::new();
    if !response.attributes.is_empty() {
        check(&response.attributes)?;
        out.push(
            Event::new("wasm")
                .add_attribute("_contract_address", contract)
                .add_attributes(response.attributes.clone()),
        );
    }
    for e in &response.events {
        if e.ty.trim().len() < 2 {
            return Err(ChainError::InvalidMessage(format!(
                "event type {:?} is shorter than 2 characters",
                e.ty
            )));
        }
        check(&e.attributes)?;
        out.push(
            Event::new(format!("wasm-{}", e.ty.trim()))
                .add_attribute("_contract_address", contract)
                .add_attributes(e.attributes.clone()),
        );
    }
    Ok(out)
}

/// Runs one submessage. A reply that catches errors gets a snapshot to revert to; an
/// out-of-gas of the transaction itself is never caught (wasmd lets it abort the transaction).
fn dispatch_submsg(
    ctx: &Rc<Ctx>,
    contract: &str,
    sub: SubMsg,
    events: &mut Vec<Event>,
) -> Result<Option<Binary>, ChainError> {
    let catches = matches!(sub.reply_on, ReplyOn::Error | ReplyOn::Always);
    let snapshot = catches.then(|| ctx.state.borrow().clone());
    let before = ctx.meter.borrow().used().total();
    if let Some(limit) = sub.gas_limit {
        ctx.meter.borrow_mut().push_limit(limit);
    }
    let mut result = dispatch(ctx, contract, sub.msg);
    if let Some(limit) = sub.gas_limit {
        let mut meter = ctx.meter.borrow_mut();
        meter.pop_limit();
        // Out of the submessage's own gas: an ordinary (catchable) failure. Out of an outer
        // limit (or the transaction's): keeps unwinding to the level that owns that limit.
        if let Err(ChainError::OutOfGas { used, .. }) = &result {
            let used_here = used.saturating_sub(before);
            if used_here >= limit && !meter.tx_exhausted() {
                result = Err(ChainError::SubMsgOutOfGas {
                    limit,
                    used: used_here,
                });
            }
        }
    }
    let gas_used = ctx.meter.borrow().used().total().saturating_sub(before);
    let reply_msg = match result {
        Ok(out) => {
            events.extend(out.events.iter().cloned());
            if !matches!(sub.reply_on, ReplyOn::Success | ReplyOn::Always) {
                return Ok(None);
            }
            #[allow(deprecated)]
            let response = SubMsgResponse {
                events: out.events,
                data: proto_data(&out.msg_response),
                msg_responses: vec![out.msg_response],
            };
            Reply {
                id: sub.id,
                payload: sub.payload,
                gas_used,
                result: SubMsgResult::Ok(response),
            }
        }
        Err(e) => {
            let fatal = matches!(e, ChainError::OutOfGas { .. });
            match snapshot {
                Some(state) if !fatal => *ctx.state.borrow_mut() = state,
                _ => return Err(e),
            }
            Reply {
                id: sub.id,
                payload: sub.payload,
                gas_used,
                result: SubMsgResult::Err(e.redacted()),
            }
        }
    };
    let outcome = reply(ctx, contract, &reply_msg)?;
    events.extend(outcome.events);
    Ok(outcome.data)
}

/// The deprecated `SubMsgResponse::data`: the message response bytes, if any.
fn proto_data(response: &MsgResponse) -> Option<Binary> {
    (!response.value.is_empty()).then(|| response.value.clone())
}

/// Routes one message sent by `sender` (a contract).
fn dispatch(ctx: &Rc<Ctx>, sender: &str, msg: CosmosMsg) -> Result<MsgOutcome, ChainError> {
    match msg {
        CosmosMsg::Bank(BankMsg::Send { to_address, amount }) => {
            let to = validate(ctx, &to_address)?;
            let amount = bank::normalize(&amount)?;
            if amount.is_empty() {
                return Err(ChainError::InvalidMessage("bank send of no coins".into()));
            }
            let event = bank::send(ctx, sender, to.as_str(), &amount)?;
            Ok(MsgOutcome {
                events: vec![event],
                msg_response: msg_response("/cosmos.bank.v1beta1.MsgSendResponse", Vec::new()),
            })
        }
        CosmosMsg::Bank(BankMsg::Burn { amount }) => {
            let amount = bank::normalize(&amount)?;
            if amount.is_empty() {
                return Err(ChainError::InvalidMessage("bank burn of no coins".into()));
            }
            let event = bank::burn(ctx, sender, &amount)?;
            Ok(MsgOutcome {
                events: vec![event],
                msg_response: msg_response("/cosmos.bank.v1beta1.MsgBurnResponse", Vec::new()),
            })
        }
        CosmosMsg::Wasm(WasmMsg::Execute {
            contract_addr,
            msg,
            funds,
        }) => {
            let contract = validate(ctx, &contract_addr)?;
            let out = execute(ctx, sender, contract.as_str(), &msg, &funds)?;
            let mut proto = Vec::new();
            if let Some(d) = &out.data {
                proto_bytes(&mut proto, 1, d);
            }
            Ok(MsgOutcome {
                events: out.events,
                msg_response: msg_response("/cosmwasm.wasm.v1.MsgExecuteContractResponse", proto),
            })
        }
        CosmosMsg::Wasm(WasmMsg::Instantiate {
            admin,
            code_id,
            msg,
            funds,
            label,
        }) => {
            let (address, out) = instantiate(ctx, sender, code_id, &msg, &funds, &label, admin)?;
            let mut proto = Vec::new();
            proto_bytes(&mut proto, 1, address.as_bytes());
            if let Some(d) = &out.data {
                proto_bytes(&mut proto, 2, d);
            }
            Ok(MsgOutcome {
                events: out.events,
                msg_response: msg_response(
                    "/cosmwasm.wasm.v1.MsgInstantiateContractResponse",
                    proto,
                ),
            })
        }
        other => Err(ChainError::Unsupported(format!("message {other:?}"))),
    }
}

fn msg_response(type_url: &str, value: Vec<u8>) -> MsgResponse {
    MsgResponse {
        type_url: type_url.to_string(),
        value: Binary::from(value),
    }
}

/// Appends a protobuf length-delimited field (skipped when empty, as proto3 does).
fn proto_bytes(out: &mut Vec<u8>, field: u8, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    out.push((field << 3) | 2);
    let mut len = bytes.len();
    while len >= 0x80 {
        out.push((len as u8 & 0x7f) | 0x80);
        len >>= 7;
    }
    out.push(len as u8);
    out.extend_from_slice(bytes);
}
