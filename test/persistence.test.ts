/** @module test/persistence — results survive processes; damaged entries are never returned. */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { MaintenanceService, Spot } from "../src/index.js";
import { makeTempDir, recordingLogger, runScript } from "./helpers.js";
import { programPath, requireProgram } from "./system-programs.js";

const pythonSkip = requireProgram("python-msgpack");

describe("persistence across processes", () => {
  it("serves a result stored by one process to the next without running the function", async () => {
    const workspace = makeTempDir();
    const script = `
      import { Spot } from "$ENTRY";
      const spot = new Spot("shared", { workspace: ${JSON.stringify(workspace)} });
      let calls = 0;
      const work = spot.mark(async function work(n: number) { calls += 1; return { n, at: "computed" }; });
      const value = await work(7);
      console.log(JSON.stringify({ calls, value }));
      await spot.shutdown();
    `;
    const first = await runScript(script, workspace);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { calls: 1, value: { n: 7, at: "computed" } });
    const second = await runScript(script, workspace);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), { calls: 0, value: { n: 7, at: "computed" } });
  });

  it("drains background saves on a normal exit without flush()", async () => {
    const workspace = makeTempDir();
    const writer = `
      import { Spot } from "$ENTRY";
      const spot = new Spot("drain", { workspace: ${JSON.stringify(workspace)}, saveSync: false });
      const work = spot.mark(async function work(n: number) { return "v" + n; });
      for (let i = 0; i < 50; i++) await work(i);
      const blob = spot.mark(async function blob() { return "x".repeat(10); }, { saveBlob: true });
      await blob();
      process.exit(0);
    `;
    const result = await runScript(writer, workspace);
    assert.equal(result.code, 0, result.stderr);
    const db = new Database(join(workspace, "drain.db"), { readonly: true });
    const { rows } = db.prepare("SELECT count(*) AS rows FROM tasks").get() as { rows: number };
    db.close();
    assert.equal(rows, 51);
  });
});

describe("stopping a run", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`keeps queued background saves when the process gets ${signal}, and still ends by it`, async () => {
      const workspace = makeTempDir();
      const script = `
        import { Spot } from "$ENTRY";
        const spot = new Spot("stopped", { workspace: ${JSON.stringify(workspace)}, saveSync: false });
        const work = spot.mark(async function work(n: number) { return { n }; });
        for (let i = 0; i < 200; i++) await work(i);
        process.kill(process.pid, "${signal}");
        await new Promise((resolve) => setTimeout(resolve, 5000));
        console.log("still running");
      `;
      const result = await runScript(script, workspace);
      assert.equal(result.signal, signal, `ended by ${result.signal} / code ${result.code}`);
      assert.doesNotMatch(result.stdout, /still running/);
      const db = new Database(join(workspace, "stopped.db"), { readonly: true });
      const { rows } = db.prepare("SELECT count(*) AS rows FROM tasks").get() as { rows: number };
      db.close();
      assert.equal(rows, 200);
    });
  }

  it("leaves the program's own signal handler in charge", async () => {
    const workspace = makeTempDir();
    const script = `
      import { Spot } from "$ENTRY";
      process.on("SIGINT", () => { console.log("own handler"); process.exitCode = 3; });
      const spot = new Spot("handled", { workspace: ${JSON.stringify(workspace)}, saveSync: false });
      const work = spot.mark(async function work(n: number) { return n; });
      for (let i = 0; i < 20; i++) await work(i);
      process.kill(process.pid, "SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 50));
    `;
    const result = await runScript(script, workspace);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stdout, /own handler/);
  });
});

describe("in-memory tier coherence", () => {
  it("sees a deletion made through another connection on the next call", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("tier", { workspace });
    let calls = 0;
    const f = spot.mark(async function f() {
      calls += 1;
      return calls;
    });
    assert.equal(await f(), 1);
    assert.equal(await f(), 1, "served from the tier");
    const other = MaintenanceService.fromPath(join(workspace, "tier.db"));
    assert.equal(await other.clear({}), 1);
    other.close();
    // Other connections' commits are looked for at most once a millisecond.
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await f(), 2);
    await spot.shutdown();
  });

  it("sees a row rewritten by another process", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("tier2", { workspace });
    const f = spot.mark(async function f() {
      return "mine";
    });
    await f();
    await f();
    const script = `
      import { Spot } from "$ENTRY";
      const spot = new Spot("tier2", { workspace: ${JSON.stringify(workspace)} });
      const f = spot.mark(async function f() { return "mine"; });
      await f.invalidate();
      await spot.shutdown();
      // Another program's f, writing under the same identity.
      const rewriter = new Spot("tier2", { workspace: ${JSON.stringify(workspace)} });
      await rewriter.mark(async function f() { return "theirs"; })();
      await rewriter.shutdown();
    `;
    const result = await runScript(script, workspace);
    assert.equal(result.code, 0, result.stderr);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await f(), "theirs");
    await spot.shutdown();
  });
});

