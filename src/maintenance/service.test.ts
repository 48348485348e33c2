/** @module maintenance/service.test — the maintenance service over a real SQLite file and a real blob folder. */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { Packr } from "msgpackr";
import { SQLiteTaskDB } from "../db/sqlite/sqlite-task-db.js";
import type { TaskWrite } from "../db/types.js";
import { ConfigurationError, ValidationError } from "../errors.js";
import { MsgpackSerializer } from "../serializer/msgpack.js";
import { Spot } from "../spot.js";
import { temporaryNameFor } from "../storage/leftovers.js";
import { LocalStorage } from "../storage/local.js";
import type { Logger } from "../types.js";
import { MaintenanceService } from "./service.js";

const DAY_MS = 86_400_000;

interface Fixture {
  workspace: string;
  dbPath: string;
  blobDir: string;
  db: SQLiteTaskDB;
  storage: LocalStorage;
  serializer: MsgpackSerializer;
  warnings: string[];
  service: MaintenanceService;
}

interface EntryOptions {
  value?: unknown;
  key?: string;
  funcIdentifier?: string;
  funcName?: string;
  blob?: boolean;
  updatedAt?: number;
  expiresAt?: number | null;
  contentType?: string | null;
  /** Writes the value's bytes: a MsgpackSerializer, or a stand-in for another library's writer. */
  serializer?: { dumps(value: unknown): Uint8Array };
}

/** A fresh workspace in the default layout: `<ws>/app.db` with blobs in `<ws>/blobs/app/`. */
function setUp(t: TestContext): Fixture {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
  const dbPath = path.join(workspace, "app.db");
  const blobDir = path.join(workspace, "blobs", "app");
  const db = new SQLiteTaskDB(dbPath);
  const storage = new LocalStorage(blobDir);
  const serializer = new MsgpackSerializer();
  const warnings: string[] = [];
  const logger: Logger = {
    warn: (message) => warnings.push(message),
    error: (message) => warnings.push(message),
  };
  const service = new MaintenanceService({ db, storage, serializer, logger });
  t.after(() => {
    db.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });
  return { workspace, dbPath, blobDir, db, storage, serializer, warnings, service };
}

function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Stores an entry the way a Spot does: blob first, then the row. */
async function store(fixture: Fixture, options: EntryOptions = {}): Promise<TaskWrite> {
  const key = options.key ?? sha256(`${Math.random()}`);
  const bytes = (options.serializer ?? fixture.serializer).dumps(options.value ?? { key });
  const blob = options.blob ?? false;
  const row: TaskWrite = {
    cacheKey: key,
    funcName: options.funcName ?? "summarize",
    funcIdentifier: options.funcIdentifier ?? "app.summarize",
    inputId: sha256(`input:${key}`),
    version: null,
    resultType: blob ? "FILE" : "DIRECT_BLOB",
    resultValue: blob ? await fixture.storage.save(key, bytes) : null,
    resultData: blob ? null : bytes,
    contentType: options.contentType === undefined ? null : options.contentType,
    size: bytes.byteLength,
    digest: sha256(bytes),
    expiresAt: options.expiresAt === undefined ? null : options.expiresAt,
    updatedAt: options.updatedAt ?? Date.now(),
  };
  if (row.resultValue !== null && options.updatedAt !== undefined) {
    // A real save writes the blob just before its row: give the blob the row's time.
    const written = new Date(options.updatedAt);
    fs.utimesSync(blobFile(fixture, row.resultValue), written, written);
  }
  fixture.db.saveMany([row]);
  return row;
}

/** The file of a blob location in the fixture's folder. */
function blobFile(fixture: Fixture, location: string): string {
  return path.join(fixture.blobDir, location);
}

/** Sets a file's modification time `ageMs` in the past. */
function age(file: string, ageMs: number): void {
  const when = new Date(Date.now() - ageMs);
  fs.utimesSync(file, when, when);
}

