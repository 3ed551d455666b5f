// One call from a wallet's signer to typed clients of the three contracts.
import { SigningCosmWasmClient, type SigningCosmWasmClientOptions } from "@cosmjs/cosmwasm-stargate";
import type { OfflineSigner } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { InsuranceFundClient } from "./generated/InsuranceFund.client";
import { InsuranceFundMsgComposer } from "./generated/InsuranceFund.message-composer";
import { PerpsClient } from "./generated/Perps.client";
import { PerpsMsgComposer } from "./generated/Perps.message-composer";
import { PriceFeedClient } from "./generated/PriceFeed.client";
import { PriceFeedMsgComposer } from "./generated/PriceFeed.message-composer";

/** Addresses of a deployment. */
export interface PerpsContracts {
  perps: string;
  priceFeed: string;
  insuranceFund: string;
}

export interface ConnectOptions {
  /** CometBFT RPC endpoint, e.g. "http://127.0.0.1:26657". */
  rpcEndpoint: string;
  /** Any cosmjs signer: Keplr's `getOfflineSigner(chainId)`, Leap's, or a `DirectSecp256k1HdWallet`. */
  signer: OfflineSigner;
  /** Gas price in the chain's fee denom, e.g. "0.025ustake"; enables fee "auto" (simulate × 1.4). */
  gasPrice: string;
  contracts: PerpsContracts;
  /** Which of the signer's accounts signs (default the first). */
  accountIndex?: number;
  /** More cosmjs client options (e.g. `broadcastPollIntervalMs`: how often a sent transaction is looked up, default 3 s). */
  clientOptions?: Omit<SigningCosmWasmClientOptions, "gasPrice">;
}

/** Signed clients for one account, plus message composers to put several messages in one transaction. */
export interface PerpsSession {
  /** The signing account's address. */
  address: string;
  client: SigningCosmWasmClient;
  contracts: PerpsContracts;
  perps: PerpsClient;
  priceFeed: PriceFeedClient;
  insuranceFund: InsuranceFundClient;
  compose: {
    perps: PerpsMsgComposer;
    priceFeed: PriceFeedMsgComposer;
    insuranceFund: InsuranceFundMsgComposer;
  };
  /** The engine's collateral coin, read from its config. */
  collateral: { denom: string; decimals: number };
  disconnect(): void;
}

/** Connects a signer to a deployment: typed clients bound to the signer's address. */
export async function connect(options: ConnectOptions): Promise<PerpsSession> {
  const accounts = await options.signer.getAccounts();
  const account = accounts[options.accountIndex ?? 0];
  if (account === undefined) throw new Error(`the signer has no account ${options.accountIndex ?? 0}`);
  const client = await SigningCosmWasmClient.connectWithSigner(options.rpcEndpoint, options.signer, {
    ...options.clientOptions,
    gasPrice: GasPrice.fromString(options.gasPrice),
  });
  const { address } = account;
  const { contracts } = options;
  const perps = new PerpsClient(client, address, contracts.perps);
  const config = await perps.config();
  return {
    address,
    client,
    contracts,
    perps,
    priceFeed: new PriceFeedClient(client, address, contracts.priceFeed),
    insuranceFund: new InsuranceFundClient(client, address, contracts.insuranceFund),
    compose: {
      perps: new PerpsMsgComposer(address, contracts.perps),
      priceFeed: new PriceFeedMsgComposer(address, contracts.priceFeed),
      insuranceFund: new InsuranceFundMsgComposer(address, contracts.insuranceFund),
    },
    collateral: { denom: config.collateral_denom, decimals: config.collateral_decimals },
    disconnect: () => client.disconnect(),
  };
}
