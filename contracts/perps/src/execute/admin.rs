//! Instantiate, configuration, ownership and migration.

use cosmwasm_std::{Addr, Api, Decimal256, Deps, DepsMut, Env, MessageInfo, Response};
use cw_utils::nonpayable;
use perps_api::insurance_fund::InsuranceFund;
use perps_api::ownership::{self, Ownership};
use perps_api::perps::{ExecuteMsg, InstantiateMsg, MigrateMsg};

use crate::error::{ContractError, ContractResult};
use crate::execute::markets::validate_liquidation_rules;
use crate::state::{
    default_adl_trigger_ratio, default_lp_claim_window_secs, default_max_order_age_secs,
    default_max_orders_per_account, default_max_total_skew_to_vault, holder_rank, Config, Vault,
    COMPACT_LAYOUT, CONFIG, CONTRACT_NAME, CONTRACT_VERSION, LAYOUT, MARKETS, MARKET_HOLDERS,
    MARKET_STATES, OWNERSHIP, POSITIONS, VAULT,
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
        max_order_age_secs: msg
            .max_order_age_secs
            .unwrap_or_else(default_max_order_age_secs),
        max_orders_per_account: msg
            .max_orders_per_account
            .unwrap_or_else(default_max_orders_per_account),
        keeper_fee: msg.keeper_fee.unwrap_or_default(),
        liquidation_target_ratio: msg.liquidation_target_ratio,
        liquidator_reward_share: msg.liquidator_reward_share,
        insurance_fee_share: msg.insurance_fee_share,
        vault_min_backing: msg.vault_min_backing,
        min_liquidation_reward: msg.min_liquidation_reward.unwrap_or_default(),
        default_max_slippage: msg.default_max_slippage.unwrap_or(Decimal256::percent(1)),
        unrealized_profit_weight: msg.unrealized_profit_weight.unwrap_or_default(),
        lp_withdraw_delay_secs: msg.lp_withdraw_delay_secs.unwrap_or(86_400),
        min_position_notional: msg.min_position_notional.unwrap_or_default(),
        max_total_skew_to_vault: msg
            .max_total_skew_to_vault
            .unwrap_or_else(default_max_total_skew_to_vault),
        adl_trigger_ratio: msg
            .adl_trigger_ratio
            .unwrap_or_else(default_adl_trigger_ratio),
        lp_claim_window_secs: msg
            .lp_claim_window_secs
            .unwrap_or_else(default_lp_claim_window_secs),
    };
    validate_config(&config)?;
    check_fund_denom(deps.as_ref(), &config)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(deps.storage, &config)?;
    OWNERSHIP.save(deps.storage, &Ownership::new(owner.clone()))?;
    VAULT.save(deps.storage, &Vault::default())?;
    LAYOUT.save(deps.storage, &COMPACT_LAYOUT)?;
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

/// A per-account bound `value` in `[1, max]`.
fn count_in(name: &str, value: u32, max: u32) -> ContractResult<()> {
    if value == 0 || value > max {
        return Err(ContractError::invalid(
            name,
            format!("{value} is outside [1, {max}]"),
        ));
    }
    Ok(())
}

