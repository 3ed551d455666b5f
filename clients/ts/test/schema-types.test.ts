// The generated types agree with the JSON schemas: the fixture's rejected messages fail to compile
// (each on its own line, for a type error) and fail schema validation; its accepted ones pass both.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import Ajv from "ajv";
import ts from "typescript";
import { accepted, rejected } from "./fixtures/schema-types";

const PACKAGE = path.resolve(__dirname, "..", "..");
const FIXTURE = path.join(PACKAGE, "test", "fixtures", "schema-types.ts");
const SCHEMA = path.resolve(PACKAGE, "..", "..", "schema");

/** Type-checks `source` as the fixture file with the package's strict options; returns the diagnostics in it. */
function check(source: string): ts.Diagnostic[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(PACKAGE, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
  });
  assert.ok(config);
  assert.equal(config.options.strict, true);
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile;
  host.readFile = (f) => (path.resolve(f) === FIXTURE ? source : readFile(f));
  const program = ts.createProgram([FIXTURE], { ...config.options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file !== undefined && path.resolve(d.file.fileName) === FIXTURE);
}

function lineOf(d: ts.Diagnostic): number {
  assert.ok(d.file !== undefined && d.start !== undefined);
  return d.file.getLineAndCharacterOfPosition(d.start).line;
}

describe("generated types match the schemas", () => {
  const source = fs.readFileSync(FIXTURE, "utf8");
  const lines = source.split("\n");
  const marked = lines.flatMap((l, i) => (l.trim().startsWith("// @ts-expect-error") ? [i + 1] : []));

  it("the fixture compiles under --strict with every expected error present", () => {
    assert.equal(marked.length, rejected.length);
    const diagnostics = check(source);
    assert.deepEqual(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
  });

  it("each rejected message is a type error on its own line, and nothing else is", () => {
    const stripped = lines.map((l) => (l.trim().startsWith("// @ts-expect-error") ? "" : l)).join("\n");
    const diagnostics = check(stripped);
    const errorLines = new Set(diagnostics.map(lineOf));
    assert.deepEqual([...errorLines].sort((a, b) => a - b), marked);
    for (const d of diagnostics) assert.equal(d.category, ts.DiagnosticCategory.Error);
  });

  it("the JSON schemas accept the accepted messages and reject the rejected ones", () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    const validate = (kind: string, msg: unknown): boolean => {
      let v = validators.get(kind);
      if (v === undefined) {
        const [contract, part] = kind.split(".") as [string, string];
        const doc = JSON.parse(fs.readFileSync(path.join(SCHEMA, contract, `${contract}.json`), "utf8"));
        v = ajv.compile(doc[part]);
        validators.set(kind, v);
      }
      return v(msg) === true;
    };
    for (const [kind, msg] of accepted) assert.ok(validate(kind, msg), `${kind} should accept ${JSON.stringify(msg)}`);
    for (const [kind, msg] of rejected) assert.ok(!validate(kind, msg), `${kind} should reject ${JSON.stringify(msg)}`);
  });
});
