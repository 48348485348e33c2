/**
 * @module maintenance/service — listing, inspection and clean-up of a cache, over the TaskDB and
 * BlobStorage contracts. The CLI and the dashboard use this same API.
 */

import fs from "node:fs";
import path from "node:path";
import { isPostgresUri } from "../db/postgres/connection.js";
import { PostgresTaskDB } from "../db/postgres/postgres-task-db.js";
import { SQLiteTaskDB } from "../db/sqlite/sqlite-task-db.js";
import type {
  GroupStats,
  TaskDB,
  TaskFilter,
  TaskQuery,
  TaskRecord,
  TaskStats,
} from "../db/types.js";
import { ConfigurationError, ValidationError } from "../errors.js";
import { readStoredArguments } from "../keys/arguments.js";
import { type Explanation, explainMiss } from "../keys/explain.js";
import { consoleLogger } from "../logger.js";
import { MsgpackSerializer } from "../serializer/msgpack.js";
import type { Serializer } from "../serializer/types.js";
import { LocationStorage } from "../storage/by-location.js";
import { createStorage } from "../storage/create.js";
import { LocalStorage } from "../storage/local.js";
import type { BlobStorage } from "../storage/types.js";
import type { Logger } from "../types.js";
import {
  decodeForInspection,
  findIntegrityProblem,
  loadStoredBytes,
  type TaskDetail,
  toTaskRecord,
} from "./detail.js";
import {
  deleteBlobsOfRecords,
  deleteUnreferencedBlob,
  type GarbageScanOptions,
  iterateOrphanBlobs,
  readGraceMs,
} from "./garbage.js";
import {
  type BlobFolderScan,
  type DatabaseSummary,
  deleteOrphanProject,
  findOtherOwners,
  inferBlobDirectory,
  listDatabases,
  type OrphanProject,
  scanBlobFolders,
  scanOrphanProjects,
} from "./projects.js";

/** What a MaintenanceService works on. */
export interface MaintenanceServiceOptions {
  db: TaskDB;
  storage: BlobStorage;
  /**
   * Decodes values for `getTaskDetail`. Values it cannot decode are rescued as raw data.
   * @default a `MsgpackSerializer` without registered classes
   */
  serializer?: Serializer;
  /** Where problems that do not stop an operation (an undeletable blob) are reported. @default console */
  logger?: Logger;
}

/** Options of `prune`. */
export interface PruneOptions {
  /** Entries last written more than this many days ago are removed. `0` removes everything older than now. */
  olderThanDays: number;
  /**
   * Only this function's entries: its full identity (`Class.method`), matched exactly, or a short
   * name (`method`) that only one function has. A short name several functions share is refused
   * with a ValidationError naming their identities. An identity costs one index probe; a short
   * name is looked up among every function (a full scan: about 2 s at a million rows), so pass
   * identities on large caches. @default every function
   */
  func?: string;
}

/** Options of `clear`. */
export interface ClearOptions {
  /**
   * Only this function's entries: its full identity, or a short name only one function has (see
   * `PruneOptions.func`). @default every function
   */
  func?: string;
}

/** Options of `cleanGarbage`. */
export interface CleanGarbageOptions extends GarbageScanOptions {
  /**
   * Also remove expired entries (and their blobs) first.
   * @default true
   */
  expired?: boolean;
}

/** What `cleanGarbage` removed. */
export interface CleanGarbageReport {
  /** Expired rows removed (their blobs went with them). */
  expiredRows: number;
  /** Blobs no row referenced, older than the grace period. */
  orphanBlobs: number;
  /**
   * Temp files of blob writes that are over (`*.spot_tmp` named by beautyspot: its writer has
   * exited, or it is older than the grace period and not a running process's).
   */
  tempFiles: number;
  /**
   * Empty folders removed from the blob storage. Always 0 for local folders: beautyspot creates
   * no subfolders in them, and never removes folders it did not create.
   */
  emptyDirs: number;
}

/** A function with entries in the cache. */
export interface FunctionSummary {
  /** Identity used in keys (`module.Class.method` or the `name` option). */
  funcIdentifier: string;
  /** Short name as shown in lists. */
  funcName: string;
  rows: number;
}

/**
 * What the cache saved, for one function or in total. The hit rate counts every stored entry as
 * the one computed call it took (its miss): hits / (hits + entries), the share of the calls
 * these entries answered that did not run the function. Misses whose result was not stored (an
 * error, bypass mode) and entries deleted or replaced since are not counted.
 */
