// Example: protect a position with a stop-loss.
//
// `place_order` (DESIGN 6.11 and section 9) is typed here from the spec; `SpecMatchesSchema` below
// checks that this type is one of the generated messages, and the end-to-end test runs it against
// a local node. The order fills at the first price record that meets the trigger, executed by a
// keeper (`execute_orders`) or by the account's own next message.
//
//   const { orderId } = await placeStopLoss(session, "BTC", "55000");
import { Dec, health, price, withTypedErrors, type PerpsSession, type PerpsTypes, type PositionHealth } from "../src";

/** `place_order` as DESIGN 6.11 specifies it (a conditional order: limit, stop-loss, take-profit). */
export interface PlaceOrderMsg {
  place_order: {
    market_id: string;
    size_delta: string;
    trigger_price: string;
    trigger: "above" | "below";
    reduce_only?: boolean | null;
    acceptable_price?: string | null;
    mode?: PerpsTypes.TradeMode | null;
  };
}

type Generated = Extract<PerpsTypes.ExecuteMsg, { place_order: unknown }>;
/** true while the schema has no place_order; afterwards true only if the spec's message is a generated one. */
type SpecMatchesSchema = [Generated] extends [never] ? true : PlaceOrderMsg extends Generated ? true : false;
export const specMatchesSchema: SpecMatchesSchema = true;

/**
 * The stop-loss of a position: a reduce-only order for its whole size, triggered when the price
 * crosses `triggerPrice` against it (below for a long, above for a short). No acceptable price: a
 * stop-loss must exit, and fills at the first price that meets the trigger (after a gap, that
 * price, not the trigger).
 */
export function stopLossOrder(position: Pick<PositionHealth, "marketId" | "side" | "size" | "markPrice">, triggerPrice: string): PlaceOrderMsg {
  const trigger = Dec.parse(price(triggerPrice));
  const long = position.side === "long";
  // The spec refuses a trigger the current price already meets; say so before signing.
  if (long ? trigger.cmp(position.markPrice) >= 0 : trigger.cmp(position.markPrice) <= 0) {
    throw new RangeError(
      `a stop-loss of a ${position.side} must trigger ${long ? "below" : "above"} the mark ${position.markPrice}, got ${trigger}`,
    );
  }
  return {
    place_order: {
      market_id: position.marketId,
      size_delta: long ? position.size.neg().toSignedDecimal256() : position.size.toSignedDecimal256(),
      trigger_price: trigger.toDecimal256(),
      trigger: long ? "below" : "above",
      reduce_only: true,
    },
  };
}

/** Places the stop-loss of the account's position in `marketId`; returns the order id the engine assigned. */
export async function placeStopLoss(session: PerpsSession, marketId: string, triggerPrice: string): Promise<{ orderId: string; transactionHash: string }> {
  const summary = await health(session.perps, session.address);
  const position = summary.positions.find((p) => p.marketId === marketId);
  if (position === undefined) throw new Error(`${session.address} has no position in ${marketId}`);
  const msg = stopLossOrder(position, triggerPrice);
  const result = await withTypedErrors(session.client.execute(session.address, session.contracts.perps, msg, "auto"));
  const placed = result.events.find((e) => e.type === "wasm-order_placed");
  const orderId = placed?.attributes.find((a) => a.key === "order_id")?.value;
  if (orderId === undefined) throw new Error(`transaction ${result.transactionHash} placed no order`);
  return { orderId, transactionHash: result.transactionHash };
}
