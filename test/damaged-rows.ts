/**
 * @module test/damaged-rows — databases with one unusable row among good ones, and databases laid
 * out the way the Python library writes them, for the CLI, dashboard and maintenance tests.
 */

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Spot } from "../src/index.js";

/** A column and the unusable value one row gets there, by a short name. */
export interface Damage {
  column: string;
  value: unknown;
  /** The record field the damage shows up in. */
  field: "updatedAt" | "expiresAt" | "size" | "resultType" | "funcName";
}

/** Values other writers (or damage) leave in a row, each of which once broke a whole command. */
export const DAMAGES: Record<string, Damage> = {
  "updated_at beyond what a Date holds": { column: "updated_at", value: 1e20, field: "updatedAt" },
  "updated_at NULL": { column: "updated_at", value: null, field: "updatedAt" },
  "updated_at empty": { column: "updated_at", value: "", field: "updatedAt" },
  "updated_at garbage text": { column: "updated_at", value: "yesterday-ish", field: "updatedAt" },
  "expires_at beyond what a Date holds": {
    column: "expires_at",
    value: -1e20,
    field: "expiresAt",
  },
  "expires_at garbage text": { column: "expires_at", value: "soon", field: "expiresAt" },
  "size 2^63-1": { column: "size", value: 2n ** 63n - 1n, field: "size" },
  "size negative": { column: "size", value: -5, field: "size" },
  "size text": { column: "size", value: "big", field: "size" },
  "size fractional": { column: "size", value: 1.5e300, field: "size" },
  "result_type unknown": { column: "result_type", value: "WEIRD", field: "resultType" },
  "func_name NULL": { column: "func_name", value: null, field: "funcName" },
};

/** The key the damaged copy of a row gets: hexadecimal, so `show` accepts a prefix of it. */
export const DAMAGED_KEY = `dead${"0".repeat(60)}`;

/**
 * Writes `<workspace>/<name>.db` through a real Spot: `count` entries of function `work`, each
 * value `{ n }` stored inline (5 bytes with msgpack's fixmap).
 */
export async function writeGoodEntries(
  workspace: string,
  name = "app",
  count = 3,
): Promise<string> {
  const spot = new Spot(name, { workspace });
  const work = spot.mark(async (n: number) => ({ n }), { name: "work" });
  for (let n = 0; n < count; n++) await work(n);
  await spot.shutdown();
  return path.join(workspace, `${name}.db`);
}

/** Copies the first row under `DAMAGED_KEY` (and the input id `damaged-input`); returns the key. */
export function copyFirstRow(dbPath: string): string {
  const db = new Database(dbPath);
  try {
    db.prepare(
      `INSERT INTO tasks (cache_key, func_name, func_identifier, input_id, result_type, result_value, result_data, content_type, version, expires_at, updated_at, size, digest)
       SELECT ?, func_name, func_identifier, 'damaged-input', result_type, result_value, result_data, content_type, version, expires_at, updated_at, size, digest FROM tasks LIMIT 1`,
    ).run(DAMAGED_KEY);
  } finally {
    db.close();
  }
  return DAMAGED_KEY;
}

/** Copies the first row under `DAMAGED_KEY` and sets `column` to `value` in the copy. */
export function addDamagedRow(dbPath: string, damage: Damage): string {
  copyFirstRow(dbPath);
  const db = new Database(dbPath);
  try {
    db.prepare(`UPDATE tasks SET ${damage.column} = ? WHERE cache_key = ?`).run(
      damage.value,
      DAMAGED_KEY,
    );
  } finally {
    db.close();
  }
  return DAMAGED_KEY;
}

/** Sets the inline value of `cacheKey` to raw bytes (size and digest cleared, as a foreign writer leaves them). */
export function replaceValueBytes(dbPath: string, cacheKey: string, bytes: Uint8Array): void {
  const db = new Database(dbPath);
  try {
    db.prepare(
      "UPDATE tasks SET result_type = 'DIRECT_BLOB', result_data = ?, result_value = NULL, size = NULL, digest = NULL WHERE cache_key = ?",
    ).run(bytes, cacheKey);
  } finally {
    db.close();
  }
}

/** MessagePack of `depth` nested one-element arrays around the string "x". */
export function encodeNestedArrays(depth: number): Buffer {
  return Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0xa1, 0x78])]);
}

/** Keys of the Python-written sample database. */
export const PYTHON_KEYS = {
  inline: `a1${"0".repeat(62)}`,
  blob: `b2${"0".repeat(62)}`,
  otherBlob: `b3${"0".repeat(62)}`,
} as const;

/**
 * Writes `<workspace>/<name>.db` as the Python library does (its 11 columns: no size, no digest,
 * no indexes, no user_version) with one inline row of 4 bytes and two blob rows whose files in
 * `<workspace>/blobs/<name>/` hold 1,000 and 2,500 bytes. Returns the database path.
 */
export function writePythonDatabase(workspace: string, name = "legacy"): string {
  const dbPath = path.join(workspace, `${name}.db`);
  const blobDir = path.join(workspace, "blobs", name);
  fs.mkdirSync(blobDir, { recursive: true });
  const db = new Database(dbPath);
  db.exec(`CREATE TABLE tasks (
    cache_key TEXT PRIMARY KEY, func_name TEXT, func_identifier TEXT, input_id TEXT,
    result_type TEXT, result_value TEXT, result_data BLOB, content_type TEXT, version TEXT,
    expires_at TIMESTAMP, updated_at TIMESTAMP)`);
  const insert = db.prepare("INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.run(
    PYTHON_KEYS.inline,
    "add",
    "__main__.add",
    "in-1",
    "DIRECT_BLOB",
    null,
    Buffer.from([0x93, 0x01, 0x02, 0x03]),
    null,
    null,
    null,
    "2026-11-28 15:30:00.123456+00:00",
  );
  for (const [key, bytes] of [
    [PYTHON_KEYS.blob, 1000],
    [PYTHON_KEYS.otherBlob, 2500],
  ] as const) {
    const location = `${key}.bin`;
    // A msgpack bin 16 of the rest of the bytes: a valid value of exactly `bytes` bytes.
    const payload = Buffer.alloc(bytes, 7);
    payload[0] = 0xc5;
    payload.writeUInt16BE(bytes - 3, 1);
    fs.writeFileSync(path.join(blobDir, location), payload);
    insert.run(
      key,
      "render",
      "__main__.render",
      `in-${key.slice(0, 2)}`,
      "FILE",
      location,
      null,
      "application/octet-stream",
      null,
      "2999-01-01 00:00:00.000000+00:00",
      "2026-11-28 15:31:00.000000+00:00",
    );
  }
  db.close();
  return dbPath;
}
