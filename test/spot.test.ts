/** @module test/spot — the core promise: mark a function, get stored results back. */

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import {
  ConfigurationError,
  IncompatibleProviderError,
  KeyGen,
  Spot,
  SpotClosedError,
  ThresholdStoragePolicy,
  ValidationError,
} from "../src/index.js";
import { makeTempDir, recordingLogger } from "./helpers.js";

function newSpot(options: ConstructorParameters<typeof Spot>[1] = {}, name = "app") {
  const workspace = options.workspace ?? makeTempDir();
  return new Spot(name, { workspace, logger: recordingLogger(), ...options });
}

describe("Spot construction", () => {
  it("creates the database and a .gitignore in the default workspace layout", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("my_app", { workspace: join(workspace, ".beautyspot") });
    assert.ok(existsSync(join(workspace, ".beautyspot", "my_app.db")));
    assert.equal(readFileSync(join(workspace, ".beautyspot", ".gitignore"), "utf8"), "*\n");
    assert.equal(spot.name, "my_app");
    await spot.shutdown();
  });

  it("refuses an empty name or one with a path separator", () => {
    assert.throws(() => new Spot(""), ValidationError);
    assert.throws(() => new Spot("a/b"), ValidationError);
    assert.throws(() => new Spot("a\\b"), ValidationError);
  });

  it("refuses invalid option values at construction, naming the option", () => {
    const workspace = makeTempDir();
    assert.throws(() => new Spot("x", { workspace, evictionRate: 2 }), /evictionRate/);
    assert.throws(() => new Spot("x", { workspace, tpm: -1 }), /tpm/);
    assert.throws(() => new Spot("x", { workspace, saveSync: "yes" as never }), /saveSync/);
    assert.throws(() => new Spot("x", { workspace, drainTimeout: Number.NaN }), /drainTimeout/);
    assert.throws(
      () => new Spot("x", { workspace, blobWarningThreshold: -5 }),
      /blobWarningThreshold/,
    );
    assert.throws(() => new Spot("x", { workspace, limiter: {} as never }), /limiter/);
    assert.throws(
      () => new Spot("x", { workspace, colour: 1 } as never),
      /Unknown Spot option `colour`/,
    );
  });

  it("states the bounds of numeric options as a reader would write them", () => {
    const workspace = makeTempDir();
    const message = (options: Record<string, unknown>) => {
      try {
        void new Spot("x", { workspace, ...options }).shutdown();
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    for (const tpm of [-1, 0, Number.NaN]) {
      assert.match(message({ tpm }), /^Option `tpm` must be a number > 0, got /);
    }
    assert.equal(message({ tpm: 0.5 }), "accepted");
    assert.match(message({ tpm: Number.POSITIVE_INFINITY }), /must be a finite number > 0, got /);
    assert.match(message({ evictionRate: 2 }), /`evictionRate` must be a number between 0 and 1,/);
    assert.match(message({ drainTimeout: -1 }), /`drainTimeout` must be a number >= 0, got -1\./);
    assert.match(message({ blobWarningThreshold: -5 }), /must be a number >= 0, got -5\./);
    for (const options of [{ tpm: -1 }, { evictionRate: 2 }, { drainTimeout: -1 }]) {
      assert.doesNotMatch(message(options), /e-324|MIN_VALUE/);
    }
  });
});

describe("spot.mark", () => {
  it("does not call the function again on a hit", async () => {
    const spot = newSpot();
    let calls = 0;
    const double = spot.mark(async function double(x: number) {
      calls += 1;
      return x * 2;
    });
    assert.equal(await double(21), 42);
    assert.equal(await double(21), 42);
    assert.equal(calls, 1);
    assert.equal(await double(1), 2);
    assert.equal(calls, 2);
    await spot.shutdown();
  });

  it("caches undefined and null like any other result", async () => {
    const spot = newSpot();
    let calls = 0;
    const nothing = spot.mark(function nothing(kind: string) {
      calls += 1;
      return kind === "null" ? null : undefined;
    });
    assert.equal(await nothing("null"), null);
    assert.equal(await nothing("undefined"), undefined);
    assert.equal(await nothing("null"), null);
    assert.equal(await nothing("undefined"), undefined);
    assert.equal(calls, 2);
    await spot.shutdown();
  });

  it("never stores a rejected call and propagates the error unchanged", async () => {
    const spot = newSpot();
    let calls = 0;
    const failure = new TypeError("boom");
    const flaky = spot.mark(async function flaky(x: number) {
      calls += 1;
      if (calls === 1) throw failure;
      return x;
    });
    await assert.rejects(flaky(1), (error) => error === failure);
    assert.equal(await flaky(1), 1);
    assert.equal(calls, 2);
    await spot.shutdown();
  });

  it("never remembers a synchronous throw: a plain function that threw runs again on the next call", async () => {
    const spot = newSpot();
    let calls = 0;
    const failure = new RangeError("first call fails");
    const plain = spot.mark(function plain(x: number) {
      calls += 1;
      if (calls === 1) throw failure;
      return x * 2;
    });
    await assert.rejects(plain(1), (error) => error === failure);
    assert.equal(await plain(1), 2);
    assert.equal(await plain(1), 2);
    assert.equal(calls, 2);
    await spot.shutdown();
  });

  it("runs concurrent identical calls once and gives every caller the result", async () => {
    const spot = newSpot();
    let calls = 0;
    const slow = spot.mark(async function slow(x: number) {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { x };
    });
    const results = await Promise.all([slow(1), slow(1), slow(1), slow(2)]);
    assert.equal(calls, 2);
    assert.deepEqual(results, [{ x: 1 }, { x: 1 }, { x: 1 }, { x: 2 }]);
    await spot.shutdown();
  });

  it("gives every concurrent caller the same error and stores nothing", async () => {
    const spot = newSpot();
    let calls = 0;
    const failing = spot.mark(async function failing() {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error("nope");
    });
    const outcomes = await Promise.allSettled([failing(), failing()]);
    assert.equal(calls, 1);
    assert.ok(outcomes.every((outcome) => outcome.status === "rejected"));
    assert.equal(await spot.maintenance.countTasks({}), 0);
    await spot.shutdown();
  });

  it("separates versions and identities in the key", async () => {
    const spot = newSpot();
    const v1 = spot.mark(
      async function f(x: number) {
        return `v1:${x}`;
      },
      { version: "v1" },
    );
    const v2 = spot.mark(
      async function f(x: number) {
        return `v2:${x}`;
      },
      { version: "v2" },
    );
    const other = spot.mark(async function g(x: number) {
      return `g:${x}`;
    });
    assert.equal(await v1(1), "v1:1");
    assert.equal(await v2(1), "v2:1");
    assert.equal(await other(1), "g:1");
    assert.notEqual(v1.key(1), v2.key(1));
    assert.match(v1.key(1), /^[0-9a-f]{64}$/);
    await spot.shutdown();
  });

  it("computes the key as sha256 of identity, input id and version", async () => {
    const { createHash } = await import("node:crypto");
    const spot = newSpot();
    const f = spot.mark(
      async function f(x: number) {
        return x;
      },
      { version: "v3", keygen: () => "custom-id" },
    );
    const expected = createHash("sha256").update("f:custom-id:v3").digest("hex");
    assert.equal(f.key(1), expected);
    await spot.shutdown();
  });

  it("peek returns the stored value without running, invalidate removes it", async () => {
    const spot = newSpot();
    let calls = 0;
    const f = spot.mark(async function f(x: number) {
      calls += 1;
      return x + 1;
    });
    assert.equal(await f.peek(1), undefined);
    await f(1);
    assert.equal(await f.peek(1), 2);
    assert.equal(calls, 1);
    assert.equal(await f.invalidate(1), true);
    assert.equal(await f.invalidate(1), false);
    assert.equal(await f.peek(1), undefined);
    await f(1);
    assert.equal(calls, 2);
    await spot.shutdown();
  });

  it("refuses anonymous functions and synchronous generators at mark time", async () => {
    const spot = newSpot();
    assert.throws(() => spot.mark(async (x: number) => x), ConfigurationError);
    assert.throws(
      () =>
        spot.mark(function* gen() {
          yield 1;
        }),
      /generator/,
    );
    const named = spot.mark(async (x: number) => x, { name: "identity" });
    assert.equal(named.identity, "identity");
    await spot.shutdown();
  });

  it("reports an unknown keygen parameter at mark time", async () => {
    const spot = newSpot();
    assert.throws(
      () =>
        spot.mark(
          async function fetchPage(url: string) {
            return url;
          },
          { keygen: KeyGen.ignore("verbose") },
        ),
      ConfigurationError,
    );
    await spot.shutdown();
  });

  it("treats an expired entry as a miss", async () => {
    const spot = newSpot();
    let calls = 0;
    const f = spot.mark(
      async function f() {
        calls += 1;
        return calls;
      },
      { retention: 1 },
    );
    assert.equal(await f(), 1);
    assert.equal(await f(), 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(await f(), 2);
    await spot.shutdown();
  });

  it("is usable as a TC39 method decorator with identity Class.method", async () => {
    const spot = newSpot();
    let calls = 0;
    class Pipeline {
      constructor(private readonly prefix: string) {}
      @spot.mark({ version: "v2" })
      async summarize(text: string) {
        calls += 1;
        return `${this.prefix}${text}`;
      }
    }
    const pipeline = new Pipeline("> ");
    assert.equal(await pipeline.summarize("hi"), "> hi");
    assert.equal(await new Pipeline("> ").summarize("hi"), "> hi");
    assert.equal(calls, 1);
    const [record] = await spot.maintenance.listTasks({});
    assert.equal(record?.funcIdentifier, "Pipeline.summarize");
    assert.equal(record?.funcName, "summarize");
    assert.equal(record?.version, "v2");
    await spot.shutdown();
  });

  it("is usable as an experimentalDecorators method decorator, called as (target, key, descriptor)", async () => {
    const spot = newSpot();
    let calls = 0;
    class Pipeline {
      constructor(private readonly prefix: string) {}
      async summarize(text: string) {
        calls += 1;
        return `${this.prefix}${text}`;
      }
      static async count(text: string) {
        calls += 1;
        return text.length;
      }
    }
    // What TypeScript's `__decorate` does under experimentalDecorators.
    const decorate = (target: object, key: string, decorator: Function) => {
      const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
      Object.defineProperty(target, key, decorator(target, key, descriptor) ?? descriptor);
    };
    decorate(Pipeline.prototype, "summarize", spot.mark({ version: "v2" }));
    decorate(Pipeline, "count", spot.mark());
    assert.equal(await new Pipeline("> ").summarize("hi"), "> hi");
    assert.equal(await new Pipeline("> ").summarize("hi"), "> hi");
    assert.equal(await Pipeline.count("abc"), 3);
    assert.equal(await Pipeline.count("abc"), 3);
    assert.equal(calls, 2);
    assert.equal(Pipeline.prototype.summarize.name, "summarize");
    const identities = (await spot.maintenance.listTasks({})).map((task) => task.funcIdentifier);
    assert.deepEqual(identities.sort(), ["Pipeline.count", "Pipeline.summarize"]);
    await spot.shutdown();
  });

  it("claims an experimentalDecorators method's identity when the class is defined", () => {
    const spot = newSpot();
    const first = {
      async summarize(text: string) {
        return text;
      },
    };
    const second = {
      async summarize(text: string) {
        return text.toUpperCase();
      },
    };
    class Pipeline {}
    const decorator = spot.mark() as unknown as Function;
    decorator(Pipeline.prototype, "summarize", Object.getOwnPropertyDescriptor(first, "summarize"));
    assert.throws(
      () =>
        decorator(
          Pipeline.prototype,
          "summarize",
          Object.getOwnPropertyDescriptor(second, "summarize"),
        ),
      (error: unknown) =>
        error instanceof ConfigurationError && /"Pipeline\.summarize"/.test(error.message),
    );
  });

  it("refuses an experimentalDecorators property or accessor, naming it", () => {
    const spot = newSpot();
    class Settings {
      get model() {
        return "m";
      }
    }
    const decorator = spot.mark() as unknown as Function;
    assert.throws(
      () => decorator(Settings.prototype, "limit", undefined),
      /decorates class methods, but Settings\.limit is a property/,
    );
    assert.throws(
      () =>
        decorator(
          Settings.prototype,
          "model",
          Object.getOwnPropertyDescriptor(Settings.prototype, "model"),
        ),
      /Settings\.model is an accessor/,
    );
  });
});

describe("serializers and storage policies", () => {
  const jsonSerializer = {
    dumps: (value: unknown) => Buffer.from(JSON.stringify(value)),
    loads: (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString("utf8")),
  };

  it("accepts any object with dumps and loads, per Spot and per function", async () => {
    const workspace = makeTempDir();
    const spot = newSpot({ workspace, serializer: jsonSerializer });
    const viaSpot = spot.mark(async function viaSpot() {
      return { answer: 42 };
    });
    const viaFunction = newSpot({ workspace }, "other").mark(
      async function viaFunction() {
        return { answer: 43 };
      },
      { serializer: jsonSerializer },
    );
    await viaSpot();
    await viaFunction();
    const db = new Database(join(workspace, "app.db"), { readonly: true });
    const stored = db.prepare("SELECT result_data FROM tasks").pluck().get() as Buffer;
    db.close();
    assert.equal(stored.toString("utf8"), '{"answer":42}');
    assert.deepEqual(await viaSpot(), { answer: 42 });
    assert.deepEqual(await viaFunction(), { answer: 43 });
    await spot.shutdown();
  });

  it("stores values at or above a ThresholdStoragePolicy's threshold as blobs", async () => {
    const spot = newSpot({ storagePolicy: new ThresholdStoragePolicy({ threshold: 100 }) });
    const text = spot.mark(async function text(length: number) {
      return "x".repeat(length);
    });
    await text(10);
    await text(1000);
    const records = await spot.maintenance.listTasks({ sortBy: "size", sortOrder: "asc" });
    assert.deepEqual(
      records.map((record) => record.resultType),
      ["DIRECT_BLOB", "FILE"],
    );
    assert.equal(await text(1000), "x".repeat(1000));
    await spot.shutdown();
  });

  it("warns about large values kept in rows under the default policy, and saveBlob forces blobs", async () => {
    const logger = recordingLogger();
    const spot = newSpot({ logger, blobWarningThreshold: 50 });
    const big = spot.mark(async function big() {
      return "y".repeat(500);
    });
    const forced = spot.mark(
      async function forced() {
        return "z";
      },
      { saveBlob: true },
    );
    await big();
    await forced();
    assert.ok(logger.warnings.some((warning) => warning.includes("big")));
    const [record] = await spot.maintenance.listTasks({ func: "forced" });
    assert.equal(record?.resultType, "FILE");
    await spot.shutdown();
  });
});

describe("spot.markSync", () => {
  it("returns synchronously and caches", async () => {
    const spot = newSpot();
    let calls = 0;
    const square = spot.markSync(function square(x: number) {
      calls += 1;
      return x * x;
    });
    assert.equal(square(4), 16);
    assert.equal(square(4), 16);
    assert.equal(calls, 1);
    assert.equal(square.peek(4), 16);
    assert.equal(square.invalidate(4), true);
    await spot.shutdown();
  });

  it("is refused with IncompatibleProviderError when storage is asynchronous", async () => {
    const spot = newSpot({
      storage: {
        synchronous: false,
        description: "async test storage",
        save: async () => "x",
        load: async () => new Uint8Array(),
        delete: async () => true,
        listKeys: () => [],
        getMtime: async () => undefined,
      },
    });
    assert.throws(
      () =>
        spot.markSync(function f() {
          return 1;
        }),
      IncompatibleProviderError,
    );
    await spot.shutdown();
  });
});

describe("background saves", () => {
  it("returns before writing and flush() persists", async () => {
    const spot = newSpot({ saveSync: false });
    const f = spot.mark(async function f(x: number) {
      return x;
    });
    await f(1);
    await f(2);
    assert.equal(await f.peek(1), 1, "a pending write is readable");
    assert.equal(await spot.flush(), true);
    assert.equal(await spot.maintenance.countTasks({}), 2);
    await spot.shutdown();
  });

  it("writes a long queue of blobs in short batches, letting other callbacks run between them", async () => {
    const workspace = makeTempDir();
    const spot = newSpot({ workspace, saveSync: false, saveBlob: true });
    const f = spot.mark(async function f(x: number) {
      return `value ${x} `.repeat(100);
    });
    for (let x = 0; x < 40; x++) await f(x);
    // Scheduled after the writer's first turn: it must run before the whole queue is written.
    const rowsSeenBetweenBatches = await new Promise<number>((resolve) =>
      setImmediate(() => {
        const reader = new Database(join(workspace, "app.db"), { readonly: true });
        const rows = reader.prepare("SELECT COUNT(*) FROM tasks").pluck().get() as number;
        reader.close();
        resolve(rows);
      }),
    );
    assert.ok(
      rowsSeenBetweenBatches > 0 && rowsSeenBetweenBatches < 40,
      `${rowsSeenBetweenBatches} of 40 rows written when another callback got its turn`,
    );
    await spot.flush();
    assert.equal(await spot.maintenance.countTasks({}), 40);
    for (let x = 0; x < 40; x++) assert.equal(await f.peek(x), `value ${x} `.repeat(100));
    await spot.shutdown();
  });

  it("shutdown() writes the whole queue, however long, even with no time to wait", async () => {
    const workspace = makeTempDir();
    const logger = recordingLogger();
    const spot = newSpot({ workspace, saveSync: false, saveBlob: true, drainTimeout: 0, logger });
    const f = spot.mark(async function f(x: number) {
      return `value ${x} `.repeat(100);
    });
    for (let x = 0; x < 40; x++) await f(x);
    await spot.shutdown();
    const reader = new Database(join(workspace, "app.db"), { readonly: true });
    const rows = reader.prepare("SELECT COUNT(*) FROM tasks").pluck().get();
    reader.close();
    assert.equal(rows, 40);
    assert.deepEqual(logger.warnings, []);
  });

  it("reports an unencodable result to onBackgroundError and still returns it", async () => {
    const reported: unknown[] = [];
    const spot = newSpot({
      saveSync: false,
      onBackgroundError: (error, context) => reported.push([error, context]),
    });
    const f = spot.mark(async function f() {
      return { cb: () => 1 };
    });
    const result = await f();
    assert.equal(typeof result.cb, "function");
    await spot.flush();
    assert.equal(reported.length, 1);
    assert.match(String((reported[0] as unknown[])[0]), /result\.cb/);
    assert.equal(await spot.maintenance.countTasks({}), 0);
    await spot.shutdown();
  });

  it('returns an unencodable result when saving synchronously, and rejects only with onSaveError: "throw"', async () => {
    const logger = recordingLogger();
    const spot = newSpot({ logger });
    const symbol = Symbol("s");
    const f = spot.mark(async function f() {
      return symbol;
    });
    assert.equal(await f(), symbol);
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0] ?? "", /result of f was returned to the caller but not stored/);
    const strict = spot.mark(
      async function strict() {
        return symbol;
      },
      { onSaveError: "throw" },
    );
    await assert.rejects(strict(), (error: unknown) => {
      assert.equal((error as Error).name, "SerializationError");
      assert.equal((error as { result?: unknown }).result, symbol);
      return true;
    });
    await spot.shutdown();
  });
});

