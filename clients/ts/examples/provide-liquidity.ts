// Example: provide liquidity to the vault (the counterparty of every trade) and read the LP position.
//
//   const { sharesMinted } = await provideLiquidity(session, "5000");
import { assertTxSuccess, coin, toBaseUnits, uint128, withTypedErrors, type PerpsSession, type PerpsTypes } from "../src";

export interface Provided {
  transactionHash: string;
  /** Shares minted by this deposit (the first deposit into an empty vault locks 10^decimals of them forever). */
  sharesMinted: bigint;
  position: PerpsTypes.LpPositionResponse;
  vault: PerpsTypes.VaultResponse;
}

/** Sends `amount` whole units of collateral ("5000" USDC) to `provide_liquidity`. */
export async function provideLiquidity(session: PerpsSession, amount: string): Promise<Provided> {
  const before = await session.perps.lpPosition({ address: session.address });
  const funds = [coin(toBaseUnits(amount, session.collateral.decimals), session.collateral.denom)];
  const message = session.compose.perps.provideLiquidity(funds);
  const result = assertTxSuccess(await withTypedErrors(session.client.signAndBroadcast(session.address, [message], "auto")));
  const position = await session.perps.lpPosition({ address: session.address });
  return {
    transactionHash: result.transactionHash,
    sharesMinted: uint128(position.shares) - uint128(before.shares),
    position,
    vault: await session.perps.vault(),
  };
}
