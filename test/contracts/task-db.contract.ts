/** @module test/contracts/task-db.contract — behaviours every TaskDB must show, run against each implementation. */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { GroupStats, TaskDB, TaskRecord, TaskStats, TaskWrite } from "../../src/db/types.js";

/** Builds a TaskDB on fresh storage, and removes that storage afterwards. */
export type MakeTaskDB = () => Promise<{ db: TaskDB; cleanup(): Promise<void> }>;

const BASE_TIME = Date.UTC(2026, 10, 28, 15, 30, 0, 123);

/** A complete inline row; `overrides` change what a test cares about. */
export function makeTaskWrite(overrides: Partial<TaskWrite> = {}): TaskWrite {
  const data =
    overrides.resultData === undefined ? new Uint8Array([1, 2, 3]) : overrides.resultData;
  return {
    cacheKey: "key-default",
    funcName: "summarize",
    funcIdentifier: "app.summarize",
    inputId: "input-default",
    version: null,
    resultType: "DIRECT_BLOB",
    resultValue: null,
    resultData: data,
    contentType: null,
    size: data?.byteLength ?? 0,
    digest: "00".repeat(32),
    expiresAt: null,
    updatedAt: BASE_TIME,
    ...overrides,
  };
}

/** The pinned fields of stats (a TaskDB may report more per group, such as `timedRows`). */
function withContractFields(stats: TaskStats): TaskStats {
  const pick = (groups: Record<string, GroupStats>) =>
    Object.fromEntries(
      Object.entries(groups).map(([name, group]) => [
        name,
        {
          rows: group.rows,
          bytes: group.bytes,
          hits: group.hits,
          timeSavedMs: group.timeSavedMs,
          tokensSaved: group.tokensSaved,
        },
      ]),
    );
  return {
    ...stats,
    byFunction: pick(stats.byFunction),
    byContentType: pick(stats.byContentType),
  };
}

