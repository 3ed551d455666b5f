// Example: deposit collateral and open a position in one transaction (two messages, atomic: if the
// trade fails, the deposit is not made either).
//
//   await depositAndOpen(session, { marketId: "BTC", deposit: "1000", size: long("0.1"), slippage: "0.01" });
import {
  acceptablePrice,
  assertTxSuccess,
  coin,
  Dec,
  health,
  toBaseUnits,
  withTypedErrors,
  type HealthSummary,
  type PerpsSession,
  type PerpsTypes,
} from "../src";

export interface DepositAndOpen {
  marketId: string;
  /** Collateral to deposit, in whole units of the collateral coin ("1000" USDC). */
  deposit: string;
  /** Size delta in whole base units: `long("0.1")` or `short("0.1")`. */
  size: string;
  /** Largest accepted move of the fill away from the current oracle price, as a ratio ("0.01"). */
  slippage: string;
  mode?: PerpsTypes.TradeMode;
}

export interface Opened {
  transactionHash: string;
  height: number;
  /** The oracle price the acceptable price was derived from, and that bound. */
  oraclePrice: string;
  acceptablePrice: string;
  health: HealthSummary;
}

export async function depositAndOpen(session: PerpsSession, order: DepositAndOpen): Promise<Opened> {
  const market = await session.perps.market({ marketId: order.marketId });
  const oracle = await session.priceFeed.price({ feedId: market.config.feed_id });
  const side = Dec.parse(order.size).isNegative() ? "sell" : "buy";
  const bound = acceptablePrice(oracle.price, order.slippage, side);
  const funds = [coin(toBaseUnits(order.deposit, session.collateral.decimals), session.collateral.denom)];
  const messages = [
    session.compose.perps.deposit(funds),
    session.compose.perps.trade({ marketId: order.marketId, sizeDelta: order.size, acceptablePrice: bound, mode: order.mode }),
  ];
  // fee "auto" simulates first: a refused trade throws a ContractError before anything is signed.
  const result = assertTxSuccess(await withTypedErrors(session.client.signAndBroadcast(session.address, messages, "auto")));
  return {
    transactionHash: result.transactionHash,
    height: result.height,
    oraclePrice: oracle.price,
    acceptablePrice: bound,
    health: await health(session.perps, session.address),
  };
}
