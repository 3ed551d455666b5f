import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  acceptablePrice,
  coin,
  Dec,
  formatAmount,
  fromBaseUnits,
  int128,
  long,
  notional,
  price,
  short,
  toBaseUnits,
  uint128,
  UnitError,
  usdc,
} from "../src";

describe("base units", () => {
  it("converts human amounts exactly", () => {
    assert.equal(usdc("9000"), "9000000000");
    assert.equal(toBaseUnits("9000.5", 6), "9000500000");
    assert.equal(toBaseUnits("0.000001", 6), "1");
    assert.equal(toBaseUnits("0.0000010", 6), "1"); // trailing zeros beyond the coin's decimals are exact
    assert.equal(toBaseUnits("12", 0), "12");
    assert.equal(toBaseUnits("1.5", 18), "1500000000000000000");
    // 2^128 - 1 base units is the largest Uint128.
    assert.equal(toBaseUnits("340282366920938463463374607431768211455", 0), "340282366920938463463374607431768211455");
  });

  it("refuses what it cannot convert exactly", () => {
    assert.throws(() => toBaseUnits("0.0000001", 6), /0.0000001 has more than 6 decimal places/);
    assert.throws(() => toBaseUnits("1e6", 6), UnitError);
    assert.throws(() => toBaseUnits("1,000", 6), UnitError);
    assert.throws(() => toBaseUnits(" 1", 6), UnitError);
    assert.throws(() => toBaseUnits(".5", 6), UnitError);
    assert.throws(() => toBaseUnits("-1", 6), /not a Uint128/);
    assert.throws(() => toBaseUnits("340282366920938463463374607431768211456", 0), /not a Uint128/);
  });

  it("rounds only when asked, in the direction asked", () => {
    assert.equal(toBaseUnits("1.2345678", 6, "floor"), "1234567");
    assert.equal(toBaseUnits("1.2345671", 6, "ceil"), "1234568");
    assert.equal(toBaseUnits("1.2345670", 6, "ceil"), "1234567");
  });

  it("reads base units back exactly, signed for Int128 fields", () => {
    assert.equal(fromBaseUnits("9000500000", 6), "9000.5");
    assert.equal(fromBaseUnits("9000000000", 6), "9000");
    assert.equal(fromBaseUnits("-1500000", 6), "-1.5");
    assert.equal(fromBaseUnits("1", 6), "0.000001");
    assert.equal(fromBaseUnits(-1n, 6), "-0.000001");
    assert.equal(fromBaseUnits("0", 6), "0");
    assert.equal(formatAmount("9000500000", 6, 2), "9000.50");
    assert.equal(formatAmount("-1", 6, 2), "-0.01"); // floor: a debt is never shown smaller
    assert.equal(formatAmount("1999999", 6, 2), "1.99");
    assert.throws(() => fromBaseUnits("1.5", 6), /not an integer/);
  });

  it("round-trips every amount", () => {
    for (const a of ["0", "1", "0.1", "123456789.123456", "0.000001", "340282366920938.463463"]) {
      assert.equal(fromBaseUnits(toBaseUnits(a, 6), 6), a);
    }
  });

  it("builds coins and reads wire integers", () => {
    assert.deepEqual(coin(usdc("1000"), "uusdc"), { denom: "uusdc", amount: "1000000000" });
    assert.deepEqual(coin(5n, "uusdc"), { denom: "uusdc", amount: "5" });
    assert.throws(() => coin(-5n, "uusdc"), /not a Uint128/);
    assert.equal(int128("-170141183460469231731687303715884105728"), -(1n << 127n));
    assert.throws(() => int128("170141183460469231731687303715884105728"), /not an Int128/);
    assert.equal(uint128("7"), 7n);
    assert.throws(() => uint128("-7"), /not a Uint128/);
  });
});

