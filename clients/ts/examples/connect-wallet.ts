// Example: connect a browser wallet (Keplr, Leap) or any cosmjs OfflineSigner to a deployment.
//
//   const session = await connectWallet(window.keplr, deployment);
//   console.log(session.address, session.collateral);
import type { OfflineSigner } from "@cosmjs/proto-signing";
import { connect, type PerpsContracts, type PerpsSession } from "../src";

/** What the example needs of Keplr's `window.keplr` (Leap's `window.leap` has the same two methods). */
export interface WalletExtension {
  enable(chainId: string): Promise<void>;
  getOfflineSigner(chainId: string): OfflineSigner;
}

/** Where the protocol is deployed (`scripts/localnet.sh` prints these for a local node). */
export interface Deployment {
  chainId: string;
  rpcEndpoint: string;
  /** Gas price with the fee denom, e.g. "0.025ustake". */
  gasPrice: string;
  contracts: PerpsContracts;
  /** How often a sent transaction is looked up (ms); cosmjs's default is 3000. */
  broadcastPollIntervalMs?: number;
}

/** Asks the wallet for access to the chain, then binds typed clients to its first account. */
export async function connectWallet(wallet: WalletExtension, deployment: Deployment): Promise<PerpsSession> {
  await wallet.enable(deployment.chainId);
  const signer = wallet.getOfflineSigner(deployment.chainId);
  return connect({
    rpcEndpoint: deployment.rpcEndpoint,
    signer,
    gasPrice: deployment.gasPrice,
    contracts: deployment.contracts,
    clientOptions: { broadcastPollIntervalMs: deployment.broadcastPollIntervalMs },
  });
}