export interface SavedFigures {
  /** Hits served from the cache, as counted so far (a running program writes its counts in batches). */
  hits: number;
  /** hits / (hits + entries), from 0 to 1; 0 when there are no entries. */
  hitRate: number;
  /** Sum of hits × duration of the original call, where the duration is recorded (ms). */
  timeSavedMs: number;
  /** Sum of hits × tokens of the original call, where tokens are recorded. */
  tokensSaved: number;
  /**
   * Entries whose duration is recorded. 0 with entries means time saved is not recorded (entries
   * of the Python library, or from before this was recorded); absent when the TaskDB cannot tell.
   */
  timedRows?: number;
  /** Entries whose token count is recorded; 0 means tokens saved are not recorded. As `timedRows`. */
  tokenRows?: number;
}

/** A function's entries, bytes and what the cache saved, as `MaintenanceService.stats` gives them. */
export interface FunctionStats extends GroupStats, SavedFigures {}

/** `MaintenanceService.stats`: the TaskDB's totals, plus what the cache saved per function and in total. */
export interface CacheStats extends TaskStats, SavedFigures {
  byFunction: Record<string, FunctionStats>;
}

/** hits / (hits + entries): the share of calls served from the cache (see `SavedFigures`). */
export function computeHitRate(hits: number, entries: number): number {
  return hits + entries === 0 ? 0 : hits / (hits + entries);
}

/** Adds the hit rates and the totals of what the cache saved to a TaskDB's stats. */
function addSavedFigures(stats: TaskStats): CacheStats {
  const total: SavedFigures = { hits: 0, hitRate: 0, timeSavedMs: 0, tokensSaved: 0 };
  let timedRows: number | undefined = 0;
  let tokenRows: number | undefined = 0;
  const byFunction = new Map<string, FunctionStats>();
  for (const [name, group] of Object.entries(stats.byFunction)) {
    // A TaskDB written for an earlier contract may leave the figures out: they read as none.
    const hits = group.hits ?? 0;
    const figures: FunctionStats = {
      ...group,
      hits,
      timeSavedMs: group.timeSavedMs ?? 0,
      tokensSaved: group.tokensSaved ?? 0,
      hitRate: computeHitRate(hits, group.rows),
    };
    total.hits += figures.hits;
    total.timeSavedMs += figures.timeSavedMs;
    total.tokensSaved += figures.tokensSaved;
    timedRows =
      group.timedRows === undefined || timedRows === undefined
        ? undefined
        : timedRows + group.timedRows;
    tokenRows =
      group.tokenRows === undefined || tokenRows === undefined
        ? undefined
        : tokenRows + group.tokenRows;
    byFunction.set(name, figures);
  }
  total.hitRate = computeHitRate(total.hits, stats.rows);
  if (timedRows !== undefined) total.timedRows = timedRows;
  if (tokenRows !== undefined) total.tokenRows = tokenRows;
  // fromEntries defines own properties, so a function named "__proto__" stays an ordinary key.
  return { ...stats, ...total, byFunction: Object.fromEntries(byFunction) };
}

/** At most this many candidates are returned for an ambiguous key prefix: enough to pick from. */
const MAX_PREFIX_CANDIDATES = 20;
const MS_PER_DAY = 86_400_000;
/** Blob rows read per query while `stats` measures unrecorded sizes: bounded memory. */
const UNSIZED_BLOB_BATCH = 1000;

/** Adds bytes to the group `name` (NULL groups are "(none)", as the database reports them). */
function addGroupBytes(
  groups: Record<string, { rows: number; bytes: number }>,
  name: string | null,
  bytes: number,
): void {
  const label = name ?? "(none)";
  if (Object.hasOwn(groups, label)) (groups[label] as { bytes: number }).bytes += bytes;
}

function readFunctionFilter(func: unknown): string | undefined {
  if (func === undefined) return undefined;
  if (typeof func !== "string" || func === "") {
    throw new ValidationError(
      `func must be a function identity or short name, got ${JSON.stringify(func)}. Leave it unset to cover every function.`,
    );
  }
  return func;
}

/**
 * Listing, inspection and clean-up of one cache (a TaskDB and its BlobStorage). Every bulk
 * operation streams: rows are removed in batches and blobs are listed one at a time, so memory
 * stays flat at a million entries.
 *
 * @example
 * const maintenance = MaintenanceService.fromPath(".beautyspot/my_app.db");
 * console.log(await maintenance.stats());
 * await maintenance.cleanGarbage();
 * maintenance.close();
 */
