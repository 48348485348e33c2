/**
 * @module db/record-rows — what every TaskDB backend shares in reading its rows: a maintenance
 * record with its problem notes, and the per-group figures of `stats`. Backends select the same
 * record columns in the same order and differ only in how a stored time reads.
 */

import { describeStoredValue } from "./sqlite/timestamps.js";
import type { GroupStats, RecordProblems, ResultType, TaskRecord } from "./types.js";

/** Text or null as stored; other writers may leave NULLs where we always write text. */
export function readText(value: unknown): string {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

export function readOptionalText(value: unknown): string | null {
  return value == null ? null : typeof value === "string" ? value : String(value);
}

/** A recorded figure (duration, tokens, hits): a finite number >= 0, else `null` (not recorded or unusable). */
export function readMeasure(value: unknown): number | null {
  const number = typeof value === "bigint" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) && number >= 0 ? number : null;
}

/** Whether a stored `size` is a byte count: a whole number from 0 to 2^53 - 1 (beyond, a double miscounts). */
export function isValidSize(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A record row — `cache_key, func_name, func_identifier, input_id, version, result_type,
 * content_type, result_value, size, updated_at, expires_at, input_preview, duration_ms, tokens,
 * hits` — as a TaskRecord with ISO 8601 times (`toIso` reads the backend's stored time, or gives
 * `undefined` for one that is not a time). Never throws: a field whose stored value is unusable
 * (a time that is not one, a negative or non-integer size, an unknown result type, a missing
 * function name) is kept as stored and named in `problems`, so the row can still be listed,
 * shown and deleted while the rest of the database works as usual.
 */
export function mapRecordRow(
  row: unknown[],
  toIso: (stored: unknown) => string | undefined,
): TaskRecord {
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
  let updatedAt = toIso(updated);
  if (updatedAt === undefined) {
    note("updatedAt", `updated_at holds ${describeStoredValue(updated)}, not a timestamp.`);
    updatedAt = updated == null ? "" : String(updated);
  }
  const expires = row[10];
  let expiresAt: string | null = null;
  if (expires != null) {
    const iso = toIso(expires);
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

/**
 * One group of a `stats` query: its value (NULL for none), then COUNT(*), bytes, hits, time
 * saved, tokens saved, rows with a duration, rows with a token count.
 */
export type GroupRow = [
  name: string | null,
  rows: number,
  bytes: number,
  hits: number,
  timeSavedMs: number,
  tokensSaved: number,
  timedRows: number,
  tokenRows: number,
];

/** Groups by name; NULL is reported under "(none)", added to a stored "(none)" rather than replacing it. */
export function collectGroups(rows: readonly GroupRow[]): Record<string, GroupStats> {
  const groups = new Map<string, GroupStats>();
  for (const [name, count, bytes, hits, timeSavedMs, tokensSaved, timedRows, tokenRows] of rows) {
    const label = name ?? "(none)";
    const group = groups.get(label);
    if (group === undefined) {
      groups.set(label, {
        rows: count,
        bytes,
        hits,
        timeSavedMs,
        tokensSaved,
        timedRows,
        tokenRows,
      });
      continue;
    }
    group.rows += count;
    group.bytes += bytes;
    group.hits += hits;
    group.timeSavedMs += timeSavedMs;
    group.tokensSaved += tokensSaved;
    group.timedRows = (group.timedRows ?? 0) + timedRows;
    group.tokenRows = (group.tokenRows ?? 0) + tokenRows;
  }
  // fromEntries defines own properties, so a group named "__proto__" stays an ordinary key.
  return Object.fromEntries(groups);
}
