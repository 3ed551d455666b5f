//! Instantiate, configuration, ownership and migration.

use cosmwasm_std::{Addr, Api, Decimal256, Deps, DepsMut, Env, MessageInfo, Response, Uint128};
use cw_utils::nonpayable;
use perps_api::insurance_fund::InsuranceFund;
use perps_api::ownership::{self, Ownership};
use perps_api::perps::{ExecuteMsg, InstantiateMsg, MigrateMsg};

use crate::error::{ContractError, ContractResult};
use crate::execute::markets::validate_liquidation_rules;
use crate::state::{
    default_max_order_age_secs, default_max_orders_per_account, Config, Vault, CONFIG,
    CONTRACT_NAME, CONTRACT_VERSION, MARKETS, OWNERSHIP, VAULT,
};

/// Most positions one account may hold: bounds the gas of every cross-book check.
pub const MAX_POSITIONS_LIMIT: u32 = 32;
/// Most pending orders one account may hold: bounds the gas of its own next message, which
/// executes its ready orders first.
pub const MAX_ORDERS_LIMIT: u32 = 32;

pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    let owner = match msg.owner {
        Some(o) => deps.api.addr_validate(&o)?,
        None => info.sender.clone(),
    };
    validate_denom(&msg.collateral_denom)?;
    if msg.collateral_decimals > 18 {
        return Err(ContractError::invalid(
            "collateral_decimals",
            format!("{} > 18", msg.collateral_decimals),
        ));
    }
    let config = Config {
        collateral_denom: msg.collateral_denom,
        collateral_decimals: msg.collateral_decimals,
        price_feed: deps.api.addr_validate(&msg.price_feed)?,
        insurance_fund: deps.api.addr_validate(&msg.insurance_fund)?,
        max_oracle_age_secs: msg.max_oracle_age_secs,
        max_confidence_ratio: msg.max_confidence_ratio,
        max_ema_deviation: msg.max_ema_deviation,
        max_positions_per_account: msg.max_positions_per_account.unwrap_or(16),
        max_order_age_secs: default_max_order_age_secs(),
        max_orders_per_account: default_max_orders_per_account(),
        keeper_fee: Uint128::zero(),
        liquidation_target_ratio: msg.liquidation_target_ratio,
        liquidator_reward_share: msg.liquidator_reward_share,
        insurance_fee_share: msg.insurance_fee_share,
        vault_min_backing: msg.vault_min_backing,
        min_liquidation_reward: msg.min_liquidation_reward.unwrap_or_default(),
        default_max_slippage: msg.default_max_slippage.unwrap_or(Decimal256::percent(1)),
        unrealized_profit_weight: msg.unrealized_profit_weight.unwrap_or_default(),
        lp_withdraw_delay_secs: msg.lp_withdraw_delay_secs.unwrap_or(86_400),
    };
    validate_config(&config)?;
    check_fund_denom(deps.as_ref(), &config)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(deps.storage, &config)?;
    OWNERSHIP.save(deps.storage, &Ownership::new(owner.clone()))?;
    VAULT.save(deps.storage, &Vault::default())?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("owner", owner)
        .add_attribute("collateral_denom", config.collateral_denom))
}

/// The insurance fund must pay out the engine's collateral: its `config` (smart query, once at
/// configuration) names its denom. A fund that cannot answer is refused too.
fn check_fund_denom(deps: Deps, c: &Config) -> ContractResult<()> {
    let fund = InsuranceFund(c.insurance_fund.clone()).config(&deps.querier)?;
    if fund.denom != c.collateral_denom {
        return Err(ContractError::InsuranceFundDenom {
            fund: c.insurance_fund.to_string(),
            fund_denom: fund.denom,
            collateral_denom: c.collateral_denom.clone(),
        });
    }
    Ok(())
}

