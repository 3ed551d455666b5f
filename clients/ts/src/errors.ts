// Typed errors from the text cosmjs surfaces when a transaction, a simulation or a query fails.
//
// cosmjs throws plain `Error`s whose message embeds the chain's log:
// - a delivered transaction that failed (SigningCosmWasmClient.execute with a fixed fee):
//   "Error when broadcasting tx <HASH> at height <H>. Code: <code>; Raw log: <log>"
// - a simulation that failed (fee "auto"), or a failed smart query:
//   "Query failed with (<code>): <log>"
// - a transaction refused by CheckTx (broadcast_tx_sync):
//   "Broadcasting transaction failed with code <code> (codespace: <space>). Log: <log>"
// and wasmd writes a contract's error into the log as
//   "failed to execute message; message index: <i>: <contract message>: execute wasm contract failed …"
//   "… <contract message>: query wasm contract failed …"
import type { DeliverTxResponse } from "@cosmjs/stargate";

/** What a contract error is about, for a front end to react to; "other" for everything else. */
export type ContractErrorKind =
  | "insufficient_margin"
  | "slippage"
  | "oracle"
  | "unknown_market"
  | "market_closed"
  | "withdraw_exceeds_free_collateral"
  | "below_min_order_size"
  | "limit"
  | "account_healthy"
  | "unauthorized"
  | "funds"
  | "not_implemented"
  | "other";

const KINDS: ReadonlyArray<readonly [ContractErrorKind, RegExp]> = [
  ["insufficient_margin", /^insufficient margin: /],
  ["slippage", /^fill price \S+ is worse than the acceptable price /],
  ["oracle", /^(?:oracle price of market |no price for market )|price of market \S+ is unconfirmed/],
  ["unknown_market", /^unknown market /],
  ["market_closed", /^market \S+ is (?:reduce-only|settled)/],
  ["withdraw_exceeds_free_collateral", /^withdrawal \d+ exceeds free collateral /],
  ["below_min_order_size", /^order size \S+ in market \S+ is below the minimum /],
  [
    "limit",
    /^(?:account already holds \d+ positions|position notional .* would exceed the cap|\S+ open interest of market .* > cap|price impact \S+ in market \S+ exceeds max)/,
  ],
  ["account_healthy", /^account \S+ is healthy/],
  ["unauthorized", /^unauthorized: /],
  ["funds", /^(?:payment: |payment refused: |this contract accepts no funds)/],
  ["not_implemented", /is not implemented yet$|^not implemented: /],
];

/** Classifies a contract's error message. */
export function contractErrorKind(message: string): ContractErrorKind {
  for (const [kind, re] of KINDS) if (re.test(message)) return kind;
  return "other";
}

/** Where the error came from. */
export type ChainErrorSource = "deliver" | "check" | "query";

/** A failure reported by the chain: the SDK's code and log (an SDK error such as a low fee). */
export class ChainError extends Error {
  readonly source: ChainErrorSource;
  /** ABCI code: for the SDK codespace 4 unauthorized, 5 insufficient funds, 11 out of gas, 13 insufficient fee, 32 wrong sequence. */
  readonly code: number | undefined;
  readonly codespace: string | undefined;
  readonly log: string;
  readonly txHash: string | undefined;
  readonly height: number | undefined;

  constructor(
    message: string,
    fields: { source: ChainErrorSource; code?: number; codespace?: string; log: string; txHash?: string; height?: number },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ChainError";
    this.source = fields.source;
    this.code = fields.code;
    this.codespace = fields.codespace;
    this.log = fields.log;
    this.txHash = fields.txHash;
    this.height = fields.height;
  }
}

/** A contract refused the message (or the query): `contractMessage` is its own text. */
export class ContractError extends ChainError {
  readonly contractMessage: string;
  readonly kind: ContractErrorKind;
  /** Index of the failing message in the transaction (execute only). */
  readonly messageIndex: number | undefined;

