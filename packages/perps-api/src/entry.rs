//! The entry points every contract of the protocol exports, written once.

/// Declares a contract's entry points in its `lib.rs`: thin wrappers over the crate's
/// `contract` module, exported to the chain unless the crate is built with the `library`
/// feature. `entry_points!(perps, reply)` takes the message types from `perps_api::perps` and adds
/// the `reply` entry point; the crate provides `contract::{instantiate, execute, query, migrate}`
/// (and `contract::reply`) and a `ContractResult` alias in scope.
#[macro_export]
macro_rules! entry_points {
    ($api:ident $(, $reply:ident)?) => {
        #[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
        pub fn instantiate(
            deps: cosmwasm_std::DepsMut,
            env: cosmwasm_std::Env,
            info: cosmwasm_std::MessageInfo,
            msg: $crate::$api::InstantiateMsg,
        ) -> ContractResult<cosmwasm_std::Response> {
            contract::instantiate(deps, env, info, msg)
        }

        #[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
        pub fn execute(
            deps: cosmwasm_std::DepsMut,
            env: cosmwasm_std::Env,
            info: cosmwasm_std::MessageInfo,
            msg: $crate::$api::ExecuteMsg,
        ) -> ContractResult<cosmwasm_std::Response> {
            contract::execute(deps, env, info, msg)
        }

        #[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
        pub fn query(
            deps: cosmwasm_std::Deps,
            env: cosmwasm_std::Env,
            msg: $crate::$api::QueryMsg,
        ) -> ContractResult<cosmwasm_std::Binary> {
            contract::query(deps, env, msg)
        }

        #[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
        pub fn migrate(
            deps: cosmwasm_std::DepsMut,
            env: cosmwasm_std::Env,
            msg: $crate::$api::MigrateMsg,
        ) -> ContractResult<cosmwasm_std::Response> {
            contract::migrate(deps, env, msg)
        }

        /// Keeps `perps_api::backtrace::debug` and `perps_api::backtrace::display` in the linked
        /// module: `scripts/disabled-backtrace.py` puts them in place of std's `Debug`/`Display`
        /// of `Backtrace` and removes these two exports again (docs/decisions.md, "Backtrace
        /// printing out of the artifacts").
        #[cfg(all(target_arch = "wasm32", not(feature = "library")))]
        mod __wasm_export_disabled_backtrace {
            #[no_mangle]
            fn __perps_disabled_backtrace_debug(
                bt: &std::backtrace::Backtrace,
                f: &mut core::fmt::Formatter<'_>,
            ) -> core::fmt::Result {
                $crate::backtrace::debug(bt, f)
            }

            #[no_mangle]
            fn __perps_disabled_backtrace_display(
                bt: &std::backtrace::Backtrace,
                f: &mut core::fmt::Formatter<'_>,
            ) -> core::fmt::Result {
                $crate::backtrace::display(bt, f)
            }
        }

        $(
            pub fn $reply(
                deps: cosmwasm_std::DepsMut,
                env: cosmwasm_std::Env,
                msg: cosmwasm_std::Reply,
            ) -> ContractResult<cosmwasm_std::Response> {
                contract::$reply(deps, env, msg)
            }

            /// The `reply` export, reading the `Reply` as [`$crate::entry::ReplyMsg`] (what
            /// `cosmwasm_std::entry_point` generates, with `do_migrate`'s generic message in place
            /// of `do_reply`'s fixed `Reply`: the same ABI, env and message in, the response out).
            #[cfg(all(target_arch = "wasm32", not(feature = "library")))]
            mod __wasm_export_reply {
                #[no_mangle]
                extern "C" fn $reply(ptr_0: u32, ptr_1: u32) -> u32 {
                    cosmwasm_std::do_migrate(
                        &|deps: cosmwasm_std::DepsMut,
                          env: cosmwasm_std::Env,
                          msg: $crate::entry::ReplyMsg| super::$reply(deps, env, msg.0),
                        ptr_0,
                        ptr_1,
                    )
                }
            }
        )?
    };
}

/// A value serde_json can write, type-erased: [`answer`] serializes every response type through
/// one function (as `cosmwasm_std::to_json_binary`, which is instantiated once per type: buffer,
/// serializer and error conversion each time, ~300 bytes; docs/size.md).
pub trait Answer {
    /// Writes `self` as JSON.
    fn write_json(
        &self,
        out: &mut serde_json::Serializer<&mut Vec<u8>>,
    ) -> Result<(), serde_json::Error>;
}

impl<T: serde::Serialize> Answer for T {
    fn write_json(
        &self,
        out: &mut serde_json::Serializer<&mut Vec<u8>>,
    ) -> Result<(), serde_json::Error> {
        self.serialize(out)
    }
}