describe("MaintenanceService.listTasks", () => {
  it("lists newest first by default and pages without overlap", async (t) => {
    const fixture = setUp(t);
    const base = Date.now() - 10 * DAY_MS;
    const keys: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      keys.push((await store(fixture, { updatedAt: base + index * 1000 })).cacheKey);
    }
    const first = await fixture.service.listTasks({ limit: 3 });
    const second = await fixture.service.listTasks({ limit: 3, offset: 3 });
    const third = await fixture.service.listTasks({ limit: 3, offset: 6 });
    assert.deepEqual(
      [...first, ...second, ...third].map((record) => record.cacheKey),
      [...keys].reverse(),
    );
    assert.equal(third.length, 1);
  });

  it("returns records with camelCase fields and ISO timestamps", async (t) => {
    const fixture = setUp(t);
    const updatedAt = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
    const row = await store(fixture, {
      updatedAt,
      expiresAt: updatedAt + DAY_MS,
      contentType: "text/markdown",
    });
    const [record] = await fixture.service.listTasks();
    assert.deepEqual(record, {
      cacheKey: row.cacheKey,
      funcName: "summarize",
      funcIdentifier: "app.summarize",
      inputId: row.inputId,
      version: null,
      resultType: "DIRECT_BLOB",
      contentType: "text/markdown",
      resultValue: null,
      size: row.size,
      updatedAt: "2030-01-02T03:04:05.678Z",
      expiresAt: "2030-01-03T03:04:05.678Z",
      inputPreview: null,
      durationMs: null,
      tokens: null,
      hits: 0,
    });
  });

  it("sorts by another column when asked", async (t) => {
    const fixture = setUp(t);
    await store(fixture, { funcName: "beta", funcIdentifier: "app.beta" });
    await store(fixture, { funcName: "alpha", funcIdentifier: "app.alpha" });
    await store(fixture, { funcName: "gamma", funcIdentifier: "app.gamma" });
    const ascending = await fixture.service.listTasks({ sortBy: "funcName", sortOrder: "asc" });
    assert.deepEqual(
      ascending.map((record) => record.funcName),
      ["alpha", "beta", "gamma"],
    );
  });

  it("filters by function identity and by short name", async (t) => {
    const fixture = setUp(t);
    await store(fixture, { funcName: "load", funcIdentifier: "Reader.load" });
    await store(fixture, { funcName: "load", funcIdentifier: "Reader.load" });
    await store(fixture, { funcName: "summarize", funcIdentifier: "app.summarize" });
    assert.equal((await fixture.service.listTasks({ func: "Reader.load" })).length, 2);
    assert.equal((await fixture.service.listTasks({ func: "load" })).length, 2);
    assert.equal((await fixture.service.listTasks({ func: "summarize" })).length, 1);
    assert.equal((await fixture.service.listTasks({ func: "nothing" })).length, 0);
  });

  it("filters by result type, content type and text search", async (t) => {
    const fixture = setUp(t);
    const blob = await store(fixture, { blob: true, contentType: "image/png" });
    await store(fixture, { contentType: "text/plain" });
    await store(fixture, { contentType: "text/plain" });
    assert.deepEqual(
      (await fixture.service.listTasks({ resultType: "FILE" })).map((record) => record.cacheKey),
      [blob.cacheKey],
    );
    assert.equal((await fixture.service.listTasks({ contentType: "text/plain" })).length, 2);
    const found = await fixture.service.listTasks({ search: blob.cacheKey.slice(10, 20) });
    assert.deepEqual(
      found.map((record) => record.cacheKey),
      [blob.cacheKey],
    );
  });

  it("rejects an empty function filter with a ValidationError", async (t) => {
    const fixture = setUp(t);
    await assert.rejects(fixture.service.listTasks({ func: "" }), ValidationError);
  });
});

describe("MaintenanceService.countTasks", () => {
  it("counts every entry, or those matching a filter", async (t) => {
    const fixture = setUp(t);
    await store(fixture, { funcName: "a", funcIdentifier: "m.a" });
    await store(fixture, { funcName: "a", funcIdentifier: "m.a", blob: true });
    await store(fixture, { funcName: "b", funcIdentifier: "m.b" });
    assert.equal(await fixture.service.countTasks(), 3);
    assert.equal(await fixture.service.countTasks({ func: "a" }), 2);
    assert.equal(await fixture.service.countTasks({ func: "m.a", resultType: "FILE" }), 1);
  });
});

