// A local node (`localnet serve`, DESIGN section 10) started from a generated genesis, and the
// protocol deployed on it through the generated clients, with real signing.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import {
  InsuranceFundClient,
  PerpsClient,
  PriceFeedClient,
  type InsuranceFundTypes,
  type PerpsContracts,
  type PerpsTypes,
  type PriceFeedTypes,
} from "../../src";

/** Test accounts only: the genesis funds the first accounts of this mnemonic. */
export const MNEMONIC =
  "zone trumpet cupboard room olympic spot slim slow simple peasant lion disorder keep other all shaft better visa patient discover butter olive exhibit track";
export const PREFIX = "wasm";
export const CHAIN_ID = "perps-ts-1";
export const FEE_DENOM = "ustake";
export const GAS_PRICE = `0.025${FEE_DENOM}`;
export const DENOM = "uusdc";
/** Account indices of the mnemonic. */
export const ACCOUNTS = ["owner", "publisher", "lp", "alice", "bob"] as const;
export type AccountName = (typeof ACCOUNTS)[number];

const REPO = path.resolve(__dirname, "..", "..", "..", "..", "..");
const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), ".cache", "perps-target");

/** The node binary and the three artifacts, or why they are missing. */
export function prerequisites(): { bin: string; artifacts: string } | { missing: string } {
  const bin = process.env.LOCALNET_BIN ?? path.join(TARGET, "debug", "localnet");
  const artifacts = path.join(REPO, "artifacts");
  if (!fs.existsSync(bin)) return { missing: `${bin} (cargo build -p localnet --bin localnet)` };
  for (const c of ["perps", "price-feed", "insurance-fund"]) {
    if (!fs.existsSync(path.join(artifacts, `${c}.wasm`))) return { missing: `artifacts/${c}.wasm (bash scripts/build-wasm.sh)` };
  }
  return { bin, artifacts };
}

export async function wallet(index: number): Promise<DirectSecp256k1HdWallet> {
  return DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, { prefix: PREFIX, hdPaths: [makeCosmoshubPath(index)] });
}

export interface LocalNode {
  rpc: string;
  addresses: Record<AccountName, string>;
  stop(): Promise<void>;
}

/** Starts `localnet serve` on a free loopback port with every test account funded. */
export async function startNode(bin: string): Promise<LocalNode> {
  const addresses = {} as Record<AccountName, string>;
  for (const [i, name] of ACCOUNTS.entries()) {
    const [account] = await (await wallet(i)).getAccounts();
    if (account === undefined) throw new Error("wallet without account");
    addresses[name] = account.address;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perps-ts-node-"));
  const genesis = path.join(dir, "genesis.json");
  fs.writeFileSync(
    genesis,
    JSON.stringify({
      chain_id: CHAIN_ID,
      bech32_prefix: PREFIX,
      fee_denom: FEE_DENOM,
      min_gas_price: "0.025",
      block_time_ms: 200,
      accounts: ACCOUNTS.map((name) => ({
        address: addresses[name],
        coins: [
          { denom: DENOM, amount: "100000000000000" }, // 100,000,000 USDC
          { denom: FEE_DENOM, amount: "1000000000000" },
        ],
      })),
    }),
  );
  const child = spawn(bin, ["serve", "--genesis", genesis, "--rpc", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const rpc = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the node did not start in 60 s: ${stderr}`)), 60_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /rpc (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the node exited with ${code}: ${stderr}`));
    });
  });
  return {
    rpc,
    addresses,
    stop: () => stopChild(child, dir),
  };
}

function stopChild(child: ChildProcess, dir: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.removeAllListeners("exit");
    child.once("exit", done);
    child.kill("SIGTERM");
  });
}

/** A signing client for a test account. */
export async function signer(node: LocalNode, name: AccountName): Promise<SigningCosmWasmClient> {
  return SigningCosmWasmClient.connectWithSigner(node.rpc, await wallet(ACCOUNTS.indexOf(name)), {
    gasPrice: GasPrice.fromString(GAS_PRICE),
    broadcastPollIntervalMs: 100,
  });
}

