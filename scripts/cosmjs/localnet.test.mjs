// The local node (`localnet serve`) driven by unchanged cosmjs calls, as a wallet or a bot would:
// SigningCosmWasmClient + DirectSecp256k1HdWallet upload the three artifacts (gzip, simulated
// gas), instantiate and wire them, deposit, trade, query the account, and get the Cosmos SDK
// error codes for a wrong sequence (32), a bad signature (4) and a fee below the minimum (13).
//
// Needs the `localnet` binary ($LOCALNET_BIN, default $CARGO_TARGET_DIR/debug/localnet) and the
// artifacts (scripts/build-wasm.sh). Run: node --test scripts/cosmjs/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

import { SigningCosmWasmClient } from "@cosmjs/cosmwasm-stargate";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { GasPrice, BroadcastTxError } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const TARGET = process.env.CARGO_TARGET_DIR ?? join(homedir(), ".cache", "perps-target");
const BIN = process.env.LOCALNET_BIN ?? join(TARGET, "debug", "localnet");
const ARTIFACTS = process.env.PERPS_ARTIFACTS ?? join(ROOT, "artifacts");
// A test mnemonic: these keys hold nothing anywhere but on this local chain.
const MNEMONIC =
  "notice oak worry limit wrap speak medal online prefer cluster roof addict wrist behave treat actual wasp year salad speed social layer crew genius";
const PREFIX = "wasm";
const DENOM = "uusdc";
const CHAIN_ID = "cosmjs-1";
const USDC = 1_000_000n;

let node; // the child process
let dir;
let wallet;
let owner, publisher, trader, lp;
let client;
let rpc;

function startNode(genesisPath) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ["serve", "--genesis", genesisPath, "--rpc", "127.0.0.1:0"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`localnet exited with ${code} before listening`)));
    child.stdout.on("data", (chunk) => {
      out += chunk.toString();
      const m = out.match(/rpc (http:\/\/\S+)/);
      if (m) {
        child.removeAllListeners("exit");
        resolve({ child, url: m[1] });
      }
    });
  });
}

