/**
 * @module recordings/transfer — `export` (database → recording file) and `import` (recording
 * file → database). Both go through the TaskDB and BlobStorage contracts, so they work on any
 * backend; values are copied byte for byte and checked against their digests on both sides.
 */

import type { StoredTask, TaskDB, TaskWrite } from "../db/types.js";
import { CacheCorruptedError, ValidationError } from "../errors.js";
import type { BlobStorage } from "../storage/types.js";
import {
  digestOf,
  type RecordedEntry,
  type RecordingWriteOptions,
  type RecordingWriteReport,
  readRecordingFile,
  toRecordedEntry,
  writeRecordingFile,
} from "./format.js";

/** Where entries are read from or written to. */
export interface RecordingStore {
  readonly db: TaskDB;
  readonly storage: BlobStorage;
}

/** Which entries `exportRecording` writes. */
export interface ExportRecordingOptions extends RecordingWriteOptions {
  /** Only this function (identity or short name). @default every function */
  func?: string;
  /**
   * Only entries written at or after this time: a Date, Unix ms, an ISO 8601 text, or an age
   * such as `"7d"`, `"12h"`, `"30m"`. @default every entry
   */
  since?: Date | number | string;
}

/** What `importRecording` loaded. */
export interface ImportRecordingReport {
  entries: number;
  /** Entries stored as blobs in the target storage. */
  blobs: number;
}

/** Rows read per page while collecting entries. */
const PAGE_SIZE = 1000;
/** Rows written per transaction on import. */
const IMPORT_BATCH = 500;
const AGE_UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** The Unix ms a `since` option stands for. */
export function resolveSince(since: Date | number | string, now = Date.now()): number {
  if (since instanceof Date && !Number.isNaN(since.getTime())) return since.getTime();
  if (typeof since === "number" && Number.isFinite(since)) return since;
  if (typeof since === "string") {
    const age = /^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$/.exec(since);
    if (age !== null) return now - Number(age[1]) * (AGE_UNITS[age[2] as string] as number);
    const time = Date.parse(since);
    if (!Number.isNaN(time)) return time;
  }
  throw new ValidationError(
    `\`since\` must be a date (2026-01-31 or an ISO 8601 time) or an age such as 7d, 12h, 30m or 45s, got ${JSON.stringify(String(since))}.`,
  );
}

/** The value bytes of a stored row, checked against its size and digest. */
async function loadVerifiedBytes(row: StoredTask, storage: BlobStorage): Promise<Uint8Array> {
  const bytes =
    row.resultType === "FILE" && row.resultValue !== null
      ? await storage.load(row.resultValue)
      : row.resultData;
  const problem =
    bytes === null
      ? "its value is missing"
      : row.size !== null && row.size !== bytes.byteLength
        ? `it has ${bytes.byteLength} bytes, expected ${row.size}`
        : row.digest !== null && row.digest !== digestOf(bytes)
          ? "it does not match its digest"
          : null;
  if (problem !== null || bytes === null) {
    throw new CacheCorruptedError(
      `Cannot export the entry ${row.cacheKey} of ${row.funcIdentifier}: ${problem}. Delete it (\`beautyspot clear\` / spot.delete) or leave its function out with --func, then export again.`,
    );
  }
  return bytes;
}

/** Reads the chosen entries with their exact values, in recording order. */
export async function collectEntries(
  source: RecordingStore,
  options: ExportRecordingOptions = {},
): Promise<RecordedEntry[]> {
  const since = options.since === undefined ? null : resolveSince(options.since);
  const keys = new Set<string>();
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = await source.db.list({
      ...(options.func === undefined ? {} : { func: options.func }),
      limit: PAGE_SIZE,
      offset,
      sortBy: "updatedAt",
      sortOrder: "asc",
    });
    for (const record of page) {
      if (since === null || Date.parse(record.updatedAt) >= since) keys.add(record.cacheKey);
    }
    if (page.length < PAGE_SIZE) break;
  }
  const entries: RecordedEntry[] = [];
  for (const key of keys) {
    const row = await source.db.get(key);
    if (row === undefined) continue; // deleted meanwhile
    const bytes = await loadVerifiedBytes(row, source.storage);
    // The arguments the entry was stored with, where the database keeps them.
    const inputs =
      typeof source.db.inputsOf === "function" ? await source.db.inputsOf(key) : undefined;
    entries.push(toRecordedEntry(row, bytes, inputs));
  }
  return entries;
}

/** Writes the chosen entries of `source` to the recording `file` (deterministic bytes). */
export async function exportRecording(
  source: RecordingStore,
  file: string,
  options: ExportRecordingOptions = {},
): Promise<RecordingWriteReport> {
  return writeRecordingFile(file, await collectEntries(source, options), options);
}

/** The row that stores a recorded entry; `location` for an entry kept as a blob. */
export function toTaskWrite(entry: RecordedEntry, location: string | null): TaskWrite {
  return {
    cacheKey: entry.cacheKey,
    funcName: entry.funcName,
    funcIdentifier: entry.funcIdentifier,
    inputId: entry.inputId,
    version: entry.version,
    resultType: location === null ? "DIRECT_BLOB" : "FILE",
    resultValue: location,
    resultData: location === null ? entry.bytes : null,
    contentType: entry.contentType,
    size: entry.bytes.byteLength,
    digest: entry.digest,
    expiresAt: entry.expiresAt,
    updatedAt: entry.updatedAt,
    arguments: entry.arguments ?? null,
    inputPreview: entry.inputPreview ?? null,
  };
}

/**
 * Loads a recording into `target`, replacing entries with the same keys. Every entry is
 * verified first: an altered one refuses the whole import (nothing is written), naming it.
 * Entries keep the way they were stored (inline or blob), their times and their expiry.
 */
export async function importRecording(
  file: string,
  target: RecordingStore,
): Promise<ImportRecordingReport> {
  const entries = readRecordingFile(file);
  if (entries === undefined) {
    throw new ValidationError(
      `Recording ${file} does not exist. Check the path; \`beautyspot export <db> --out <file>\` writes one.`,
    );
  }
  let blobs = 0;
  for (let start = 0; start < entries.length; start += IMPORT_BATCH) {
    const rows: TaskWrite[] = [];
    // Blobs first, then their rows (an interruption leaves at worst orphan blobs).
    for (const entry of entries.slice(start, start + IMPORT_BATCH)) {
      if (entry.resultType === "FILE") {
        rows.push(toTaskWrite(entry, await target.storage.save(entry.cacheKey, entry.bytes)));
        blobs++;
      } else {
        rows.push(toTaskWrite(entry, null));
      }
    }
    await target.db.saveMany(rows);
  }
  return { entries: entries.length, blobs };
}
