/** @module db/types — the TaskDB contract: where cache records (metadata and small values) live. */

import type { Awaitable } from "../types.js";

/** How a value is stored: inline in the row, or as a blob whose location is in `resultValue`. */
export type ResultType = "DIRECT_BLOB" | "FILE";

/** One cache entry as the maintenance API shows it (no value bytes). Timestamps are ISO 8601 UTC. */
export interface TaskRecord {
  cacheKey: string;
  funcName: string;
  funcIdentifier: string;
  inputId: string;
  version: string | null;
  resultType: ResultType;
  contentType: string | null;
  /** Blob location for `FILE` rows, `null` for inline rows. */
  resultValue: string | null;
  /** Size in bytes of the encoded value; `null` for rows written without it (older or foreign writers). */
  size: number | null;
  updatedAt: string;
  /** `null` means kept forever. */
  expiresAt: string | null;
  /**
   * The call's arguments on one line (at most 200 characters), redacted; `null` for entries
   * written without stored arguments (older ones, explicit writes, the Python library).
   */
  inputPreview: string | null;
  /** How long the original call took (ms; a stream until it completed); `null` when not recorded. */
  durationMs: number | null;
  /** Tokens the original call used (input + output) when usage was reported; `null` otherwise. */
  tokens: number | null;
  /** Hits served from this entry so far (counted in batches, so the newest few may still be on their way). */
  hits: number;
  /**
   * Fields whose stored value is unusable (a damaged row, or one from a foreign writer), each with
   * a message saying what is stored. Absent when the row is sound. The field itself then holds
   * the stored text as it is (`""` for NULL), `size` holds `null`.
   */
  problems?: RecordProblems;
}

/** Record fields that can hold an unusable stored value. */
export type RecordProblemField =
  | "updatedAt"
  | "expiresAt"
  | "size"
  | "resultType"
  | "funcName"
  | "funcIdentifier";

/** What is wrong with a record, per field. */
export type RecordProblems = Partial<Record<RecordProblemField, string>>;

/**
 * What the hit path reads: lean, with timestamps as Unix ms so no date text is parsed twice.
 * Returned by `TaskDB.get`.
 */
export interface StoredTask {
  cacheKey: string;
  funcName: string;
  funcIdentifier: string;
  inputId: string;
  version: string | null;
  resultType: ResultType;
  /** Blob location for `FILE` rows. */
  resultValue: string | null;
  /** Inline encoded value for `DIRECT_BLOB` rows. */
  resultData: Uint8Array | null;
  contentType: string | null;
  /** Size of the encoded value; `null` for rows written without it (older or foreign writers). */
  size: number | null;
  /** Hex sha256 of the encoded value; `null` for rows written without it. */
  digest: string | null;
  /** Unix ms. */
  updatedAt: number;
  /** Unix ms, or `null` for never. */
  expiresAt: number | null;
}

/** What a save writes. `expiresAt` and `updatedAt` are Unix milliseconds. */
export interface TaskWrite {
  cacheKey: string;
  funcName: string;
  funcIdentifier: string;
  inputId: string;
  version: string | null;
  resultType: ResultType;
  resultValue: string | null;
  resultData: Uint8Array | null;
  contentType: string | null;
  size: number;
  digest: string;
  /** Absolute expiry as Unix ms, or `null` for never. */
  expiresAt: number | null;
  /** Write time as Unix ms. */
  updatedAt: number;
  /**
   * The call's arguments, redacted, as MessagePack (see `keys/arguments.ts`); `null` or absent
   * when not stored (too large, not encodable, or an explicit write without arguments).
   */
  arguments?: Uint8Array | null;
  /** One line (at most 200 characters) previewing the redacted arguments. */
  inputPreview?: string | null;
  /** How long the original call took, in ms (a stream: until it completed); absent or `null` = not recorded. */
  durationMs?: number | null;
  /** Tokens the original call used (input + output), when usage was reported; absent or `null` = not recorded. */
  tokens?: number | null;
}