function stopNode(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.on("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

before(async () => {
  wallet = await DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, {
    prefix: PREFIX,
    hdPaths: [0, 1, 2, 3].map((i) => makeCosmoshubPath(i)),
  });
  [owner, publisher, trader, lp] = (await wallet.getAccounts()).map((a) => a.address);
  dir = mkdtempSync(join(tmpdir(), "localnet-cosmjs-"));
  const genesis = {
    chain_id: CHAIN_ID,
    bech32_prefix: PREFIX,
    fee_denom: DENOM,
    min_gas_price: "0.025",
    block_time_ms: 200,
    accounts: [owner, publisher, trader, lp].map((address) => ({
      address,
      coins: [{ denom: DENOM, amount: (10_000_000n * USDC).toString() }],
    })),
  };
  const genesisPath = join(dir, "genesis.json");
  writeFileSync(genesisPath, JSON.stringify(genesis));
  ({ child: node, url: rpc } = await startNode(genesisPath));
  client = await SigningCosmWasmClient.connectWithSigner(rpc, wallet, {
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
  });
});

after(async () => {
  client?.disconnect();
  if (node) assert.equal(await stopNode(node), 0, "the node stops cleanly on SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function artifact(name) {
  return new Uint8Array(readFileSync(join(ARTIFACTS, `${name}.wasm`)));
}

const contracts = {};

test("status, chain id and genesis accounts", async () => {
  assert.equal(await client.getChainId(), CHAIN_ID);
  assert.ok((await client.getHeight()) >= 1);
  const acc = await client.getAccount(trader);
  assert.equal(acc.accountNumber, 2, "account numbers follow the genesis order");
  assert.equal(acc.sequence, 0);
  assert.equal(acc.pubkey, null, "the public key is learned from the first transaction");
  const bal = await client.getBalance(trader, DENOM);
  assert.equal(bal.amount, (10_000_000n * USDC).toString());
  assert.equal(await client.getAccount("wasm1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"), null);
});

test("upload, instantiate and wire the three contracts", async () => {
  const codes = {};
  for (const name of ["price-feed", "insurance-fund", "perps"]) {
    const wasm = artifact(name);
    const res = await client.upload(owner, wasm, "auto");
    assert.equal(res.checksum, createHash("sha256").update(wasm).digest("hex"));
    const details = await client.getCodeDetails(res.codeId);
    assert.equal(details.checksum, res.checksum);
    assert.equal(details.creator, owner);
    codes[name] = res.codeId;
  }
  assert.deepEqual(codes, { "price-feed": 1, "insurance-fund": 2, perps: 3 });

  const feed = await client.instantiate(
    owner,
    codes["price-feed"],
    { publishers: [publisher] },
    "price-feed",
    "auto",
    { admin: owner },
  );
  const fund = await client.instantiate(
    owner,
    codes["insurance-fund"],
    { denom: DENOM, engines: [] },
    "insurance-fund",
    "auto",
    { admin: owner },
  );
  const engine = await client.instantiate(
    owner,
    codes.perps,
    {
      collateral_denom: DENOM,
      collateral_decimals: 6,
      price_feed: feed.contractAddress,
      insurance_fund: fund.contractAddress,
      max_oracle_age_secs: 60,
      max_confidence_ratio: "0.01",
      max_ema_deviation: "0.1",
      liquidation_target_ratio: "1.25",
      liquidator_reward_share: "0.5",
      insurance_fee_share: "0.2",
      vault_min_backing: "0.1",
    },
    "perps",
    "auto",
    { admin: owner },
  );
  Object.assign(contracts, {
    feed: feed.contractAddress,
    fund: fund.contractAddress,
    engine: engine.contractAddress,
  });
  const info = await client.getContract(contracts.engine);
  assert.equal(info.codeId, codes.perps);
  assert.equal(info.admin, owner);
  assert.equal(info.label, "perps");

  await client.execute(owner, contracts.fund, { add_engine: { engine: contracts.engine } }, "auto");
  await client.execute(
    owner,
    contracts.feed,
    { add_feed: { feed_id: "BTC", description: "BTC/USD" } },
    "auto",
  );
  await client.execute(
    owner,
    contracts.engine,
    {
      add_market: {
        market_id: "BTC",
        config: {
          feed_id: "BTC",
          margin_tiers: [{ initial_margin_ratio: "0.1", maintenance_margin_ratio: "0.05" }],
          taker_fee: "0.001",
          skew_scale: "0",
          max_funding_rate_per_day: "0.1",
          max_long_oi: (100_000_000n * USDC).toString(),
          max_short_oi: (100_000_000n * USDC).toString(),
          min_order_size: "0.001",
          liquidation_fee: "0.01",
          // fills at once (a deferred market, the default, places market orders)
          execution: "immediate",
        },
      },
    },
    "auto",
  );
  const config = await client.queryContractSmart(contracts.fund, { config: {} });
  assert.deepEqual(config.engines, [contracts.engine]);
});

test("deposit, publish a price, trade and read the account", async () => {
  const block = await client.getBlock();
  const publishTime = Math.floor(new Date(block.header.time).getTime() / 1000);
  const pub = await SigningCosmWasmClient.connectWithSigner(rpc, wallet, {
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
  });
  await pub.execute(
    publisher,
    contracts.feed,
    {
      update_prices: {
        prices: [{ feed_id: "BTC", price: "60000", conf: "0", publish_time: publishTime }],
      },
    },
    "auto",
  );
  pub.disconnect();
  await client.execute(lp, contracts.engine, { provide_liquidity: {} }, "auto", "", [
    { denom: DENOM, amount: (1_000_000n * USDC).toString() },
  ]);
  const before = BigInt((await client.getBalance(trader, DENOM)).amount);
  const deposit = await client.execute(trader, contracts.engine, { deposit: {} }, "auto", "", [
    { denom: DENOM, amount: (10_000n * USDC).toString() },
  ]);
  const after = BigInt((await client.getBalance(trader, DENOM)).amount);
  // the deposit and the fee (gas limit x 0.025, rounded up) left the trader
  const fee = (BigInt(deposit.gasWanted) * 25n + 999n) / 1000n;
  assert.equal(before - after, 10_000n * USDC + fee);
  assert.ok(deposit.gasUsed > 0n && deposit.gasUsed <= deposit.gasWanted);

  const trade = await client.execute(
    trader,
    contracts.engine,
    { trade: { market_id: "BTC", size_delta: "0.5" } },
    "auto",
  );
  assert.ok(trade.events.some((e) => e.type.startsWith("wasm-")), "the contract's own events");
  assert.ok(
    trade.events.some(
      (e) => e.type === "execute" && e.attributes.some((a) => a.value === contracts.engine),
    ),
  );
  const found = await client.getTx(trade.transactionHash);
  assert.equal(found.code, 0);
  assert.equal(found.height, trade.height);

  const account = await client.queryContractSmart(contracts.engine, {
    account: { address: trader },
  });
  assert.equal(account.positions.length, 1);
  assert.equal(account.positions[0].market_id, "BTC");
  assert.equal(account.positions[0].size, "0.5");
  assert.equal(account.positions[0].entry_price, "60000");
  // 10,000 USDC less the 0.1 % taker fee on 30,000 of notional
  assert.equal(account.collateral, (10_000n * USDC - 30n * USDC).toString());

  const acc = await client.getAccount(trader);
  assert.equal(acc.sequence, 2, "two transactions signed by the trader");
  assert.ok(acc.pubkey, "the public key is known after the first transaction");
});

async function signedTrade(signerData, fee) {
  const msg = {
    typeUrl: "/cosmwasm.wasm.v1.MsgExecuteContract",
    value: {
      sender: trader,
      contract: contracts.engine,
      msg: new TextEncoder().encode(JSON.stringify({ trade: { market_id: "BTC", size_delta: "0.1" } })),
      funds: [],
    },
  };
  return client.sign(trader, [msg], fee, "", signerData);
}

const FEE = { amount: [{ denom: DENOM, amount: "50000" }], gas: "2000000" };

async function expectBroadcastCode(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof BroadcastTxError, String(err));
    assert.equal(err.code, code, err.log);
    assert.equal(err.codespace, "sdk");
    return true;
  });
}