describe("MaintenanceService.getTaskDetail", () => {
  it("gives the record and decoded value of an inline entry", async (t) => {
    const fixture = setUp(t);
    const value = { text: "hello", when: new Date(0), tags: new Set(["x"]) };
    const row = await store(fixture, { value });
    const detail = await fixture.service.getTaskDetail(row.cacheKey);
    assert.ok(detail !== undefined);
    assert.equal(detail.record.cacheKey, row.cacheKey);
    assert.equal(detail.rescued, false);
    assert.equal(detail.error, undefined);
    assert.deepEqual(detail.value, value);
  });

  it("gives the decoded value of a blob entry", async (t) => {
    const fixture = setUp(t);
    const value = { big: "x".repeat(5000), list: [1, 2, 3] };
    const row = await store(fixture, { value, blob: true });
    const detail = await fixture.service.getTaskDetail(row.cacheKey);
    assert.ok(detail !== undefined);
    assert.equal(detail.record.resultType, "FILE");
    assert.equal(detail.record.resultValue, row.resultValue);
    assert.deepEqual(detail.value, value);
  });

  it("reports an altered blob in `error` instead of throwing or returning a value", async (t) => {
    const fixture = setUp(t);
    const row = await store(fixture, { value: { text: "original" }, blob: true });
    const file = blobFile(fixture, row.resultValue!);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const detail = await fixture.service.getTaskDetail(row.cacheKey);
    assert.ok(detail !== undefined);
    assert.equal(detail.value, undefined);
    assert.match(detail.error ?? "", /digest/);
  });

  it("reports a truncated blob as a size mismatch", async (t) => {
    const fixture = setUp(t);
    const row = await store(fixture, { value: { text: "original text" }, blob: true });
    const file = blobFile(fixture, row.resultValue!);
    fs.truncateSync(file, 3);
    const detail = await fixture.service.getTaskDetail(row.cacheKey);
    assert.ok(detail !== undefined);
    assert.equal(detail.value, undefined);
    assert.match(detail.error ?? "", /3 bytes/);
  });

  it("reports a missing blob in `error`", async (t) => {
    const fixture = setUp(t);
    const row = await store(fixture, { blob: true });
    fs.rmSync(blobFile(fixture, row.resultValue!));
    const detail = await fixture.service.getTaskDetail(row.cacheKey);
    assert.ok(detail !== undefined);
    assert.equal(detail.value, undefined);
    assert.match(detail.error ?? "", /could not be read/);
  });

  it("rescues the raw data of a class that is not registered", async (t) => {
    const fixture = setUp(t);
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const writer = new MsgpackSerializer();
    writer.register(Point, {
      code: 42,
      encode: (point: Point) => ({ x: point.x, y: point.y }),
      decode: (data) => new Point((data as Point).x, (data as Point).y),
    });
    const row = await store(fixture, { value: new Point(3, 4), serializer: writer });
    fixture.db.close();
    const service = MaintenanceService.fromPath(fixture.dbPath);
    t.after(() => service.close());
    const detail = await service.getTaskDetail(row.cacheKey);
    assert.ok(detail !== undefined);
    assert.equal(detail.rescued, true);
    assert.equal(detail.error, undefined);
    assert.match(JSON.stringify(detail.value), /"x":3/);
    assert.match(JSON.stringify(detail.value), /"y":4/);
  });

  it("marks a value rescued when map keys another writer stored as numbers or bytes became strings", async (t) => {
    const fixture = setUp(t);
    // What Python's msgpack writes for {1: "a", b"k": 2}: a map whose keys are not strings.
    const foreign = {
      dumps: () =>
        new Packr({ useRecords: false }).pack(
          new Map<unknown, unknown>([
            [1, "a"],
            [Buffer.from("k"), 2],
          ]),
        ),
    };
    const row = await store(fixture, { serializer: foreign });
    const detail = await fixture.service.getTaskDetail(row.cacheKey);
    assert.ok(detail !== undefined);
    assert.deepStrictEqual(detail.value, { 1: "a", k: 2 });
    assert.equal(detail.rescued, true);
    assert.match(
      detail.decodeError ?? "",
      /the key 1 \(a number\) became "1"; the key 0x6b \(bytes\) became "k"/,
    );
  });

  it("gives undefined for a key that is not stored", async (t) => {
    const fixture = setUp(t);
    assert.equal(await fixture.service.getTaskDetail(sha256("absent")), undefined);
  });
});

describe("MaintenanceService.deleteTask", () => {
  it("removes the row and its blob", async (t) => {
    const fixture = setUp(t);
    const row = await store(fixture, { blob: true });
    const kept = await store(fixture, { blob: true });
    assert.equal(await fixture.service.deleteTask(row.cacheKey), true);
    assert.equal(fixture.db.get(row.cacheKey), undefined);
    assert.equal(fs.existsSync(blobFile(fixture, row.resultValue!)), false);
    assert.equal(fs.existsSync(blobFile(fixture, kept.resultValue!)), true);
  });

  it("treats an already missing blob as no error", async (t) => {
    const fixture = setUp(t);
    const row = await store(fixture, { blob: true });
    fs.rmSync(blobFile(fixture, row.resultValue!));
    assert.equal(await fixture.service.deleteTask(row.cacheKey), true);
    assert.equal(fixture.db.get(row.cacheKey), undefined);
    assert.deepEqual(fixture.warnings, []);
  });

  it("returns false for a key that is not stored", async (t) => {
    const fixture = setUp(t);
    assert.equal(await fixture.service.deleteTask(sha256("absent")), false);
  });
});

describe("MaintenanceService.prune", () => {
  it("removes entries older than the given days with their blobs, keeping newer ones", async (t) => {
    const fixture = setUp(t);
    const old = await store(fixture, { blob: true, updatedAt: Date.now() - 40 * DAY_MS });
    const oldInline = await store(fixture, { updatedAt: Date.now() - 31 * DAY_MS });
    const recent = await store(fixture, { blob: true, updatedAt: Date.now() - 2 * DAY_MS });
    assert.equal(await fixture.service.prune({ olderThanDays: 30 }), 2);
    assert.equal(fixture.db.get(old.cacheKey), undefined);
    assert.equal(fixture.db.get(oldInline.cacheKey), undefined);
    assert.equal(fs.existsSync(blobFile(fixture, old.resultValue!)), false);
    assert.notEqual(fixture.db.get(recent.cacheKey), undefined);
    assert.equal(fs.existsSync(blobFile(fixture, recent.resultValue!)), true);
  });

  it("limits itself to one function when given `func`", async (t) => {
    const fixture = setUp(t);
    const longAgo = Date.now() - 10 * DAY_MS;
    await store(fixture, { funcName: "a", funcIdentifier: "m.a", updatedAt: longAgo });
    const other = await store(fixture, {
      funcName: "b",
      funcIdentifier: "m.b",
      updatedAt: longAgo,
    });
    assert.equal(await fixture.service.prune({ olderThanDays: 1, func: "a" }), 1);
    assert.notEqual(fixture.db.get(other.cacheKey), undefined);
  });

  it("rejects a negative, infinite or non-numeric number of days", async (t) => {
    const fixture = setUp(t);
    for (const olderThanDays of [
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "3" as unknown as number,
    ]) {
      await assert.rejects(fixture.service.prune({ olderThanDays }), ValidationError);
    }
  });
});

