/** @module db/sqlite/rows — column lists and the mapping from raw SQLite rows to the contract shapes. */

import type {
  RecordProblems,
  ResultType,
  StoredInputs,
  StoredTask,
  TaskRecord,
  TaskWrite,
} from "../types.js";
import {
  describeStoredValue,
  formatTimestamp,
  readStoredTimestamp,
  toIsoTimestamp,
} from "./timestamps.js";

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

/** Text or null as stored; other writers may leave NULLs where we always write text. */
function readText(value: unknown): string {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

function readOptionalText(value: unknown): string | null {
  return value == null ? null : typeof value === "string" ? value : String(value);
}

function readOptionalNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return null;
}

/** A recorded figure (duration, tokens, hits): a finite number >= 0, else `null` (not recorded or unusable). */
function readMeasure(value: unknown): number | null {
  const number = readOptionalNumber(value);
  return number !== null && Number.isFinite(number) && number >= 0 ? number : null;
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

/** Whether a stored `size` is a byte count: a whole number from 0 to 2^53 - 1 (beyond, a double miscounts). */
export function isValidSize(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A raw maintenance row (see `selectRecordColumns`) as a TaskRecord with ISO 8601 timestamps.
 * Never throws: a field whose stored value is unusable (a timestamp that is not one or lies
 * beyond what a Date holds, a negative or non-integer size, an unknown result type, a missing
 * function name) is kept as stored and named in `problems`, so the row can still be listed,
 * shown and deleted while the rest of the database works as usual.
 */
export function mapTaskRecord(row: unknown[]): TaskRecord {
  let problems: RecordProblems | undefined;
  const note = (field: keyof RecordProblems, message: string) => {
    problems ??= {};
    problems[field] = message;
  };
  const funcName = row[1];
  const funcIdentifier = row[2];
  if (typeof funcName !== "string" || funcName === "") {
    note("funcName", `func_name holds ${describeStoredValue(funcName)}, not a function name.`);
  }
  if (typeof funcIdentifier !== "string" || funcIdentifier === "") {
    note(
      "funcIdentifier",
      `func_identifier holds ${describeStoredValue(funcIdentifier)}, not a function identity.`,
    );
  }
  const resultType = row[5];
  if (resultType !== "DIRECT_BLOB" && resultType !== "FILE") {
    note(
      "resultType",
      `result_type holds ${describeStoredValue(resultType)}; this version knows DIRECT_BLOB and FILE.`,
    );
  }
  const storedSize = row[8];
  let size: number | null = null;
  if (isValidSize(storedSize)) size = storedSize;
  else if (storedSize != null) {
    note("size", `size holds ${describeStoredValue(storedSize)}, not a byte count.`);
  }
  const updated = row[9];
  let updatedAt = toIsoTimestamp(updated);
  if (updatedAt === undefined) {
    note("updatedAt", `updated_at holds ${describeStoredValue(updated)}, not a timestamp.`);
    updatedAt = updated == null ? "" : String(updated);
  }
  const expires = row[10];
  let expiresAt: string | null = null;
  if (expires != null) {
    const iso = toIsoTimestamp(expires);
    if (iso === undefined) {
      note("expiresAt", `expires_at holds ${describeStoredValue(expires)}, not a timestamp.`);
      expiresAt = String(expires);
    } else {
      expiresAt = iso;
    }
  }
  const record: TaskRecord = {
    cacheKey: row[0] as string,
    funcName: readText(funcName),
    funcIdentifier: readText(funcIdentifier),
    inputId: readText(row[3]),
    version: readOptionalText(row[4]),
    resultType: readText(resultType) as ResultType,
    contentType: readOptionalText(row[6]),
    resultValue: readOptionalText(row[7]),
    size,
    updatedAt,
    expiresAt,
    inputPreview: readOptionalText(row[11]),
    durationMs: readMeasure(row[12]),
    tokens: readMeasure(row[13]),
    hits: readMeasure(row[14]) ?? 0,
  };
  if (problems !== undefined) record.problems = problems;
  return record;
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
