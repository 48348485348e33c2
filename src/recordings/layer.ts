/**
 * @module recordings/layer — recordings as a read-only layer in front of a Spot's database.
 *
 * `RecordingTaskDB` is a TaskDB that answers `get` from the recording files first (loaded and
 * verified once, at construction) and passes everything else to the real database. In record
 * mode the rows of recording functions are also kept, and written to the first recording file
 * at `persist()` (the Spot's `flush` and `shutdown`): under a lock file, merged with what the
 * file holds by then, written through a temporary file and a rename — so test files recording
 * in parallel processes never lose each other's entries nor leave a half-written file.
 */

import fs from "node:fs";
import path from "node:path";
import { isPromiseLike } from "../core/backends.js";
import type { SpotMode } from "../core/modes.js";
import { supportsLeases } from "../core/single-flight.js";
import type {
  LeaseMethods,
  StoredInputs,
  StoredTask,
  TaskDB,
  TaskDeletion,
  TaskFilter,
  TaskQuery,
  TaskRecord,
  TaskStats,
  TaskWrite,
} from "../db/types.js";
import { ConfigurationError, describeError } from "../errors.js";
import type { BlobStorage } from "../storage/types.js";
import type { Awaitable, Logger } from "../types.js";
import {
  type RecordedEntry,
  type RecordingWriteReport,
  readRecordingFile,
  toRecordedEntry,
  writeRecordingFile,
} from "./format.js";

/** A lock older than this is left over from a killed process and may be taken over. */
const STALE_LOCK_MS = 60_000;
/** How long `persist` waits for another process's lock before giving up. */
const LOCK_WAIT_MS = 30_000;
const LOCK_RETRY_MS = 25;

/** What the layer needs besides its files. */
export interface RecordingLayerOptions {
  /** The Spot's storage: values of recorded rows kept as blobs are read back from it. */
  readonly storage: BlobStorage;
  readonly logger: Logger;
  /** The Spot-wide mode: in replay a missing recording file is an error. */
  readonly mode: SpotMode;
}

/** Applies `then` to a value or to what a promise resolves to, staying synchronous when it can. */
function chain<T, U>(value: Awaitable<T>, then: (resolved: T) => Awaitable<U>): Awaitable<U> {
  return isPromiseLike<T>(value) ? Promise.resolve(value).then(then) : then(value);
}

function matchesFilter(record: TaskRecord, filter: TaskFilter): boolean {
  // An identity, matched exactly as every TaskDB does (MaintenanceService resolves short names).
  if (filter.func !== undefined && record.funcIdentifier !== filter.func) return false;
  if (filter.resultType !== undefined && record.resultType !== filter.resultType) return false;
  if (filter.contentType !== undefined && record.contentType !== filter.contentType) return false;
  if (filter.search !== undefined && filter.search !== "") {
    const { search } = filter;
    return (
      record.cacheKey.includes(search) ||
      record.inputId.includes(search) ||
      record.funcIdentifier.includes(search) ||
      (record.inputPreview ?? "").includes(search)
    );
  }
  return true;
}

function compareRecords(a: TaskRecord, b: TaskRecord, query: TaskQuery): number {
  const field = query.sortBy ?? "updatedAt";
  const left = a[field] ?? "";
  const right = b[field] ?? "";
  const order = left < right ? -1 : left > right ? 1 : 0;
  return (query.sortOrder ?? "desc") === "desc" ? -order : order;
}

/** A TaskDB that serves recorded entries before the real database's. */
export class RecordingTaskDB implements TaskDB {
  readonly synchronous: boolean;
  /** The real database behind the recordings. */
  readonly inner: TaskDB;
  /** The recording files, searched in order; record mode writes to the first. */
  readonly files: readonly string[];
  readonly dataVersion?: () => number;
  /** The database's leases (`singleFlight: "machine"`), when it has them. */
  readonly claimLease?: LeaseMethods["claimLease"];
  readonly renewLease?: LeaseMethods["renewLease"];
  readonly releaseLease?: LeaseMethods["releaseLease"];
  readonly getLease?: LeaseMethods["getLease"];
  /** The database's hit counting; hits on recorded entries (no row there) are ignored by it. */
  readonly addHits?: (counts: ReadonlyMap<string, number>) => Awaitable<void>;
  private readonly options: RecordingLayerOptions;
  /** Recorded entries by key, as the hit path reads them (the same object on every hit). */
  private readonly recorded = new Map<string, ServedEntry>();
  /** Identities whose fresh results go to the recording (functions in record mode). */
  private readonly recordingIdentities = new Set<string>();
  /** Rows written by recording functions since the last `persist`. */
  private readonly captured = new Map<string, TaskWrite>();