describe("MaintenanceService.clear", () => {
  it("removes every entry and blob", async (t) => {
    const fixture = setUp(t);
    const blob = await store(fixture, { blob: true });
    await store(fixture);
    assert.equal(await fixture.service.clear(), 2);
    assert.equal(await fixture.service.countTasks(), 0);
    assert.equal(fs.existsSync(blobFile(fixture, blob.resultValue!)), false);
  });

  it("removes only one function's entries when given `func`", async (t) => {
    const fixture = setUp(t);
    const gone = await store(fixture, { funcName: "a", funcIdentifier: "m.a", blob: true });
    const kept = await store(fixture, { funcName: "b", funcIdentifier: "m.b", blob: true });
    assert.equal(await fixture.service.clear({ func: "m.a" }), 1);
    assert.equal(fs.existsSync(blobFile(fixture, gone.resultValue!)), false);
    assert.equal(fs.existsSync(blobFile(fixture, kept.resultValue!)), true);
    assert.equal(await fixture.service.countTasks(), 1);
  });

  it("works through more rows than one deletion batch holds", async (t) => {
    const fixture = setUp(t);
    const rows: TaskWrite[] = [];
    for (let index = 0; index < 1234; index += 1) {
      const bytes = fixture.serializer.dumps(index);
      rows.push({
        cacheKey: sha256(`bulk-${index}`),
        funcName: "bulk",
        funcIdentifier: "app.bulk",
        inputId: sha256(`input-${index}`),
        version: null,
        resultType: "DIRECT_BLOB",
        resultValue: null,
        resultData: bytes,
        contentType: null,
        size: bytes.byteLength,
        digest: sha256(bytes),
        expiresAt: null,
        updatedAt: Date.now(),
      });
    }
    fixture.db.saveMany(rows);
    const blobs = [await store(fixture, { blob: true }), await store(fixture, { blob: true })];
    assert.equal(await fixture.service.clear(), 1236);
    assert.equal(await fixture.service.countTasks(), 0);
    for (const blob of blobs)
      assert.equal(fs.existsSync(blobFile(fixture, blob.resultValue!)), false);
  });
});

describe("MaintenanceService.scanGarbage", () => {
  it("finds unreferenced blobs older than the grace period only", async (t) => {
    const fixture = setUp(t);
    const oldOrphan = await fixture.storage.save(sha256("old orphan"), new Uint8Array([1]));
    const youngOrphan = await fixture.storage.save(sha256("young orphan"), new Uint8Array([2]));
    const referenced = await store(fixture, { blob: true });
    age(blobFile(fixture, oldOrphan), 2 * 3600_000);
    age(blobFile(fixture, referenced.resultValue!), 2 * 3600_000);
    assert.deepEqual(await fixture.service.scanGarbage(), [oldOrphan]);
    assert.deepEqual(
      (await fixture.service.scanGarbage({ graceSeconds: 0 })).sort(),
      [oldOrphan, youngOrphan].sort(),
    );
    assert.deepEqual(await fixture.service.scanGarbage({ graceSeconds: 3 * 3600 }), []);
  });

  it("streams the same orphans through iterateGarbage", async (t) => {
    const fixture = setUp(t);
    const orphan = await fixture.storage.save(sha256("orphan"), new Uint8Array([1]));
    const seen: string[] = [];
    for await (const location of fixture.service.iterateGarbage({ graceSeconds: 0 }))
      seen.push(location);
    assert.deepEqual(seen, [orphan]);
  });

  it("rejects a negative or non-finite grace period", async (t) => {
    const fixture = setUp(t);
    await assert.rejects(fixture.service.scanGarbage({ graceSeconds: -1 }), ValidationError);
    await assert.rejects(
      fixture.service.cleanGarbage({ graceSeconds: Number.NaN }),
      ValidationError,
    );
  });
});

describe("MaintenanceService.removeOrphans", () => {
  it("removes the given unreferenced blobs, keeps referenced ones, and reports each one", async (t) => {
    const fixture = setUp(t);
    const kept = await store(fixture, { blob: true });
    const orphan = await fixture.storage.save(sha256("orphan"), new Uint8Array([1, 2]));
    let reported = 0;
    const removed = await fixture.service.removeOrphans([orphan, kept.resultValue!], () => {
      reported += 1;
    });
    assert.equal(removed, 1);
    assert.equal(reported, 2);
    assert.equal(fs.existsSync(blobFile(fixture, orphan)), false);
    assert.equal(fs.existsSync(blobFile(fixture, kept.resultValue!)), true);
  });
});