describe("cachedRun and lifecycle", () => {
  it("wraps functions for a body and flushes afterwards", async () => {
    const spot = newSpot({ saveSync: false });
    let calls = 0;
    async function fetchPage(url: string) {
      calls += 1;
      return `<html>${url}</html>`;
    }
    function countChars(text: string) {
      return text.length;
    }
    const total = await spot.cachedRun([fetchPage, countChars], {}, async (fetch, count) => {
      const page = await fetch("a");
      await fetch("a");
      return count(page);
    });
    assert.equal(total, 14);
    assert.equal(calls, 1);
    assert.equal(await spot.maintenance.countTasks({}), 2);
    await spot.shutdown();
  });

  it("refuses one name for several functions", async () => {
    const spot = newSpot();
    await assert.rejects(
      spot.cachedRun([function a() {}, function b() {}], { name: "shared" }, () => 1),
      /share cache keys/,
    );
    await spot.shutdown();
  });

  it("refuses an empty list of functions with a ConfigurationError, without running the body", async () => {
    const spot = newSpot();
    let ran = false;
    await assert.rejects(
      spot.cachedRun([], {}, () => {
        ran = true;
      }),
      (error: unknown) =>
        error instanceof ConfigurationError && /at least one function/.test(error.message),
    );
    assert.equal(ran, false);
    await spot.shutdown();
  });

  it("is unusable after shutdown, and shutdown is idempotent", async () => {
    const spot = newSpot();
    const f = spot.mark(async function f() {
      return 1;
    });
    await spot.shutdown();
    await spot.shutdown();
    await assert.rejects(f(), SpotClosedError);
  });

  it("drains on scope exit with await using", async () => {
    const workspace = makeTempDir();
    {
      await using spot = new Spot("scoped", { workspace, saveSync: false });
      const f = spot.mark(async function f() {
        return "kept";
      });
      await f();
    }
    const reopened = new Spot("scoped", { workspace });
    assert.equal(await reopened.maintenance.countTasks({}), 1);
    await reopened.shutdown();
  });

  it("delete removes a record and its blob by cache key", async () => {
    const workspace = makeTempDir();
    const spot = newSpot({ workspace, saveBlob: true });
    const f = spot.mark(async function f() {
      return "x".repeat(100);
    });
    await f();
    const key = f.key();
    const blobFile = join(workspace, "blobs", "app", `${key}.bin`);
    assert.ok(existsSync(blobFile), "the value was stored as a blob");
    assert.equal(await spot.delete(key), true);
    assert.equal(existsSync(blobFile), false, "its blob went with it");
    assert.equal(await spot.delete(key), false);
    assert.equal(await f.peek(), undefined);
    await spot.shutdown();
  });
});
