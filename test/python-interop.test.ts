/**
 * @module test/python-interop — what Python's msgpack reads of our values and what we read of
 * Python's, measured both ways. The tables in docs/python-interop.md are built here from the
 * measurements: the test fails when the doc no longer says what the libraries do.
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import {
  LocalStorage,
  MaintenanceService,
  MsgpackSerializer,
  rescueDecode,
  SQLiteTaskDB,
} from "../src/index.js";
import { makeTempDir } from "./helpers.js";

const PYTHON = "/usr/bin/python3";
const hasPythonMsgpack = (() => {
  try {
    execFileSync(PYTHON, ["-c", "import msgpack"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const DOC = readFileSync(join(import.meta.dirname, "..", "docs", "python-interop.md"), "utf8");

/** Registered under code 10 on both sides, as `spot.register` and Python's registration do. */
class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Registered under code 11 here only: Python knows nothing of it. */
class Secret {
  constructor(readonly text: string) {}
}

function createSerializer(): MsgpackSerializer {
  const serializer = new MsgpackSerializer();
  serializer.register(Point, {
    code: 10,
    encode: (point) => ({ x: point.x, y: point.y }),
    decode: (data) => new Point((data as Point).x, (data as Point).y),
  });
  serializer.register(Secret, {
    code: 11,
    encode: (secret) => secret.text,
    decode: (data) => new Secret(data as string),
  });
  return serializer;
}

/** The reader the doc gives Python users for our built-in extensions (see the doc). */
function extractPythonHook(): string {
  const match = /```python\n(# beautyspot-ext-hook[\s\S]*?)```/.exec(DOC);
  assert.ok(match?.[1], "docs/python-interop.md lost its beautyspot_ext_hook code block");
  return match[1];
}

/**
 * Decodes each hex document with Python's msgpack twice: with a strict ext_hook that knows only
 * code 10 and raises for any other code (what the Python beautyspot library does), and with the
 * doc's `beautyspot_ext_hook`. Prints one JSON pair of results per document.
 */
function readInPython(documents: Uint8Array[]): [string, string][] {
  const script = `
import json, sys, msgpack
${extractPythonHook()}
def strict_hook(code, data):
    if code == 10:
        return ("Point", msgpack.unpackb(data, raw=False))
    raise ValueError(f"no class registered for ext code {code}")

def show(data, hook):
    try:
        value = msgpack.unpackb(data, raw=False, ext_hook=hook, strict_map_key=False)
    except Exception as error:
        return "unreadable: " + str(error)
    return repr(value)

def doc_hook(code, data):
    if code == 10:
        return ("Point", msgpack.unpackb(data, raw=False))
    return beautyspot_ext_hook(code, data)

out = []
for line in sys.stdin.read().split():
    data = bytes.fromhex(line)
    out.append([show(data, strict_hook), show(data, doc_hook)])
print(json.dumps(out))
`;
  const input = documents.map((bytes) => Buffer.from(bytes).toString("hex")).join("\n");
  // A fixed hash seed: a Python set's order must not change from run to run.
  const env = { ...process.env, PYTHONHASHSEED: "0" };
  const output = execFileSync(PYTHON, ["-c", script], { input, env }).toString("utf8");
  return JSON.parse(output) as [string, string][];
}

/** Our values, by what they are. */
const OUR_VALUES: [string, () => unknown][] = [
  [
    "objects, arrays, strings, numbers, booleans, null",
    () => ({ s: "é", n: [1, -2.5, 2 ** 40], ok: true, none: null }),
  ],
  ["`-0`, integers beyond 32 bits", () => [-0, 2 ** 53 - 1]],
  ["`Buffer` / `Uint8Array`", () => ({ b: Buffer.from([1, 2]), u: new Uint8Array([3]) })],
  ["`Date`", () => new Date(1_700_000_000_123)],
  ["registered class, registered in Python too (code 10)", () => new Point(1, 2)],
  ["`undefined` (anywhere inside)", () => ({ a: 1, b: [2, undefined] })],
  ["`BigInt`", () => ({ total: 123_456_789_012_345_678_901n, small: -5n })],
  [
    "`Map`",
    () =>
      new Map<unknown, unknown>([
        ["a", 1],
        [2, "b"],
      ]),
  ],
  ["`Set`", () => new Set(["x", "y"])],
  ["typed arrays (`Float32Array` …)", () => new Float32Array([0.5, -1])],
  ["registered class not registered in Python (code 11)", () => new Secret("s")],
  ["plain data with a `Map` nested deep inside", () => ({ rows: [{ id: 1, tags: new Map() }] })],
];