describe("MaintenanceService.cleanGarbage", () => {
  it("removes expired rows with their blobs, old orphans and stale temp files, keeping the rest", async (t) => {
    const fixture = setUp(t);
    const hourAgo = Date.now() - 3600_000;
    const expiredBlob = await store(fixture, { blob: true, expiresAt: hourAgo });
    const expiredInline = await store(fixture, { expiresAt: hourAgo });
    const live = await store(fixture, { blob: true, expiresAt: Date.now() + DAY_MS });
    const forever = await store(fixture, { blob: true });
    const oldOrphan = await fixture.storage.save(sha256("old orphan"), new Uint8Array([1]));
    const youngOrphan = await fixture.storage.save(sha256("young orphan"), new Uint8Array([2]));
    for (const location of [oldOrphan, live.resultValue!, forever.resultValue!]) {
      age(blobFile(fixture, location), 2 * 3600_000);
    }
    const staleTemp = path.join(fixture.blobDir, `${sha256("stale")}.bin.0123456789ab.spot_tmp`);
    const freshTemp = path.join(fixture.blobDir, `${sha256("fresh")}.bin.456789abcdef.spot_tmp`);
    fs.writeFileSync(staleTemp, "partial");
    fs.writeFileSync(freshTemp, "partial");
    age(staleTemp, 2 * 3600_000);

    const report = await fixture.service.cleanGarbage();

    assert.equal(report.expiredRows, 2);
    assert.equal(report.orphanBlobs, 1);
    assert.equal(report.tempFiles, 1);
    assert.equal(fixture.db.get(expiredBlob.cacheKey), undefined);
    assert.equal(fixture.db.get(expiredInline.cacheKey), undefined);
    assert.equal(fs.existsSync(blobFile(fixture, expiredBlob.resultValue!)), false);
    assert.equal(fs.existsSync(blobFile(fixture, oldOrphan)), false);
    assert.equal(fs.existsSync(staleTemp), false);
    assert.equal(fs.existsSync(freshTemp), true);
    assert.equal(fs.existsSync(blobFile(fixture, youngOrphan)), true);
    assert.deepEqual(
      await fixture.service.getTaskDetail(live.cacheKey).then((d) => d?.error),
      undefined,
    );
    assert.equal(fs.existsSync(blobFile(fixture, forever.resultValue!)), true);
    assert.equal(await fixture.service.countTasks(), 2);
  });

  it("leaves expired rows alone with `expired: false`", async (t) => {
    const fixture = setUp(t);
    await store(fixture, { expiresAt: Date.now() - 1000 });
    const report = await fixture.service.cleanGarbage({ expired: false });
    assert.equal(report.expiredRows, 0);
    assert.equal(await fixture.service.countTasks(), 1);
  });
});

describe("MaintenanceService.resolveKeyPrefix", () => {
  it("resolves an exact key, a unique prefix, an ambiguous prefix and an unknown one", async (t) => {
    const fixture = setUp(t);
    const keys = [`abc1${"0".repeat(60)}`, `abc2${"0".repeat(60)}`, `ff${"1".repeat(62)}`];
    for (const key of keys) await store(fixture, { key });
    assert.equal(await fixture.service.resolveKeyPrefix(keys[0]!), keys[0]);
    assert.equal(await fixture.service.resolveKeyPrefix("ff"), keys[2]);
    assert.equal(await fixture.service.resolveKeyPrefix("FF1"), keys[2]);
    assert.deepEqual(await fixture.service.resolveKeyPrefix("abc"), [keys[0], keys[1]]);
    assert.equal(await fixture.service.resolveKeyPrefix("0123"), undefined);
  });

  it("returns at most 20 candidates", async (t) => {
    const fixture = setUp(t);
    for (let index = 0; index < 25; index += 1) {
      await store(fixture, { key: `aa${index.toString(16).padStart(2, "0")}${"0".repeat(60)}` });
    }
    const candidates = await fixture.service.resolveKeyPrefix("aa");
    assert.ok(Array.isArray(candidates));
    assert.equal(candidates.length, 20);
  });

  it("rejects a prefix that is empty or not hexadecimal", async (t) => {
    const fixture = setUp(t);
    await assert.rejects(fixture.service.resolveKeyPrefix(""), ValidationError);
    await assert.rejects(fixture.service.resolveKeyPrefix("xyz"), ValidationError);
    await assert.rejects(fixture.service.resolveKeyPrefix("a%"), ValidationError);
  });
});