/** A function's entry with the arguments it was stored with, as explanations read it. */
export interface StoredInputs {
  cacheKey: string;
  funcName: string;
  funcIdentifier: string;
  inputId: string;
  version: string | null;
  /** Unix ms. */
  updatedAt: number;
  /** Unix ms, or `null` for never. */
  expiresAt: number | null;
  /** The stored `arguments` column (MessagePack), or `null` when none was stored. */
  arguments: Uint8Array | null;
  inputPreview: string | null;
}

/** Which rows a maintenance query looks at. Every field narrows; omitted fields match all. */
export interface TaskFilter {
  /**
   * Function identity (`Class.method`), matched exactly. `MaintenanceService` turns a short name
   * into the one identity that has it before it asks.
   */
  func?: string;
  resultType?: ResultType;
  contentType?: string;
  /** Substring of the cache key, input id, function identity or input preview. */
  search?: string;
}

/** Sortable columns of the task list. */
export type TaskSortField = "updatedAt" | "funcName" | "size" | "expiresAt" | "contentType";

/** A page of the task list. */
export interface TaskQuery extends TaskFilter {
  /** @default 50 */
  limit?: number;
  /** @default 0 */
  offset?: number;
  /** @default "updatedAt" */
  sortBy?: TaskSortField;
  /** @default "desc" (newest first) */
  sortOrder?: "asc" | "desc";
}

/** Which rows a bulk deletion removes. At least one criterion besides `func` may be absent (clear). */
export interface TaskDeletion {
  /** Function identity, matched exactly (as in `TaskFilter`). */
  func?: string;
  /** Rows last written before this Unix ms. */
  updatedBefore?: number;
  /** Rows whose expiry is at or before this Unix ms. */
  expiredAt?: number;
}

/** Counts per group, as returned by `stats`. */
export interface GroupStats {
  rows: number;
  bytes: number;
  /** Hits served by the group's entries (as counted so far). */
  hits: number;
  /** Sum over rows of hits × duration of the original call, where the duration is recorded (ms). */
  timeSavedMs: number;
  /** Sum over rows of hits × tokens of the original call, where tokens are recorded. */
  tokensSaved: number;
  /**
   * Rows whose duration is recorded. Optional: a TaskDB that reports it lets readers tell "no
   * time saved" (0 with timed rows) from "not recorded" (no timed rows, such as Python-written ones).
   */
  timedRows?: number;
  /** Rows whose token count is recorded; optional, as `timedRows`. */
  tokenRows?: number;
}

/** Summary of a database. */
export interface TaskStats {
  rows: number;
  /** Bytes of encoded values (inline and blob sizes as recorded). */
  bytes: number;
  inlineBytes: number;
  blobBytes: number;
  expired: number;
  byFunction: Record<string, GroupStats>;
  byContentType: Record<string, GroupStats>;
  /**
   * Blob rows whose size is not recorded (rows the Python library wrote, or damaged ones): their
   * bytes are not in the totals. `MaintenanceService.stats` measures them from the blob files and
   * leaves this out; it stays only when the storage cannot tell a blob's size.
   */
  unsizedBlobs?: number;
}

/** A blob row without a usable recorded size, as `TaskDB.unsizedBlobs` lists it. */
export interface UnsizedBlob {
  rowid: number;
  /** `null` when the row has no location (a damaged row: nothing to measure). */
  location: string | null;
  funcIdentifier: string | null;
  contentType: string | null;
}

/** Who holds a lease: a random id per run, and where it runs (for a dead-holder check). */
export interface LeaseHolder {
  /** Random, one per run: only its holder renews or releases the lease. */
  id: string;
  /** Process id of the holder. */
  pid: number;
  /** `os.hostname()` of the holder: a pid is only checked on the machine it belongs to. */
  host: string;
}

/** A lease as stored. */
export interface Lease extends LeaseHolder {
  /** Unix ms after which anyone may take the lease over. */
  expiresAt: number;
}

/**
 * Leases on cache keys, for `singleFlight: "machine"`: the one process that holds a key's lease
 * runs the function, the others wait for the stored result. Optional on a TaskDB, all four
 * methods or none. Times are Unix ms of the wall clock, the one clock processes share.
 */
