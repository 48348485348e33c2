/**
 * @module test/cache-savings — what the cache saved: each entry records how long its original call
 * took (and the tokens it used, when reported), hits are counted in memory and written in
 * batches, and `stats` adds them up per function and in total.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { MaintenanceService, Spot, SQLiteTaskDB } from "../src/index.js";
import { makeTempDir, runScript } from "./helpers.js";

const SLEEP_MS = 40;

/** Three misses of a function that sleeps SLEEP_MS, then five hits on them. */
async function runKnownCalls(spot: Spot) {
  let runs = 0;
  const slow = spot.mark(async function slow(n: number) {
    runs += 1;
    await sleep(SLEEP_MS);
    return n * 2;
  });
  for (const n of [1, 2, 3]) await slow(n);
  for (const n of [1, 1, 2, 3, 3]) await slow(n);
  assert.equal(runs, 3);
  return slow;
}

describe("what the cache saved", () => {
  it("records each miss's duration and counts hits, so stats give hits, hit rate and time saved", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("savings", { workspace });
    await runKnownCalls(spot);
    await spot.flush();
    const stats = await spot.maintenance.stats();
    const slow = stats.byFunction.slow;
    assert.ok(slow);
    assert.equal(slow.rows, 3);
    assert.equal(slow.hits, 5);
    assert.equal(slow.hitRate, 5 / 8);
    assert.equal(slow.timedRows, 3);
    // Five hits on entries whose calls each slept SLEEP_MS (timers may fire a little late).
    assert.ok(slow.timeSavedMs >= 5 * (SLEEP_MS - 2), `time saved ${slow.timeSavedMs}`);
    assert.ok(slow.timeSavedMs < 5 * (SLEEP_MS + 200), `time saved ${slow.timeSavedMs}`);
    assert.equal(slow.tokensSaved, 0);
    assert.equal(slow.tokenRows, 0);
    assert.equal(stats.hits, 5);
    assert.equal(stats.hitRate, 5 / 8);
    assert.equal(stats.timeSavedMs, slow.timeSavedMs);
    const records = await spot.maintenance.listTasks({ func: "slow" });
    assert.deepEqual(records.map((record) => record.hits).sort(), [1, 2, 2]);
    for (const record of records) {
      assert.ok((record.durationMs ?? 0) >= SLEEP_MS - 2, `duration ${record.durationMs}`);
    }
    await spot.shutdown();
  });

  it("does not write a hit count per hit: counts wait in memory until flush()", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("batched", { workspace });
    const double = spot.mark(async function double(n: number) {
      return n * 2;
    });
    await double(1);
    const reader = new SQLiteTaskDB(join(workspace, "batched.db"), { readonly: true });
    const versionBefore = reader.dataVersion();
    for (let index = 0; index < 100; index++) await double(1);
    // No commit happened since the miss: the other connection sees the same data version.
    assert.equal(reader.dataVersion(), versionBefore);
    assert.equal(reader.list({})[0]?.hits, 0);
    await spot.flush();
    assert.equal(reader.list({})[0]?.hits, 100);
    reader.close();
    await spot.shutdown();
  });

  it("counts hits served by the in-memory row tier, by markSync and by spot.lookup", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("tiers", { workspace });
    const square = spot.markSync(function square(n: number) {
      return n * n;
    });
    square(3);
    for (let index = 0; index < 4; index++) square(3);
    await spot.wrap("fetchPage", ["https://example.com"], () => "<html>");
    assert.equal(await spot.lookup("fetchPage", ["https://example.com"]), "<html>");
    assert.equal(await spot.lookup("fetchPage", ["https://example.com/missing"]), undefined);
    await spot.flush();
    const stats = await spot.maintenance.stats();
    assert.equal(stats.byFunction.square?.hits, 4);
    assert.equal(stats.byFunction.fetchPage?.hits, 1);
    await spot.shutdown();
  });

  it("records a stream's duration until its last chunk, and tokens from its chunks with tokensOf", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("streams", { workspace });
    const tokensSeen: unknown[] = [];
    const generate = spot.mark(
      async function* generate(prompt: string) {
        for (const word of prompt.split(" ")) {
          await sleep(15);
          yield { word };
        }
        yield { usage: { total: 42 } };
      },
      {
        tokensOf: (chunks) => {
          tokensSeen.push(chunks);
          return (chunks as { usage?: { total: number } }[]).at(-1)?.usage?.total;
        },
      },
    );
    for await (const _chunk of generate("one two three")) {
      // read to the end: the stream is stored when it completes
    }
    for await (const _chunk of generate("one two three")) {
      // replayed
    }
    await spot.flush();
    const [record] = await spot.maintenance.listTasks({ func: "generate" });
    assert.ok((record?.durationMs ?? 0) >= 3 * 13, `duration ${record?.durationMs}`);
    assert.equal(record?.tokens, 42);
    assert.equal(record?.hits, 1);
    assert.equal(tokensSeen.length, 1);
    const stats = await spot.maintenance.stats();
    assert.equal(stats.byFunction.generate?.tokensSaved, 42);
    assert.equal(stats.tokensSaved, 42);
    await spot.shutdown();
  });

  it("stores no token count when tokensOf throws or returns nonsense, and warns", async () => {
    const workspace = makeTempDir();
    const warnings: string[] = [];
    const logger = { warn: (line: string) => warnings.push(line), error: () => {} };
    const spot = new Spot("bad-tokens", { workspace, logger });
    const throwing = spot.mark(async (n: number) => n, {
      name: "throwing",
      tokensOf: () => {
        throw new Error("no usage here");
      },
    });
    const nonsense = spot.mark(async (n: number) => n, {
      name: "nonsense",
      tokensOf: () => Number.NaN,
    });
    assert.equal(await throwing(1), 1);
    assert.equal(await nonsense(1), 1);
    const records = await spot.maintenance.listTasks({});
    assert.deepEqual(
      records.map((record) => record.tokens),
      [null, null],
    );
    assert.ok(warnings.some((line) => line.includes("tokensOf of throwing threw")));
    assert.throws(
      () => spot.mark(async (n: number) => n, { name: "wrong", tokensOf: 3 as never }),
      /tokensOf/,
    );
    await spot.shutdown();
  });

  it("spot.store records the duration and tokens it is given, and a replaced entry starts at 0 hits", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("stored", { workspace });
    await spot.store("answer", ["q"], "a1", { durationMs: 250, tokens: 90 });
    await spot.lookup("answer", ["q"]);
    await spot.lookup("answer", ["q"]);
    await spot.flush();
    let stats = await spot.maintenance.stats();
    assert.deepEqual(
      [
        stats.byFunction.answer?.hits,
        stats.byFunction.answer?.timeSavedMs,
        stats.byFunction.answer?.tokensSaved,
      ],
      [2, 500, 180],
    );
    await spot.store("answer", ["q"], "a2", { durationMs: 10 });
    stats = await spot.maintenance.stats();
    assert.equal(stats.byFunction.answer?.hits, 0);
    await assert.rejects(
      () => spot.store("answer", ["q"], "a3", { durationMs: -1 }),
      /durationMs.*>= 0/,
    );
    await spot.shutdown();
  });

  it("hit counts survive the end of the process: a normal exit, and process.exit()", async () => {
    const workspace = makeTempDir();
    for (const ending of ["", "process.exit(0);"]) {
      const result = await runScript(
        `
        import { Spot } from "$ENTRY";
        const spot = new Spot("exiting", { workspace: ${JSON.stringify(workspace)} });
        const double = spot.mark(async function double(n: number) { return n * 2; });
        await double(1);
        for (let i = 0; i < 7; i++) await double(1);
        console.log("done");
        ${ending}
        `,
        workspace,
      );
      assert.equal(result.code, 0, result.stderr);
    }
    const service = MaintenanceService.fromPath(join(workspace, "exiting.db"));
    const stats = await service.stats();
    // 7 hits in the first run; in the second the first call is a hit too (stored by the first).
    assert.equal(stats.byFunction.double?.hits, 15);
    assert.equal(stats.byFunction.double?.rows, 1);
    await service.close();
  });

  it("the hit counter's timer does not keep a finished program running", async () => {
    const workspace = makeTempDir();
    const started = Date.now();
    const result = await runScript(
      `
      import { Spot } from "$ENTRY";
      const spot = new Spot("idle", { workspace: ${JSON.stringify(workspace)} });
      const double = spot.mark(async function double(n: number) { return n * 2; });
      await double(1);
      await double(1);
      `,
      workspace,
    );
    assert.equal(result.code, 0, result.stderr);
    // The batch timer is 5 s: a program that waited for it would take at least that long.
    assert.ok(Date.now() - started < 4_500, `took ${Date.now() - started} ms`);
  });
});