test("a wrong sequence, a bad signature and a low fee get the SDK codes and change nothing", async () => {
  const before = await client.getAccount(trader);
  const balance = (await client.getBalance(trader, DENOM)).amount;
  const accountBefore = await client.queryContractSmart(contracts.engine, { account: { address: trader } });
  const signer = { accountNumber: before.accountNumber, sequence: before.sequence, chainId: CHAIN_ID };

  const wrongSeq = await signedTrade({ ...signer, sequence: before.sequence + 1 }, FEE);
  await expectBroadcastCode(client.broadcastTx(TxRaw.encode(wrongSeq).finish()), 32);

  const good = await signedTrade(signer, FEE);
  const bad = TxRaw.fromPartial({ ...good, signatures: [Uint8Array.from(good.signatures[0])] });
  bad.signatures[0][5] ^= 0x01;
  await expectBroadcastCode(client.broadcastTx(TxRaw.encode(bad).finish()), 4);

  const wrongChain = await signedTrade({ ...signer, chainId: "other-1" }, FEE);
  await expectBroadcastCode(client.broadcastTx(TxRaw.encode(wrongChain).finish()), 4);

  await expectBroadcastCode(
    client.execute(
      trader,
      contracts.engine,
      { trade: { market_id: "BTC", size_delta: "0.1" } },
      { amount: [{ denom: DENOM, amount: "1" }], gas: "2000000" },
    ),
    13,
  );

  const after = await client.getAccount(trader);
  assert.equal(after.sequence, before.sequence);
  assert.equal((await client.getBalance(trader, DENOM)).amount, balance);
  assert.deepEqual(
    await client.queryContractSmart(contracts.engine, { account: { address: trader } }),
    accountBefore,
  );
});

test("a failing contract call is included with the wasm code; the fee is paid", async () => {
  const before = await client.getAccount(trader);
  const balance = BigInt((await client.getBalance(trader, DENOM)).amount);
  await assert.rejects(
    client.execute(trader, contracts.engine, { withdraw: { amount: (1_000_000n * USDC).toString() } }, FEE),
    (err) => {
      assert.match(String(err), /Code: 5; Raw log: failed to execute message; message index: 0: .*execute wasm contract failed/);
      return true;
    },
  );
  assert.equal((await client.getAccount(trader)).sequence, before.sequence + 1);
  assert.equal(BigInt((await client.getBalance(trader, DENOM)).amount), balance - 50_000n);
  await assert.rejects(
    client.queryContractSmart(owner, { config: {} }),
    /no such contract/,
  );
});
