// Generates src/generated/ from the committed JSON schemas (schema/<contract>/<contract>.json).
//   node scripts/codegen.js [SCHEMA_DIR] [OUT_DIR]
// The generator globs every *.json under the folder it is given, so each contract gets a folder
// holding only its <contract>.json (schema/<contract>/cw_schema/ would be read as a second schema).
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const codegen = require("@cosmwasm/ts-codegen").default;

const CONTRACTS = [
  { name: "Perps", schema: "perps" },
  { name: "PriceFeed", schema: "price-feed" },
  { name: "InsuranceFund", schema: "insurance-fund" },
];

async function main() {
  const root = path.resolve(__dirname, "..");
  const schemaDir = path.resolve(process.argv[2] ?? path.join(root, "..", "..", "schema"));
  const outPath = path.resolve(process.argv[3] ?? path.join(root, "src", "generated"));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "perps-ts-codegen-"));
  try {
    const contracts = CONTRACTS.map(({ name, schema }) => {
      const src = path.join(schemaDir, schema, `${schema}.json`);
      if (!fs.existsSync(src)) throw new Error(`missing schema ${src}`);
      const dir = path.join(work, schema);
      fs.mkdirSync(dir);
      fs.copyFileSync(src, path.join(dir, `${schema}.json`));
      return { name, dir };
    });
    fs.rmSync(outPath, { recursive: true, force: true });
    await codegen({
      contracts,
      outPath,
      options: {
        bundle: { enabled: true, bundleFile: "index.ts", scope: "contracts" },
        types: { enabled: true },
        client: { enabled: true },
        messageComposer: { enabled: true },
        reactQuery: { enabled: false },
        recoil: { enabled: false },
        messageBuilder: { enabled: false },
        useContractsHook: { enabled: false },
      },
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