/// `cosmwasm_std::to_json_binary(value)`: the same bytes (serde_json's compact writer) and the
/// same error.
pub fn answer(value: &dyn Answer) -> cosmwasm_std::StdResult<cosmwasm_std::Binary> {
    json_vec(value).map(cosmwasm_std::Binary::new)
}

/// `cosmwasm_std::to_json_vec(value)` for every type through [`Answer`] (the engine's JSON
/// records, the messages it sends, its query answers).
#[inline(never)]
pub fn json_vec(value: &dyn Answer) -> cosmwasm_std::StdResult<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    value.write_json(&mut serde_json::Serializer::new(&mut out))?;
    Ok(out)
}

/// The `Reply` a chain hands to a contract's `reply` entry point, read with the record reader
/// (`crate::record::ForeignFields`) instead of cosmwasm-std's derived readers of `Reply`,
/// `SubMsgResponse`, `Event`, `Attribute` and `MsgResponse` (~10 KB, docs/size.md). It keeps
/// `id`, `payload`, `gas_used` and a failure's error text; a success's events, data and message
/// responses are skipped (read as an empty `SubMsgResponse`): the engine's only submessage
/// replies on error.
pub struct ReplyMsg(pub cosmwasm_std::Reply);

impl<'de> serde::Deserialize<'de> for ReplyMsg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::record::need;
        use cosmwasm_std::{SubMsgResponse, SubMsgResult};
        let f: crate::record::ForeignFields = crate::record::read(d)?;
        let result = need(f.result, "result")?;
        let result = match (result.ok, result.error) {
            (_, Some(error)) => SubMsgResult::Err(error),
            #[allow(deprecated)]
            (Some(_), None) => SubMsgResult::Ok(SubMsgResponse {
                events: vec![],
                data: None,
                msg_responses: vec![],
            }),
            (None, None) => return Err(serde::de::Error::missing_field("ok")),
        };
        Ok(ReplyMsg(cosmwasm_std::Reply {
            id: need(f.id, "id")?,
            payload: f.payload.unwrap_or_default(),
            gas_used: f.gas_used.unwrap_or_default(),
            result,
        }))
    }
}

/// The `main` of a contract's schema binary (`src/bin/schema.rs`): writes the JSON schema of the
/// messages in `perps_api::$api` into `schema/` (`scripts/schema.sh` moves it per contract).
#[macro_export]
macro_rules! schema_main {
    ($api:ident) => {
        fn main() {
            cosmwasm_schema::write_api! {
                instantiate: $crate::$api::InstantiateMsg,
                execute: $crate::$api::ExecuteMsg,
                query: $crate::$api::QueryMsg,
                migrate: $crate::$api::MigrateMsg,
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use cosmwasm_std::{
        from_json, to_json_vec, Binary, Event, MsgResponse, Reply, SubMsgResponse, SubMsgResult,
    };

    use super::ReplyMsg;

    fn reply(result: SubMsgResult) -> Reply {
        Reply {
            id: 7,
            payload: Binary::from(b"\"12\"".as_slice()),
            gas_used: 1234,
            result,
        }
    }

    #[test]
    fn a_failed_submessage_reads_as_the_derived_reply() {
        let sent = reply(SubMsgResult::Err("codespace: wasm, code: 5".to_string()));
        let read: ReplyMsg = from_json(to_json_vec(&sent).unwrap()).unwrap();
        assert_eq!(read.0, sent);
    }

    #[test]
    #[allow(deprecated)]
    fn a_success_keeps_id_payload_and_gas_and_skips_the_events() {
        let sent = reply(SubMsgResult::Ok(SubMsgResponse {
            events: vec![Event::new("wasm").add_attribute("a", "b")],
            data: Some(Binary::from(b"x".as_slice())),
            msg_responses: vec![MsgResponse {
                type_url: "/t".to_string(),
                value: Binary::from(b"y".as_slice()),
            }],
        }));
        let read: ReplyMsg = from_json(to_json_vec(&sent).unwrap()).unwrap();
        let empty = SubMsgResponse {
            events: vec![],
            data: None,
            msg_responses: vec![],
        };
        assert_eq!(read.0, reply(SubMsgResult::Ok(empty)));
    }

    #[test]
    fn defaults_and_missing_fields_as_the_derived_reader() {
        let read: ReplyMsg = from_json(r#"{"id":3,"result":{"error":"e"}}"#).unwrap();
        assert_eq!((read.0.id, read.0.gas_used), (3, 0));
        assert!(read.0.payload.is_empty());
        for (json, missing) in [
            (r#"{"result":{"error":"e"}}"#, "missing field `id`"),
            (r#"{"id":3}"#, "missing field `result`"),
        ] {
            let err = from_json::<ReplyMsg>(json).err().map(|e| e.to_string());
            assert!(err.as_deref().unwrap_or("").contains(missing), "{err:?}");
        }
    }
}
