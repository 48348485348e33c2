/**
 * @module test/damaged-rows.test — one unusable row never takes the database down: it is listed
 * (its bad field named), shown and deleted, and every other entry lists, counts and prunes.
 * Databases the Python library wrote are read without being changed.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { MaintenanceService, SQLiteTaskDB } from "../src/index.js";
import { LocalStorage } from "../src/storage/local.js";
import {
  addDamagedRow,
  DAMAGED_KEY,
  DAMAGES,
  PYTHON_KEYS,
  writeGoodEntries,
  writePythonDatabase,
} from "./damaged-rows.js";
import { makeTempDir } from "./helpers.js";

describe("a database with one damaged row", () => {
  for (const [name, damage] of Object.entries(DAMAGES)) {
    it(`${name}: the row is listed with its problem, shown and deleted; the rest still works`, async () => {
      const workspace = makeTempDir();
      const dbPath = await writeGoodEntries(workspace);
      addDamagedRow(dbPath, damage);
      const service = MaintenanceService.fromPath(dbPath);
      try {
        const listed = await service.listTasks({ limit: 10 });
        assert.equal(listed.length, 4);
        const damaged = listed.find((record) => record.cacheKey === DAMAGED_KEY);
        assert.ok(damaged?.problems?.[damage.field], JSON.stringify(damaged));
        assert.deepEqual(Object.keys(damaged.problems), [damage.field]);
        for (const record of listed) {
          if (record.cacheKey !== DAMAGED_KEY) assert.equal(record.problems, undefined);
        }
        for (const sortBy of ["updatedAt", "size", "expiresAt", "funcName"] as const) {
          assert.equal((await service.listTasks({ sortBy })).length, 4);
        }

        const stats = await service.stats();
        assert.equal(stats.rows, 4);
        assert.ok(Number.isFinite(stats.bytes) && stats.bytes >= 15, String(stats.bytes));
        assert.ok(stats.bytes < 1e6, `bytes ${stats.bytes}: an unusable size must not count`);

        const detail = await service.getTaskDetail(DAMAGED_KEY);
        assert.ok(detail?.record.problems?.[damage.field]);
        if (damage.field === "resultType") assert.match(detail.error ?? "", /Unknown result type/);
        else assert.deepEqual(detail.value, { n: 0 });

        assert.equal(await service.deleteTask(DAMAGED_KEY), true);
        assert.equal(await service.countTasks(), 3);
        assert.equal(await service.prune({ olderThanDays: 0 }), 3);
      } finally {
        service.close();
        fs.rmSync(workspace, { recursive: true, force: true });
      }
    });
  }
});

describe("a database the Python library wrote, opened read-only", () => {
  it("stats counts blob sizes from the blob files and never changes the file", async () => {
    const workspace = makeTempDir();
    const dbPath = writePythonDatabase(workspace);
    const before = fs.readFileSync(dbPath);
    const db = new SQLiteTaskDB(dbPath, { readonly: true });
    const service = new MaintenanceService({
      db,
      storage: new LocalStorage(`${workspace}/blobs/legacy`),
    });
    try {
      const stats = await service.stats();
      assert.equal(stats.rows, 3);
      assert.equal(stats.inlineBytes, 4);
      assert.equal(stats.blobBytes, 3500);
      assert.equal(stats.bytes, 3504);
      // The Python library records no durations, tokens or hits: nothing saved, none recorded.
      const nothingRecorded = {
        hits: 0,
        timeSavedMs: 0,
        tokensSaved: 0,
        timedRows: 0,
        tokenRows: 0,
      };
      assert.deepEqual(stats.byFunction["__main__.render"], {
        rows: 2,
        bytes: 3500,
        hitRate: 0,
        ...nothingRecorded,
      });
      assert.deepEqual(stats.byContentType["application/octet-stream"], {
        rows: 2,
        bytes: 3500,
        ...nothingRecorded,
      });
      assert.equal(stats.unsizedBlobs, undefined);
      assert.equal((await service.listTasks()).length, 3);
      const detail = await service.getTaskDetail(PYTHON_KEYS.blob);
      assert.equal(detail?.error, undefined);
      assert.equal((detail?.value as Buffer | undefined)?.byteLength, 997);
      assert.deepEqual(await service.scanGarbage({ graceSeconds: 0 }), []);
    } finally {
      db.close();
    }
    assert.deepEqual(fs.readFileSync(dbPath), before);
    assert.equal(fs.existsSync(`${dbPath}-wal`), false);
    fs.rmSync(workspace, { recursive: true, force: true });
  });
});

describe("a database the Python library wrote, opened for maintenance", () => {
  it("fromPath deletes and clears entries without adding columns or switching its journal; saving is refused", async () => {
    const workspace = makeTempDir();
    const dbPath = writePythonDatabase(workspace);
    const before = fs.readFileSync(dbPath);
    const service = MaintenanceService.fromPath(dbPath);
    try {
      assert.equal((await service.stats()).bytes, 3504);
      assert.deepEqual(fs.readFileSync(dbPath), before);
      assert.equal(await service.deleteTask(PYTHON_KEYS.blob), true);
      assert.equal(fs.existsSync(`${workspace}/blobs/legacy/${PYTHON_KEYS.blob}.bin`), false);
      assert.equal(await service.clear({ func: "__main__.add" }), 1);
      assert.throws(
        () =>
          service.db.saveMany([
            {
              cacheKey: "c0",
              funcName: "f",
              funcIdentifier: "f",
              inputId: "i",
              version: null,
              resultType: "DIRECT_BLOB",
              resultValue: null,
              resultData: new Uint8Array([0xc0]),
              contentType: null,
              size: 1,
              digest: "d",
              expiresAt: null,
              updatedAt: Date.now(),
            },
          ]),
        /migrate: false/,
      );
    } finally {
      service.close();
    }
    const raw = new Database(dbPath, { readonly: true });
    try {
      const columns = raw.prepare("SELECT name FROM pragma_table_info('tasks')").pluck().all();
      assert.equal(columns.includes("size"), false);
      assert.equal(raw.pragma("journal_mode", { simple: true }), "delete");
      assert.deepEqual(raw.prepare("SELECT cache_key FROM tasks").pluck().all(), [
        PYTHON_KEYS.otherBlob,
      ]);
    } finally {
      raw.close();
    }
    fs.rmSync(workspace, { recursive: true, force: true });
  });
});
