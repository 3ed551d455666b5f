import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeliverTxResponse } from "@cosmjs/stargate";
import { assertTxSuccess, ChainError, ContractError, contractErrorKind, parseChainError, withTypedErrors } from "../src";

// The texts below are what cosmjs 0.38 throws (its own prefixes) around logs in wasmd's format.
const DELIVERED =
  "Error when broadcasting tx 5A2F9C1D at height 42. Code: 5; Raw log: failed to execute message; message index: 1: " +
  "insufficient margin: equity 812500000 < initial requirement 1000000000: execute wasm contract failed";
const SIMULATED =
  "Query failed with (6): rpc error: code = Unknown desc = failed to execute message; message index: 0: " +
  "oracle price of market BTC is stale: age 120s > max 60s: execute wasm contract failed " +
  "[CosmWasm/wasmd@v0.54.0/x/wasm/keeper/keeper.go:449] With gas wanted: '300000000' and gas used: '124503' : unknown request";
const QUERIED =
  "Query failed with (6): rpc error: code = Unknown desc = unknown market DOGE: query wasm contract failed: unknown request";
const LOW_FEE =
  "Broadcasting transaction failed with code 13 (codespace: sdk). Log: insufficient fees; got: 1ustake required: 5000ustake: insufficient fee";

describe("typed errors", () => {
  it("reads the contract's message of a delivered transaction", () => {
    const e = parseChainError(new Error(DELIVERED));
    assert.ok(e instanceof ContractError);
    assert.equal(e.contractMessage, "insufficient margin: equity 812500000 < initial requirement 1000000000");
    assert.equal(e.message, e.contractMessage);
    assert.equal(e.kind, "insufficient_margin");
    assert.equal(e.messageIndex, 1);
    assert.equal(e.source, "deliver");
    assert.equal(e.code, 5);
    assert.equal(e.txHash, "5A2F9C1D");
    assert.equal(e.height, 42);
    assert.ok(e.cause instanceof Error);
  });

  it("reads the contract's message of a failed simulation (fee auto)", () => {
    const e = parseChainError(new Error(SIMULATED));
    assert.ok(e instanceof ContractError);
    assert.equal(e.contractMessage, "oracle price of market BTC is stale: age 120s > max 60s");
    assert.equal(e.kind, "oracle");
    assert.equal(e.messageIndex, 0);
    assert.equal(e.source, "query");
    assert.equal(e.code, 6);
  });

  it("reads the contract's message of a failed query", () => {
    const e = parseChainError(new Error(QUERIED));
    assert.ok(e instanceof ContractError);
    assert.equal(e.contractMessage, "unknown market DOGE");
    assert.equal(e.kind, "unknown_market");
    assert.equal(e.messageIndex, undefined);
  });

  it("keeps SDK refusals as chain errors with their code", () => {
    const e = parseChainError(new Error(LOW_FEE));
    assert.ok(e instanceof ChainError);
    assert.ok(!(e instanceof ContractError));
    assert.equal(e.code, 13);
    assert.equal(e.codespace, "sdk");
    assert.equal(e.source, "check");
    assert.match(e.log, /^insufficient fees; got: 1ustake/);
  });

  it("leaves errors that are not the chain's alone", async () => {
    assert.equal(parseChainError(new Error("fetch failed")), undefined);
    assert.equal(parseChainError(42), undefined);
    const network = new Error("fetch failed");
    await assert.rejects(withTypedErrors(Promise.reject(network)), (e) => e === network);
    await assert.rejects(
      withTypedErrors(async () => {
        throw new Error(DELIVERED);
      }),
      (e) => e instanceof ContractError && e.kind === "insufficient_margin",
    );
    assert.equal(await withTypedErrors(async () => 7), 7);
  });

  it("turns a failed DeliverTxResponse into the typed error", () => {
    const failed = {
      code: 5,
      height: 9,
      txIndex: 0,
      transactionHash: "ABC",
      rawLog: "failed to execute message; message index: 0: withdrawal 5000000 exceeds free collateral 4000000: execute wasm contract failed",
      events: [],
      msgResponses: [],
      gasUsed: 1n,
      gasWanted: 2n,
    } satisfies DeliverTxResponse;
    assert.throws(
      () => assertTxSuccess(failed),
      (e) =>
        e instanceof ContractError &&
        e.kind === "withdraw_exceeds_free_collateral" &&
        e.txHash === "ABC" &&
        e.contractMessage === "withdrawal 5000000 exceeds free collateral 4000000",
    );
    const ok = { ...failed, code: 0 };
    assert.equal(assertTxSuccess(ok), ok);
  });

  it("classifies the engine's messages", () => {
    const cases: Array<[string, string]> = [
      ["fill price 60700 is worse than the acceptable price 60600", "slippage"],
      ["no price for market BTC (feed BTC/USD)", "oracle"],
      ["oracle price of market ETH is uncertain: conf/price 0.02 > max 0.01", "oracle"],
      ["market SOL is reduce-only", "market_closed"],
      ["market SOL is settled at 95", "market_closed"],
      ["order size 0.0001 in market BTC is below the minimum 0.001", "below_min_order_size"],
      ["account already holds 16 positions, the maximum is 16", "limit"],
      ["long open interest of market BTC would be 1000 > cap 900", "limit"],
      ["price impact 0.004 in market BTC exceeds max 0.003", "limit"],
      ["account wasm1xyz is healthy: cross equity 5 ≥ maintenance 1 and no isolated position is liquidatable", "account_healthy"],
      ["unauthorized: wasm1abc is not the owner (wasm1def)", "unauthorized"],
      ["payment: No funds sent", "funds"],
      ["place_order is not implemented yet", "not_implemented"],
      ["something new", "other"],
    ];
    for (const [message, kind] of cases) assert.equal(contractErrorKind(message), kind, message);
  });
});