describe("class decorator registration", () => {
  it("stores a class registered with @spot.registerType and reads it back through a new Spot", async () => {
    const workspace = makeTempDir();
    const define = (spot: Spot) => {
      @spot.registerType<Temperature>({
        code: 30,
        encode: (value) => value.celsius,
        decode: (data) => new Temperature(data as number),
      })
      class Temperature {
        constructor(readonly celsius: number) {}
      }
      return Temperature;
    };
    const first = new Spot("decorated", { workspace });
    const FirstTemperature = define(first);
    await first.mark(async function reading() {
      return new FirstTemperature(21.5);
    })();
    await first.shutdown();
    const second = new Spot("decorated", { workspace });
    const SecondTemperature = define(second);
    const value = await second.mark(async function reading() {
      return new SecondTemperature(0);
    })();
    assert.ok(value instanceof SecondTemperature);
    assert.equal(value.celsius, 21.5);
    await second.shutdown();
  });
});

describe("round trip through a new Spot", () => {
  it("returns every supported type exactly, nested", async () => {
    const workspace = makeTempDir();
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    const registration = {
      code: 10,
      encode: (point: Point) => [point.x, point.y],
      decode: (data: unknown) => new Point(...(data as [number, number])),
    };
    const value = {
      text: "héllo ✓",
      numbers: [0, -1, 1.5, 2 ** 40, Number.MAX_SAFE_INTEGER],
      nothing: null,
      missing: undefined,
      flags: [true, false],
      when: new Date("2024-01-02T03:04:05.678Z"),
      big: 123456789012345678901234567890n,
      small: -5n,
      map: new Map<unknown, unknown>([
        ["a", 1],
        [2, new Set([1, "x"])],
      ]),
      set: new Set([new Date(0), 3n]),
      bytes: Buffer.from([1, 2, 3]),
      floats: new Float64Array([1.5, -2]),
      ints: new Int16Array([-3, 4]),
      nested: [{ deep: [new Map([["k", [undefined, null]]])] }],
      point: new Point(1, 2),
    };
    const first = new Spot("types", { workspace });
    first.register(Point, registration);
    await first.mark(async function produce() {
      return value;
    })();
    await first.shutdown();

    const second = new Spot("types", { workspace });
    second.register(Point, registration);
    let calls = 0;
    const produce = second.mark(async function produce() {
      calls += 1;
      return null;
    });
    const loaded = (await produce()) as unknown as typeof value;
    assert.equal(calls, 0);
    assert.deepEqual(loaded, value);
    assert.ok(loaded.map instanceof Map);
    assert.ok(loaded.set instanceof Set);
    assert.ok(loaded.bytes instanceof Buffer);
    assert.ok(loaded.floats instanceof Float64Array);
    assert.ok(loaded.ints instanceof Int16Array);
    assert.ok(loaded.point instanceof Point);
    assert.equal(typeof loaded.big, "bigint");
    assert.ok("missing" in loaded);
    await second.shutdown();
  });
});

describe("integrity", () => {
  it("re-runs instead of returning a truncated blob", async () => {
    const workspace = makeTempDir();
    const logger = recordingLogger();
    const spot = new Spot("blobs", { workspace, saveBlob: true, logger });
    let calls = 0;
    const f = spot.mark(async function f() {
      calls += 1;
      return "payload ".repeat(100);
    });
    await f();
    const folder = join(workspace, "blobs", "blobs");
    const [file] = readdirSync(folder).filter((name) => name.endsWith(".bin"));
    assert.ok(file);
    truncateSync(join(folder, file), 10);
    assert.equal(await f(), "payload ".repeat(100));
    assert.equal(calls, 2);
    assert.ok(logger.warnings.some((warning) => /truncated|expected/.test(warning)));
    assert.equal(await f(), "payload ".repeat(100));
    assert.equal(calls, 2, "the re-run overwrote the damaged blob");
    await spot.shutdown();
  });

  it("re-runs when a blob checked earlier is altered afterwards", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("altered", { workspace, saveBlob: true, logger: recordingLogger() });
    let calls = 0;
    const f = spot.mark(async function f() {
      calls += 1;
      return { text: "original text ".repeat(20) };
    });
    await f();
    await f(); // a verified hit: the blob's digest is remembered with its file time
    const folder = join(workspace, "blobs", "altered");
    const [file] = readdirSync(folder).filter((name) => name.endsWith(".bin"));
    assert.ok(file);
    const bytes = readFileSync(join(folder, file));
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0x20;
    await new Promise((resolve) => setTimeout(resolve, 5));
    writeFileSync(join(folder, file), bytes);
    assert.deepEqual(await f(), { text: "original text ".repeat(20) });
    assert.equal(calls, 2);
    await spot.shutdown();
  });

  it("re-runs instead of returning a value with a flipped byte", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("flip", { workspace, logger: recordingLogger() });
    let calls = 0;
    const f = spot.mark(async function f() {
      calls += 1;
      return { answer: 42, text: "abcdef" };
    });
    await f();
    const db = new Database(join(workspace, "flip.db"));
    const row = db.prepare("SELECT cache_key, result_data FROM tasks").get() as {
      cache_key: string;
      result_data: Buffer;
    };
    const damaged = Buffer.from(row.result_data);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 0x01;
    db.prepare("UPDATE tasks SET result_data = ? WHERE cache_key = ?").run(damaged, row.cache_key);
    db.close();
    assert.deepEqual(await f(), { answer: 42, text: "abcdef" });
    assert.equal(calls, 2);
    await spot.shutdown();
  });

  it("never reads a blob location that escapes the blob folder", async () => {
    const workspace = makeTempDir();
    const logger = recordingLogger();
    const spot = new Spot("escape", { workspace, saveBlob: true, logger });
    let calls = 0;
    const f = spot.mark(async function f() {
      calls += 1;
      return "safe";
    });
    await f();
    const db = new Database(join(workspace, "escape.db"));
    db.prepare("UPDATE tasks SET result_value = ?").run("../../etc/passwd");
    db.close();
    assert.equal(await f(), "safe");
    assert.equal(calls, 2);
    assert.ok(logger.warnings.length > 0);
    await spot.shutdown();
  });
});

