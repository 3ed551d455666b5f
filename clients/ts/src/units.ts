// Exact conversions between what a user types or reads and what the contracts take on the wire.
// No floating point: every value is a bigint (base units) or a Dec (18 fractional digits, as
// cosmwasm's Decimal256 / SignedDecimal256), and every rounding is explicit.
//
// Wire types (DESIGN section 3 and 9):
// - money: integer base units of the collateral as a string (`Uint128`, `Int128` where it can be
//   negative): 9,000 USDC with 6 decimals is "9000000000";
// - prices: `Decimal256` strings, quote whole units per whole base unit ("60000.5");
// - sizes: `SignedDecimal256` strings in whole base units, positive long ("0.15", "-0.15").

/** Fractional digits of cosmwasm's `Decimal256` and `SignedDecimal256`. */
export const DECIMAL_PLACES = 18;
/** Decimals of USDC (and of most stablecoins on Cosmos chains): 1 USDC = 1,000,000 uusdc. */
export const USDC_DECIMALS = 6;

/** How a conversion that cannot be exact rounds: toward −∞, toward +∞, or refuse (throw). */
export type Rounding = "floor" | "ceil" | "exact";

const SCALE = 10n ** BigInt(DECIMAL_PLACES);
const UINT128_MAX = (1n << 128n) - 1n;
const INT128_MAX = (1n << 127n) - 1n;
const INT128_MIN = -(1n << 127n);
const UINT256_MAX = (1n << 256n) - 1n;
const INT256_MAX = (1n << 255n) - 1n;
const INT256_MIN = -(1n << 255n);
const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Thrown for a value that is malformed, out of range or not exactly representable. */
export class UnitError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "UnitError";
  }
}

function pow10(n: number): bigint {
  if (!Number.isInteger(n) || n < 0 || n > 36) throw new UnitError(`invalid number of decimals ${n}`);
  return 10n ** BigInt(n);
}

/** `num / den` rounded as asked; `den` > 0. */
function divRound(num: bigint, den: bigint, rounding: Rounding, what: () => string): bigint {
  const q = num / den; // truncates toward zero
  const r = num % den;
  if (r === 0n) return q;
  if (rounding === "exact") throw new UnitError(`${what()} is not exact`);
  if (rounding === "floor") return num < 0n ? q - 1n : q;
  return num > 0n ? q + 1n : q;
}

/** Splits a plain decimal string into sign, whole digits and fraction digits; throws when malformed. */
function parseParts(input: string, what: string): { negative: boolean; whole: string; frac: string } {
  const m = DECIMAL_RE.exec(input);
  if (m === null) throw new UnitError(`${what} ${JSON.stringify(input)} is not a plain decimal number`);
  return { negative: m[1] === "-", whole: m[2] ?? "0", frac: m[3] ?? "" };
}

/**
 * A fixed-point number with 18 fractional digits, the representation of cosmwasm's `Decimal256`
 * (prices, ratios) and `SignedDecimal256` (sizes), held exactly as a bigint of atomics
 * (value × 10^18).
 */
export class Dec {
  private constructor(readonly atomics: bigint) {}

  static readonly ZERO = new Dec(0n);
  static readonly ONE = new Dec(SCALE);

  static fromAtomics(atomics: bigint): Dec {
    return new Dec(atomics);
  }

  /** Parses "60000.5", "-0.15", "3": at most 18 fractional digits (more would not be exact). */
  static parse(input: string): Dec {
    const { negative, whole, frac } = parseParts(input, "decimal");
    if (frac.length > DECIMAL_PLACES) {
      throw new UnitError(`decimal ${input} has more than ${DECIMAL_PLACES} fractional digits`);
    }
    const atomics = BigInt(whole) * SCALE + BigInt(frac.padEnd(DECIMAL_PLACES, "0") || "0");
    return new Dec(negative ? -atomics : atomics);
  }

  /** A Dec from a decimal string, a whole number (bigint) or a Dec. */
  static from(value: string | bigint | Dec): Dec {
    if (value instanceof Dec) return value;
    if (typeof value === "bigint") return new Dec(value * SCALE);
    return Dec.parse(value);
  }

  /** `amount` base units of a coin with `decimals` decimals, in whole units: (1500000, 6) is 1.5. */
  static fromBaseUnits(amount: string | bigint, decimals: number): Dec {
    const base = typeof amount === "bigint" ? amount : parseInteger(amount, "amount");
    if (decimals > DECIMAL_PLACES) throw new UnitError(`decimals ${decimals} > ${DECIMAL_PLACES}`);
    return new Dec(base * pow10(DECIMAL_PLACES - decimals));
  }