export interface LeaseMethods {
  /**
   * Takes the lease on `key` in one atomic step, when nobody holds it, its lease expired at or
   * before `now`, or it is held by `takeOverFrom` (a holder found dead). Returns whether `holder`
   * now holds it, until `expiresAt`.
   */
  claimLease(
    key: string,
    holder: LeaseHolder,
    now: number,
    expiresAt: number,
    takeOverFrom?: string,
  ): Awaitable<boolean>;
  /** Moves the expiry of a lease `holderId` still holds; false when it no longer holds it. */
  renewLease(key: string, holderId: string, expiresAt: number): Awaitable<boolean>;
  /** Gives the lease up, if `holderId` still holds it. */
  releaseLease(key: string, holderId: string): Awaitable<void>;
  /** The lease on `key`, expired or not, or `undefined` when nobody holds one. */
  getLease(key: string): Awaitable<Lease | undefined>;
}

/**
 * Storage for cache records. `synchronous: true` promises that every method returns a plain
 * value (never a promise), which `markSync` and the fast hit path rely on.
 */
export interface TaskDB {
  readonly synchronous: boolean;
  /** The record for a key, or `undefined`. Expired rows are returned; the caller decides. */
  get(cacheKey: string): Awaitable<StoredTask | undefined>;
  /**
   * The maintenance record for a key, with unusable stored fields named in `problems`.
   * Optional: without it, inspection derives the record from `get`.
   */
  getRecord?(cacheKey: string): Awaitable<TaskRecord | undefined>;
  /** Inserts or replaces rows, all in one transaction. */
  saveMany(rows: readonly TaskWrite[]): Awaitable<void>;
  /** Removes one row; returns the removed record (for its blob location) or `undefined`. */
  delete(cacheKey: string): Awaitable<TaskRecord | undefined>;
  /** One page of records, sorted (newest first by default). */
  list(query: TaskQuery): Awaitable<TaskRecord[]>;
  count(filter: TaskFilter): Awaitable<number>;
  stats(now: number): Awaitable<TaskStats>;
  /**
   * Removes matching rows in batches of at most `batchSize`, handing each batch's removed
   * records to `onBatch` after the rows are gone (so their blobs can be deleted next).
   * Returns how many rows were removed.
   */
  deleteMatching(
    deletion: TaskDeletion,
    onBatch: (removed: TaskRecord[]) => Awaitable<void>,
    batchSize?: number,
  ): Awaitable<number>;
  /** Whether any row references this blob location. */
  hasLocation(location: string): Awaitable<boolean>;
  /** Keys starting with `prefix`, at most `limit` of them. */
  keysWithPrefix(prefix: string, limit: number): Awaitable<string[]>;
  /** Distinct function identities with their short names. */
  functions(): Awaitable<{ funcIdentifier: string; funcName: string; rows: number }[]>;
  /**
   * Blob rows without a usable recorded size, in rowid order after `afterRowid`, at most `limit`
   * (so `stats` can measure their files in bounded memory). Optional.
   */
  unsizedBlobs?(afterRowid: number, limit: number): Awaitable<UnsizedBlob[]>;
  /** See {@link LeaseMethods}; without them a Spot cannot use `singleFlight: "machine"`. */
  claimLease?: LeaseMethods["claimLease"];
  renewLease?: LeaseMethods["renewLease"];
  releaseLease?: LeaseMethods["releaseLease"];
  getLease?: LeaseMethods["getLease"];
  /**
   * The stored arguments of one entry, or `undefined` when there is no such row. Optional: without
   * it, explanations can tell hit from miss but show no argument differences.
   */
  inputsOf?(cacheKey: string): Awaitable<StoredInputs | undefined>;
  /**
   * The newest entries of one function (identity matched exactly, `funcName` its short name)
   * with their stored arguments, newest first, at most `limit`. Optional, as `inputsOf`.
   */
  recentInputs?(funcName: string, funcIdentifier: string, limit: number): Awaitable<StoredInputs[]>;
  /** Cheap token that changes when another connection commits (for in-memory tiers). */
  dataVersion?(): number;
  /**
   * Adds each count to the `hits` of the row with that cache key (rows that are gone are
   * ignored), in one transaction. Optional: without it hits are not counted. A Spot calls it in
   * batches (a timer, `flush()`, shutdown, exit), never once per hit.
   */
  addHits?(counts: ReadonlyMap<string, number>): Awaitable<void>;
  close(): Awaitable<void>;
}