describe("MaintenanceService.stats and functions", () => {
  it("adds up rows, bytes, expired rows, functions and content types", async (t) => {
    const fixture = setUp(t);
    const a1 = await store(fixture, {
      funcName: "a",
      funcIdentifier: "m.a",
      contentType: "text/plain",
    });
    const a2 = await store(fixture, {
      funcName: "a",
      funcIdentifier: "m.a",
      blob: true,
      expiresAt: Date.now() - 1000,
    });
    const b = await store(fixture, {
      funcName: "b",
      funcIdentifier: "m.b",
      contentType: "text/plain",
    });
    const stats = await fixture.service.stats();
    assert.equal(stats.rows, 3);
    assert.equal(stats.bytes, a1.size + a2.size + b.size);
    assert.equal(stats.blobBytes, a2.size);
    assert.equal(stats.inlineBytes, a1.size + b.size);
    assert.equal(stats.expired, 1);
    // Written without durations, tokens or hits: nothing saved, and nothing recorded to tell.
    const nothingSaved = { hits: 0, hitRate: 0, timeSavedMs: 0, tokensSaved: 0 };
    const unrecorded = { timedRows: 0, tokenRows: 0 };
    assert.deepEqual(stats.byFunction["m.a"], {
      rows: 2,
      bytes: a1.size + a2.size,
      ...nothingSaved,
      ...unrecorded,
    });
    assert.deepEqual(stats.byFunction["m.b"], {
      rows: 1,
      bytes: b.size,
      ...nothingSaved,
      ...unrecorded,
    });
    assert.deepEqual(stats.byContentType["text/plain"], {
      rows: 2,
      bytes: a1.size + b.size,
      hits: 0,
      timeSavedMs: 0,
      tokensSaved: 0,
      ...unrecorded,
    });
    assert.deepEqual(
      [stats.hits, stats.hitRate, stats.timeSavedMs, stats.tokensSaved, stats.timedRows],
      [0, 0, 0, 0, 0],
    );
  });

  it("lists the functions with their short names and row counts", async (t) => {
    const fixture = setUp(t);
    await store(fixture, { funcName: "a", funcIdentifier: "m.a" });
    await store(fixture, { funcName: "a", funcIdentifier: "m.a" });
    await store(fixture, { funcName: "b", funcIdentifier: "m.b" });
    assert.deepEqual(await fixture.service.functions(), [
      { funcIdentifier: "m.a", funcName: "a", rows: 2 },
      { funcIdentifier: "m.b", funcName: "b", rows: 1 },
    ]);
  });
});

describe("MaintenanceService workspace helpers", () => {
  it("finds blob folders whose database is gone, with file counts and sizes", async (t) => {
    const fixture = setUp(t);
    await store(fixture, { blob: true });
    const orphanFolder = path.join(fixture.workspace, "blobs", "old_app");
    const gone = path.join(fixture.workspace, "old_app.db");
    const storage = new LocalStorage(orphanFolder, { owner: gone });
    storage.save(sha256("one"), new Uint8Array(5));
    storage.save(sha256("two"), new Uint8Array(3));
    const orphans = await MaintenanceService.scanOrphanProjects(fixture.workspace);
    const record = path.join(
      orphanFolder,
      fs.readdirSync(orphanFolder).find((name) => name.startsWith(".beautyspot-owner"))!,
    );
    // Two blobs, the .gitignore and the owner record.
    const bytes =
      8 + fs.statSync(path.join(orphanFolder, ".gitignore")).size + fs.statSync(record).size;
    assert.deepEqual(orphans, [
      { name: "old_app", path: orphanFolder, files: 4, bytes, databases: [gone] },
    ]);
  });

  it("deletes an orphan project's folder but refuses one whose database exists", async (t) => {
    const fixture = setUp(t);
    const orphanFolder = path.join(fixture.workspace, "blobs", "old_app");
    new LocalStorage(orphanFolder, { owner: path.join(fixture.workspace, "old_app.db") }).save(
      sha256("one"),
      new Uint8Array([1]),
    );
    assert.equal(await MaintenanceService.deleteOrphanProject(fixture.workspace, "old_app"), true);
    assert.equal(fs.existsSync(orphanFolder), false);
    assert.equal(await MaintenanceService.deleteOrphanProject(fixture.workspace, "old_app"), false);
    fs.mkdirSync(fixture.blobDir, { recursive: true });
    await assert.rejects(
      MaintenanceService.deleteOrphanProject(fixture.workspace, "app"),
      ConfigurationError,
    );
    assert.equal(fs.existsSync(fixture.blobDir), true);
  });

  it("refuses names that leave the blobs folder and folders that are symbolic links", async (t) => {
    const fixture = setUp(t);
    const outside = path.join(fixture.workspace, "precious");
    fs.mkdirSync(outside);
    for (const name of ["..", "../precious", "", "."]) {
      await assert.rejects(
        MaintenanceService.deleteOrphanProject(fixture.workspace, name),
        ValidationError,
      );
    }
    fs.mkdirSync(path.join(fixture.workspace, "blobs"), { recursive: true });
    fs.symlinkSync(outside, path.join(fixture.workspace, "blobs", "linked"));
    await assert.rejects(
      MaintenanceService.deleteOrphanProject(fixture.workspace, "linked"),
      ConfigurationError,
    );
    assert.equal(fs.existsSync(outside), true);
  });

  it("lists the databases of a workspace with size, rows and last update", async (t) => {
    const fixture = setUp(t);
    const updatedAt = Date.UTC(2030, 5, 1);
    await store(fixture, { updatedAt: updatedAt - 1000 });
    await store(fixture, { updatedAt });
    fs.writeFileSync(path.join(fixture.workspace, "broken.db"), "not a database at all, just text");
    const databases = await MaintenanceService.listDatabases(fixture.workspace);
    assert.deepEqual(
      databases.map((database) => database.name),
      ["app", "broken"],
    );
    const [app, broken] = databases;
    assert.equal(app?.rows, 2);
    assert.equal(app?.lastUpdated, "2030-06-01T00:00:00.000Z");
    assert.ok((app?.size ?? 0) > 0);
    assert.equal(broken?.rows, null);
    assert.match(broken?.error ?? "", /not a SQLite database/);
  });

  it("reports a missing workspace as a ConfigurationError", async () => {
    const missing = path.join(os.tmpdir(), `bs-missing-${process.pid}-${Date.now()}`);
    await assert.rejects(MaintenanceService.listDatabases(missing), ConfigurationError);
    await assert.rejects(MaintenanceService.scanOrphanProjects(missing), ConfigurationError);
  });
});