  constructor(inner: TaskDB, files: readonly string[], options: RecordingLayerOptions) {
    this.inner = inner;
    // Absolute now: a later change of the current folder must not move where recordings go.
    this.files = files.map((file) => path.resolve(file));
    this.options = options;
    this.synchronous = inner.synchronous;
    if (inner.dataVersion !== undefined) this.dataVersion = () => inner.dataVersion?.() ?? 0;
    if (supportsLeases(inner)) {
      this.claimLease = (key, holder, now, expiresAt, takeOverFrom) =>
        inner.claimLease(key, holder, now, expiresAt, takeOverFrom);
      this.renewLease = (key, holderId, expiresAt) => inner.renewLease(key, holderId, expiresAt);
      this.releaseLease = (key, holderId) => inner.releaseLease(key, holderId);
      this.getLease = (key) => inner.getLease(key);
    }
    if (inner.addHits !== undefined) this.addHits = (counts) => inner.addHits?.(counts);
    for (const file of this.files) {
      const entries = readRecordingFile(file);
      if (entries === undefined) {
        if (options.mode === "replay") {
          throw new ConfigurationError(
            `Recording ${file} (option \`fixtures\`) does not exist, and replay mode serves every result from recordings. Check the path (relative paths start at the current folder, ${process.cwd()}), or make the recording first: run once with BEAUTYSPOT_MODE=record.`,
          );
        }
        continue;
      }
      for (const entry of entries) {
        // The first file that has a key wins.
        if (!this.recorded.has(entry.cacheKey)) this.recorded.set(entry.cacheKey, toServed(entry));
      }
    }
  }

  /** The database file, for messages and the blob folder's owner. */
  get path(): unknown {
    return (this.inner as { path?: unknown }).path;
  }

  /** Sends the fresh results of `identity` to the recording file from now on (record mode). */
  recordFunction(identity: string): void {
    this.recordingIdentities.add(identity);
  }

  /** How many entries the recordings hold. */
  get recordedEntries(): number {
    return this.recorded.size;
  }

  /** The arguments a key was stored with: the recording's entry first, as `get` reads it. */
  inputsOf(cacheKey: string): Awaitable<StoredInputs | undefined> {
    const recorded = this.recorded.get(cacheKey);
    if (recorded !== undefined) return recorded.inputs;
    return typeof this.inner.inputsOf === "function" ? this.inner.inputsOf(cacheKey) : undefined;
  }

  /**
   * The newest entries of a function with their arguments, recorded and stored together (a key
   * in both is the recording's, as `get` serves it), newest first: what explanations compare a
   * call with, so a replay miss against a recording names the differing arguments.
   */
  recentInputs(funcName: string, funcIdentifier: string, limit: number): Awaitable<StoredInputs[]> {
    const recorded: StoredInputs[] = [];
    for (const { inputs } of this.recorded.values()) {
      if (inputs.funcIdentifier === funcIdentifier) recorded.push(inputs);
    }
    const stored =
      typeof this.inner.recentInputs === "function"
        ? this.inner.recentInputs(funcName, funcIdentifier, limit)
        : [];
    if (recorded.length === 0) return stored;
    return chain(stored, (rows) => {
      const merged = [...recorded, ...rows.filter((row) => !this.recorded.has(row.cacheKey))];
      // Stable: equal times keep the database's own order.
      merged.sort((a, b) => b.updatedAt - a.updatedAt);
      return merged.slice(0, limit);
    });
  }

  get(cacheKey: string): Awaitable<StoredTask | undefined> {
    const recorded = this.recorded.get(cacheKey);
    return recorded === undefined ? this.inner.get(cacheKey) : recorded.row;
  }

  saveMany(rows: readonly TaskWrite[]): Awaitable<void> {
    return chain(this.inner.saveMany(rows), () => {
      for (const row of rows) {
        // The database now has a fresher value than the recording: serve that one.
        this.recorded.delete(row.cacheKey);
        if (this.recordingIdentities.has(row.funcIdentifier)) this.captured.set(row.cacheKey, row);
      }
    });
  }

