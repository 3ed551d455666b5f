// Example: read the liquidation price of every position of an account, and how far the mark is
// from it. Read-only: works with a query client (no wallet needed).
//
//   const client = await CosmWasmClient.connect(rpc);
//   for (const p of await liquidationPrices(new PerpsQueryClient(client, perps), address)) console.log(p);
import { health, type PerpsQueryClient } from "../src";

export interface LiquidationLevel {
  marketId: string;
  side: "long" | "short";
  size: string;
  markPrice: string;
  /** Absent when no price can liquidate the position (e.g. a fully collateralised long). */
  liquidationPrice?: string;
  /** |mark − liquidation| / mark, rounded down, as a percentage with two decimals ("12.34"). */
  distancePercent?: string;
}

export async function liquidationPrices(perps: Pick<PerpsQueryClient, "account">, address: string): Promise<LiquidationLevel[]> {
  const summary = await health(perps, address);
  return summary.positions.map((p) => ({
    marketId: p.marketId,
    side: p.side,
    size: p.size.toString(),
    markPrice: p.markPrice.toString(),
    liquidationPrice: p.liquidationPrice?.toString(),
    distancePercent: p.distanceToLiquidation?.mul("100", "floor").toFixed(2, "floor"),
  }));
}