  constructor(
    contractMessage: string,
    messageIndex: number | undefined,
    fields: ConstructorParameters<typeof ChainError>[1],
    options?: { cause?: unknown },
  ) {
    super(contractMessage, fields, options);
    this.name = "ContractError";
    this.contractMessage = contractMessage;
    this.kind = contractErrorKind(contractMessage);
    this.messageIndex = messageIndex;
  }
}

const DELIVER_RE = /Error when broadcasting tx (\w+) at height (\d+)\. Code: (\d+); Raw log: ([\s\S]*)$/;
const QUERY_RE = /Query failed with \((\d+)\): ([\s\S]*)$/;
const CHECK_RE = /Broadcasting transaction failed with code (\d+) \(codespace: ([^)]*)\)\. Log: ([\s\S]*)$/;
const EXECUTE_RE = /message index: (\d+): ([\s\S]*?): (?:execute|instantiate|migrate) wasm contract failed/;
const QUERY_CONTRACT_RE = /(?:desc = )?([\s\S]*?): query wasm contract failed/;

/** Reads a contract message out of a chain log, if the log carries one. */
function contractMessageOf(log: string): { message: string; index?: number } | undefined {
  const exec = EXECUTE_RE.exec(log);
  if (exec !== null) return { index: Number(exec[1]), message: (exec[2] ?? "").trim() };
  const query = QUERY_CONTRACT_RE.exec(log);
  if (query !== null) {
    // Keep the text after the last "desc = " of a gRPC wrapper.
    const text = (query[1] ?? "").split("desc = ").pop() ?? "";
    return { message: text.trim() };
  }
  return undefined;
}

function build(fields: ConstructorParameters<typeof ChainError>[1], fallback: string, cause: unknown): ChainError {
  const contract = contractMessageOf(fields.log);
  if (contract !== undefined) return new ContractError(contract.message, contract.index, fields, { cause });
  return new ChainError(fallback, fields, { cause });
}

/** The typed error behind an error cosmjs threw; `undefined` when it is not a chain's answer (e.g. a network error). */
export function parseChainError(err: unknown): ChainError | undefined {
  if (err instanceof ChainError) return err;
  const text = err instanceof Error ? err.message : typeof err === "string" ? err : undefined;
  if (text === undefined) return undefined;
  const deliver = DELIVER_RE.exec(text);
  if (deliver !== null) {
    const log = deliver[4] ?? "";
    return build(
      { source: "deliver", txHash: deliver[1], height: Number(deliver[2]), code: Number(deliver[3]), log },
      `transaction failed with code ${deliver[3]}: ${log}`,
      err,
    );
  }
  const check = CHECK_RE.exec(text);
  if (check !== null) {
    const log = check[3] ?? "";
    return build(
      { source: "check", code: Number(check[1]), codespace: check[2], log },
      `transaction refused with code ${check[1]} (${check[2]}): ${log}`,
      err,
    );
  }
  const query = QUERY_RE.exec(text);
  if (query !== null) {
    const log = query[2] ?? "";
    return build({ source: "query", code: Number(query[1]), log }, `query failed with code ${query[1]}: ${log}`, err);
  }
  const contract = contractMessageOf(text);
  if (contract !== undefined) {
    return new ContractError(contract.message, contract.index, { source: "query", log: text }, { cause: err });
  }
  return undefined;
}

/** Awaits `action` and rethrows a chain's failure as a `ContractError` or `ChainError`. */
export async function withTypedErrors<T>(action: Promise<T> | (() => Promise<T>)): Promise<T> {
  try {
    return await (typeof action === "function" ? action() : action);
  } catch (err) {
    throw parseChainError(err) ?? err;
  }
}

/** Throws the typed error of a delivered transaction that failed (`signAndBroadcast` returns those). */
export function assertTxSuccess(result: DeliverTxResponse): DeliverTxResponse {
  if (result.code === 0) return result;
  throw build(
    { source: "deliver", code: result.code, log: result.rawLog ?? "", txHash: result.transactionHash, height: result.height },
    `transaction ${result.transactionHash} failed with code ${result.code}: ${result.rawLog ?? ""}`,
    undefined,
  );
}
