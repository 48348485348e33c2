/** @module test/surroundings — rate limiting, hooks, retention, eviction and schema evolution through a Spot. */

import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  HookBase,
  type HookContext,
  type HookResultContext,
  LifecyclePolicy,
  Retention,
  type RetentionSpec,
  SerializationError,
  Spot,
  TokenBucket,
} from "../src/index.js";
import { makeTempDir, recordingLogger } from "./helpers.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("rate limiting inside mark", () => {
  it("spends no tokens and never waits on hits while the bucket is exhausted", async () => {
    const spot = new Spot("limited", { workspace: makeTempDir(), tpm: 60 });
    let calls = 0;
    const ask = spot.mark(
      spot.consume(
        async function ask(question: string) {
          calls += 1;
          return `answer to ${question}`;
        },
        { cost: 60 },
      ),
    );
    assert.equal(await ask("a"), "answer to a"); // first request passes at once, empties the bucket
    const started = performance.now();
    for (let round = 0; round < 20; round++) assert.equal(await ask("a"), "answer to a");
    // Waiting for tokens would take a minute per call at 60 tokens per minute.
    assert.ok(performance.now() - started < 2000, "hits did not wait for tokens");
    assert.equal(calls, 1);
    await spot.shutdown();
  });

  it("keeps the wrapped function's parameter names for keygen", async () => {
    const spot = new Spot("limited-keys", { workspace: makeTempDir() });
    const { KeyGen } = await import("../src/index.js");
    const ask = spot.mark(
      spot.consume(async function ask(question: string, verbose: boolean) {
        return verbose ? `${question}!` : question;
      }),
      { keygen: KeyGen.ignore("verbose") },
    );
    assert.equal(ask.key("q", true), ask.key("q", false));
    await spot.shutdown();
  });

  it("accepts any object with consume(cost) as the limiter", async () => {
    const costs: number[] = [];
    const spot = new Spot("custom-limiter", {
      workspace: makeTempDir(),
      limiter: { consume: async (cost: number) => void costs.push(cost) },
    });
    const ask = spot.consume(async (text: string) => text.length, { cost: (text) => text.length });
    assert.equal(await ask("four"), 4);
    assert.deepEqual(costs, [4]);
    assert.ok(!(spot.limiter instanceof TokenBucket));
    await spot.shutdown();
  });

  it("builds the default limiter from tpm", async () => {
    const spot = new Spot("default-limiter", { workspace: makeTempDir(), tpm: 600 });
    assert.ok(spot.limiter instanceof TokenBucket);
    assert.equal((spot.limiter as TokenBucket).tokensPerMinute, 600);
    assert.equal(spot.limiter, spot.limiter, "one limiter per Spot");
    await assert.rejects(spot.limiter.consume(601), /601/);
    await spot.shutdown();
  });
});

describe("hooks through a Spot", () => {
  it("calls preExecute, then onCacheMiss or onCacheHit, in order, with frozen contexts", async () => {
    const events: string[] = [];
    const contexts: HookContext[] = [];
    class Recorder extends HookBase {
      override async preExecute(context: HookContext) {
        await sleep(1);
        events.push(`pre:${context.args[0]}`);
        contexts.push(context);
      }
      override onCacheMiss(context: HookResultContext) {
        events.push(`miss:${context.result}`);
      }
      override onCacheHit(context: HookResultContext) {
        events.push(`hit:${context.result}`);
        contexts.push(context);
      }
    }
    const second = { onCacheHit: () => void events.push("second-hit") };
    const spot = new Spot("hooks", { workspace: makeTempDir() });
    const double = spot.mark(
      async function double(x: number) {
        return x * 2;
      },
      { hooks: [new Recorder(), second], version: "v1" },
    );
    await double(2);
    await double(2);
    assert.deepEqual(events, ["pre:2", "miss:4", "pre:2", "hit:4", "second-hit"]);
    const hit = contexts[1] as HookResultContext;
    assert.equal(hit.funcName, "double");
    assert.equal(hit.version, "v1");
    assert.equal(hit.cacheKey, double.key(2));
    assert.match(hit.inputId, /^[0-9a-f]{64}$/);
    assert.ok(Object.isFrozen(hit) && Object.isFrozen(hit.args));
    assert.throws(() => {
      (hit as { result: unknown }).result = 5;
    }, TypeError);
    await spot.shutdown();
  });

  it("logs a throwing or rejecting hook and never breaks the call", async () => {
    const logger = recordingLogger();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const spot = new Spot("bad-hooks", { workspace: makeTempDir(), logger });
    const f = spot.mark(
      async function f() {
        return "fine";
      },
      {
        hooks: [
          {
            preExecute: () => {
              throw new Error("sync boom");
            },
          },
          {
            onCacheMiss: async () => {
              throw new Error("async boom");
            },
          },
        ],
      },
    );
    assert.equal(await f(), "fine");
    await sleep(10);
    process.off("unhandledRejection", onUnhandled);
    assert.deepEqual(unhandled, []);
    assert.ok(logger.warnings.some((warning) => warning.includes("sync boom")));
    assert.ok(logger.warnings.some((warning) => warning.includes("async boom")));
    await spot.shutdown();
  });

  it("counts what hits saved (the token-tracking example)", async () => {
    const saved = { calls: 0, tokens: 0 };
    const tracker = {
      onCacheHit(context: HookResultContext) {
        saved.calls += 1;
        saved.tokens += (context.result as { usage: number }).usage;
      },
    };
    const spot = new Spot("tracking", { workspace: makeTempDir() });
    const llm = spot.mark(
      async function llm(prompt: string) {
        return { text: prompt.toUpperCase(), usage: prompt.length * 10 };
      },
      { hooks: [tracker] },
    );
    await llm("abc");
    await llm("abc");
    await llm("abc");
    assert.deepEqual(saved, { calls: 2, tokens: 60 });
    await spot.shutdown();
  });
});

