/**
 * @module db/postgres/rows — the select lists, the upsert, and the mapping from PostgreSQL rows
 * (`rowMode: "array"`) to the contract shapes. Times travel as Unix ms (float8) both ways, so
 * no date text is parsed on the hit path and records are identical to the SQLite backend's.
 */

import { mapRecordRow, readOptionalText, readText } from "../record-rows.js";
import { formatTimestamp } from "../sqlite/timestamps.js";
import type { ResultType, StoredInputs, StoredTask, TaskRecord, TaskWrite } from "../types.js";

/**
 * A TIMESTAMPTZ column read as Unix ms (NULL stays NULL). `date_part` computes in float8, which
 * is cheaper on the hit path than `extract`'s numeric; the microsecond noise of the double is
 * rounded away when the row is read (times are stored to the millisecond).
 */
export function msOf(column: string): string {
  return `date_part('epoch', ${column}) * 1000`;
}

/** A parameter of Unix ms written to a TIMESTAMPTZ column (microsecond precision: ms are exact). */
export function timestampParameter(index: number): string {
  return `to_timestamp($${index}::float8 / 1000)`;
}

/** Columns of the hit path, in the order `mapStoredTask` reads them. */
export const STORED_COLUMNS = [
  "cache_key",
  "func_name",
  "func_identifier",
  "input_id",
  "result_type",
  "result_value",
  "result_data",
  "content_type",
  "version",
  msOf("expires_at"),
  msOf("updated_at"),
  "size::float8",
  "digest",
].join(", ");

/**
 * Columns of a maintenance record (no value bytes), in the order `mapTaskRecord` reads them; the
 * notebook columns (`input_preview`, `duration_ms`, `tokens`, `hits`) follow.
 */
export const RECORD_COLUMNS = [
  "cache_key",
  "func_name",
  "func_identifier",
  "input_id",
  "version",
  "result_type",
  "content_type",
  "result_value",
  "size::float8",
  msOf("updated_at"),
  msOf("expires_at"),
  "input_preview",
  "duration_ms",
  "tokens::float8",
  "hits::float8",
].join(", ");

/** Columns of `mapStoredInputs`, in its order. */
export const INPUT_COLUMNS = [
  "cache_key",
  "func_name",
  "func_identifier",
  "input_id",
  "version",
  msOf("updated_at"),
  msOf("expires_at"),
  "arguments",
  "input_preview",
].join(", ");

function readOptionalNumber(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Unix ms from a float8 epoch product, rounded to the millisecond. */
function readMs(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? Math.round(value) : null;
}

/** A hit-path row as a StoredTask. A NULL `updated_at` reads as 0; a NULL `expires_at` as never. */
export function mapStoredTask(row: unknown[]): StoredTask {
  const data = row[6];
  return {
    cacheKey: row[0] as string,
    funcName: readText(row[1]),
    funcIdentifier: readText(row[2]),
    inputId: readText(row[3]),
    resultType: row[4] as ResultType,
    resultValue: readOptionalText(row[5]),
    resultData: data instanceof Uint8Array ? data : null,
    contentType: readOptionalText(row[7]),
    version: readOptionalText(row[8]),
    expiresAt: readMs(row[9]),
    updatedAt: readMs(row[10]) ?? 0,
    size: readOptionalNumber(row[11]),
    digest: readOptionalText(row[12]),
  };
}

/** An epoch-ms column as ISO 8601, or `undefined` when it holds no time (NULL). */
function isoOfMs(stored: unknown): string | undefined {
  const ms = readMs(stored);
  return ms === null ? undefined : new Date(ms).toISOString();
}

/** A record row as a TaskRecord, exactly as SQLite's (see `mapRecordRow`). */
export function mapTaskRecord(row: unknown[]): TaskRecord {
  return mapRecordRow(row, isoOfMs);
}

/** A row of `INPUT_COLUMNS` as StoredInputs. */
export function mapStoredInputs(row: unknown[]): StoredInputs {
  const stored = row[7];
  return {
    cacheKey: row[0] as string,
    funcName: readText(row[1]),
    funcIdentifier: readText(row[2]),
    inputId: readText(row[3]),
    version: readOptionalText(row[4]),
    updatedAt: readMs(row[5]) ?? 0,
    expiresAt: readMs(row[6]),
    arguments: stored instanceof Uint8Array ? stored : null,
    inputPreview: readOptionalText(row[8]),
  };
}

/**
 * The upsert of one row. A replaced row takes a new `write_seq` (it becomes the newest, as a
 * rewritten SQLite row takes a new rowid) and its `hits` start again at 0.
 */
export const UPSERT_SQL = `INSERT INTO tasks (cache_key, func_name, func_identifier, input_id, result_type,
  result_value, result_data, content_type, version, expires_at, updated_at, size, digest, arguments,
  input_preview, duration_ms, tokens)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${timestampParameter(10)}, ${timestampParameter(11)},
  $12, $13, $14, $15, $16, $17)
ON CONFLICT (cache_key) DO UPDATE SET func_name = EXCLUDED.func_name,
  func_identifier = EXCLUDED.func_identifier, input_id = EXCLUDED.input_id,
  result_type = EXCLUDED.result_type, result_value = EXCLUDED.result_value,
  result_data = EXCLUDED.result_data, content_type = EXCLUDED.content_type,
  version = EXCLUDED.version, expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at,
  size = EXCLUDED.size, digest = EXCLUDED.digest, arguments = EXCLUDED.arguments,
  input_preview = EXCLUDED.input_preview, duration_ms = EXCLUDED.duration_ms,
  tokens = EXCLUDED.tokens, hits = 0, write_seq = nextval('tasks_write_seq')`;

/** Bytes as `pg` sends them (a Buffer view over the same memory, no copy). */
function toBuffer(bytes: Uint8Array | null | undefined): Buffer | null {
  if (bytes == null) return null;
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A time checked to be storable (years 0 to 9999, as in SQLite), as Unix ms. */
export function storableTime(ms: number): number {
  formatTimestamp(ms);
  return ms;
}

/** The notebook fields a write may carry (absent = NULL). */
interface NotebookWrite {
  durationMs?: number | null;
  tokens?: number | null;
}

/** Parameters of `UPSERT_SQL`. */
export function toWriteParameters(row: TaskWrite): unknown[] {
  const notebook = row as TaskWrite & NotebookWrite;
  return [
    row.cacheKey,
    row.funcName,
    row.funcIdentifier,
    row.inputId,
    row.resultType,
    row.resultValue,
    toBuffer(row.resultData),
    row.contentType,
    row.version,
    row.expiresAt === null ? null : storableTime(row.expiresAt),
    storableTime(row.updatedAt),
    row.size,
    row.digest,
    toBuffer(row.arguments),
    row.inputPreview ?? null,
    notebook.durationMs ?? null,
    notebook.tokens == null ? null : Math.round(notebook.tokens),
  ];
}
