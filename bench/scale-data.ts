/**
 * @module bench/scale-data — fills a database with many rows straight through SQLite (big
 * transactions), shaped like a real cache: 20 functions, half the rows expired, updates spread
 * over 60 days, a thousand blob rows and a hundred orphan blobs for the clean-up to find.
 */

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { SQLiteTaskDB } from "../src/db/sqlite/sqlite-task-db.js";
import { formatTimestamp } from "../src/db/sqlite/timestamps.js";

/** Blob rows per database: enough to exercise the blob paths without a million files. */
const BLOB_ROWS = 1_000;
/** Unreferenced blobs planted for the clean-up to find. */
const ORPHAN_BLOBS = 100;
const FUNCTIONS = 20;
/** Rows per INSERT transaction: large enough that commits do not dominate. */
const INSERT_BATCH = 50_000;
const DAY_MS = 86_400_000;
const CONTENT_TYPES = ["text/plain", "application/json", "text/markdown", "image/png", null];

function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Fills a fresh database: half the rows expired, `BLOB_ROWS` of them with a tiny blob file. */
export function generateDatabase(
  workspace: string,
  rows: number,
): { dbPath: string; blobDir: string } {
  const dbPath = path.join(workspace, "bench.db");
  const blobDir = path.join(workspace, "blobs", "bench");
  fs.mkdirSync(blobDir, { recursive: true });
  // The real TaskDB creates the schema and indexes; rows then go in through one prepared INSERT.
  new SQLiteTaskDB(dbPath).close();
  const sqlite = new Database(dbPath);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  const insert = sqlite.prepare(
    `INSERT INTO tasks (cache_key, func_name, func_identifier, input_id, result_type, result_value,
      result_data, content_type, version, expires_at, updated_at, size, digest)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const payloads = Array.from({ length: 64 }, (_, index) => {
    const bytes = Buffer.from(`{"answer":"${"x".repeat(40 + index)}","n":${index}}`);
    return { bytes, digest: sha256(bytes) };
  });
  const now = Date.now();
  const blobEvery = Math.max(1, Math.floor(rows / BLOB_ROWS));
  const oldEnough = new Date(now - 2 * 3600_000);
  const insertBatch = sqlite.transaction((start: number, end: number) => {
    for (let index = start; index < end; index += 1) {
      const key = sha256(`row-${index}`);
      const payload = payloads[index % payloads.length]!;
      const isBlob = index % blobEvery === 0 && index / blobEvery < BLOB_ROWS;
      const location = isBlob ? `${key}.bin` : null;
      if (location !== null) {
        const file = path.join(blobDir, location);
        fs.writeFileSync(file, payload.bytes);
        fs.utimesSync(file, oldEnough, oldEnough);
      }
      const updatedAt = now - Math.floor((((index * 7919) % rows) / rows) * 60 * DAY_MS);
      // Every other row expired an hour ago; the rest expire in a week.
      const expiresAt = index % 2 === 0 ? now - 3600_000 : now + 7 * DAY_MS;
      insert.run(
        key,
        `fn${index % FUNCTIONS}`,
        `bench.module.fn${index % FUNCTIONS}`,
        sha256(`input-${index}`),
        isBlob ? "FILE" : "DIRECT_BLOB",
        location,
        isBlob ? null : payload.bytes,
        CONTENT_TYPES[index % CONTENT_TYPES.length],
        index % 3 === 0 ? "v1" : null,
        formatTimestamp(expiresAt),
        formatTimestamp(updatedAt),
        payload.bytes.byteLength,
        payload.digest,
      );
    }
  });
  for (let start = 0; start < rows; start += INSERT_BATCH) {
    insertBatch(start, Math.min(rows, start + INSERT_BATCH));
  }
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
  for (let index = 0; index < ORPHAN_BLOBS; index += 1) {
    const file = path.join(blobDir, `${sha256(`orphan-${index}`)}.bin`);
    fs.writeFileSync(file, "orphan");
    fs.utimesSync(file, oldEnough, oldEnough);
  }
  return { dbPath, blobDir };
}