describe("decimals", () => {
  it("parses and prints exactly as cosmwasm's Decimal256 does", () => {
    assert.equal(Dec.parse("60000.50").toString(), "60000.5");
    assert.equal(Dec.parse("0.000000000000000001").atomics, 1n);
    assert.equal(Dec.parse("1").atomics, 10n ** 18n);
    assert.equal(Dec.parse("-0.15").toString(), "-0.15");
    assert.equal(Dec.parse("007").toString(), "7");
    assert.equal(Dec.parse("-0").toString(), "0");
    assert.throws(() => Dec.parse("0.0000000000000000001"), /more than 18 fractional digits/);
    assert.throws(() => Dec.parse("1.2.3"), UnitError);
    assert.throws(() => Dec.parse("NaN"), UnitError);
    assert.throws(() => Dec.parse("+1"), UnitError);
  });

  it("multiplies and divides with the rounding asked for", () => {
    const third = Dec.ONE.div("3", "floor");
    assert.equal(third.toString(), "0.333333333333333333");
    assert.equal(Dec.ONE.div("3", "ceil").toString(), "0.333333333333333334");
    assert.equal(Dec.parse("-1").div("3", "floor").toString(), "-0.333333333333333334");
    assert.equal(Dec.parse("-1").div("3", "ceil").toString(), "-0.333333333333333333");
    assert.throws(() => Dec.ONE.div("3", "exact"), /not exact/);
    assert.equal(Dec.parse("0.15").mul("60000.5", "exact").toString(), "9000.075");
    assert.equal(Dec.parse("0.000000000000000001").mul("0.5", "ceil").toString(), "0.000000000000000001");
    assert.equal(Dec.parse("0.000000000000000001").mul("0.5", "floor").toString(), "0");
    assert.throws(() => Dec.ONE.div("0", "floor"), /by zero/);
    // 0.1 + 0.2 is 0.3 here.
    assert.ok(Dec.parse("0.1").add("0.2").eq("0.3"));
  });

  it("converts whole units to base units and back", () => {
    assert.equal(Dec.parse("9000.075").toBaseUnits(6, "exact"), 9000075000n);
    assert.equal(Dec.parse("0.0000005").toBaseUnits(6, "ceil"), 1n);
    assert.equal(Dec.parse("0.0000005").toBaseUnits(6, "floor"), 0n);
    assert.equal(Dec.parse("-0.0000005").toBaseUnits(6, "floor"), -1n);
    assert.equal(Dec.fromBaseUnits("1500000", 6).toString(), "1.5");
    assert.equal(Dec.parse("2.5").toFixed(0, "floor"), "2");
    assert.equal(Dec.parse("2.5").toFixed(3, "exact"), "2.500");
  });

  it("gives prices and sizes as the contracts take them", () => {
    assert.equal(price("60000.50"), "60000.5");
    assert.throws(() => price("0"), /must be positive/);
    assert.throws(() => price("-1"), /must be positive/);
    assert.equal(long("0.15"), "0.15");
    assert.equal(short("0.15"), "-0.15");
    assert.equal(short(Dec.parse("2")), "-2");
    assert.throws(() => long("0"), /must be positive/);
    assert.throws(() => short("-1"), /must be positive/);
    assert.throws(() => Dec.parse("-1").toDecimal256(), /not a Decimal256/);
    assert.throws(() => Dec.fromAtomics(1n << 256n).toDecimal256(), /not a Decimal256/);
    assert.throws(() => Dec.fromAtomics(1n << 255n).toSignedDecimal256(), /not a SignedDecimal256/);
    assert.equal(Dec.fromAtomics(-(1n << 255n)).toSignedDecimal256(), Dec.fromAtomics(-(1n << 255n)).toString());
  });

  it("bounds slippage toward the tighter price", () => {
    assert.equal(acceptablePrice("60000", "0.01", "buy"), "60600");
    assert.equal(acceptablePrice("60000", "0.01", "sell"), "59400");
    // 0.000000000000000003 × 1.5 = 0.0000000000000000045: a buy bound rounds down, a sell bound up.
    assert.equal(acceptablePrice("0.000000000000000003", "0.5", "buy"), "0.000000000000000004");
    assert.equal(acceptablePrice("0.000000000000000003", "0.5", "sell"), "0.000000000000000002");
    assert.equal(acceptablePrice("0.000000000000000003", "0.6", "sell"), "0.000000000000000002"); // 1.2 → 2
    assert.throws(() => acceptablePrice("100", "1", "sell"), /slippage 1 must be in \[0, 1\)/);
    assert.throws(() => acceptablePrice("100", "-0.1", "buy"), /slippage/);
  });

  it("computes notionals in base units, rounded up", () => {
    assert.equal(notional("0.15", "60000.5", 6), 9000075000n);
    assert.equal(notional("-0.15", "60000.5", 6), 9000075000n);
    assert.equal(notional("0.0000001", "1", 6), 1n);
  });
});