/// Bank denom charset: 3–128 characters, a letter first, then `[A-Za-z0-9/:._-]`.
fn validate_denom(denom: &str) -> ContractResult<()> {
    let ok_len = (3..=128).contains(&denom.len());
    let ok_first = denom
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic());
    let ok_chars = denom
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/:._-".contains(c));
    if ok_len && ok_first && ok_chars {
        Ok(())
    } else {
        Err(ContractError::invalid(
            "collateral_denom",
            format!("{denom:?} is not a bank denom"),
        ))
    }
}

fn ratio_in(name: &str, v: Decimal256, zero_ok: bool, one_ok: bool) -> ContractResult<()> {
    let low_ok = if zero_ok { true } else { !v.is_zero() };
    let high_ok = if one_ok {
        v <= Decimal256::one()
    } else {
        v < Decimal256::one()
    };
    if low_ok && high_ok {
        return Ok(());
    }
    let (lo, hi) = (
        if zero_ok { "[0" } else { "(0" },
        if one_ok { "1]" } else { "1)" },
    );
    Err(ContractError::invalid(
        name,
        format!("{v} is outside {lo}, {hi}"),
    ))
}

/// Every rule on the engine configuration (markets are checked by the caller when liquidation
/// parameters change).
pub fn validate_config(c: &Config) -> ContractResult<()> {
    if c.max_oracle_age_secs == 0 {
        return Err(ContractError::invalid("max_oracle_age_secs", "must be > 0"));
    }
    ratio_in("max_confidence_ratio", c.max_confidence_ratio, false, true)?;
    ratio_in("max_ema_deviation", c.max_ema_deviation, false, true)?;
    if c.max_positions_per_account == 0 || c.max_positions_per_account > MAX_POSITIONS_LIMIT {
        return Err(ContractError::invalid(
            "max_positions_per_account",
            format!(
                "{} is outside [1, {MAX_POSITIONS_LIMIT}]",
                c.max_positions_per_account
            ),
        ));
    }
    if c.max_orders_per_account == 0 || c.max_orders_per_account > MAX_ORDERS_LIMIT {
        return Err(ContractError::invalid(
            "max_orders_per_account",
            format!(
                "{} is outside [1, {MAX_ORDERS_LIMIT}]",
                c.max_orders_per_account
            ),
        ));
    }
    if c.max_order_age_secs == 0 {
        return Err(ContractError::invalid("max_order_age_secs", "must be > 0"));
    }
    // The target must be at or above maintenance, or a liquidation could stop below it.
    let ten = Decimal256::from_ratio(10u8, 1u8);
    if c.liquidation_target_ratio < Decimal256::one() || c.liquidation_target_ratio > ten {
        return Err(ContractError::invalid(
            "liquidation_target_ratio",
            format!("{} is outside [1, 10]", c.liquidation_target_ratio),
        ));
    }
    ratio_in(
        "liquidator_reward_share",
        c.liquidator_reward_share,
        true,
        true,
    )?;
    ratio_in("insurance_fee_share", c.insurance_fee_share, true, true)?;
    ratio_in("vault_min_backing", c.vault_min_backing, true, true)?;
    // 1 would allow a zero acceptable price on a sell.
    ratio_in("default_max_slippage", c.default_max_slippage, false, false)?;
    ratio_in(
        "unrealized_profit_weight",
        c.unrealized_profit_weight,
        true,
        true,
    )?;
    Ok(())
}

fn opt_addr(api: &dyn Api, a: Option<String>, current: Addr) -> ContractResult<Addr> {
    Ok(match a {
        Some(a) => api.addr_validate(&a)?,
        None => current,
    })
}