describe("retention", () => {
  it("makes an entry a miss once its retention passes, and cleanGarbage removes the row", async () => {
    const spot = new Spot("short", { workspace: makeTempDir() });
    let calls = 0;
    const f = spot.mark(
      async function f() {
        calls += 1;
        return calls;
      },
      { retention: "1s" },
    );
    await f();
    const g = spot.mark(
      async function g() {
        return "kept";
      },
      { retention: Retention.FOREVER },
    );
    await g();
    await sleep(1100);
    const report = await spot.maintenance.cleanGarbage();
    assert.equal(report.expiredRows, 1);
    assert.equal(await spot.maintenance.countTasks({}), 1);
    assert.equal(await f(), 2);
    await spot.shutdown();
  });

  it("lets Retention.FOREVER beat a one-second default policy", async () => {
    const spot = new Spot("forever", {
      workspace: makeTempDir(),
      lifecyclePolicy: new LifecyclePolicy({ rules: [], defaultRetention: "1s" }),
    });
    let calls = 0;
    const kept = spot.mark(
      async function kept() {
        calls += 1;
        return calls;
      },
      { retention: Retention.FOREVER },
    );
    const dropped = spot.mark(async function dropped() {
      calls += 1;
      return calls;
    });
    await kept();
    await dropped();
    const [record] = await spot.maintenance.listTasks({ func: "kept" });
    assert.equal(record?.expiresAt, null);
    await sleep(1100);
    assert.equal(await kept(), 1);
    assert.equal(await dropped(), 3);
    await spot.shutdown();
  });

  it("applies glob rules on the identity, then the short name, then the default", async () => {
    const spot = new Spot("globs", {
      workspace: makeTempDir(),
      lifecyclePolicy: new LifecyclePolicy({
        rules: [
          { pattern: "Scraper.*", retention: "1d" },
          { pattern: "llm_*", retention: Retention.FOREVER },
        ],
        defaultRetention: "1h",
      }),
    });
    const fetchPage = spot.mark(async (url: string) => url, { name: "Scraper.fetchPage" });
    const ask = spot.mark(async function llm_ask(q: string) {
      return q;
    });
    const other = spot.mark(async function other(q: string) {
      return q;
    });
    const before = Date.now();
    await fetchPage("u");
    await ask("q");
    await other("o");
    const byName = new Map(
      (await spot.maintenance.listTasks({})).map((r) => [r.funcIdentifier, r]),
    );
    const lifetime = (identity: string) => {
      const expires = byName.get(identity)?.expiresAt;
      return expires === null || expires === undefined ? null : Date.parse(expires) - before;
    };
    assert.ok(Math.abs((lifetime("Scraper.fetchPage") ?? 0) - 86_400_000) < 5_000);
    assert.equal(lifetime("llm_ask"), null);
    assert.ok(Math.abs((lifetime("other") ?? 0) - 3_600_000) < 5_000);
    await spot.shutdown();
  });

  it("refuses an invalid retention at mark time", async () => {
    const spot = new Spot("invalid", { workspace: makeTempDir() });
    // A retention read from configuration or written in JavaScript is checked at mark time.
    const retention = "soon" as string as RetentionSpec;
    assert.throws(() => spot.mark(async function f() {}, { retention }), /retention of f/);
    await spot.shutdown();
  });
});