  delete(cacheKey: string): Awaitable<TaskRecord | undefined> {
    const recorded = this.recorded.get(cacheKey);
    // The recording file is read-only: the entry is only hidden from this Spot.
    this.recorded.delete(cacheKey);
    this.captured.delete(cacheKey);
    return chain(this.inner.delete(cacheKey), (removed) => removed ?? recorded?.record);
  }

  /** Recorded entries matching `filter` that the database does not shadow. */
  private visibleRecorded(filter: TaskFilter): Awaitable<TaskRecord[]> {
    const candidates = [...this.recorded.values()].filter(({ record }) =>
      matchesFilter(record, filter),
    );
    const visible: TaskRecord[] = [];
    const check = (index: number): Awaitable<TaskRecord[]> => {
      for (let at = index; at < candidates.length; at++) {
        const candidate = candidates[at] as { record: TaskRecord };
        const shadow = this.inner.get(candidate.record.cacheKey);
        if (isPromiseLike(shadow)) {
          return Promise.resolve(shadow).then((row) => {
            if (row === undefined) visible.push(candidate.record);
            return check(at + 1);
          });
        }
        if (shadow === undefined) visible.push(candidate.record);
      }
      return visible;
    };
    return candidates.length === 0 ? visible : check(0);
  }

  list(query: TaskQuery): Awaitable<TaskRecord[]> {
    if (this.recorded.size === 0) return this.inner.list(query);
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    return chain(this.inner.list({ ...query, offset: 0, limit: offset + limit }), (rows) =>
      chain(this.visibleRecorded(query), (recorded) =>
        [...rows, ...recorded]
          .sort((a, b) => compareRecords(a, b, query))
          .slice(offset, offset + limit),
      ),
    );
  }

  count(filter: TaskFilter): Awaitable<number> {
    if (this.recorded.size === 0) return this.inner.count(filter);
    return chain(this.inner.count(filter), (rows) =>
      chain(this.visibleRecorded(filter), (recorded) => rows + recorded.length),
    );
  }

  /** Totals of the database only (recordings are files in the project, not cache storage). */
  stats(now: number): Awaitable<TaskStats> {
    return this.inner.stats(now);
  }

  deleteMatching(
    deletion: TaskDeletion,
    onBatch: (removed: TaskRecord[]) => Awaitable<void>,
    batchSize?: number,
  ): Awaitable<number> {
    return this.inner.deleteMatching(deletion, onBatch, batchSize);
  }

  hasLocation(location: string): Awaitable<boolean> {
    return this.inner.hasLocation(location);
  }

  keysWithPrefix(prefix: string, limit: number): Awaitable<string[]> {
    return chain(this.inner.keysWithPrefix(prefix, limit), (keys) => {
      const merged = new Set(keys);
      for (const key of this.recorded.keys()) if (key.startsWith(prefix)) merged.add(key);
      return [...merged].sort().slice(0, limit);
    });
  }

  functions(): Awaitable<{ funcIdentifier: string; funcName: string; rows: number }[]> {
    return chain(this.inner.functions(), (known) =>
      chain(this.visibleRecorded({}), (recorded) => {
        const byIdentity = new Map(known.map((entry) => [entry.funcIdentifier, { ...entry }]));
        for (const record of recorded) {
          const entry = byIdentity.get(record.funcIdentifier);
          if (entry === undefined) {
            byIdentity.set(record.funcIdentifier, {
              funcIdentifier: record.funcIdentifier,
              funcName: record.funcName,
              rows: 1,
            });
          } else entry.rows++;
        }
        return [...byIdentity.values()];
      }),
    );
  }

