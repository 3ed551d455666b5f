import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Dec, health, PerpsTypes, summarizeHealth } from "../src";

const ACCOUNT: PerpsTypes.AccountResponse = {
  address: "wasm1alice",
  collateral: "5000000000",
  equity: "4800000000",
  initial_margin: "600000000",
  maintenance_margin: "300000000",
  free_collateral: "4200000000",
  margin_ratio: "0.0625",
  leverage: "1.25",
  health: "healthy",
  positions: [
    {
      market_id: "BTC",
      size: "0.1",
      entry_price: "62000",
      mark_price: "60000",
      notional: "6000000000",
      unrealized_pnl: "-200000000",
      accrued_funding: "0",
      mode: "cross",
      liquidation_price: "15000",
    },
    {
      market_id: "ETH",
      size: "-2",
      entry_price: "3000",
      mark_price: "3000",
      notional: "6000000000",
      unrealized_pnl: "0",
      accrued_funding: "-1",
      mode: "isolated",
      margin: "600000000",
      equity: "600000001",
      liquidation_price: "3270",
    },
    {
      market_id: "SOL",
      size: "1",
      entry_price: "100",
      mark_price: "100",
      notional: "100000000",
      unrealized_pnl: "0",
      accrued_funding: "0",
      mode: "cross",
      liquidation_price: null,
    },
  ],
};

describe("health summary", () => {
  it("parses the account exactly and measures the distance to liquidation", () => {
    const h = summarizeHealth(ACCOUNT);
    assert.equal(h.status, "healthy");
    assert.equal(h.equity, 4_800_000_000n);
    assert.equal(h.maintenanceBuffer, 4_500_000_000n);
    assert.equal(h.freeCollateral, 4_200_000_000n);
    assert.ok(h.marginRatio?.eq("0.0625"));
    const [btc, eth, sol] = h.positions;
    assert.equal(btc?.side, "long");
    assert.ok(btc?.size.eq("0.1"));
    assert.equal(btc?.unrealizedPnl, -200_000_000n);
    // A long at 60000 liquidated at 15000: the mark may fall 75 %.
    assert.ok(btc?.distanceToLiquidation?.eq("0.75"));
    // A short at 3000 liquidated at 3270: the mark may rise 9 %.
    assert.equal(eth?.side, "short");
    assert.ok(eth?.size.eq("2"));
    assert.equal(eth?.margin, 600_000_000n);
    assert.equal(eth?.equity, 600_000_001n);
    assert.equal(eth?.accruedFunding, -1n);
    assert.ok(eth?.distanceToLiquidation?.eq("0.09"));
    assert.equal(sol?.liquidationPrice, undefined);
    assert.equal(sol?.distanceToLiquidation, undefined);
    assert.equal(h.nearestLiquidation?.marketId, "ETH");
  });

  it("rounds the distance down and floors it at zero past the liquidation price", () => {
    const h = summarizeHealth({
      ...ACCOUNT,
      health: "liquidatable",
      equity: "-5",
      maintenance_margin: "10",
      margin_ratio: null,
      positions: [
        { ...ACCOUNT.positions[0]!, mark_price: "3", liquidation_price: "2" },
        { ...ACCOUNT.positions[0]!, market_id: "X", mark_price: "10", liquidation_price: "11" },
      ],
    });
    assert.equal(h.status, "liquidatable");
    assert.equal(h.maintenanceBuffer, -15n);
    assert.equal(h.marginRatio, undefined);
    assert.equal(h.positions[0]?.distanceToLiquidation?.toString(), "0.333333333333333333");
    assert.ok(h.positions[1]?.distanceToLiquidation?.eq(Dec.ZERO));
    assert.equal(h.nearestLiquidation?.marketId, "X");
  });

  it("queries the account through any client with an account query", async () => {
    const asked: string[] = [];
    const h = await health(
      {
        account: async ({ address }) => {
          asked.push(address);
          return ACCOUNT;
        },
      },
      "wasm1alice",
    );
    assert.deepEqual(asked, ["wasm1alice"]);
    assert.equal(h.positions.length, 3);
  });
});