describe("MaintenanceService.fromPath", () => {
  it("refuses a missing database file, naming it, without creating one", () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
    const missing = path.join(workspace, "nothing.db");
    try {
      assert.throws(
        () => MaintenanceService.fromPath(missing),
        (error: unknown) => error instanceof ConfigurationError && error.message.includes(missing),
      );
      assert.equal(fs.existsSync(missing), false);
    } finally {
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });

  it("finds the blobs of the default layout and removes them with their rows", async (t) => {
    const fixture = setUp(t);
    const row = await store(fixture, { blob: true, value: "in a blob" });
    fixture.db.close();
    const service = MaintenanceService.fromPath(fixture.dbPath);
    t.after(() => service.close());
    const detail = await service.getTaskDetail(row.cacheKey);
    assert.equal(detail?.value, "in a blob");
    assert.equal(await service.deleteTask(row.cacheKey), true);
    assert.equal(fs.existsSync(blobFile(fixture, row.resultValue!)), false);
  });

  it("uses the blob folder it is given", async (t) => {
    const fixture = setUp(t);
    const elsewhere = path.join(fixture.workspace, "elsewhere");
    const otherStorage = new LocalStorage(elsewhere);
    const bytes = fixture.serializer.dumps("moved");
    const key = sha256("moved");
    const location = await otherStorage.save(key, bytes);
    fixture.db.saveMany([
      {
        cacheKey: key,
        funcName: "f",
        funcIdentifier: "m.f",
        inputId: sha256("in"),
        version: null,
        resultType: "FILE",
        resultValue: location,
        resultData: null,
        contentType: null,
        size: bytes.byteLength,
        digest: sha256(bytes),
        expiresAt: null,
        updatedAt: Date.now(),
      },
    ]);
    fixture.db.close();
    const service = MaintenanceService.fromPath(fixture.dbPath, elsewhere);
    t.after(() => service.close());
    assert.equal((await service.getTaskDetail(key))?.value, "moved");
  });
});

describe("spot.maintenance", () => {
  it("shows and deletes what a marked function stored, so the next call runs it again", async (t) => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
    const spot = new Spot("app", { workspace, saveBlob: true });
    t.after(async () => {
      await spot.shutdown();
      fs.rmSync(workspace, { recursive: true, force: true });
    });
    let calls = 0;
    const double = spot.mark(async function double(value: number) {
      calls += 1;
      return value * 2;
    });
    await double(21);
    const [record] = await spot.maintenance.listTasks({ func: "double" });
    assert.ok(record !== undefined);
    assert.equal(record.resultType, "FILE");
    assert.equal((await spot.maintenance.getTaskDetail(record.cacheKey))?.value, 42);
    assert.equal(await spot.maintenance.deleteTask(record.cacheKey), true);
    assert.deepEqual(await MaintenanceService.scanOrphanProjects(workspace), []);
    assert.equal(await double(21), 42);
    assert.equal(calls, 2);
  });
});