/// `update_config`: every field given replaces the stored one, then the whole configuration is
/// checked again (`msg` is the `UpdateConfig` message).
pub fn update_config(
    deps: DepsMut,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    OWNERSHIP.load(deps.storage)?.assert_owner(&info.sender)?;
    let ExecuteMsg::UpdateConfig {
        price_feed,
        insurance_fund,
        max_oracle_age_secs,
        max_confidence_ratio,
        max_ema_deviation,
        max_positions_per_account,
        max_order_age_secs,
        max_orders_per_account,
        keeper_fee,
        liquidation_target_ratio,
        liquidator_reward_share,
        insurance_fee_share,
        vault_min_backing,
        min_liquidation_reward,
        default_max_slippage,
        unrealized_profit_weight,
        lp_withdraw_delay_secs,
    } = msg
    else {
        return Err(ContractError::NotImplemented {
            what: "update_config from another message".to_string(),
        });
    };
    let old = CONFIG.load(deps.storage)?;
    let c = Config {
        collateral_denom: old.collateral_denom.clone(),
        collateral_decimals: old.collateral_decimals,
        price_feed: opt_addr(deps.api, price_feed, old.price_feed.clone())?,
        insurance_fund: opt_addr(deps.api, insurance_fund, old.insurance_fund.clone())?,
        max_oracle_age_secs: max_oracle_age_secs.unwrap_or(old.max_oracle_age_secs),
        max_confidence_ratio: max_confidence_ratio.unwrap_or(old.max_confidence_ratio),
        max_ema_deviation: max_ema_deviation.unwrap_or(old.max_ema_deviation),
        max_positions_per_account: max_positions_per_account
            .unwrap_or(old.max_positions_per_account),
        max_order_age_secs: max_order_age_secs.unwrap_or(old.max_order_age_secs),
        max_orders_per_account: max_orders_per_account.unwrap_or(old.max_orders_per_account),
        keeper_fee: keeper_fee.unwrap_or(old.keeper_fee),
        liquidation_target_ratio: liquidation_target_ratio.unwrap_or(old.liquidation_target_ratio),
        liquidator_reward_share: liquidator_reward_share.unwrap_or(old.liquidator_reward_share),
        insurance_fee_share: insurance_fee_share.unwrap_or(old.insurance_fee_share),
        vault_min_backing: vault_min_backing.unwrap_or(old.vault_min_backing),
        min_liquidation_reward: min_liquidation_reward.unwrap_or(old.min_liquidation_reward),
        default_max_slippage: default_max_slippage.unwrap_or(old.default_max_slippage),
        unrealized_profit_weight: unrealized_profit_weight.unwrap_or(old.unrealized_profit_weight),
        lp_withdraw_delay_secs: lp_withdraw_delay_secs.unwrap_or(old.lp_withdraw_delay_secs),
    };
    validate_config(&c)?;
    if c.insurance_fund != old.insurance_fund {
        check_fund_denom(deps.as_ref(), &c)?;
    }
    // Liquidation parameters are also bound by every market's rules.
    for item in MARKETS.range(deps.storage, None, None, cosmwasm_std::Order::Ascending) {
        let (_, market) = item?;
        validate_liquidation_rules(&c, &market.config)?;
    }
    CONFIG.save(deps.storage, &c)?;
    Ok(Response::new().add_attribute("action", "update_config"))
}

/// The owner proposes a new owner (owner checked first, then the address).
pub fn transfer_ownership(
    deps: DepsMut,
    info: MessageInfo,
    new_owner: String,
) -> ContractResult<Response> {
    nonpayable(&info)?;
    ownership::transfer_ownership(deps.storage, &OWNERSHIP, &info.sender, || {
        Ok(deps.api.addr_validate(&new_owner)?)
    })
}

/// The proposed owner takes over.
pub fn accept_ownership(deps: DepsMut, info: MessageInfo) -> ContractResult<Response> {
    nonpayable(&info)?;
    ownership::accept_ownership(deps.storage, &OWNERSHIP, &info.sender)
}

/// Refuses another contract's state and downgrades; records the new version.
pub fn migrate(deps: DepsMut, _msg: MigrateMsg) -> ContractResult<Response> {
    Ok(perps_api::migrate::migrate(
        deps.storage,
        CONTRACT_NAME,
        CONTRACT_VERSION,
    )?)
}