  /**
   * Writes the results recorded since the last call to the first recording file, merged with
   * what it holds now. Returns what was written, or `undefined` when there was nothing new.
   */
  async persist(): Promise<RecordingWriteReport | undefined> {
    const file = this.files[0];
    if (file === undefined || this.captured.size === 0) return undefined;
    const rows = [...this.captured.values()];
    this.captured.clear();
    const fresh: RecordedEntry[] = [];
    for (const row of rows) {
      try {
        fresh.push(await this.toRecordedEntry(row));
      } catch (error) {
        this.options.logger.warn(
          `The result of ${row.funcIdentifier} (key ${row.cacheKey}) could not be added to the recording ${file}: ${describeError(error)}. Record it again.`,
        );
      }
    }
    if (fresh.length === 0) return undefined;
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    return withFileLock(`${file}.lock`, () => {
      const merged = new Map<string, RecordedEntry>();
      for (const entry of readRecordingFile(file) ?? []) merged.set(entry.cacheKey, entry);
      for (const entry of fresh) merged.set(entry.cacheKey, entry);
      return writeRecordingFile(file, merged.values());
    });
  }

  private async toRecordedEntry(row: TaskWrite): Promise<RecordedEntry> {
    const bytes =
      row.resultData ??
      (row.resultValue === null ? null : await this.options.storage.load(row.resultValue));
    if (bytes === null) throw new Error("the row holds no value");
    return toRecordedEntry(row, bytes, row);
  }

  async close(): Promise<void> {
    try {
      await this.persist();
    } finally {
      await this.inner.close();
    }
  }
}

/** A recorded entry as the hit path, the maintenance API and explanations read it. */
interface ServedEntry {
  readonly row: StoredTask;
  readonly record: TaskRecord;
  readonly inputs: StoredInputs;
}

/** A recorded entry as the hit path reads it: inline, never expiring (recordings are fixtures). */
function toServed(entry: RecordedEntry): ServedEntry {
  const updatedAt = new Date(entry.updatedAt).toISOString();
  return {
    row: {
      cacheKey: entry.cacheKey,
      funcName: entry.funcName,
      funcIdentifier: entry.funcIdentifier,
      inputId: entry.inputId,
      version: entry.version,
      resultType: "DIRECT_BLOB",
      resultValue: null,
      resultData: entry.bytes,
      contentType: entry.contentType,
      size: entry.bytes.byteLength,
      digest: entry.digest,
      updatedAt: entry.updatedAt,
      expiresAt: null,
    },
    record: {
      cacheKey: entry.cacheKey,
      funcName: entry.funcName,
      funcIdentifier: entry.funcIdentifier,
      inputId: entry.inputId,
      version: entry.version,
      resultType: "DIRECT_BLOB",
      contentType: entry.contentType,
      resultValue: null,
      size: entry.bytes.byteLength,
      updatedAt,
      expiresAt: null,
      inputPreview: entry.inputPreview ?? null,
      durationMs: null,
      tokens: null,
      hits: 0,
    },
    inputs: {
      cacheKey: entry.cacheKey,
      funcName: entry.funcName,
      funcIdentifier: entry.funcIdentifier,
      inputId: entry.inputId,
      version: entry.version,
      updatedAt: entry.updatedAt,
      expiresAt: null,
      arguments: entry.arguments ?? null,
      inputPreview: entry.inputPreview ?? null,
    },
  };
}

/** Runs `work` holding the lock file `lock` (created exclusively; a stale one is taken over). */
async function withFileLock<T>(lock: string, work: () => T): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const stat = fs.statSync(lock, { throwIfNoEntry: false });
      if (stat !== undefined && Date.now() - stat.mtimeMs > STALE_LOCK_MS) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ConfigurationError(
          `The recording is locked by another process (${lock}) for more than ${LOCK_WAIT_MS / 1000} s. If no test run is writing it, delete ${lock} and record again.`,
        );
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, LOCK_RETRY_MS));
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * The Spot's database with its recordings in front (the composition root calls this once).
 * Without `fixtures` the database is returned unchanged: no layer, no cost.
 */
export function openRecordingLayer(
  db: TaskDB,
  fixtures: readonly string[] | undefined,
  options: RecordingLayerOptions,
): TaskDB {
  return fixtures === undefined ? db : new RecordingTaskDB(db, fixtures, options);
}

/** Writes pending recordings of a Spot's database, if it has a recording layer. */
export async function persistRecordings(db: TaskDB): Promise<void> {
  if (db instanceof RecordingTaskDB) await db.persist();
}

/** Registers a function in record mode with the recording layer, if there is one. */
export function trackRecordingFunction(db: TaskDB, identity: string): void {
  if (db instanceof RecordingTaskDB) db.recordFunction(identity);
}