/** Runs the shared TaskDB suite under `name`. */
export function runTaskDBContract(name: string, makeDb: MakeTaskDB): void {
  describe(`TaskDB contract: ${name}`, () => {
    let db: TaskDB;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      const made = await makeDb();
      db = made.db;
      cleanup = made.cleanup;
    });

    afterEach(async () => {
      await db.close();
      await cleanup();
    });

    /** Saves rows with distinct keys, updated one second apart (row i at BASE_TIME + i s). */
    async function saveNumbered(
      count: number,
      overrides: (index: number) => Partial<TaskWrite> = () => ({}),
    ) {
      const rows: TaskWrite[] = [];
      for (let index = 0; index < count; index += 1) {
        rows.push(
          makeTaskWrite({
            cacheKey: `key-${index}`,
            inputId: `input-${index}`,
            updatedAt: BASE_TIME + index * 1000,
            ...overrides(index),
          }),
        );
      }
      await db.saveMany(rows);
    }

    describe("get and saveMany", () => {
      it("returns undefined for a key never saved", async () => {
        assert.equal(await db.get("missing"), undefined);
      });

      it("reads back an inline row exactly as written", async () => {
        const row = makeTaskWrite({
          cacheKey: "k1",
          version: "v2",
          contentType: "text/markdown",
          expiresAt: BASE_TIME + 86_400_000,
          digest: "ab".repeat(32),
        });
        await db.saveMany([row]);
        const stored = await db.get("k1");
        assert.ok(stored);
        assert.deepEqual(
          { ...stored, resultData: stored.resultData && Array.from(stored.resultData) },
          { ...row, resultData: [1, 2, 3] },
        );
      });

      it("reads back a blob row with its location and no inline bytes", async () => {
        await db.saveMany([
          makeTaskWrite({
            cacheKey: "k2",
            resultType: "FILE",
            resultValue: "k2.bin",
            resultData: null,
            size: 9000,
          }),
        ]);
        const stored = await db.get("k2");
        assert.equal(stored?.resultType, "FILE");
        assert.equal(stored?.resultValue, "k2.bin");
        assert.equal(stored?.resultData, null);
        assert.equal(stored?.size, 9000);
      });

      it("keeps a null expiry as null (kept forever)", async () => {
        await db.saveMany([makeTaskWrite({ cacheKey: "forever", expiresAt: null })]);
        assert.equal((await db.get("forever"))?.expiresAt, null);
      });

      it("replaces the row when the same key is saved again", async () => {
        await db.saveMany([
          makeTaskWrite({ cacheKey: "k", resultData: new Uint8Array([1]), size: 1 }),
        ]);
        await db.saveMany([
          makeTaskWrite({ cacheKey: "k", resultData: new Uint8Array([7, 7]), size: 2 }),
        ]);
        const stored = await db.get("k");
        assert.deepEqual(Array.from(stored?.resultData ?? []), [7, 7]);
        assert.equal(await db.count({}), 1);
      });

      it("stores every row of one saveMany call", async () => {
        await saveNumbered(25);
        assert.equal(await db.count({}), 25);
      });

      it("accepts an empty batch", async () => {
        await db.saveMany([]);
        assert.equal(await db.count({}), 0);
      });
    });

    describe("delete", () => {
      it("returns the removed record with ISO 8601 timestamps", async () => {
        await db.saveMany([
          makeTaskWrite({
            cacheKey: "gone",
            resultType: "FILE",
            resultValue: "gone.bin",
            resultData: null,
            size: 10,
          }),
        ]);
        const removed = await db.delete("gone");
        const expected: TaskRecord = {
          cacheKey: "gone",
          funcName: "summarize",
          funcIdentifier: "app.summarize",
          inputId: "input-default",
          version: null,
          resultType: "FILE",
          contentType: null,
          resultValue: "gone.bin",
          size: 10,
          updatedAt: "2026-11-28T15:30:00.123Z",
          expiresAt: null,
          inputPreview: null,
          durationMs: null,
          tokens: null,
          hits: 0,
        };
        assert.deepEqual(removed, expected);
        assert.equal(await db.get("gone"), undefined);
      });

      it("returns undefined when the key does not exist", async () => {
        assert.equal(await db.delete("never"), undefined);
      });
    });

    describe("list and count", () => {
      it("lists newest first by default", async () => {
        await saveNumbered(3);
        const keys = (await db.list({})).map((record) => record.cacheKey);
        assert.deepEqual(keys, ["key-2", "key-1", "key-0"]);
      });

      it("pages with limit and offset without overlap", async () => {
        await saveNumbered(5);
        const first = (await db.list({ limit: 2, offset: 0 })).map((record) => record.cacheKey);
        const second = (await db.list({ limit: 2, offset: 2 })).map((record) => record.cacheKey);
        const third = (await db.list({ limit: 2, offset: 4 })).map((record) => record.cacheKey);
        assert.deepEqual(
          [first, second, third],
          [["key-4", "key-3"], ["key-2", "key-1"], ["key-0"]],
        );
      });

      it("pages rows with equal timestamps without repeating or skipping any", async () => {
        await saveNumbered(6, () => ({ updatedAt: BASE_TIME }));
        const seen: string[] = [];
        for (let offset = 0; offset < 6; offset += 4) {
          for (const record of await db.list({ limit: 4, offset })) seen.push(record.cacheKey);
        }
        assert.deepEqual(seen.sort(), ["key-0", "key-1", "key-2", "key-3", "key-4", "key-5"]);
      });

      it("sorts by size ascending when asked", async () => {
        await saveNumbered(3, (index) => ({ size: [30, 10, 20][index] ?? 0 }));
        const sizes = (await db.list({ sortBy: "size", sortOrder: "asc" })).map(
          (record) => record.size,
        );
        assert.deepEqual(sizes, [10, 20, 30]);
      });

      it("sorts by function name", async () => {
        await saveNumbered(3, (index) => ({ funcName: ["b", "c", "a"][index] ?? "" }));
        const names = (await db.list({ sortBy: "funcName", sortOrder: "asc" })).map(
          (record) => record.funcName,
        );
        assert.deepEqual(names, ["a", "b", "c"]);
      });

      it("filters by function identity, exactly: a short name matches only an identity equal to it", async () => {
        await saveNumbered(5, (index) =>
          index < 2
            ? { funcName: "run", funcIdentifier: "Job.run" }
            : index < 4
              ? { funcName: "fetch", funcIdentifier: "net.fetch" }
              : { funcName: "run", funcIdentifier: "run" },
        );
        assert.equal((await db.list({ func: "Job.run" })).length, 2);
        assert.equal((await db.list({ func: "net.fetch" })).length, 2);
        assert.equal(await db.count({ func: "fetch" }), 0);
        assert.equal(await db.count({ func: "run" }), 1);
        assert.equal(await db.count({ func: "nothing" }), 0);
      });

      it("filters by result type and content type", async () => {
        await saveNumbered(4, (index) =>
          index === 0
            ? {
                resultType: "FILE",
                resultValue: "key-0.bin",
                resultData: null,
                contentType: "image/png",
              }
            : { contentType: index === 1 ? "image/png" : "text/plain" },
        );
        assert.deepEqual(
          (await db.list({ resultType: "FILE" })).map((record) => record.cacheKey),
          ["key-0"],
        );
        assert.equal(await db.count({ contentType: "image/png" }), 2);
        assert.equal(await db.count({ contentType: "image/png", resultType: "DIRECT_BLOB" }), 1);
      });

      it("searches substrings of the key, the input id and the function identity", async () => {
        await saveNumbered(3, (index) => ({
          funcIdentifier: index === 2 ? "pkg.special_fn" : "pkg.other",
        }));
        assert.deepEqual(
          (await db.list({ search: "y-1" })).map((record) => record.cacheKey),
          ["key-1"],
        );
        assert.deepEqual(
          (await db.list({ search: "put-0" })).map((record) => record.cacheKey),
          ["key-0"],
        );
        assert.deepEqual(
          (await db.list({ search: "special" })).map((record) => record.cacheKey),
          ["key-2"],
        );
      });

      it("lists each record's input preview and searches it", async () => {
        await saveNumbered(3, (index) => ({
          inputPreview: index === 1 ? 'url="https://example.com/beta"' : null,
        }));
        const records = await db.list({});
        assert.deepEqual(
          records.map((record) => record.inputPreview),
          [null, 'url="https://example.com/beta"', null],
        );
        assert.deepEqual(
          (await db.list({ search: "example.com/beta" })).map((record) => record.cacheKey),
          ["key-1"],
        );
        assert.equal(await db.count({ search: "example.com" }), 1);
      });

      it("treats % and _ in a search as plain characters", async () => {
        await saveNumbered(2, (index) => ({ cacheKey: index === 0 ? "a%b" : "axb" }));
        assert.deepEqual(
          (await db.list({ search: "%" })).map((record) => record.cacheKey),
          ["a%b"],
        );
        assert.equal(await db.count({ search: "_" }), 0);
      });

      it("returns records without value bytes", async () => {
        await saveNumbered(1);
        const [record] = await db.list({});
        assert.ok(record);
        assert.equal("resultData" in record, false);
        assert.equal(record.updatedAt, "2026-11-28T15:30:00.123Z");
      });
    });

    describe("stats", () => {
      it("counts rows, inline and blob bytes, expired rows and groups", async () => {
        await db.saveMany([
          makeTaskWrite({
            cacheKey: "a",
            size: 3,
            contentType: "text/plain",
            expiresAt: BASE_TIME - 1,
          }),
          makeTaskWrite({ cacheKey: "b", size: 3, funcIdentifier: "app.other", funcName: "other" }),
          makeTaskWrite({
            cacheKey: "c",
            resultType: "FILE",
            resultValue: "c.bin",
            resultData: null,
            size: 100,
          }),
        ]);
        const stats = await db.stats(BASE_TIME);
        const none = { hits: 0, timeSavedMs: 0, tokensSaved: 0 };
        assert.deepEqual(withContractFields(stats), {
          rows: 3,
          bytes: 106,
          inlineBytes: 6,
          blobBytes: 100,
          expired: 1,
          byFunction: {
            "app.summarize": { rows: 2, bytes: 103, ...none },
            "app.other": { rows: 1, bytes: 3, ...none },
          },
          byContentType: {
            "text/plain": { rows: 1, bytes: 3, ...none },
            "(none)": { rows: 2, bytes: 103, ...none },
          },
        });
      });

      it("reports zeros for an empty database", async () => {
        const stats = await db.stats(BASE_TIME);
        assert.deepEqual(stats, {
          rows: 0,
          bytes: 0,
          inlineBytes: 0,
          blobBytes: 0,
          expired: 0,
          byFunction: {},
          byContentType: {},
        });
      });
    });

    describe("what the cache saved: durations, tokens and hits", () => {
      it("keeps the duration and tokens a write records, and starts every row at 0 hits", async () => {
        await db.saveMany([
          makeTaskWrite({ cacheKey: "timed", durationMs: 12.5, tokens: 300 }),
          makeTaskWrite({ cacheKey: "untimed", inputId: "other" }),
        ]);
        const records = new Map((await db.list({})).map((record) => [record.cacheKey, record]));
        assert.equal(records.get("timed")?.durationMs, 12.5);
        assert.equal(records.get("timed")?.tokens, 300);
        assert.equal(records.get("timed")?.hits, 0);
        assert.equal(records.get("untimed")?.durationMs, null);
        assert.equal(records.get("untimed")?.tokens, null);
        assert.equal(records.get("untimed")?.hits, 0);
      });

      it("addHits adds each count to its row in one call and ignores keys with no row", async () => {
        if (db.addHits === undefined) return;
        await saveNumbered(2);
        await db.addHits(new Map([["key-0", 3]]));
        await db.addHits(
          new Map([
            ["key-0", 2],
            ["key-1", 1],
            ["never-stored", 7],
          ]),
        );
        const hits = Object.fromEntries(
          (await db.list({})).map((record) => [record.cacheKey, record.hits]),
        );
        assert.deepEqual(hits, { "key-0": 5, "key-1": 1 });
        assert.equal(await db.count({}), 2);
      });

      it("a write that replaces a row resets its hits to 0 (a new result has no hits yet)", async () => {
        if (db.addHits === undefined) return;
        await db.saveMany([makeTaskWrite({ cacheKey: "k", durationMs: 5 })]);
        await db.addHits(new Map([["k", 4]]));
        await db.saveMany([makeTaskWrite({ cacheKey: "k", durationMs: 9 })]);
        const [record] = await db.list({});
        assert.equal(record?.hits, 0);
        assert.equal(record?.durationMs, 9);
      });

      it("stats sum hits, hits × duration and hits × tokens where they are recorded", async () => {
        if (db.addHits === undefined) return;
        await db.saveMany([
          makeTaskWrite({ cacheKey: "a", durationMs: 100, tokens: 50 }),
          makeTaskWrite({ cacheKey: "b", durationMs: 20 }),
          makeTaskWrite({ cacheKey: "c" }),
          makeTaskWrite({ cacheKey: "d", funcIdentifier: "app.other", funcName: "other" }),
        ]);
        await db.addHits(
          new Map([
            ["a", 2],
            ["b", 3],
            ["c", 10],
          ]),
        );
        const stats = withContractFields(await db.stats(BASE_TIME));
        assert.deepEqual(stats.byFunction["app.summarize"], {
          rows: 3,
          bytes: 9,
          hits: 15,
          timeSavedMs: 2 * 100 + 3 * 20,
          tokensSaved: 2 * 50,
        });
        assert.deepEqual(stats.byFunction["app.other"], {
          rows: 1,
          bytes: 3,
          hits: 0,
          timeSavedMs: 0,
          tokensSaved: 0,
        });
      });
    });

    describe("deleteMatching", () => {
      it("removes matching rows in batches no larger than batchSize", async () => {
        await saveNumbered(5);
        const batches: number[] = [];
        const removed = await db.deleteMatching(
          {},
          (records) => {
            batches.push(records.length);
          },
          2,
        );
        assert.equal(removed, 5);
        assert.deepEqual(batches, [2, 2, 1]);
        assert.equal(await db.count({}), 0);
      });

      it("hands over records whose rows are already gone", async () => {
        await saveNumbered(2);
        const stillThere: boolean[] = [];
        await db.deleteMatching({}, async (records) => {
          for (const record of records)
            stillThere.push((await db.get(record.cacheKey)) !== undefined);
        });
        assert.deepEqual(stillThere, [false, false]);
      });

      it("removes only rows expired at the given time", async () => {
        await saveNumbered(4, (index) => ({
          expiresAt: index === 3 ? null : BASE_TIME + (index - 1) * 60_000,
        }));
        const removedKeys: string[] = [];
        const removed = await db.deleteMatching({ expiredAt: BASE_TIME }, (records) => {
          for (const record of records) removedKeys.push(record.cacheKey);
        });
        assert.equal(removed, 2);
        assert.deepEqual(removedKeys.sort(), ["key-0", "key-1"]);
        assert.deepEqual(
          (await db.list({ sortOrder: "asc" })).map((record) => record.cacheKey),
          ["key-2", "key-3"],
        );
      });

      it("removes only rows of one function written before a time", async () => {
        await saveNumbered(4, (index) => ({
          funcIdentifier: index % 2 === 0 ? "a.even" : "a.odd",
          funcName: index % 2 === 0 ? "even" : "odd",
        }));
        const removed = await db.deleteMatching(
          { func: "a.even", updatedBefore: BASE_TIME + 2000 },
          () => {},
        );
        assert.equal(removed, 1);
        assert.equal(await db.get("key-0"), undefined);
        assert.ok(await db.get("key-2"));
        assert.ok(await db.get("key-1"));
      });

      it("returns 0 and never calls onBatch when nothing matches", async () => {
        await saveNumbered(2);
        let calls = 0;
        const removed = await db.deleteMatching({ func: "nobody" }, () => {
          calls += 1;
        });
        assert.deepEqual([removed, calls], [0, 0]);
      });
    });

    describe("locations, prefixes and functions", () => {
      it("tells whether any row references a blob location", async () => {
        await db.saveMany([
          makeTaskWrite({
            cacheKey: "f",
            resultType: "FILE",
            resultValue: "f.bin",
            resultData: null,
          }),
        ]);
        assert.equal(await db.hasLocation("f.bin"), true);
        assert.equal(await db.hasLocation("other.bin"), false);
      });

      it("finds keys by prefix, sorted and limited", async () => {
        await saveNumbered(1, () => ({ cacheKey: "abc1" }));
        await db.saveMany([
          makeTaskWrite({ cacheKey: "abc2" }),
          makeTaskWrite({ cacheKey: "abd" }),
          makeTaskWrite({ cacheKey: "ab" }),
        ]);
        assert.deepEqual(await db.keysWithPrefix("abc", 10), ["abc1", "abc2"]);
        assert.deepEqual(await db.keysWithPrefix("ab", 2), ["ab", "abc1"]);
        assert.deepEqual(await db.keysWithPrefix("zz", 10), []);
      });

      it("does not treat % or _ in a prefix as wildcards", async () => {
        await db.saveMany([makeTaskWrite({ cacheKey: "a_1" }), makeTaskWrite({ cacheKey: "ab1" })]);
        assert.deepEqual(await db.keysWithPrefix("a_", 10), ["a_1"]);
        assert.deepEqual(await db.keysWithPrefix("a%", 10), []);
      });

      it("lists each function identity with its short name and row count", async () => {
        await saveNumbered(3, (index) =>
          index === 0 ? { funcIdentifier: "Job.run", funcName: "run" } : {},
        );
        const functions = await db.functions();
        assert.deepEqual(
          [...functions].sort((a, b) => (a.funcIdentifier < b.funcIdentifier ? -1 : 1)),
          [
            { funcIdentifier: "Job.run", funcName: "run", rows: 1 },
            { funcIdentifier: "app.summarize", funcName: "summarize", rows: 2 },
          ],
        );
      });
    });
  });
}