/** A market with a 0.1 % taker fee, 10 % initial / 5 % maintenance margin, a 1 % liquidation fee, immediate fills. */
export function market(feedId: string, skewScale: string, minOrderSize: string): PerpsTypes.MarketConfig {
  return {
    feed_id: feedId,
    margin_tiers: [{ initial_margin_ratio: "0.1", maintenance_margin_ratio: "0.05" }],
    taker_fee: "0.001",
    skew_scale: skewScale,
    max_price_impact: skewScale === "0" ? null : "0.003",
    max_funding_rate_per_day: "0.1",
    max_long_oi: "100000000000000",
    max_short_oi: "100000000000000",
    min_order_size: minOrderSize,
    liquidation_fee: "0.01",
    // The examples trade at once; a deferred market (the default) places market orders.
    execution: "immediate",
  };
}

/** Uploads the artifacts, instantiates and wires the three contracts, adds BTC and ETH. */
export async function deploy(node: LocalNode, artifacts: string): Promise<PerpsContracts> {
  const owner = await signer(node, "owner");
  const ownerAddr = node.addresses.owner;
  const upload = async (file: string) =>
    (await owner.upload(ownerAddr, fs.readFileSync(path.join(artifacts, file)), "auto")).codeId;
  const feedCode = await upload("price-feed.wasm");
  const fundCode = await upload("insurance-fund.wasm");
  const perpsCode = await upload("perps.wasm");
  const feedMsg: PriceFeedTypes.InstantiateMsg = { publishers: [node.addresses.publisher] };
  const priceFeed = (await owner.instantiate(ownerAddr, feedCode, feedMsg, "price-feed", "auto", { admin: ownerAddr })).contractAddress;
  const fundMsg: InsuranceFundTypes.InstantiateMsg = { denom: DENOM, engines: [] };
  const insuranceFund = (await owner.instantiate(ownerAddr, fundCode, fundMsg, "insurance-fund", "auto", { admin: ownerAddr })).contractAddress;
  const perpsMsg: PerpsTypes.InstantiateMsg = {
    collateral_denom: DENOM,
    collateral_decimals: 6,
    price_feed: priceFeed,
    insurance_fund: insuranceFund,
    max_oracle_age_secs: 60,
    max_confidence_ratio: "0.01",
    max_ema_deviation: "0.1",
    liquidation_target_ratio: "1.25",
    liquidator_reward_share: "0.5",
    insurance_fee_share: "0.2",
    vault_min_backing: "0.1",
    min_liquidation_reward: "5000000",
    lp_withdraw_delay_secs: 3600,
  };
  const perps = (await owner.instantiate(ownerAddr, perpsCode, perpsMsg, "perps", "auto", { admin: ownerAddr })).contractAddress;
  await new InsuranceFundClient(owner, ownerAddr, insuranceFund).addEngine({ engine: perps });
  const feed = new PriceFeedClient(owner, ownerAddr, priceFeed);
  const engine = new PerpsClient(owner, ownerAddr, perps);
  // No skew impact and no funding: fills at the oracle price, round numbers.
  for (const [id, config] of [
    ["BTC", market("BTC", "0", "0.001")],
    ["ETH", market("ETH", "0", "0.01")],
  ] as const) {
    await feed.addFeed({ feedId: id, description: `${id}/USD` });
    await engine.addMarket({ marketId: id, config });
  }
  owner.disconnect();
  return { perps, priceFeed, insuranceFund };
}

/** The publisher pushes `prices` (feed id → price) stamped with the latest block time. */
export async function publish(node: LocalNode, contracts: PerpsContracts, prices: Record<string, string>): Promise<void> {
  const client = await signer(node, "publisher");
  const block = await client.getBlock();
  const publishTime = Math.floor(new Date(block.header.time).getTime() / 1000);
  await new PriceFeedClient(client, node.addresses.publisher, contracts.priceFeed).updatePrices({
    prices: Object.entries(prices).map(([feed_id, price]) => ({ feed_id, price, conf: "0", publish_time: publishTime })),
  });
  client.disconnect();
}