describe("blob folders gc may remove", () => {
  /** A Spot that stores one blob in `<workspace>/blobs/<name>/`, its database where `db` says. */
  async function storeOneBlob(workspace: string, name: string, db?: string): Promise<string> {
    const spot = new Spot(name, { workspace, saveBlob: true, ...(db === undefined ? {} : { db }) });
    try {
      await spot.mark(async function value() {
        return "stored in a blob";
      })();
    } finally {
      await spot.shutdown();
    }
    return path.join(workspace, "blobs", name);
  }

  function removeDatabase(file: string): void {
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${file}${suffix}`, { force: true });
  }

  it("gc never deletes a folder it did not create", async (t) => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
    t.after(() => fs.rmSync(workspace, { recursive: true, force: true }));
    const uploads = path.join(workspace, "blobs", "uploads");
    fs.mkdirSync(uploads, { recursive: true });
    fs.writeFileSync(path.join(uploads, "photo.jpg"), "a user's photo");
    assert.deepEqual(await MaintenanceService.scanOrphanProjects(workspace), []);
    await assert.rejects(
      MaintenanceService.deleteOrphanProject(workspace, "uploads"),
      ConfigurationError,
    );
    assert.equal(fs.readFileSync(path.join(uploads, "photo.jpg"), "utf8"), "a user's photo");
  });

  it("gc never deletes through a blobs folder that is a symbolic link", async (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    // Another project's cache on a shared disk, its database deleted: a zombie, but not ours.
    const shared = path.join(root, "shared");
    const other = path.join(root, "other", ".beautyspot");
    fs.mkdirSync(shared);
    fs.mkdirSync(path.dirname(other));
    fs.mkdirSync(other);
    fs.symlinkSync(shared, path.join(other, "blobs"));
    const otherFolder = await storeOneBlob(other, "theirs");
    removeDatabase(path.join(other, "theirs.db"));
    const workspace = path.join(root, "mine", ".beautyspot");
    fs.mkdirSync(workspace, { recursive: true });
    fs.symlinkSync(shared, path.join(workspace, "blobs"));
    assert.deepEqual(await MaintenanceService.scanOrphanProjects(workspace), []);
    await assert.rejects(
      MaintenanceService.deleteOrphanProject(workspace, "theirs"),
      ConfigurationError,
    );
    assert.ok(fs.readdirSync(otherFolder).some((file) => file.endsWith(".bin")));
  });

  it("gc keeps the blobs of a Spot whose database lives outside the workspace", async (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const workspace = path.join(root, ".beautyspot");
    const database = path.join(root, "elsewhere", "app.db");
    fs.mkdirSync(path.dirname(database));
    const folder = await storeOneBlob(workspace, "app", database);
    assert.deepEqual(await MaintenanceService.scanOrphanProjects(workspace), []);
    await assert.rejects(
      MaintenanceService.deleteOrphanProject(workspace, "app"),
      ConfigurationError,
    );
    assert.ok(fs.readdirSync(folder).some((file) => file.endsWith(".bin")));
    // Once that database is gone, the folder is provably a zombie.
    removeDatabase(database);
    const [orphan] = await MaintenanceService.scanOrphanProjects(workspace);
    assert.equal(orphan?.name, "app");
    assert.equal(await MaintenanceService.deleteOrphanProject(workspace, "app"), true);
    assert.equal(fs.existsSync(folder), false);
  });

  it("gc removes the folder of a deleted database but keeps one holding files it did not write", async (t) => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
    t.after(() => fs.rmSync(workspace, { recursive: true, force: true }));
    const gone = await storeOneBlob(workspace, "gone");
    const mixed = await storeOneBlob(workspace, "mixed");
    fs.writeFileSync(path.join(mixed, "notes.txt"), "mine, not beautyspot's");
    removeDatabase(path.join(workspace, "gone.db"));
    removeDatabase(path.join(workspace, "mixed.db"));
    const scan = await MaintenanceService.scanBlobFolders(workspace);
    assert.deepEqual(
      scan.orphans.map((orphan) => orphan.name),
      ["gone"],
    );
    assert.deepEqual(
      scan.kept.map((kept) => kept.name),
      ["mixed"],
    );
    assert.match(scan.kept[0]?.reason ?? "", /notes\.txt/);
    assert.equal(await MaintenanceService.deleteOrphanProject(workspace, "gone"), true);
    assert.equal(fs.existsSync(gone), false);
    await assert.rejects(
      MaintenanceService.deleteOrphanProject(workspace, "mixed"),
      ConfigurationError,
    );
    assert.ok(fs.existsSync(path.join(mixed, "notes.txt")));
  });

  it("gc keeps a folder of an earlier release until a Spot using it records its owner", async (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const workspace = path.join(root, ".beautyspot");
    const database = path.join(root, "elsewhere", "app.db");
    fs.mkdirSync(path.dirname(database));
    const folder = await storeOneBlob(workspace, "app", database);
    // What an earlier release left: the same folder without an owner record.
    for (const file of fs.readdirSync(folder)) {
      if (file.startsWith(".beautyspot-owner")) fs.rmSync(path.join(folder, file));
    }
    const before = await MaintenanceService.scanBlobFolders(workspace);
    assert.deepEqual(before.orphans, []);
    assert.match(before.kept[0]?.reason ?? "", /no owner record/);
    // Opening the Spot (no save needed) records the owner; the folder is then in use.
    const spot = new Spot("app", { workspace, db: database });
    await spot.shutdown();
    assert.deepEqual(await MaintenanceService.scanBlobFolders(workspace), {
      orphans: [],
      kept: [],
    });
  });

  it("gc keeps a folder a running process is writing into, and one whose owner has no file", async (t) => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
    t.after(() => fs.rmSync(workspace, { recursive: true, force: true }));
    const writing = await storeOneBlob(workspace, "writing");
    removeDatabase(path.join(workspace, "writing.db"));
    fs.writeFileSync(path.join(writing, temporaryNameFor(`${"d".repeat(64)}.bin`)), "half");
    const memory = new Spot("memory", {
      workspace,
      db: new SQLiteTaskDB(":memory:"),
      saveBlob: true,
    });
    await memory.mark(async function value() {
      return "in a blob";
    })();
    await memory.shutdown();
    await memory.db.close();
    const scan = await MaintenanceService.scanBlobFolders(workspace);
    assert.deepEqual(scan.orphans, []);
    assert.deepEqual(
      scan.kept.map((kept) => [kept.name, /running process|without a file/.exec(kept.reason)?.[0]]),
      [
        ["memory", "without a file"],
        ["writing", "running process"],
      ],
    );
  });
});