/** Python values (as Python expressions), by what they are. */
const PYTHON_VALUES: [string, string][] = [
  [
    "dict (str keys), list, str, int, float, bool, None",
    "{'s': 'é', 'l': [1, 2**40], 'f': 1.25, 't': True, 'n': None}",
  ],
  ["int beyond 53 bits (2**63)", "[2**63, -(2**63)]"],
  ["bytes", "b'\\x00\\xff'"],
  ["tuple", "(1, 'two')"],
  [
    "datetime (`datetime=True`: the timestamp extension)",
    "datetime(2023, 11, 14, tzinfo=timezone.utc)",
  ],
  ["datetime with microseconds", "datetime(2023, 11, 14, 1, 2, 3, 456789, tzinfo=timezone.utc)"],
  ["ExtType registered here (code 10)", "msgpack.ExtType(10, msgpack.packb({'x': 3, 'y': 4}))"],
  ["ExtType not registered here (code 20)", "msgpack.ExtType(20, msgpack.packb([1, 2]))"],
  ["dict with int keys", "{1: 'a', 2: 'b'}"],
  ["dict with float, bool and None keys", "{1.5: 'a', True: 'b', None: 'c'}"],
  ["dict with int keys nested in a list", "{'rows': [{7: 'x'}]}"],
  ["dict with bytes keys", "{b'k': 1}"],
  ["dict with tuple keys", "{(1, 'a'): 1}"],
  ["dict with the key `'__proto__'`", "{'__proto__': 1}"],
];

/** Packs each Python expression the way the Python library stores values. */
function writeInPython(expressions: string[]): Buffer[] {
  const script = `
import json, sys, msgpack
from datetime import datetime, timezone
out = []
for expression in json.loads(sys.stdin.read()):
    out.append(msgpack.packb(eval(expression), use_bin_type=True, datetime=True).hex())
print(json.dumps(out))
`;
  const output = execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(expressions) });
  return (JSON.parse(output.toString("utf8")) as string[]).map((hex) => Buffer.from(hex, "hex"));
}

/** A cell's text: backticks and pipes would break the Markdown table. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function shortRepr(text: string): string {
  return text.length > 72 ? `${text.slice(0, 69)}…` : text;
}

function summarizePython(result: string): string {
  if (result.startsWith("unreadable: ")) return `**unreadable** (${result.slice(12)})`;
  return `readable: \`${shortRepr(result)}\``;
}

function describeOurs(value: unknown): string {
  return `\`${shortRepr(inspect(value, { breakLength: Number.POSITIVE_INFINITY, depth: 4 }))}\``;
}

function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Stores `bytes` as a row the way the Python library writes one, and reads it back as the CLI does. */
async function inspectStored(service: MaintenanceService, db: SQLiteTaskDB, bytes: Uint8Array) {
  const key = sha256(bytes);
  db.saveMany([
    {
      cacheKey: key,
      funcName: "python_function",
      funcIdentifier: "app.python_function",
      inputId: sha256(`input:${key}`),
      version: null,
      resultType: "DIRECT_BLOB",
      resultValue: null,
      resultData: bytes,
      contentType: null,
      size: bytes.byteLength,
      digest: sha256(bytes),
      expiresAt: null,
      updatedAt: Date.now(),
    },
  ]);
  const detail = await service.getTaskDetail(key);
  assert.ok(detail !== undefined);
  return detail;
}

describe("interoperability with Python's msgpack, measured both ways", {
  skip: !hasPythonMsgpack && "/usr/bin/python3 with msgpack is not installed",
}, () => {
  it("docs/python-interop.md states what Python reads of our values", () => {
    const serializer = createSerializer();
    const documents = OUR_VALUES.map(([, make]) => serializer.dumps(make()));
    const results = readInPython(documents);
    const rows = OUR_VALUES.map(([kind], index) => {
      const [strict, withHook] = results[index]!;
      return `| ${kind} | ${cell(summarizePython(strict))} | ${cell(summarizePython(withHook))} |`;
    });
    const table = [
      "| our value | Python `msgpack`, strict ext_hook (as the Python library) | with `beautyspot_ext_hook` below |",
      "| --- | --- | --- |",
      ...rows,
    ].join("\n");
    assert.ok(DOC.includes(table), `docs/python-interop.md must contain this table:\n\n${table}\n`);
  });

  it("docs/python-interop.md states what we read of Python's values, in calls and in inspection", async () => {
    const documents = writeInPython(PYTHON_VALUES.map(([, expression]) => expression));
    const dir = makeTempDir();
    const db = new SQLiteTaskDB(join(dir, "python.db"));
    const service = new MaintenanceService({
      db,
      storage: new LocalStorage(join(dir, "blobs")),
      serializer: createSerializer(),
    });
    const rows: string[] = [];
    try {
      for (const [index, [kind]] of PYTHON_VALUES.entries()) {
        const bytes = documents[index]!;
        let call: string;
        try {
          call = describeOurs(createSerializer().loads(bytes));
        } catch {
          call = '**decode error** (`onDecodeError` applies; `"raw"` gives the inspection value)';
        }
        const detail = await inspectStored(service, db, bytes);
        if (call.startsWith("**decode error**")) {
          // what a call with onDecodeError: "raw" returns (src/core/read.ts)
          assert.deepStrictEqual(rescueDecode(bytes, createSerializer()).value, detail.value);
        }
        assert.equal(detail.error, undefined);
        const shown = `${detail.rescued ? "**rescued**" : "exact"}: ${describeOurs(detail.value)}`;
        rows.push(`| ${kind} | ${cell(call)} | ${cell(shown)} |`);
      }
    } finally {
      db.close();
    }
    const table = [
      "| Python value | a call (`loads` on a hit) | `getTaskDetail` / `show` / dashboard |",
      "| --- | --- | --- |",
      ...rows,
    ].join("\n");
    assert.ok(DOC.includes(table), `docs/python-interop.md must contain this table:\n\n${table}\n`);
  });
});