export class MaintenanceService {
  readonly db: TaskDB;
  readonly storage: BlobStorage;
  readonly serializer: Serializer;
  readonly #logger: Logger;
  /** Set by `fromPath`: the service opened the database, so `close` closes it. */
  #ownsDatabase = false;

  constructor(options: MaintenanceServiceOptions) {
    if (options === null || typeof options !== "object") {
      throw new ValidationError(
        "MaintenanceService needs { db, storage }. Use MaintenanceService.fromPath(dbPath) to open a database file.",
      );
    }
    const { db, storage } = options;
    if (db === null || typeof db !== "object" || typeof db.get !== "function") {
      throw new ValidationError(
        "MaintenanceService option `db` must be a TaskDB (such as new SQLiteTaskDB(path)).",
      );
    }
    if (storage === null || typeof storage !== "object" || typeof storage.listKeys !== "function") {
      throw new ValidationError(
        "MaintenanceService option `storage` must be a BlobStorage (such as new LocalStorage(folder)).",
      );
    }
    this.db = db;
    this.storage = storage;
    this.serializer = options.serializer ?? new MsgpackSerializer();
    this.#logger = options.logger ?? consoleLogger;
  }

  /**
   * Opens an existing database file for maintenance. Its blobs are looked for in
   * `<workspace>/blobs/<name>/` (the default layout for `<workspace>/<name>.db`) unless `blobDir`
   * is given. Values are decoded without registered classes, so custom classes come back as
   * rescued raw data. Never creates a database: a missing file is a ConfigurationError. Never
   * migrates one either: a file an older version or the Python library wrote keeps its columns
   * (deletions work on it as it is). A `postgres://` URI opens a PostgresTaskDB the same way
   * (never migrated); `blobDir` may then also be an `s3://` or `gs://` URI.
   */
  static fromPath(dbPath: string, blobDir?: string): MaintenanceService {
    if (isPostgresUri(dbPath)) return MaintenanceService.#fromPostgres(dbPath, blobDir);
    if (typeof dbPath !== "string" || dbPath === "") {
      throw new ValidationError(
        `The database path must be a file path, got ${JSON.stringify(dbPath)}. Pass a file such as .beautyspot/my_app.db.`,
      );
    }
    const stat = fs.statSync(dbPath, { throwIfNoEntry: false });
    if (stat === undefined) {
      throw new ConfigurationError(
        `Database ${dbPath} does not exist. Check the path; \`beautyspot list\` shows the databases of a workspace.`,
      );
    }
    if (!stat.isFile()) {
      throw new ConfigurationError(
        `${dbPath} is not a database file. Pass the .db file itself, such as ${path.join(dbPath, "my_app.db")}.`,
      );
    }
    if (blobDir !== undefined && (typeof blobDir !== "string" || blobDir === "")) {
      throw new ValidationError(
        `The blob folder must be a folder path, got ${JSON.stringify(blobDir)}. Leave it unset to use <workspace>/blobs/<name>/.`,
      );
    }
    // Maintenance leaves the file in its shape: a database the Python library wrote stays one.
    const db = new SQLiteTaskDB(dbPath, { migrate: false });
    let storage: BlobStorage;
    try {
      storage = new LocalStorage(blobDir ?? inferBlobDirectory(path.resolve(dbPath)));
    } catch (error) {
      db.close();
      throw error;
    }
    const service = new MaintenanceService({ db, storage, serializer: new MsgpackSerializer() });
    service.#ownsDatabase = true;
    return service;
  }

