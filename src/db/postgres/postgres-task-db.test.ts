/**
 * @module db/postgres/postgres-task-db.test — the PostgreSQL TaskDB against a real server: the
 * shared TaskDB and lease contracts, migrations under concurrency, and the lazy `pg` load.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runLeaseContract } from "../../../test/contracts/lease.contract.js";
import { makeTaskWrite, runTaskDBContract } from "../../../test/contracts/task-db.contract.js";
import { startPostgres, type TestPostgres } from "../../../test/servers/postgres.js";
import { requireProgram } from "../../../test/system-programs.js";
import { ConfigurationError } from "../../errors.js";
import { PostgresTaskDB } from "./postgres-task-db.js";

describe("PostgresTaskDB", { skip: requireProgram("postgresql") }, () => {
  let server: TestPostgres;

  before(async () => {
    server = await startPostgres();
  });

  after(async () => {
    await server?.stop();
  });

  runTaskDBContract("PostgresTaskDB", async () => ({
    db: new PostgresTaskDB(await server.database()),
    cleanup: async () => {},
  }));

  runLeaseContract("PostgresTaskDB", async () => {
    const uri = await server.database();
    return {
      first: new PostgresTaskDB(uri),
      second: new PostgresTaskDB(uri),
      cleanup: async () => {},
    };
  });

  describe("migrations", () => {
    it("creates the tables once when many connections open a new database at the same moment", async () => {
      const uri = await server.database();
      const dbs = Array.from({ length: 8 }, () => new PostgresTaskDB(uri, { maxConnections: 1 }));
      try {
        await Promise.all(
          dbs.map((db, index) => db.saveMany([makeTaskWrite({ cacheKey: `k${index}` })])),
        );
        assert.equal(await dbs[0]?.count({}), 8);
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
      }
    });

    it("with migrate: false refuses a database without beautyspot's tables, saying how to create them", async () => {
      const db = new PostgresTaskDB(await server.database(), { migrate: false });
      try {
        await assert.rejects(db.count({}), (error: unknown) => {
          assert.ok(error instanceof ConfigurationError);
          assert.match(error.message, /has no beautyspot tables yet/);
          return true;
        });
      } finally {
        await db.close();
      }
    });

    it("refuses a tasks table that belongs to another application", async () => {
      const uri = await server.database();
      const schema = decodeURIComponent(uri).split("search_path=")[1];
      await server.sql(`CREATE TABLE ${schema}.tasks (id SERIAL PRIMARY KEY, title TEXT)`);
      const db = new PostgresTaskDB(uri);
      try {
        await assert.rejects(db.get("k"), /not a beautyspot database/);
      } finally {
        await db.close();
      }
    });
  });

  describe("storage of rows", () => {
    it("keeps keys, prefixes and names in byte order whatever the database's locale", async () => {
      const db = new PostgresTaskDB(await server.database());
      try {
        await db.saveMany(
          ["a_1", "ab1", "A2", "a-3", "a.4"].map((cacheKey) => makeTaskWrite({ cacheKey })),
        );
        assert.deepEqual(await db.keysWithPrefix("a", 10), ["a-3", "a.4", "a_1", "ab1"]);
      } finally {
        await db.close();
      }
    });

    it("stores timestamps as TIMESTAMPTZ, readable by SQL, and returns the same milliseconds", async () => {
      const uri = await server.database();
      const schema = decodeURIComponent(uri).split("search_path=")[1];
      const db = new PostgresTaskDB(uri);
      try {
        const updatedAt = Date.UTC(2026, 10, 28, 15, 30, 0, 123);
        await db.saveMany([makeTaskWrite({ cacheKey: "t", updatedAt, expiresAt: updatedAt + 1 })]);
        const [row] = await server.sql(
          `SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), pg_typeof(updated_at)::text FROM ${schema}.tasks`,
        );
        assert.deepEqual(row, ["2026-11-28 15:30:00.123000", "timestamp with time zone"]);
        const stored = await db.get("t");
        assert.equal(stored?.updatedAt, updatedAt);
        assert.equal(stored?.expiresAt, updatedAt + 1);
        // The ends of what SQLite stores (years 0 and 9999), the epoch, and odd milliseconds.
        const times = [-62_167_219_200_000, 253_402_300_799_999, 0, -1, 1_795_879_800_001];
        await db.saveMany(
          times.map((time, index) => makeTaskWrite({ cacheKey: `t${index}`, updatedAt: time })),
        );
        for (const [index, time] of times.entries()) {
          assert.equal((await db.get(`t${index}`))?.updatedAt, time);
          assert.equal((await db.getRecord(`t${index}`))?.updatedAt, new Date(time).toISOString());
        }
      } finally {
        await db.close();
      }
    });

    it("adds hits in one statement, ignoring missing rows, and a new write starts them again at 0", async () => {
      const uri = await server.database();
      const schema = decodeURIComponent(uri).split("search_path=")[1];
      const db = new PostgresTaskDB(uri);
      const hitsOf = async (key: string) =>
        (
          await server.sql(`SELECT hits::int FROM ${schema}.tasks WHERE cache_key = $1`, [key])
        )[0]?.[0];
      try {
        await db.saveMany([makeTaskWrite({ cacheKey: "a" }), makeTaskWrite({ cacheKey: "b" })]);
        await db.addHits(
          new Map([
            ["a", 3],
            ["b", 1],
            ["missing", 5],
          ]),
        );
        await db.addHits(new Map([["a", 2]]));
        assert.deepEqual([await hitsOf("a"), await hitsOf("b")], [5, 1]);
        await db.saveMany([makeTaskWrite({ cacheKey: "a" })]);
        assert.equal(await hitsOf("a"), 0);
      } finally {
        await db.close();
      }
    });

    it("writes the duration and token columns a save carries", async () => {
      const uri = await server.database();
      const schema = decodeURIComponent(uri).split("search_path=")[1];
      const db = new PostgresTaskDB(uri);
      try {
        await db.saveMany([
          { ...makeTaskWrite({ cacheKey: "d" }), durationMs: 1234.5, tokens: 321 } as never,
          makeTaskWrite({ cacheKey: "n" }),
        ]);
        const rows = await server.sql(
          `SELECT cache_key, duration_ms, tokens::int FROM ${schema}.tasks ORDER BY cache_key`,
        );
        assert.deepEqual(rows, [
          ["d", 1234.5, 321],
          ["n", null, null],
        ]);
      } finally {
        await db.close();
      }
    });
  });

  describe("connection failures", () => {
    it("says which server it could not reach, without the password", async () => {
      const db = new PostgresTaskDB("postgres://someone:s3cret@127.0.0.1:1/nothing");
      try {
        await assert.rejects(db.get("k"), (error: unknown) => {
          assert.ok(error instanceof ConfigurationError);
          assert.match(error.message, /postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nothing/);
          assert.doesNotMatch(error.message, /s3cret/);
          assert.match(error.message, /Check that the server runs/);
          return true;
        });
      } finally {
        await db.close();
      }
    });
  });
});