/// Every rule on the engine configuration (markets are checked by the caller when liquidation
/// parameters change).
pub fn validate_config(c: &Config) -> ContractResult<()> {
    if c.max_oracle_age_secs == 0 {
        return Err(ContractError::invalid("max_oracle_age_secs", "must be > 0"));
    }
    ratio_in("max_confidence_ratio", c.max_confidence_ratio, false, true)?;
    ratio_in("max_ema_deviation", c.max_ema_deviation, false, true)?;
    count_in(
        "max_positions_per_account",
        c.max_positions_per_account,
        MAX_POSITIONS_LIMIT,
    )?;
    count_in(
        "max_orders_per_account",
        c.max_orders_per_account,
        MAX_ORDERS_LIMIT,
    )?;
    if c.max_order_age_secs == 0 {
        return Err(ContractError::invalid("max_order_age_secs", "must be > 0"));
    }
    // A keeper fee stays small next to the smallest position (DESIGN 6.11): ≤ 1 % of it.
    if !c.min_position_notional.is_zero()
        && c.keeper_fee.full_mul(100u8) > c.min_position_notional.full_mul(1u8)
    {
        return Err(ContractError::invalid(
            "keeper_fee",
            format!(
                "{} exceeds 1 % of min_position_notional {}",
                c.keeper_fee, c.min_position_notional
            ),
        ));
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
    validate_solvency(c)
}

/// DESIGN 6.10: the caps tied to V, the ADL trigger and the backing an LP claim leaves agree, so
/// that LP claims alone never trigger ADL: `vault_min_backing · max_total_skew_to_vault ≤ 0.5`
/// and `vault_min_backing ≥ 2 · adl_trigger_ratio`.
fn validate_solvency(c: &Config) -> ContractResult<()> {
    if c.max_total_skew_to_vault.is_zero() {
        return Err(ContractError::invalid(
            "max_total_skew_to_vault",
            "must be > 0",
        ));
    }
    ratio_in("adl_trigger_ratio", c.adl_trigger_ratio, true, true)?;
    let product = c.vault_min_backing.checked_mul(c.max_total_skew_to_vault)?;
    if product > Decimal256::percent(50) {
        return Err(ContractError::invalid(
            "vault_min_backing",
            format!(
                "{} · max_total_skew_to_vault {} = {product} > 0.5",
                c.vault_min_backing, c.max_total_skew_to_vault
            ),
        ));
    }
    let twice = c
        .adl_trigger_ratio
        .checked_mul(Decimal256::from_ratio(2u8, 1u8))?;
    if c.vault_min_backing < twice {
        return Err(ContractError::invalid(
            "vault_min_backing",
            format!(
                "{} < 2 × adl_trigger_ratio {}",
                c.vault_min_backing, c.adl_trigger_ratio
            ),
        ));
    }
    if c.lp_claim_window_secs == 0 {
        return Err(ContractError::invalid(
            "lp_claim_window_secs",
            "must be > 0",
        ));
    }
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
        min_position_notional,
        max_total_skew_to_vault,
        adl_trigger_ratio,
        lp_claim_window_secs,
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
        min_position_notional: min_position_notional.unwrap_or(old.min_position_notional),
        max_total_skew_to_vault: max_total_skew_to_vault.unwrap_or(old.max_total_skew_to_vault),
        adl_trigger_ratio: adl_trigger_ratio.unwrap_or(old.adl_trigger_ratio),
        lp_claim_window_secs: lp_claim_window_secs.unwrap_or(old.lp_claim_window_secs),
    };
    validate_config(&c)?;
    if c.insurance_fund != old.insurance_fund {
        check_fund_denom(deps.as_ref(), &c)?;
    }
    // Liquidation parameters are also bound by every market's rules.
    for item in MARKETS.range(deps.storage, None, None, cosmwasm_std::Order::Ascending) {
        let (id, market) = item?;
        validate_liquidation_rules(&c, &id, &market.config)?;
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

/// Refuses another contract's state and downgrades; records the new version. An engine stored
/// before the compact layout has its hot records converted first ([`crate::layout`]). The vault's
/// running sums (`claims`, `exposure`: DESIGN 6.10) are recomputed from the stored markets, so an
/// engine stored before they existed starts with the right values (one pass over the markets).
pub fn migrate(deps: DepsMut, _msg: MigrateMsg) -> ContractResult<Response> {
    let res = perps_api::migrate::migrate(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    crate::layout::convert(deps.storage)?;
    let cfg = CONFIG.load(deps.storage)?;
    let mut vault = VAULT.load(deps.storage)?;
    let mut sums = crate::solvency::Part::default();
    for item in MARKET_STATES.range(deps.storage, None, None, cosmwasm_std::Order::Ascending) {
        let (id, state) = item?;
        let market = MARKETS.load(deps.storage, &id)?;
        let part = crate::solvency::part(&market, &state, cfg.collateral_decimals)?;
        sums.liability = sums.liability.checked_add(part.liability)?;
        sums.exposure = sums.exposure.checked_add(part.exposure)?;
    }
    vault.claims = sums.liability.0;
    vault.exposure = sums.exposure.0;
    VAULT.save(deps.storage, &vault)?;
    rebuild_holders(deps.storage)?;
    Ok(res)
}

/// The holder index moved from the unranked `"mh"` to the ranked `"ah"` key (DESIGN 6.10's ADL
/// order): rebuilt from the stored positions; the old entries are dropped.
fn rebuild_holders(storage: &mut dyn cosmwasm_std::Storage) -> ContractResult<()> {
    const RETIRED: cw_storage_plus::Map<(&str, &cosmwasm_std::Addr), ()> =
        cw_storage_plus::Map::new("mh");
    let old: Vec<_> = RETIRED
        .keys(storage, None, None, cosmwasm_std::Order::Ascending)
        .collect::<Result<_, _>>()?;
    for (market, addr) in old {
        RETIRED.remove(storage, (&market, &addr));
    }
    let positions: Vec<_> = POSITIONS
        .range(storage, None, None, cosmwasm_std::Order::Ascending)
        .collect::<Result<_, _>>()?;
    for ((addr, market), p) in positions {
        MARKET_HOLDERS.save(storage, (&market, holder_rank(&p), &addr), &())?;
    }
    Ok(())
}