describe("compatibility with the Python library", { skip: pythonSkip }, () => {
  it("reads a database and row written the way the Python library writes them", async () => {
    const workspace = makeTempDir();
    const dbPath = join(workspace, "legacy.db");
    execFileSync(programPath("python-msgpack"), [
      "-c",
      `
import sqlite3, msgpack, hashlib, sys
con = sqlite3.connect(sys.argv[1])
con.execute("""CREATE TABLE tasks (cache_key TEXT PRIMARY KEY, func_name TEXT, func_identifier TEXT,
  input_id TEXT, result_type TEXT, result_value TEXT, result_data BLOB, content_type TEXT,
  version TEXT, expires_at TIMESTAMP, updated_at TIMESTAMP)""")
key = hashlib.sha256(b"summarize:abc123").hexdigest()
con.execute("INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?,?)", (key, "summarize", "summarize", "abc123",
  "DIRECT_BLOB", None, msgpack.packb({"summary": "from python", "tokens": [1, 2, 3], "big": 2**40}),
  "text/markdown", None, "2999-01-01 00:00:00.000000+00:00", "2024-05-06 07:08:09.123456+00:00"))
con.commit()
`,
      dbPath,
    ]);
    const spot = new Spot("legacy", { workspace });
    let calls = 0;
    const summarize = spot.mark(
      async function summarize(_text: string) {
        calls += 1;
        return null;
      },
      { keygen: () => "abc123" },
    );
    assert.deepEqual(await summarize("anything"), {
      summary: "from python",
      tokens: [1, 2, 3],
      big: 2 ** 40,
    });
    assert.equal(calls, 0);
    await spot.shutdown();
  });

  it("writes plain values that Python's msgpack decodes", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("topython", { workspace });
    await spot.mark(async function produce() {
      return { text: "hi", list: [1, 2.5, null, true], bytes: Buffer.from([0, 255]) };
    })();
    await spot.shutdown();
    const out = execFileSync(programPath("python-msgpack"), [
      "-c",
      `
import sqlite3, msgpack, sys
con = sqlite3.connect(sys.argv[1])
(data,) = con.execute("SELECT result_data FROM tasks").fetchone()
print(repr(msgpack.unpackb(data, raw=False)))
`,
      join(workspace, "topython.db"),
    ]).toString();
    assert.equal(
      out.trim(),
      "{'text': 'hi', 'list': [1, 2.5, None, True], 'bytes': b'\\x00\\xff'}",
    );
    assert.ok(existsSync(join(workspace, "topython.db")));
  });
});

describe("binary results stored as blobs", () => {
  for (const saveSync of [true, false]) {
    it(`keep the bytes the function returned when the caller changes the Buffer afterwards (saveSync: ${saveSync})`, async () => {
      const workspace = makeTempDir();
      const spot = new Spot("binary", { workspace, saveSync });
      const image = spot.markSync(
        function image(seed: number) {
          return Buffer.alloc(300_000, seed);
        },
        { saveBlob: true },
      );
      const returned = image(3);
      returned.fill(0);
      await spot.flush();
      await spot.shutdown();
      const reopened = new Spot("binary", { workspace });
      const again = reopened.markSync(
        function image(_seed: number): Buffer {
          throw new Error("the stored value must be a hit");
        },
        { saveBlob: true },
      );
      assert.deepEqual(again(3), Buffer.alloc(300_000, 3));
      await reopened.shutdown();
    });
  }
});