  add(other: Dec | string): Dec {
    return new Dec(this.atomics + Dec.from(other).atomics);
  }

  sub(other: Dec | string): Dec {
    return new Dec(this.atomics - Dec.from(other).atomics);
  }

  neg(): Dec {
    return new Dec(-this.atomics);
  }

  abs(): Dec {
    return this.atomics < 0n ? this.neg() : this;
  }

  /** `this × other`, rounded to 18 digits as asked. */
  mul(other: Dec | string, rounding: Rounding): Dec {
    const o = Dec.from(other);
    return new Dec(divRound(this.atomics * o.atomics, SCALE, rounding, () => `${this} × ${o}`));
  }

  /** `this ÷ other`, rounded to 18 digits as asked; throws on a zero divisor. */
  div(other: Dec | string, rounding: Rounding): Dec {
    const o = Dec.from(other);
    if (o.atomics === 0n) throw new UnitError(`division of ${this} by zero`);
    const num = this.atomics * SCALE;
    const [n, d] = o.atomics < 0n ? [-num, -o.atomics] : [num, o.atomics];
    return new Dec(divRound(n, d, rounding, () => `${this} ÷ ${o}`));
  }

  cmp(other: Dec | string): -1 | 0 | 1 {
    const o = Dec.from(other).atomics;
    return this.atomics < o ? -1 : this.atomics > o ? 1 : 0;
  }

  eq(other: Dec | string): boolean {
    return this.cmp(other) === 0;
  }

  isZero(): boolean {
    return this.atomics === 0n;
  }

  isNegative(): boolean {
    return this.atomics < 0n;
  }

  /** The value in base units of a coin with `decimals` decimals: 1.5 with 6 decimals is 1500000n. */
  toBaseUnits(decimals: number, rounding: Rounding): bigint {
    if (decimals > DECIMAL_PLACES) throw new UnitError(`decimals ${decimals} > ${DECIMAL_PLACES}`);
    const den = pow10(DECIMAL_PLACES - decimals);
    return divRound(this.atomics, den, rounding, () => `${this} with ${decimals} decimals`);
  }

  /** Canonical text as the contracts print it: no trailing zeros, no dot for a whole number. */
  toString(): string {
    const negative = this.atomics < 0n;
    const abs = negative ? -this.atomics : this.atomics;
    const whole = abs / SCALE;
    const frac = (abs % SCALE).toString().padStart(DECIMAL_PLACES, "0").replace(/0+$/, "");
    return `${negative ? "-" : ""}${whole}${frac === "" ? "" : `.${frac}`}`;
  }

  /** Text with exactly `places` fractional digits (for display), rounded as asked. */
  toFixed(places: number, rounding: Rounding): string {
    const units = this.toBaseUnits(places, rounding);
    return formatInteger(units, places, true);
  }

  /** A `Decimal256` wire string (prices, ratios): non-negative and within 256 bits. */
  toDecimal256(): string {
    if (this.atomics < 0n || this.atomics > UINT256_MAX) {
      throw new UnitError(`${this} is not a Decimal256 (non-negative, at most 256 bits)`);
    }
    return this.toString();
  }

  /** A `SignedDecimal256` wire string (sizes): within signed 256 bits. */
  toSignedDecimal256(): string {
    if (this.atomics < INT256_MIN || this.atomics > INT256_MAX) {
      throw new UnitError(`${this} is not a SignedDecimal256 (signed 256 bits)`);
    }
    return this.toString();
  }
}

function parseInteger(input: string, what: string): bigint {
  if (!/^-?\d+$/.test(input)) throw new UnitError(`${what} ${JSON.stringify(input)} is not an integer`);
  return BigInt(input);
}

function formatInteger(units: bigint, decimals: number, keepZeros: boolean): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const den = pow10(decimals);
  const whole = abs / den;
  let frac = decimals === 0 ? "" : (abs % den).toString().padStart(decimals, "0");
  if (!keepZeros) frac = frac.replace(/0+$/, "");
  return `${negative && abs !== 0n ? "-" : ""}${whole}${frac === "" ? "" : `.${frac}`}`;
}

function checkUint128(value: bigint, what: string): string {
  if (value < 0n || value > UINT128_MAX) throw new UnitError(`${what} ${value} is not a Uint128`);
  return value.toString();
}

/**
 * A human amount ("9000", "12.5") of a coin with `decimals` decimals as a `Uint128` base-unit
 * string: toBaseUnits("9000", 6) is "9000000000". More fractional digits than the coin has throw
 * unless a rounding is asked for.
 */
