// The examples' pure parts; test/e2e.test.ts runs each example against a local node.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Dec, PerpsTypes } from "../src";
import { liquidationPrices } from "../examples/liquidation-prices";
import { stopLossOrder } from "../examples/stop-loss";

describe("stop-loss order (spec of place_order, DESIGN 6.11)", () => {
  it("closes a long below the mark and a short above it, reduce-only", () => {
    const long = { marketId: "BTC", side: "long" as const, size: Dec.parse("0.15"), markPrice: Dec.parse("60000") };
    assert.deepEqual(stopLossOrder(long, "55000.50"), {
      place_order: { market_id: "BTC", size_delta: "-0.15", trigger_price: "55000.5", trigger: "below", reduce_only: true },
    });
    const short = { marketId: "ETH", side: "short" as const, size: Dec.parse("2"), markPrice: Dec.parse("3000") };
    assert.deepEqual(stopLossOrder(short, "3300"), {
      place_order: { market_id: "ETH", size_delta: "2", trigger_price: "3300", trigger: "above", reduce_only: true },
    });
  });

  it("refuses a trigger the mark already meets", () => {
    const long = { marketId: "BTC", side: "long" as const, size: Dec.parse("1"), markPrice: Dec.parse("60000") };
    assert.throws(() => stopLossOrder(long, "60000"), /must trigger below the mark 60000/);
    const short = { ...long, side: "short" as const };
    assert.throws(() => stopLossOrder(short, "59999.99"), /must trigger above the mark 60000/);
    assert.throws(() => stopLossOrder(long, "0"), /must be positive/);
  });
});

describe("liquidation prices", () => {
  it("lists each position with its distance as a percentage, rounded down", async () => {
    const position: PerpsTypes.PositionResponse = {
      market_id: "BTC",
      size: "-0.3",
      entry_price: "60000",
      mark_price: "60000",
      notional: "18000000000",
      unrealized_pnl: "0",
      accrued_funding: "0",
      mode: "cross",
      liquidation_price: "66666.666666666666666666",
    };
    const account: PerpsTypes.AccountResponse = {
      address: "wasm1bob",
      collateral: "2000000000",
      equity: "2000000000",
      initial_margin: "1800000000",
      maintenance_margin: "900000000",
      free_collateral: "200000000",
      health: "healthy",
      positions: [position, { ...position, market_id: "SOL", size: "10", mark_price: "100", liquidation_price: null }],
    };
    assert.deepEqual(await liquidationPrices({ account: async () => account }, "wasm1bob"), [
      // (66666.67 - 60000) / 60000 = 11.1111… %
      { marketId: "BTC", side: "short", size: "0.3", markPrice: "60000", liquidationPrice: "66666.666666666666666666", distancePercent: "11.11" },
      { marketId: "SOL", side: "long", size: "10", markPrice: "100", liquidationPrice: undefined, distancePercent: undefined },
    ]);
  });
});