  /**
   * A `postgres://` database for maintenance: never migrated (one without beautyspot's tables is
   * refused at the first query). Blobs are read from `blobDir` (a folder, `s3://` or `gs://` URI);
   * without it, from the S3 or GCS locations the rows hold.
   */
  static #fromPostgres(uri: string, blobDir: string | undefined): MaintenanceService {
    if (blobDir !== undefined && (typeof blobDir !== "string" || blobDir === "")) {
      throw new ValidationError(
        `The blob storage must be a folder path or an s3:// or gs:// URI, got ${JSON.stringify(blobDir)}.`,
      );
    }
    const db = new PostgresTaskDB(uri, { migrate: false, maxConnections: 4 });
    let storage: BlobStorage;
    try {
      storage =
        blobDir === undefined
          ? new LocationStorage(
              "the blob storage the Spot uses (`--blob-dir <folder or s3:// URI>` on the command line)",
            )
          : createStorage(blobDir);
    } catch (error) {
      void db.close();
      throw error;
    }
    const service = new MaintenanceService({ db, storage, serializer: new MsgpackSerializer() });
    service.#ownsDatabase = true;
    return service;
  }

  /**
   * One page of entries, newest first unless `sortBy` / `sortOrder` say otherwise. `func` is a
   * full identity, matched exactly, or a short name only one function has; a short name several
   * functions share is a ValidationError naming their identities.
   */
  async listTasks(query: TaskQuery = {}): Promise<TaskRecord[]> {
    const func = await this.#resolveFunction(query.func);
    return await this.db.list(func === undefined ? query : { ...query, func });
  }

  /** How many entries match `filter` (`func` as in `listTasks`). */
  async countTasks(filter: TaskFilter = {}): Promise<number> {
    const func = await this.#resolveFunction(filter.func);
    return await this.db.count(func === undefined ? filter : { ...filter, func });
  }

  /**
   * An entry's record and value, or `undefined` when there is no such entry. Damaged bytes never
   * throw: `value` is `undefined` and `error` says what is wrong. A value that no longer decodes is
   * rescued as raw data (`rescued: true`).
   */
  async getTaskDetail(cacheKey: string): Promise<TaskDetail | undefined> {
    const stored = await this.db.get(cacheKey);
    if (stored === undefined) return undefined;
    // The record as stored, damaged fields named: the hit-path row has them replaced already.
    const record =
      (typeof this.db.getRecord === "function" ? await this.db.getRecord(cacheKey) : undefined) ??
      toTaskRecord(stored);
    const loaded = await loadStoredBytes(stored, this.storage);
    if ("error" in loaded) return { record, value: undefined, rescued: false, error: loaded.error };
    const problem = findIntegrityProblem(stored, loaded.bytes);
    if (problem !== undefined) return { record, value: undefined, rescued: false, error: problem };
    return { record, ...decodeForInspection(this.serializer, loaded.bytes) };
  }

  /** Removes an entry: its row first, then its blob (a missing blob is fine). Returns whether it existed. */
  async deleteTask(cacheKey: string): Promise<boolean> {
    if (typeof cacheKey !== "string" || cacheKey === "") {
      throw new ValidationError(
        `deleteTask needs a cache key, got ${JSON.stringify(cacheKey)}. Use resolveKeyPrefix to turn a prefix into a key.`,
      );
    }
    const removed = await this.db.delete(cacheKey);
    if (removed === undefined) return false;
    if (removed.resultType === "FILE" && removed.resultValue !== null) {
      await deleteUnreferencedBlob(
        this.db,
        this.storage,
        removed.resultValue,
        this.#logger,
        cacheKey,
      );
    }
    return true;
  }

  /** Removes entries last written more than `olderThanDays` days ago, with their blobs. Returns the count. */
  async prune(options: PruneOptions): Promise<number> {
    const olderThanDays = options?.olderThanDays;
    if (typeof olderThanDays !== "number" || !Number.isFinite(olderThanDays) || olderThanDays < 0) {
      throw new ValidationError(
        `olderThanDays must be a finite number of days >= 0, got ${String(olderThanDays)}. Example: prune({ olderThanDays: 30 }).`,
      );
    }
    const func = await this.#resolveFunction(options.func);
    const updatedBefore = Date.now() - olderThanDays * MS_PER_DAY;
    return await this.db.deleteMatching({ func, updatedBefore }, (removed) =>
      this.#deleteBlobs(removed),
    );
  }

  /** Removes every entry (or every entry of `func`), with their blobs. Returns the count. */
  async clear(options: ClearOptions = {}): Promise<number> {
    const func = await this.#resolveFunction(options.func);
    return await this.db.deleteMatching(func === undefined ? {} : { func }, (removed) =>
      this.#deleteBlobs(removed),
    );
  }

  /** Streams the locations of orphan blobs: no row references them and they are older than the grace period. */
  iterateGarbage(options: GarbageScanOptions = {}): AsyncGenerator<string> {
    return iterateOrphanBlobs(this.db, this.storage, readGraceMs(options));
  }

  /** The locations of orphan blobs (see `iterateGarbage`); memory grows with the orphans only. */
  async scanGarbage(options: GarbageScanOptions = {}): Promise<string[]> {
    const orphans: string[] = [];
    for await (const location of this.iterateGarbage(options)) orphans.push(location);
    return orphans;
  }

  /**
   * Removes expired entries and their blobs, then orphan blobs older than the grace period, then
   * leftovers of interrupted writes and empty folders.
   */
  async cleanGarbage(options: CleanGarbageOptions = {}): Promise<CleanGarbageReport> {
    const graceMs = readGraceMs(options);
    const report: CleanGarbageReport = {
      expiredRows: 0,
      orphanBlobs: 0,
      tempFiles: 0,
      emptyDirs: 0,
    };
    if (options.expired ?? true) {
      report.expiredRows = await this.db.deleteMatching({ expiredAt: Date.now() }, (removed) =>
        this.#deleteBlobs(removed),
      );
    }
    for await (const location of iterateOrphanBlobs(this.db, this.storage, graceMs)) {
      if (await deleteUnreferencedBlob(this.db, this.storage, location, this.#logger)) {
        report.orphanBlobs += 1;
      }
    }
    if (this.storage.cleanTemporary !== undefined) {
      const leftovers = await this.storage.cleanTemporary(graceMs);
      report.tempFiles = leftovers.tempFiles;
      report.emptyDirs = leftovers.emptyDirs;
    }
    return report;
  }

  /**
   * Deletes the given blob locations that no row references (typically what `scanGarbage`
   * found), calling `onEach` after each one so a caller can show progress. A location a row
   * references again (the same key was saved since the scan) is kept. Returns how many were
   * removed.
   */
  async removeOrphans(locations: Iterable<string>, onEach?: () => void): Promise<number> {
    let removed = 0;
    for (const location of locations) {
      if (await deleteUnreferencedBlob(this.db, this.storage, location, this.#logger)) removed += 1;
      onEach?.();
    }
    return removed;
  }

  /**
   * The full key for a key or a key prefix: the key itself on an exact or unique match, the
   * candidates (at most 20) when several keys share the prefix, `undefined` when none does.
   */
  async resolveKeyPrefix(prefix: string): Promise<string | string[] | undefined> {
    if (typeof prefix !== "string" || !/^[0-9a-f]+$/i.test(prefix)) {
      throw new ValidationError(
        `${JSON.stringify(prefix)} is not a cache key prefix: keys are hexadecimal (0-9, a-f). Copy the start of a key from \`beautyspot list\`.`,
      );
    }
    // Keys are lowercase sha256 hex; a prefix copied in uppercase still finds them.
    const normalized = prefix.toLowerCase();
    const keys = await this.db.keysWithPrefix(normalized, MAX_PREFIX_CANDIDATES);
    if (keys.length === 0) return undefined;
    if (keys.length === 1 || keys[0] === normalized) return keys[0];
    return keys;
  }

  /**
   * Totals for the whole cache: rows, bytes (inline and blob), expired rows, per function and
   * content type, and what the cache saved (hits, hit rate, time and tokens saved) per function
   * and in total. Blob rows without a recorded size (written by the Python library) are measured
   * from their files, a batch of rows at a time.
   */
  async stats(): Promise<CacheStats> {
    return addSavedFigures(await this.#measuredStats());
  }

  async #measuredStats(): Promise<TaskStats> {
    const stats = await this.db.stats(Date.now());
    if (stats.unsizedBlobs === undefined) return stats;
    if (typeof this.db.unsizedBlobs !== "function" || typeof this.storage.getSize !== "function") {
      return stats;
    }
    // Rowids may be negative when another writer chose them.
    let afterRowid = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const batch = await this.db.unsizedBlobs(afterRowid, UNSIZED_BLOB_BATCH);
      for (const blob of batch) {
        afterRowid = blob.rowid;
        if (blob.location === null) continue;
        let size: number | undefined;
        try {
          size = await this.storage.getSize(blob.location);
        } catch {
          // An unreadable blob counts as 0 bytes here; `show` says what is wrong with it.
        }
        if (size === undefined) continue;
        stats.bytes += size;
        stats.blobBytes += size;
        addGroupBytes(stats.byFunction, blob.funcIdentifier, size);
        addGroupBytes(stats.byContentType, blob.contentType, size);
      }
      if (batch.length < UNSIZED_BLOB_BATCH) break;
      // Hand the event loop back between batches: a dashboard stays responsive meanwhile.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    delete stats.unsizedBlobs;
    return stats;
  }

  /**
   * Why a stored entry exists beside the others of its function: its arguments (redacted) and
   * the nearest other entries with what differs (version, argument paths with both values).
   * `undefined` when there is no entry with this key. Works on databases written before
   * arguments were stored (entries without them show only version and input-id differences).
   */
  async explainEntry(cacheKey: string): Promise<Explanation | undefined> {
    const inputs =
      typeof this.db.inputsOf === "function" ? await this.db.inputsOf(cacheKey) : undefined;
    const entry = inputs ?? (await this.db.get(cacheKey));
    if (entry === undefined) return undefined;
    return await explainMiss(this.db, {
      funcName: entry.funcName,
      funcIdentifier: entry.funcIdentifier,
      version: entry.version,
      cacheKey,
      inputId: entry.inputId,
      arguments: inputs === undefined ? undefined : readStoredArguments(inputs.arguments),
      ...(inputs?.inputPreview == null ? {} : { inputPreview: inputs.inputPreview }),
      status: "stored",
    });
  }

  /**
   * `explainEntry` for the newest entry of a function (full identity, or a short name only one
   * function has): what its newest call changed compared with the entries before it.
   * `undefined` when the function has no entries.
   */
  async explainFunction(func: string): Promise<Explanation | undefined> {
    const identity = await this.#resolveFunction(func);
    if (identity === undefined) return undefined;
    const [newest] = await this.db.list({ func: identity, limit: 1 });
    return newest === undefined ? undefined : await this.explainEntry(newest.cacheKey);
  }

  /** The functions with entries, for filters and for "unknown function" messages. */
  async functions(): Promise<FunctionSummary[]> {
    return await this.db.functions();
  }

  /**
   * Blob folders under `<workspace>/blobs/` that beautyspot made and whose databases are all
   * provably gone (the owner records in the folder name them; see `scanBlobFolders`).
   */
  static scanOrphanProjects(workspace: string): Promise<OrphanProject[]> {
    return scanOrphanProjects(workspace);
  }

  /**
   * `scanOrphanProjects` plus the folders gc keeps because it cannot prove them abandoned
   * (`kept`, each with its reason): folders holding files beautyspot did not write, folders
   * without an owner record (made by an earlier release), a `blobs` folder that is a link.
   */
  static scanBlobFolders(workspace: string): Promise<BlobFolderScan> {
    return scanBlobFolders(workspace);
  }

  /**
   * Deletes an orphan project's blob folder, file by file, after proving it again: refuses
   * (ConfigurationError, with the reason) when its database still exists or it is not provably
   * an orphan (see `scanBlobFolders`). Returns `false` when there is no such folder.
   */
  static deleteOrphanProject(workspace: string, name: string): Promise<boolean> {
    return deleteOrphanProject(workspace, name);
  }

  /**
   * The databases other than `databasePath` that the owner records of blob folder `blobDir`
   * name (`null` for a TaskDB without a file). When there are any, orphans of that folder cannot
   * be judged against `databasePath` alone: `beautyspot clean` and `gc` refuse to.
   */
  static findOtherOwners(blobDir: string, databasePath: string): (string | null)[] {
    return findOtherOwners(blobDir, databasePath);
  }

  /** The `*.db` files of a workspace with size, entry count and last update (opened read-only). */
  static listDatabases(workspace: string): Promise<DatabaseSummary[]> {
    return listDatabases(workspace);
  }

  /** Closes the database when this service opened it (`fromPath`); a given db stays open for its owner. */
  close(): void {
    if (this.#ownsDatabase) void this.db.close();
  }

  /**
   * The identity a `func` filter names: itself when a function has that identity (one indexed
   * probe, the common case), else the one function whose short name it is. A short name several
   * functions share is refused rather than silently matching them all.
   */
  async #resolveFunction(func: unknown): Promise<string | undefined> {
    const name = readFunctionFilter(func);
    if (name === undefined) return undefined;
    if ((await this.db.list({ func: name, limit: 1 })).length > 0) return name;
    const owners = (await this.db.functions()).filter((summary) => summary.funcName === name);
    if (owners.length <= 1) return owners[0]?.funcIdentifier ?? name;
    const identities = owners.map((summary) => summary.funcIdentifier).join(", ");
    throw new ValidationError(
      `Function name ${JSON.stringify(name)} is ambiguous: ${owners.length} functions have it as their short name (${identities}). Pass the full identity of the one you mean.`,
    );
  }

  async #deleteBlobs(removed: TaskRecord[]): Promise<void> {
    await deleteBlobsOfRecords(this.db, this.storage, removed, this.#logger);
  }
}

export type { TaskDetail } from "./detail.js";
export type { GarbageScanOptions } from "./garbage.js";
export type {
  BlobFolderScan,
  DatabaseSummary,
  KeptBlobFolder,
  OrphanProject,
} from "./projects.js";