export function toBaseUnits(amount: string, decimals: number, rounding: Rounding = "exact"): string {
  const { negative, whole, frac } = parseParts(amount, "amount");
  const scale = pow10(decimals);
  const digits = BigInt(whole + frac);
  const fracScale = pow10(frac.length);
  let units: bigint;
  if (frac.length <= decimals) {
    units = digits * (scale / fracScale);
  } else {
    if (rounding === "exact") {
      const r = digits % (fracScale / scale);
      if (r !== 0n) throw new UnitError(`amount ${amount} has more than ${decimals} decimal places`);
    }
    units = divRound(negative ? -digits : digits, fracScale / scale, rounding, () => amount);
    return checkUint128(units, "amount");
  }
  return checkUint128(negative ? -units : units, "amount");
}

/**
 * Base units (a `Uint128` or `Int128` string or a bigint) as an exact human amount with trailing
 * zeros trimmed: fromBaseUnits("9000500000", 6) is "9000.5", fromBaseUnits("-1500000", 6) "-1.5".
 */
export function fromBaseUnits(amount: string | bigint, decimals: number): string {
  const units = typeof amount === "bigint" ? amount : parseInteger(amount, "amount");
  if (units < INT128_MIN || units > UINT128_MAX) throw new UnitError(`amount ${units} is out of 128 bits`);
  return formatInteger(units, decimals, false);
}

/** Base units as a fixed-width display amount ("9000.50"), rounded as asked (default toward −∞). */
export function formatAmount(amount: string | bigint, decimals: number, places: number, rounding: Rounding = "floor"): string {
  return Dec.fromBaseUnits(amount, decimals).toFixed(places, rounding);
}

/** A USDC amount ("9000", "0.5") as uusdc base units: usdc("9000") is "9000000000". */
export function usdc(amount: string): string {
  return toBaseUnits(amount, USDC_DECIMALS);
}

/** A coin of `amount` base units (bank coins carry base units), for the `funds` of a message. */
export function coin(amount: string | bigint, denom: string): { denom: string; amount: string } {
  const units = typeof amount === "bigint" ? amount : parseInteger(amount, "amount");
  return { denom, amount: checkUint128(units, "amount") };
}

/** An `Int128` wire string (equity, PnL, funding, collateral) as a bigint. */
export function int128(value: string): bigint {
  const v = parseInteger(value, "Int128");
  if (v < INT128_MIN || v > INT128_MAX) throw new UnitError(`${value} is not an Int128`);
  return v;
}

/** A `Uint128` wire string as a bigint. */
export function uint128(value: string): bigint {
  const v = parseInteger(value, "Uint128");
  checkUint128(v, "Uint128");
  return v;
}

/** A price ("60000.5") as the contracts take it: a positive `Decimal256`, canonical text. */
export function price(value: string | Dec): string {
  const d = Dec.from(value);
  if (d.atomics <= 0n) throw new UnitError(`price ${d} must be positive`);
  return d.toDecimal256();
}

/** A long size delta ("0.15" → "0.15"): buys `size` whole base units. */
export function long(size: string | Dec): string {
  const d = Dec.from(size);
  if (d.atomics <= 0n) throw new UnitError(`size ${d} must be positive`);
  return d.toSignedDecimal256();
}

/** A short size delta ("0.15" → "-0.15"): sells `size` whole base units. */
export function short(size: string | Dec): string {
  return `-${long(size)}`;
}

/**
 * The `acceptable_price` of a trade from a reference price and a slippage ratio ("0.005" = 0.5 %):
 * a buy accepts fills up to `price × (1 + slippage)` rounded down, a sell down to
 * `price × (1 − slippage)` rounded up — both rounded toward the tighter bound, so the user never
 * accepts more slippage than asked.
 */
export function acceptablePrice(reference: string | Dec, slippage: string | Dec, side: "buy" | "sell"): string {
  const p = Dec.from(price(reference));
  const s = Dec.from(slippage);
  if (s.isNegative() || s.cmp(Dec.ONE) >= 0) throw new UnitError(`slippage ${s} must be in [0, 1)`);
  const bound = side === "buy" ? p.mul(Dec.ONE.add(s), "floor") : p.mul(Dec.ONE.sub(s), "ceil");
  return price(bound);
}

/**
 * The notional `|size| × price` in base units of the collateral, rounded up (what a margin
 * requirement or a fee is computed on rounds against the user).
 */
export function notional(size: string | Dec, markPrice: string | Dec, decimals: number): bigint {
  return Dec.from(size).abs().mul(Dec.from(markPrice), "ceil").toBaseUnits(decimals, "ceil");
}
