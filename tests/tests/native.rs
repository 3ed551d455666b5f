//! The same contracts compiled natively and run in cw-multi-test (feature `library`): the
//! reference the wasm results are compared with.

use std::collections::BTreeMap;

use cosmwasm_std::{
    to_json_binary, Addr, BlockInfo, Coin, CosmosMsg, Empty, Timestamp, Uint128, WasmMsg,
};
use cw_multi_test::{App, AppResponse, BankSudo, Contract, ContractWrapper, Executor, SudoMsg};
use perps_e2e::backend::{CHAIN_ID, GENESIS_HEIGHT, GENESIS_TIME};
use perps_e2e::{Backend, Code, Executed, Failed};
use serde_json::Value;

fn contract(code: Code) -> Box<dyn Contract<Empty>> {
    match code {
        Code::PriceFeed => Box::new(ContractWrapper::new(
            price_feed::execute,
            price_feed::instantiate,
            price_feed::query,
        )),
        Code::InsuranceFund => Box::new(ContractWrapper::new(
            insurance_fund::execute,
            insurance_fund::instantiate,
            insurance_fund::query,
        )),
        Code::Perps => Box::new(
            ContractWrapper::new(perps::execute, perps::instantiate, perps::query)
                .with_reply(perps::reply),
        ),
    }
}

/// cw-multi-test at the common genesis block.
pub struct NativeBackend {
    pub app: App,
    codes: BTreeMap<Code, u64>,
}

impl NativeBackend {
    pub fn new() -> Self {
        let mut app = App::default();
        app.set_block(BlockInfo {
            height: GENESIS_HEIGHT,
            time: Timestamp::from_seconds(GENESIS_TIME),
            chain_id: CHAIN_ID.to_string(),
        });
        NativeBackend {
            app,
            codes: BTreeMap::new(),
        }
    }

    fn code_id(&mut self, code: Code) -> u64 {
        if let Some(id) = self.codes.get(&code) {
            return *id;
        }
        let id = self.app.store_code(contract(code));
        self.codes.insert(code, id);
        id
    }
}

/// The contract's own message: cw-multi-test prefixes it with the message it executed.
fn failed(err: cosmwasm_std::StdError) -> Failed {
    let text = err.to_string();
    let last = text.rsplit('\n').next().unwrap_or(&text);
    // cosmwasm-std 3 prints a contract error converted to StdError as `kind: Other, error: ..`.
    let error = last
        .strip_prefix("kind: Other, error: ")
        .unwrap_or(last)
        .to_string();
    Failed { error, gas: None }
}

fn executed(r: AppResponse) -> Executed {
    Executed {
        events: r.events,
        gas: None,
    }
}

impl Backend for NativeBackend {
    fn name(&self) -> &'static str {
        "native"
    }

    fn addr_make(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }

    fn mint(&mut self, to: &Addr, coins: &[Coin]) -> Result<(), String> {
        self.app
            .sudo(SudoMsg::Bank(BankSudo::Mint {
                to_address: to.to_string(),
                amount: coins.to_vec(),
            }))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn instantiate(
        &mut self,
        code: Code,
        sender: &Addr,
        msg: &Value,
        label: &str,
    ) -> Result<(Addr, Executed), Failed> {
        let code_id = self.code_id(code);
        let msg = CosmosMsg::Wasm(WasmMsg::Instantiate {
            admin: None,
            code_id,
            msg: to_json_binary(msg).map_err(failed)?,
            funds: vec![],
            label: label.to_string(),
        });
        let r = self.app.execute(sender.clone(), msg).map_err(failed)?;
        let addr = r
            .events
            .iter()
            .filter(|e| e.ty == "instantiate")
            .flat_map(|e| e.attributes.iter())
            .find(|a| a.key == "_contract_address")
            .map(|a| Addr::unchecked(&a.value))
            .expect("instantiate event");
        Ok((addr, executed(r)))
    }

    fn execute(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &Value,
        funds: &[Coin],
    ) -> Result<Executed, Failed> {
        self.app
            .execute_contract(sender.clone(), contract.clone(), msg, funds)
            .map(executed)
            .map_err(failed)
    }

    fn query(&self, contract: &Addr, msg: &Value) -> Result<Value, String> {
        self.app
            .wrap()
            .query_wasm_smart(contract, msg)
            .map_err(|e| e.to_string())
    }

    fn balance(&self, address: &Addr, denom: &str) -> u128 {
        let coin = self.app.wrap().query_balance(address, denom).unwrap();
        Uint128::try_from(coin.amount).unwrap().u128()
    }

    fn now(&self) -> u64 {
        self.app.block_info().time.seconds()
    }

    fn advance(&mut self, secs: u64) {
        self.app.update_block(move |b| {
            b.time = b.time.plus_seconds(secs);
            b.height += 1;
        });
    }
}
