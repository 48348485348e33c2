/** @module db/sqlite/rows — column lists and the mapping from raw SQLite rows to the contract shapes. */

import { mapRecordRow, readOptionalText, readText } from "../record-rows.js";
import type { ResultType, StoredInputs, StoredTask, TaskRecord, TaskWrite } from "../types.js";
import { formatTimestamp, readStoredTimestamp, toIsoTimestamp } from "./timestamps.js";

/**
 * Columns read for the hit path, in the order `mapStoredTask` expects. Columns an old file
 * opened read-only lacks are read as NULL.
 */
export function selectStoredColumns(columns: ReadonlySet<string>): string {
  return [
    "cache_key",
    "func_name",
    "func_identifier",
    "input_id",
    "result_type",
    "result_value",
    "result_data",
    "content_type",
    "version",
    "expires_at",
    "updated_at",
    "size",
    "digest",
  ]
    .map((name) => (columns.has(name) ? name : `NULL AS ${name}`))
    .join(", ");
}

/** Columns of a maintenance record (no value bytes), in the order `mapTaskRecord` expects. */
export const RECORD_COLUMNS: readonly string[] = [
  "cache_key",
  "func_name",
  "func_identifier",
  "input_id",
  "version",
  "result_type",
  "content_type",
  "result_value",
  "size",
  "updated_at",
  "expires_at",
  "input_preview",
  "duration_ms",
  "tokens",
  "hits",
];

/** The select list for records; columns an old file lacks read as NULL. */
export function selectRecordColumns(columns: ReadonlySet<string>): string {
  return RECORD_COLUMNS.map((name) => (columns.has(name) ? name : `NULL AS ${name}`)).join(", ");
}

function readOptionalNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return null;
}

/** A stored `updated_at` as Unix ms; an unreadable one becomes 0. */
function readUpdatedAt(value: unknown): number {
  const ms = readStoredTimestamp(value);
  return Number.isNaN(ms) ? 0 : ms;
}

/** A stored `expires_at` as Unix ms or `null`; an unreadable one becomes 0 (expired, not kept forever). */
function readExpiresAt(value: unknown): number | null {
  if (value == null) return null;
  const ms = readStoredTimestamp(value);
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * A raw hit-path row (see `selectStoredColumns`) as a StoredTask. `resultType` is passed through
 * as stored: a row from a newer or foreign writer may carry a value outside `ResultType`, which
 * the reader must treat as a miss (it checks for the two known kinds). An unreadable
 * `updated_at` becomes 0; an unreadable `expires_at` becomes 0 too, so the row reads as expired
 * rather than as kept forever.
 */
export function mapStoredTask(row: unknown[]): StoredTask {
  const data = row[6];
  return {
    cacheKey: row[0] as string,
    funcName: readText(row[1]),
    funcIdentifier: readText(row[2]),
    inputId: readText(row[3]),
    resultType: row[4] as ResultType,
    resultValue: readOptionalText(row[5]),
    // A Python writer may have stored text in result_data; only bytes are a value.
    resultData: data instanceof Uint8Array ? data : null,
    contentType: readOptionalText(row[7]),
    version: readOptionalText(row[8]),
    expiresAt: readExpiresAt(row[9]),
    updatedAt: readUpdatedAt(row[10]),
    size: readOptionalNumber(row[11]),
    digest: readOptionalText(row[12]),
  };
}

/** A raw maintenance row (see `selectRecordColumns`) as a TaskRecord; see `mapRecordRow`. */
export function mapTaskRecord(row: unknown[]): TaskRecord {
  return mapRecordRow(row, toIsoTimestamp);
}

/** Columns every upsert writes, in the order of `toWriteParameters`. */
const WRITE_COLUMNS = [
  "cache_key",
  "func_name",
  "func_identifier",
  "input_id",
  "result_type",
  "result_value",
  "result_data",
  "content_type",
  "version",
  "expires_at",
  "updated_at",
  "size",
  "digest",
];

/** An upsert for the columns a file has, and the parameters of one row for it. */
export interface Upsert {
  sql: string;
  parametersOf(row: TaskWrite): unknown[];
}

/**
 * The upsert for a file with `columns`. A file opened with `migrate: false` may predate the
 * stored arguments or the recorded duration and tokens: those are then left out. `hits` is never
 * written: INSERT OR REPLACE makes a new row, which starts at the column's default, 0.
 */
export function buildUpsert(columns: ReadonlySet<string>): Upsert {
  const withInputs = columns.has("arguments") && columns.has("input_preview");
  const withMeasures = columns.has("duration_ms") && columns.has("tokens");
  const names = [...WRITE_COLUMNS];
  if (withInputs) names.push("arguments", "input_preview");
  if (withMeasures) names.push("duration_ms", "tokens");
  return {
    sql: `INSERT OR REPLACE INTO tasks (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
    parametersOf(row) {
      const parameters = toWriteParameters(row);
      if (withInputs) parameters.push(row.arguments ?? null, row.inputPreview ?? null);
      if (withMeasures) parameters.push(row.durationMs ?? null, row.tokens ?? null);
      return parameters;
    },
  };
}

/** Columns read by `mapStoredInputs`, in its order; columns an old file lacks read as NULL. */
export function selectInputColumns(columns: ReadonlySet<string>): string {
  return [
    "cache_key",
    "func_name",
    "func_identifier",
    "input_id",
    "version",
    "updated_at",
    "expires_at",
    "arguments",
    "input_preview",
  ]
    .map((name) => (columns.has(name) ? name : `NULL AS ${name}`))
    .join(", ");
}

/** A raw row of `selectInputColumns` as StoredInputs. */
export function mapStoredInputs(row: unknown[]): StoredInputs {
  const stored = row[7];
  return {
    cacheKey: row[0] as string,
    funcName: readText(row[1]),
    funcIdentifier: readText(row[2]),
    inputId: readText(row[3]),
    version: readOptionalText(row[4]),
    updatedAt: readUpdatedAt(row[5]),
    expiresAt: readExpiresAt(row[6]),
    arguments: stored instanceof Uint8Array ? stored : null,
    inputPreview: readOptionalText(row[8]),
  };
}

/** Positional parameters for `UPSERT_SQL`. */
export function toWriteParameters(row: TaskWrite): unknown[] {
  return [
    row.cacheKey,
    row.funcName,
    row.funcIdentifier,
    row.inputId,
    row.resultType,
    row.resultValue,
    row.resultData,
    row.contentType,
    row.version,
    row.expiresAt === null ? null : formatTimestamp(row.expiresAt),
    formatTimestamp(row.updatedAt),
    row.size,
    row.digest,
  ];
}
