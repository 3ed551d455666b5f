// A health summary of an account from the engine's `account` query, in exact numbers.
import type { PerpsReadOnlyInterface } from "./generated/Perps.client";
import type { AccountResponse, PositionResponse } from "./generated/Perps.types";
import { Dec, int128, uint128 } from "./units";

/** One position of the account, parsed. Money in base units, prices and sizes as `Dec`. */
export interface PositionHealth {
  marketId: string;
  side: "long" | "short";
  /** |size| in whole base units. */
  size: Dec;
  mode: "cross" | "isolated";
  entryPrice: Dec;
  markPrice: Dec;
  notional: bigint;
  unrealizedPnl: bigint;
  /** > 0: the position owes funding. */
  accruedFunding: bigint;
  /** Isolated positions: their margin and their own book's equity. */
  margin?: bigint;
  equity?: bigint;
  /** The mark at which the position's book is exactly at maintenance; absent when no price can liquidate it. */
  liquidationPrice?: Dec;
  /**
   * How far the mark may move against the position before it reaches its liquidation price, as a
   * ratio of the mark (`|mark − liquidation| / mark`, rounded down so it never overstates safety);
   * 0 when the mark is already past it.
   */
  distanceToLiquidation?: Dec;
}

/** The account's cross book and its positions. */
export interface HealthSummary {
  address: string;
  /** The engine's verdict on the cross book. */
  status: "healthy" | "liquidatable";
  collateral: bigint;
  equity: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
  freeCollateral: bigint;
  /** Cross equity − maintenance margin: what the cross book can lose before it is liquidatable (< 0: it is). */
  maintenanceBuffer: bigint;
  /** Maintenance margin / equity (absent when equity ≤ 0); liquidatable at 1 and above. */
  marginRatio?: Dec;
  leverage?: Dec;
  positions: PositionHealth[];
  /** The position with the smallest distance to its liquidation price, when any has one. */
  nearestLiquidation?: PositionHealth;
}

function optional<T, U>(value: T | null | undefined, f: (v: T) => U): U | undefined {
  return value === null || value === undefined ? undefined : f(value);
}

function positionHealth(p: PositionResponse): PositionHealth {
  const size = Dec.parse(p.size);
  const markPrice = Dec.parse(p.mark_price);
  const liquidationPrice = optional(p.liquidation_price, Dec.parse);
  let distanceToLiquidation: Dec | undefined;
  if (liquidationPrice !== undefined && !markPrice.isZero()) {
    // A long is liquidated as the mark falls to the liquidation price, a short as it rises.
    const room = size.isNegative() ? liquidationPrice.sub(markPrice) : markPrice.sub(liquidationPrice);
    distanceToLiquidation = room.isNegative() ? Dec.ZERO : room.div(markPrice, "floor");
  }
  return {
    marketId: p.market_id,
    side: size.isNegative() ? "short" : "long",
    size: size.abs(),
    mode: p.mode,
    entryPrice: Dec.parse(p.entry_price),
    markPrice,
    notional: uint128(p.notional),
    unrealizedPnl: int128(p.unrealized_pnl),
    accruedFunding: int128(p.accrued_funding),
    margin: optional(p.margin, uint128),
    equity: optional(p.equity, int128),
    liquidationPrice,
    distanceToLiquidation,
  };
}

/** Parses an `account` response into a health summary (no rounding except the distances). */
export function summarizeHealth(account: AccountResponse): HealthSummary {
  const positions = account.positions.map(positionHealth);
  let nearestLiquidation: PositionHealth | undefined;
  for (const p of positions) {
    if (p.distanceToLiquidation === undefined) continue;
    if (nearestLiquidation?.distanceToLiquidation === undefined || p.distanceToLiquidation.cmp(nearestLiquidation.distanceToLiquidation) < 0) {
      nearestLiquidation = p;
    }
  }
  const equity = int128(account.equity);
  const maintenanceMargin = uint128(account.maintenance_margin);
  return {
    address: account.address,
    status: account.health,
    collateral: int128(account.collateral),
    equity,
    initialMargin: uint128(account.initial_margin),
    maintenanceMargin,
    freeCollateral: uint128(account.free_collateral),
    maintenanceBuffer: equity - maintenanceMargin,
    marginRatio: optional(account.margin_ratio, Dec.parse),
    leverage: optional(account.leverage, Dec.parse),
    positions,
    nearestLiquidation,
  };
}

/** Queries `account {address}` and summarizes it. */
export async function health(perps: Pick<PerpsReadOnlyInterface, "account">, address: string): Promise<HealthSummary> {
  return summarizeHealth(await perps.account({ address }));
}
