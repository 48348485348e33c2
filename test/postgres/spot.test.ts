/**
 * @module test/postgres/spot.test — a Spot over `db: "postgres://…"` end to end, against a real
 * server: marked functions, background saves, integrity checks, retention and garbage
 * collection, and the maintenance service.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PostgresTaskDB, Spot } from "../../src/index.js";
import { makeTempDir } from "../helpers.js";
import { startPostgres, type TestPostgres } from "../servers/postgres.js";
import { requireProgram } from "../system-programs.js";

/** The schema a test URI points at (its search_path). */
function schemaOf(uri: string): string {
  return decodeURIComponent(uri).split("search_path=")[1] ?? "public";
}

describe("a Spot over PostgreSQL", { skip: requireProgram("postgresql") }, () => {
  let server: TestPostgres;

  before(async () => {
    server = await startPostgres();
  });

  after(async () => {
    await server?.stop();
  });

  async function openSpot(options: ConstructorParameters<typeof Spot>[1] = {}) {
    const uri = await server.database();
    const workspace = makeTempDir();
    const spot = new Spot("team", { workspace, db: uri, ...options });
    return { spot, uri, schema: schemaOf(uri), workspace };
  }

  it("opens a PostgresTaskDB for a postgres:// URI and runs a marked function once per input", async () => {
    const { spot } = await openSpot();
    try {
      assert.ok(spot.db instanceof PostgresTaskDB);
      let runs = 0;
      const double = spot.mark(async function double(value: number) {
        runs += 1;
        return { doubled: value * 2, at: new Date(0) };
      });
      assert.deepEqual(await double(21), { doubled: 42, at: new Date(0) });
      assert.deepEqual(await double(21), { doubled: 42, at: new Date(0) });
      assert.deepEqual(await double(1), { doubled: 2, at: new Date(0) });
      assert.equal(runs, 2);
      assert.equal(await double.peek(21).then((value) => value?.doubled), 42);
      await double.invalidate(21);
      assert.equal(await double.peek(21), undefined);
    } finally {
      await spot.shutdown();
    }
  });

  it("never serves a value another connection replaced or invalidated: the next read sees it", async () => {
    const uri = await server.database();
    const open = () => new Spot("team", { workspace: makeTempDir(), db: new PostgresTaskDB(uri) });
    const first = open();
    const second = open();
    try {
      let answer = "old";
      const markOn = (spot: Spot) =>
        spot.mark(async function ask(prompt: string) {
          return `${answer} answer to ${prompt}`;
        });
      const askFirst = markOn(first);
      const askSecond = markOn(second);
      assert.equal(await askFirst("p"), "old answer to p");
      assert.equal(await askFirst("p"), "old answer to p");
      assert.equal(await askSecond("p"), "old answer to p");
      await askSecond.invalidate("p");
      assert.equal(await askFirst.peek("p"), undefined);
      answer = "new";
      assert.equal(await askSecond("p"), "new answer to p");
      assert.equal(await askFirst("p"), "new answer to p");
    } finally {
      await first.shutdown();
      await second.shutdown();
      await first.db.close();
      await second.db.close();
    }
  });

  it("refuses markSync, since every read is a round trip to the server", async () => {
    const { spot } = await openSpot();
    try {
      assert.throws(
        () =>
          spot.markSync(function add(a: number) {
            return a + 1;
          }),
        /markSync needs synchronous storage, but the database can only be read asynchronously/,
      );
    } finally {
      await spot.shutdown();
    }
  });

  it("stores results in the background and flush waits for them", async () => {
    const { spot, schema } = await openSpot({ saveSync: false });
    try {
      const slow = spot.mark(async function slow(index: number) {
        return `value ${index}`;
      });
      await Promise.all(Array.from({ length: 20 }, (_, index) => slow(index)));
      await spot.flush();
      const [row] = await server.sql(`SELECT COUNT(*)::int FROM ${schema}.tasks`);
      assert.deepEqual(row, [20]);
    } finally {
      await spot.shutdown();
    }
  });

  it("treats a row whose bytes were altered as a miss and stores the recomputed value", async () => {
    const { spot, schema } = await openSpot();
    try {
      let runs = 0;
      const greet = spot.mark(async function greet(name: string) {
        runs += 1;
        return `hello ${name}`;
      });
      await greet("ann");
      const key = greet.key("ann");
      // Same length, different bytes: only the digest notices.
      await server.sql(
        `UPDATE ${schema}.tasks SET result_data = overlay(result_data placing '\\x5a'::bytea from 3 for 1) WHERE cache_key = $1`,
        [key],
      );
      assert.equal(await greet("ann"), "hello ann");
      assert.equal(runs, 2);
      assert.equal(await greet("ann"), "hello ann");
      assert.equal(runs, 2);
    } finally {
      await spot.shutdown();
    }
  });

  it("keeps blobs next to the rows and reads them back through the row's location", async () => {
    const { spot, schema } = await openSpot({ storage: join(makeTempDir(), "blobs") });
    try {
      const big = spot.mark(
        async function big(size: number) {
          return "x".repeat(size);
        },
        { saveBlob: true },
      );
      await big(5000);
      const [row] = await server.sql(
        `SELECT result_type, result_data IS NULL FROM ${schema}.tasks`,
      );
      assert.deepEqual(row, ["FILE", true]);
      assert.equal((await big(5000)).length, 5000);
    } finally {
      await spot.shutdown();
    }
  });

  it("expires entries by retention and garbage collection removes them with their blobs", async () => {
    const { spot, schema } = await openSpot({ storage: join(makeTempDir(), "blobs") });
    try {
      const brief = spot.mark(
        async function brief(index: number) {
          return "y".repeat(100 + index);
        },
        { retention: "1h", saveBlob: true },
      );
      const kept = spot.mark(
        async function kept(index: number) {
          return index;
        },
        { retention: "forever" },
      );
      await brief(1);
      await brief(2);
      await kept(1);
      const [expiry] = await server.sql(
        `SELECT COUNT(*)::int FROM ${schema}.tasks WHERE expires_at > now() + interval '59 minutes'`,
      );
      assert.deepEqual(expiry, [2]);
      await server.sql(
        `UPDATE ${schema}.tasks SET expires_at = now() - interval '1 second' WHERE func_name = 'brief'`,
      );
      assert.equal((await spot.maintenance.stats()).expired, 2);
      const report = await spot.maintenance.cleanGarbage({ graceSeconds: 0 });
      assert.equal(report.expiredRows, 2);
      const left: string[] = [];
      for await (const key of spot.storage.listKeys()) left.push(key);
      assert.deepEqual(left, []);
      assert.equal(await spot.maintenance.countTasks({}), 1);
    } finally {
      await spot.shutdown();
    }
  });

  it("finds orphan blobs whose rows another machine deleted", async () => {
    const { spot, schema } = await openSpot({ storage: join(makeTempDir(), "blobs") });
    try {
      const big = spot.mark(
        async function big(size: number) {
          return "z".repeat(size);
        },
        { saveBlob: true },
      );
      await big(10);
      await server.sql(`DELETE FROM ${schema}.tasks`);
      assert.equal((await spot.maintenance.scanGarbage({ graceSeconds: 0 })).length, 1);
      assert.equal((await spot.maintenance.cleanGarbage({ graceSeconds: 0 })).orphanBlobs, 1);
    } finally {
      await spot.shutdown();
    }
  });

  it("serves the maintenance service: list, detail, stats, prune, clear and delete", async () => {
    const { spot } = await openSpot();
    try {
      const summarize = spot.mark(async function summarize(text: string) {
        return { summary: text.slice(0, 3) };
      });
      const other = spot.mark(async function other(index: number) {
        return index;
      });
      await summarize("alpha");
      await summarize("beta");
      await other(1);
      const maintenance = spot.maintenance;
      const listed = await maintenance.listTasks({ limit: 10 });
      assert.deepEqual(
        listed.map((record) => record.funcName),
        ["other", "summarize", "summarize"],
      );
      const detail = await maintenance.getTaskDetail(summarize.key("alpha"));
      assert.deepEqual(detail?.value, { summary: "alp" });
      assert.equal(detail?.record.updatedAt.endsWith("Z"), true);
      const stats = await maintenance.stats();
      assert.equal(stats.rows, 3);
      assert.equal(stats.byFunction.summarize?.rows, 2);
      assert.equal(
        await maintenance.resolveKeyPrefix(summarize.key("beta").slice(0, 12)),
        summarize.key("beta"),
      );
      assert.equal(await maintenance.prune({ olderThanDays: 1 }), 0);
      assert.equal(await maintenance.deleteTask(other.key(1)), true);
      assert.equal(await maintenance.clear({ func: "summarize" }), 2);
      assert.equal(await maintenance.countTasks({}), 0);
    } finally {
      await spot.shutdown();
    }
  });
});
