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

        $(
            #[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
            pub fn $reply(
                deps: cosmwasm_std::DepsMut,
                env: cosmwasm_std::Env,
                msg: cosmwasm_std::Reply,
            ) -> ContractResult<cosmwasm_std::Response> {
                contract::$reply(deps, env, msg)
            }
        )?
    };
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
