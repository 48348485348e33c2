/**
 * @module maintenance/copy — copies entries from one database and blob storage to another
 * (SQLite ↔ PostgreSQL, local folder ↔ S3/GCS), verifying every value against its digest.
 * Resumable: an entry the target already holds with the same digest is skipped, so a copy that
 * was interrupted is finished by running it again.
 */

import { createHash } from "node:crypto";
import type { StoredTask, TaskDB, TaskWrite } from "../db/types.js";
import { BlobStorageError, describeError } from "../errors.js";
import type { BlobStorage } from "../storage/types.js";

/** Where entries come from. */
export interface CopySource {
  db: TaskDB;
  storage: BlobStorage;
}

/** Where entries go. Without `storage`, blob rows keep their locations (S3/GCS URIs only). */
export interface CopyTarget {
  db: TaskDB;
  storage?: BlobStorage;
}

/** How `copyEntries` proceeds. */
export interface CopyOptions {
  /** Rows written per transaction of the target. @default 200 */
  batchSize?: number;
  /** Called after each entry is handled (copied, skipped or refused). */
  onEntry?: () => void;
}

/** What a copy did. */
export interface CopyReport {
  /** Entries written to the target. */
  copied: number;
  /** Entries the target already held with the same digest (a resumed copy). */
  skipped: number;
  /** Blobs written to the target storage. */
  blobs: number;
  /** Entries written without a digest to check (rows of the Python library): one is computed now. */
  unverified: number;
  /** Entries not copied: their value does not match its digest, or could not be read. */
  refused: { cacheKey: string; reason: string }[];
}

const DEFAULT_BATCH_SIZE = 200;
const HEX_PAIR = /^[0-9a-f]{2}/;
/** Keys per prefix read at once: cache keys are sha256 hex, so 256 prefixes split them evenly. */
const KEYS_PER_PREFIX = 1_000_000;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A blob location that names its own bucket, so another database can use it as it is. */
function isSharedLocation(location: string): boolean {
  return /^(s3|gs):\/\//i.test(location);
}

/**
 * The keys of `db` in batches of bounded size: by two-hex-digit prefix (every key the library
 * makes is sha256 hex), then, if the count says some were not seen, the others.
 */
async function* iterateKeys(db: TaskDB): AsyncGenerator<string[]> {
  let seen = 0;
  for (let prefix = 0; prefix < 256; prefix += 1) {
    const keys = await db.keysWithPrefix(prefix.toString(16).padStart(2, "0"), KEYS_PER_PREFIX);
    seen += keys.length;
    if (keys.length > 0) yield keys;
  }
  const total = await db.count({});
  if (seen < total) {
    const rest = (await db.keysWithPrefix("", total)).filter((key) => !HEX_PAIR.test(key));
    if (rest.length > 0) yield rest;
  }
}

/** Copies every entry of `source` into `target`; see the module comment. */
export async function copyEntries(
  source: CopySource,
  target: CopyTarget,
  options: CopyOptions = {},
): Promise<CopyReport> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const report: CopyReport = { copied: 0, skipped: 0, blobs: 0, unverified: 0, refused: [] };
  let pending: TaskWrite[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await target.db.saveMany(pending);
    report.copied += pending.length;
    pending = [];
  };
  for await (const keys of iterateKeys(source.db)) {
    for (const key of keys) {
      const row = await source.db.get(key);
      if (row !== undefined) {
        const write = await prepareEntry(source, target, row, report);
        if (write !== undefined) {
          pending.push(write);
          if (pending.length >= batchSize) await flush();
        }
      }
      options.onEntry?.();
    }
  }
  await flush();
  return report;
}

/** The row to write for `row`, or `undefined` when it is skipped or refused (noted in `report`). */
async function prepareEntry(
  source: CopySource,
  target: CopyTarget,
  row: StoredTask,
  report: CopyReport,
): Promise<TaskWrite | undefined> {
  const refuse = (reason: string) => {
    report.refused.push({ cacheKey: row.cacheKey, reason });
    return undefined;
  };
  if (row.resultType !== "DIRECT_BLOB" && row.resultType !== "FILE") {
    return refuse(
      `its result_type ${JSON.stringify(row.resultType)} is not one this version knows`,
    );
  }
  const existing = await target.db.get(row.cacheKey);
  if (existing !== undefined && row.digest !== null && existing.digest === row.digest) {
    report.skipped += 1;
    return undefined;
  }
  let bytes: Uint8Array;
  if (row.resultType === "DIRECT_BLOB") {
    if (row.resultData === null) return refuse("the row holds no value bytes");
    bytes = row.resultData;
  } else {
    if (row.resultValue === null) return refuse("the blob row holds no location");
    try {
      bytes = await source.storage.load(row.resultValue);
    } catch (error) {
      return refuse(`its blob ${row.resultValue} could not be read: ${describeError(error)}`);
    }
  }
  const digest = sha256(bytes);
  if (row.digest === null) report.unverified += 1;
  else if (digest !== row.digest || (row.size !== null && row.size !== bytes.byteLength)) {
    return refuse("its value does not match its digest (altered or damaged); it was not copied");
  }
  let location: string | null = null;
  if (row.resultType === "FILE") {
    if (target.storage !== undefined) {
      location = await target.storage.save(row.cacheKey, bytes);
      report.blobs += 1;
    } else if (row.resultValue !== null && isSharedLocation(row.resultValue)) {
      location = row.resultValue;
    } else {
      throw new BlobStorageError(
        `Entry ${row.cacheKey} keeps its value in the local blob ${row.resultValue}, which the target database cannot reach. Give the target a blob storage (a folder, or an s3:// or gs:// URI).`,
      );
    }
  }
  const inputs =
    typeof source.db.inputsOf === "function" ? await source.db.inputsOf(row.cacheKey) : undefined;
  return {
    cacheKey: row.cacheKey,
    funcName: row.funcName,
    funcIdentifier: row.funcIdentifier,
    inputId: row.inputId,
    version: row.version,
    resultType: row.resultType,
    resultValue: location,
    resultData: row.resultType === "DIRECT_BLOB" ? bytes : null,
    contentType: row.contentType,
    size: bytes.byteLength,
    digest,
    expiresAt: row.expiresAt,
    updatedAt: row.updatedAt,
    arguments: inputs?.arguments ?? null,
    inputPreview: inputs?.inputPreview ?? null,
  };
}
