/** @module db/sqlite/sqlite-task-db.test — the SQLite TaskDB: shared contract, files, migrations, plans. */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { runLeaseContract } from "../../../test/contracts/lease.contract.js";
import { makeTaskWrite, runTaskDBContract } from "../../../test/contracts/task-db.contract.js";
import { makeTempDir } from "../../../test/helpers.js";
import { ConfigurationError, ValidationError } from "../../errors.js";
import { buildDeletionBatchStatement, buildListStatement } from "./query.js";
import { RECORD_COLUMNS, selectRecordColumns } from "./rows.js";
import { SCHEMA_VERSION } from "./schema.js";
import { SQLiteTaskDB } from "./sqlite-task-db.js";

/** Creates a database the way the Python library does: its 11 columns, no indexes, one inline row. */
function createPythonDatabase(file: string): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE tasks (
    cache_key TEXT PRIMARY KEY, func_name TEXT, func_identifier TEXT, input_id TEXT,
    result_type TEXT, result_value TEXT, result_data BLOB, content_type TEXT, version TEXT,
    expires_at TIMESTAMP, updated_at TIMESTAMP)`);
  db.prepare("INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
    "py-key",
    "add",
    "__main__.add",
    "py-input",
    "DIRECT_BLOB",
    null,
    Buffer.from([0x93, 0x01, 0x02, 0x03]),
    "application/json",
    "v1",
    "2026-12-01 00:00:00.500000+00:00",
    "2026-11-28 15:30:00.123456+00:00",
  );
  db.close();
}

runTaskDBContract("SQLiteTaskDB", async () => {
  const dir = makeTempDir();
  return {
    db: new SQLiteTaskDB(path.join(dir, "tasks.db")),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

runLeaseContract("SQLiteTaskDB", async () => {
  const dir = makeTempDir();
  const file = path.join(dir, "tasks.db");
  return {
    first: new SQLiteTaskDB(file),
    second: new SQLiteTaskDB(file),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe("SQLiteTaskDB durability", () => {
  it("refuses an unknown durability before creating the file", () => {
    const file = path.join(makeTempDir(), "tasks.db");
    assert.throws(
      () => new SQLiteTaskDB(file, { durability: "paranoid" as never }),
      (error: unknown) =>
        error instanceof ValidationError && /"normal".*"full"/.test(error.message),
    );
    assert.equal(fs.existsSync(file), false);
  });

  it('saves and reads back with durability: "full"', () => {
    const db = new SQLiteTaskDB(path.join(makeTempDir(), "tasks.db"), { durability: "full" });
    db.saveMany([makeTaskWrite({ cacheKey: "full-key" })]);
    assert.equal(db.get("full-key")?.cacheKey, "full-key");
    db.close();
  });
});

describe("SQLiteTaskDB files", () => {
  it("creates missing parent folders and the tasks table for a new path", () => {
    const dir = makeTempDir();
    const file = path.join(dir, "nested", "deeper", "app.db");
    const db = new SQLiteTaskDB(file);
    db.saveMany([makeTaskWrite({ cacheKey: "k" })]);
    db.close();
    const raw = new Database(file, { readonly: true });
    assert.equal(raw.prepare("SELECT COUNT(*) FROM tasks").pluck().get(), 1);
    assert.equal(raw.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
    raw.close();
  });

  it("refuses a path that is a directory", () => {
    const dir = makeTempDir();
    assert.throws(
      () => new SQLiteTaskDB(dir),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, /is a directory/);
        return true;
      },
    );
  });

  it("refuses a file that is not a SQLite database", () => {
    const file = path.join(makeTempDir(), "noise.db");
    fs.writeFileSync(file, randomBytes(8192));
    assert.throws(
      () => new SQLiteTaskDB(file),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, /is not a SQLite database/);
        assert.ok(error.message.includes(file));
        return true;
      },
    );
  });

  it("refuses another application's SQLite file and names its tables", () => {
    const file = path.join(makeTempDir(), "other.db");
    const other = new Database(file);
    other.exec("CREATE TABLE users (id INTEGER); CREATE TABLE orders (id INTEGER)");
    other.close();
    assert.throws(
      () => new SQLiteTaskDB(file),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(
          error.message,
          /not a beautyspot database \(no `tasks` table; it has tables orders, users\)/,
        );
        return true;
      },
    );
    const check = new Database(file, { readonly: true });
    assert.deepEqual(
      check
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all(),
      ["orders", "users"],
    );
    check.close();
  });

  it("refuses a tasks table without cache_key", () => {
    const file = path.join(makeTempDir(), "odd.db");
    const other = new Database(file);
    other.exec("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT)");
    other.close();
    assert.throws(() => new SQLiteTaskDB(file), /without a `cache_key` column/);
  });

  it("refuses to open a missing file read-only", () => {
    const file = path.join(makeTempDir(), "absent.db");
    assert.throws(() => new SQLiteTaskDB(file, { readonly: true }), /does not exist/);
    assert.equal(fs.existsSync(file), false);
  });

  it("closes more than once without error", () => {
    const db = new SQLiteTaskDB(path.join(makeTempDir(), "twice.db"));
    db.close();
    db.close();
  });

  it("lets two connections to one file see each other's writes", () => {
    const file = path.join(makeTempDir(), "shared.db");
    const first = new SQLiteTaskDB(file);
    const second = new SQLiteTaskDB(file);
    const versionBefore = second.dataVersion();
    first.saveMany([makeTaskWrite({ cacheKey: "from-first" })]);
    assert.ok(second.get("from-first"));
    assert.notEqual(second.dataVersion(), versionBefore);
    second.delete("from-first");
    assert.equal(first.get("from-first"), undefined);
    first.close();
    second.close();
  });

  it("returns a row with an unknown result_type unchanged instead of failing", () => {
    const file = path.join(makeTempDir(), "future.db");
    const db = new SQLiteTaskDB(file);
    const raw = new Database(file);
    raw
      .prepare("INSERT INTO tasks (cache_key, result_type, updated_at) VALUES (?, ?, ?)")
      .run("odd", "STREAM", "2026-01-01 00:00:00+00:00");
    raw.close();
    const stored = db.get("odd");
    assert.equal(stored?.resultType, "STREAM");
    assert.equal(stored?.funcName, "");
    assert.equal(stored?.updatedAt, Date.UTC(2026, 0, 1));
    assert.equal(db.list({})[0]?.resultType, "STREAM");
    db.close();
  });

  it("reads an unreadable expiry as already expired", () => {
    const file = path.join(makeTempDir(), "garbled.db");
    const db = new SQLiteTaskDB(file);
    const raw = new Database(file);
    raw
      .prepare(
        "INSERT INTO tasks (cache_key, result_type, expires_at, updated_at) VALUES (?, ?, ?, ?)",
      )
      .run("garbled", "DIRECT_BLOB", "next tuesday", "2026-01-01 00:00:00+00:00");
    raw.close();
    assert.equal(db.get("garbled")?.expiresAt, 0);
    db.close();
  });

  it("refuses writes on a read-only connection with a clear error", () => {
    const file = path.join(makeTempDir(), "ro.db");
    new SQLiteTaskDB(file).close();
    const db = new SQLiteTaskDB(file, { readonly: true });
    assert.throws(() => db.saveMany([makeTaskWrite()]), /opened read-only/);
    db.close();
  });
});

describe("SQLiteTaskDB migrations", () => {
  it("lists and searches a Python library's file opened read-only: no input preview, no error", () => {
    const file = path.join(makeTempDir(), "python-ro.db");
    createPythonDatabase(file);
    const db = new SQLiteTaskDB(file, { readonly: true });
    const [record] = db.list({ search: "py-in" });
    assert.equal(record?.cacheKey, "py-key");
    assert.equal(record?.inputPreview, null);
    assert.equal(db.count({ search: "nothing like it" }), 0);
    db.close();
  });

  it("reads a row the Python library wrote, after adding the extra columns and indexes", () => {
    const file = path.join(makeTempDir(), "python.db");
    createPythonDatabase(file);
    const db = new SQLiteTaskDB(file);
    const stored = db.get("py-key");
    assert.ok(stored);
    assert.deepEqual(Array.from(stored.resultData ?? []), [0x93, 1, 2, 3]);
    assert.equal(stored.resultType, "DIRECT_BLOB");
    assert.equal(stored.updatedAt, Date.UTC(2026, 10, 28, 15, 30, 0, 123));
    assert.equal(stored.expiresAt, Date.UTC(2026, 11, 1, 0, 0, 0, 500));
    assert.equal(stored.size, null);
    assert.equal(stored.digest, null);
    assert.equal(stored.version, "v1");
    assert.equal(db.stats(Date.UTC(2026, 10, 29)).bytes, 4);
    db.close();
    const raw = new Database(file, { readonly: true });
    const columns = raw.prepare("SELECT name FROM pragma_table_info('tasks')").pluck().all();
    assert.ok(columns.includes("size") && columns.includes("digest"));
    const indexes = raw.prepare("SELECT name FROM pragma_index_list('tasks')").pluck().all();
    assert.ok(indexes.includes("idx_tasks_func_name"));
    assert.ok(indexes.includes("idx_tasks_expires_at"));
    assert.equal(raw.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    raw.close();
  });

  it("writes rows the Python library can read: canonical timestamp text", () => {
    const file = path.join(makeTempDir(), "written.db");
    const db = new SQLiteTaskDB(file);
    db.saveMany([
      makeTaskWrite({
        cacheKey: "k",
        updatedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
        expiresAt: Date.UTC(2027, 0, 1),
      }),
    ]);
    db.close();
    const raw = new Database(file, { readonly: true });
    const row = raw.prepare("SELECT updated_at, expires_at FROM tasks").get();
    assert.deepEqual(row, {
      updated_at: "2026-01-02 03:04:05.006000+00:00",
      expires_at: "2027-01-01 00:00:00.000000+00:00",
    });
    raw.close();
  });

  it("migrates an old file once, and opening it again changes nothing", () => {
    const file = path.join(makeTempDir(), "again.db");
    createPythonDatabase(file);
    new SQLiteTaskDB(file).close();
    const schemaAfterFirst = new Database(file)
      .prepare("SELECT sql FROM sqlite_master ORDER BY name")
      .pluck()
      .all();
    new SQLiteTaskDB(file).close();
    const raw = new Database(file);
    assert.deepEqual(
      raw.prepare("SELECT sql FROM sqlite_master ORDER BY name").pluck().all(),
      schemaAfterFirst,
    );
    raw.close();
  });

  it("reads an old file opened read-only without changing it", () => {
    const file = path.join(makeTempDir(), "old-ro.db");
    createPythonDatabase(file);
    const db = new SQLiteTaskDB(file, { readonly: true });
    assert.equal(db.get("py-key")?.size, null);
    assert.equal(db.list({})[0]?.cacheKey, "py-key");
    db.close();
    const raw = new Database(file, { readonly: true });
    assert.equal(raw.pragma("user_version", { simple: true }), 0);
    raw.close();
  });

  it("gives a Python-written file the duration, tokens and hits columns: unknown figures, 0 hits", () => {
    const file = path.join(makeTempDir(), "old-measures.db");
    createPythonDatabase(file);
    const readOnly = new SQLiteTaskDB(file, { readonly: true });
    const before = readOnly.list({})[0];
    assert.deepEqual(
      [before?.durationMs, before?.tokens, before?.hits, before?.inputPreview],
      [null, null, 0, null],
    );
    const oldGroup = Object.values(readOnly.stats(Date.UTC(2026, 10, 29)).byFunction)[0];
    assert.deepEqual(
      [oldGroup?.hits, oldGroup?.timeSavedMs, oldGroup?.timedRows, oldGroup?.tokenRows],
      [0, 0, 0, 0],
    );
    readOnly.close();
    const db = new SQLiteTaskDB(file);
    db.addHits(new Map([["py-key", 2]]));
    const record = db.list({})[0];
    assert.deepEqual([record?.durationMs, record?.hits], [null, 2]);
    const group = Object.values(db.stats(Date.UTC(2026, 10, 29)).byFunction)[0];
    assert.deepEqual([group?.hits, group?.timeSavedMs, group?.timedRows], [2, 0, 0]);
    db.close();
  });

  it("survives several threads migrating the same old file at once", async () => {
    const file = path.join(makeTempDir(), "race.db");
    createPythonDatabase(file);
    const moduleUrl = new URL("./sqlite-task-db.ts", import.meta.url).href;
    const source = `
      const { workerData, parentPort } = require("node:worker_threads");
      import("tsx/esm/api").then(({ register }) => {
        register();
        return import(workerData.moduleUrl);
      }).then(({ SQLiteTaskDB }) => {
        const db = new SQLiteTaskDB(workerData.file);
        const found = db.get("py-key") !== undefined;
        db.close();
        parentPort.postMessage(found);
      }).catch((error) => parentPort.postMessage(String(error && error.stack || error)));
    `;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => {
        const worker = new Worker(source, { eval: true, workerData: { file, moduleUrl } });
        return new Promise((resolve, reject) => {
          worker.once("message", (message) => {
            void worker.terminate();
            resolve(message);
          });
          worker.once("error", reject);
        });
      }),
    );
    assert.deepEqual(results, [true, true, true, true]);
    const raw = new Database(file, { readonly: true });
    assert.equal(raw.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    raw.close();
  });
});

describe("SQLiteTaskDB bulk deletion", () => {
  it("removes every old row across many batches while newer rows sit between them", async () => {
    const dir = makeTempDir();
    const db = new SQLiteTaskDB(path.join(dir, "cache.db"));
    // Alternating old and new rows: each batch must skip kept rows and still find every old one.
    db.saveMany(
      Array.from({ length: 250 }, (_, index) =>
        makeTaskWrite({ cacheKey: `k${index}`, updatedAt: index % 2 === 0 ? 10 : 5000 }),
      ),
    );
    const batches: number[] = [];
    const removed = await db.deleteMatching(
      { updatedBefore: 1000 },
      (rows) => {
        batches.push(rows.length);
      },
      7,
    );
    assert.equal(removed, 125);
    assert.equal(batches.length, 18);
    assert.equal(db.count(), 125);
    assert.equal(db.get("k0"), undefined);
    assert.notEqual(db.get("k1"), undefined);
    db.close();
  });
});

describe("SQLiteTaskDB query plans", () => {
  /** The plan of a statement, one line per step, against a populated database file. */
  function explain(sql: string, parameters: unknown[]): string[] {
    const file = path.join(makeTempDir(), "plan.db");
    const db = new SQLiteTaskDB(file);
    const rows = Array.from({ length: 200 }, (_, index) =>
      makeTaskWrite({
        cacheKey: `k${index}`,
        funcIdentifier: `mod.f${index % 7}`,
        funcName: `f${index % 7}`,
        contentType: index % 3 === 0 ? "text/plain" : null,
        updatedAt: index,
      }),
    );
    db.saveMany(rows);
    db.close();
    const raw = new Database(file, { readonly: true });
    const plan = raw
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...parameters)
      .map((row) => (row as { detail: string }).detail);
    raw.close();
    return plan;
  }

  const columns = selectRecordColumns(new Set(RECORD_COLUMNS));

  function assertNoFullScan(plan: string[]): void {
    for (const step of plan) {
      assert.doesNotMatch(step, /^SCAN tasks$/, `full table scan in plan: ${plan.join(" | ")}`);
      assert.doesNotMatch(step, /TEMP B-TREE/, `sort of all rows in plan: ${plan.join(" | ")}`);
    }
  }

  it("reads the newest page in the table's rowid order, with no sort", () => {
    const { sql, parameters } = buildListStatement(columns, {});
    const plan = explain(sql, parameters);
    // A bounded walk of the table in rowid order (LIMIT stops it): no temp b-tree, no index.
    assert.deepEqual(plan, ["SCAN tasks"], plan.join(" | "));
    assert.match(sql, /ORDER BY rowid DESC LIMIT/);
  });

  it("filters by function (identity or short name) through the func_name index, with no sort", () => {
    for (const func of ["f1", "mod.f1"]) {
      const { sql, parameters } = buildListStatement(columns, { func });
      const plan = explain(sql, parameters);
      assertNoFullScan(plan);
      assert.ok(
        plan.some((step) => step.includes("USING INDEX idx_tasks_func_name")),
        plan.join(" | "),
      );
    }
  });

  it("filters by content type through its partial index, with no sort", () => {
    const { sql, parameters } = buildListStatement(columns, { contentType: "text/plain" });
    const plan = explain(sql, parameters);
    assertNoFullScan(plan);
    assert.ok(
      plan.some((step) => step.includes("idx_tasks_content_type")),
      plan.join(" | "),
    );
  });

  it("checks blob references through the result_value partial index", () => {
    const plan = explain("SELECT 1 FROM tasks WHERE result_value = ? LIMIT 1", ["x.bin"]);
    assertNoFullScan(plan);
    assert.ok(
      plan.some((step) => step.includes("idx_tasks_result_value")),
      plan.join(" | "),
    );
  });

  it("finds expired rows for deletion through the expires_at index", () => {
    const { sql, parameters } = buildDeletionBatchStatement(columns, { expiredAt: 1000 }, 100);
    const plan = explain(sql, parameters);
    assertNoFullScan(plan);
    assert.ok(
      plan.some((step) => step.includes("idx_tasks_expires_at")),
      plan.join(" | "),
    );
  });

  it("resumes a prune after the previous batch's last rowid instead of rescanning kept rows", () => {
    const { sql, parameters } = buildDeletionBatchStatement(columns, { updatedBefore: 1000 }, 100);
    parameters.splice(parameters.length - 1, 0, 42);
    const plan = explain(sql, parameters);
    assertNoFullScan(plan);
    assert.ok(
      plan.some((step) => /SEARCH tasks USING INTEGER PRIMARY KEY \(rowid>\?\)/.test(step)),
      plan.join(" | "),
    );
  });

  it("resumes a pruning of one function inside the func_name index, with no sort", () => {
    const { sql, parameters } = buildDeletionBatchStatement(
      columns,
      { updatedBefore: 1000, func: "f1" },
      100,
    );
    parameters.splice(parameters.length - 1, 0, 42);
    const plan = explain(sql, parameters);
    assertNoFullScan(plan);
    assert.ok(
      plan.some((step) => /idx_tasks_func_name \(func_name=\? AND rowid>\?\)/.test(step)),
      plan.join(" | "),
    );
  });

  it("finds keys by prefix with a primary key range", () => {
    const plan = explain(
      "SELECT cache_key FROM tasks WHERE cache_key >= ? AND cache_key < ? ORDER BY cache_key LIMIT ?",
      ["k1", "k1\u{10FFFF}", 10],
    );
    assertNoFullScan(plan);
    assert.ok(
      plan.some((step) =>
        /SEARCH tasks USING (COVERING )?INDEX sqlite_autoindex_tasks_1/.test(step),
      ),
      plan.join(" | "),
    );
  });
});