describe("eviction", () => {
  it("cleans expired rows and their blobs in the background after a call, at most once a minute", async () => {
    const workspace = makeTempDir();
    const writer = new Spot("evict", { workspace, saveBlob: true });
    const short = writer.mark(
      async function short(n: number) {
        return `value ${n}`;
      },
      { retention: "1s" },
    );
    await short(1);
    await short(2);
    await writer.shutdown();
    await sleep(1100);

    const spot = new Spot("evict", { workspace, evictionRate: 1, saveBlob: true });
    const keep = spot.mark(
      async function keep(n: number) {
        return `kept ${n}`;
      },
      { retention: "1s" },
    );
    const started = performance.now();
    await keep(1);
    assert.ok(performance.now() - started < 1000);
    await spot.flush();
    assert.equal(await spot.maintenance.countTasks({}), 1, "expired rows were removed");
    const blobs = () =>
      readdirSync(join(workspace, "blobs", "evict")).filter((name) => name.endsWith(".bin"));
    assert.equal(blobs().length, 1, "their blobs were removed, the fresh one kept");

    await sleep(1100);
    await keep(2);
    await spot.flush();
    assert.equal(await spot.maintenance.countTasks({}), 2, "no second clean-up within a minute");
    await spot.shutdown();
  });
});

describe("schema evolution", () => {
  class Money {
    constructor(
      readonly amount: number,
      readonly currency: string,
    ) {}
  }
  async function storeOldMoney(workspace: string) {
    const spot = new Spot("money", { workspace });
    spot.register(Money, {
      code: 20,
      encode: (money) => [money.amount, money.currency],
      decode: (data) => new Money(...(data as [number, string])),
    });
    await spot.mark(async function price() {
      return new Money(5, "EUR");
    })();
    await spot.shutdown();
  }
  function newSpotWithChangedDecoder(workspace: string, logger = recordingLogger()) {
    const spot = new Spot("money", { workspace, logger });
    spot.register(Money, {
      code: 20,
      encode: (money) => ({ amount: money.amount, currency: money.currency }),
      decode: (data) => {
        const fields = data as { amount?: number; currency?: string };
        if (typeof fields.amount !== "number") throw new Error("expected an object with amount");
        return new Money(fields.amount, fields.currency ?? "EUR");
      },
    });
    return spot;
  }

  it("recomputes by default, warning with the type and function, and overwrites", async () => {
    const workspace = makeTempDir();
    await storeOldMoney(workspace);
    const logger = recordingLogger();
    const spot = newSpotWithChangedDecoder(workspace, logger);
    let calls = 0;
    const price = spot.mark(async function price() {
      calls += 1;
      return new Money(7, "EUR");
    });
    assert.deepEqual(await price(), new Money(7, "EUR"));
    assert.deepEqual(await price(), new Money(7, "EUR"));
    assert.equal(calls, 1);
    assert.ok(
      logger.warnings.some((warning) => warning.includes("price") && /Money|20/.test(warning)),
    );
    await spot.shutdown();
  });

  it('returns the rescued raw data with onDecodeError: "raw"', async () => {
    const workspace = makeTempDir();
    await storeOldMoney(workspace);
    const spot = newSpotWithChangedDecoder(workspace);
    const price = spot.mark(
      async function price() {
        return new Money(7, "EUR");
      },
      { onDecodeError: "raw" },
    );
    const raw = (await price()) as unknown as {
      __beautyspot_rescued__: { code: number; data: unknown };
    };
    assert.equal(raw.__beautyspot_rescued__.code, 20);
    assert.deepEqual(raw.__beautyspot_rescued__.data, [5, "EUR"]);
    await spot.shutdown();
  });

  it('throws SerializationError with onDecodeError: "throw"', async () => {
    const workspace = makeTempDir();
    await storeOldMoney(workspace);
    const spot = newSpotWithChangedDecoder(workspace);
    const price = spot.mark(
      async function price() {
        return new Money(7, "EUR");
      },
      { onDecodeError: "throw" },
    );
    await assert.rejects(price(), SerializationError);
    await spot.shutdown();
  });

  it("shows the rescued data in getTaskDetail whatever the mode", async () => {
    const workspace = makeTempDir();
    await storeOldMoney(workspace);
    const spot = newSpotWithChangedDecoder(workspace);
    const [record] = await spot.maintenance.listTasks({});
    const detail = await spot.maintenance.getTaskDetail(record?.cacheKey ?? "");
    assert.equal(detail?.rescued, true);
    assert.ok(existsSync(join(workspace, "money.db")));
    await spot.shutdown();
  });
});

describe("returned values are private copies", () => {
  it("a caller changing a returned Buffer does not change the next hit", async () => {
    const spot = new Spot("copies", { workspace: makeTempDir() });
    const bytes = spot.mark(async function bytes() {
      return { data: Buffer.from([1, 2, 3]) };
    });
    await bytes();
    const first = await bytes();
    first.data[0] = 99;
    const second = await bytes();
    assert.deepEqual([...second.data], [1, 2, 3]);
    await spot.shutdown();
  });
});
