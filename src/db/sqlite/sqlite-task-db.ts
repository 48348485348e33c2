/** @module db/sqlite/sqlite-task-db — the default TaskDB: one SQLite file in WAL mode, shareable by several processes. */

import * as fs from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import { type Durability, requireDurability } from "../../durability.js";
import { ConfigurationError, describeError, ValidationError } from "../../errors.js";
import type { Awaitable } from "../../types.js";
import { collectGroups, type GroupRow } from "../record-rows.js";
import type {
  GroupStats,
  Lease,
  LeaseHolder,
  StoredInputs,
  StoredTask,
  TaskDB,
  TaskDeletion,
  TaskFilter,
  TaskQuery,
  TaskRecord,
  TaskStats,
  TaskWrite,
  UnsizedBlob,
} from "../types.js";
import { SQLiteLeases } from "./leases.js";
import { describeNativeModuleFailure } from "./native.js";
import {
  buildDeletionBatchStatement,
  buildFilterClause,
  buildListStatement,
  findPrefixUpperBound,
} from "./query.js";
import { RowCache } from "./row-cache.js";
import {
  buildUpsert,
  mapStoredInputs,
  mapStoredTask,
  mapTaskRecord,
  selectInputColumns,
  selectRecordColumns,
  selectStoredColumns,
} from "./rows.js";
import { ensureSchema } from "./schema.js";
import { formatTimestamp } from "./timestamps.js";

/** How to open a task database. */
export interface SQLiteTaskDBOptions {
  /**
   * How long a write waits for another process holding the lock before failing (ms).
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * Open without writing anything: no migration, no WAL switch. The file must exist.
   * @default false
   */
  readonly?: boolean;
  /**
   * Bring a file written by an older version or by the Python library up to date when opening
   * it: add the `size`, `digest`, `arguments` and `input_preview` columns and the indexes, switch to WAL. `false` uses the file
   * as it is, for maintenance (listing, deletions) that must leave another writer's file in its
   * shape; saving values then needs an up-to-date file. Read-only connections never migrate.
   * @default true
   */
  migrate?: boolean;
  /**
   * Budget (bytes) of the in-memory tier of recently read rows: repeated hits skip SQLite.
   * Commits by other connections (other processes, the CLI, the dashboard) clear it; they are
   * seen at most `CHANGE_CHECK_INTERVAL_MS` (1 ms) later. 0 turns the tier off.
   * @default 64 MiB
   */
  memoryCacheBytes?: number;
  /**
   * `"normal"`: commits use `synchronous = NORMAL` (WAL): they survive a crash of the process; a
   * power loss may drop the last few. `"full"`: `synchronous = FULL`, every commit is fsynced and
   * survives a power loss too (slower). Ignored for read-only connections.
   * @default "normal"
   */
  durability?: Durability;
}

/** Default budget of the in-memory row tier. */
const DEFAULT_MEMORY_CACHE_BYTES = 64 * 1024 * 1024;
/** Values larger than this stay out of the tier: it is for the many small hits. */
const MAX_CACHED_VALUE_BYTES = 256 * 1024;
/**
 * How often other connections' commits are looked for. `PRAGMA data_version` costs about as
 * much as a point query, so it is asked at most once a millisecond rather than on every hit.
 */
const CHANGE_CHECK_INTERVAL_MS = 1;

/**
 * Rows removed per transaction in `deleteMatching`: bounds memory and lock time. 1,000 rather
 * than 500 halves the commits (each rewrites the touched index pages) for about 1 MB more.
 */
const DEFAULT_BATCH_SIZE = 1000;
/**
 * SQLite page cache (KiB, as a negative `cache_size`) while `deleteMatching` runs. Deletions
 * touch random pages of the cache_key index; the default 2 MiB cache re-reads them for every
 * batch, 64 MiB keeps them for the whole run. Restored afterwards.
 */
const BULK_CACHE_KIB = 64 * 1024;
/** Distinct list/count queries kept prepared; filters combine into only a few dozen shapes. */
const STATEMENT_CACHE_LIMIT = 64;

/** Opens the file, turning SQLite's failures into messages that say what to do. */
function openConnection(file: string, options: SQLiteTaskDBOptions): Database.Database {
  const readonly = options.readonly ?? false;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isFinite(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new ValidationError(
      `busyTimeoutMs must be a non-negative number of milliseconds, got ${busyTimeoutMs}. Leave it unset for 5000.`,
    );
  }
  if (file !== ":memory:") {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      throw new ConfigurationError(
        `${file} is a directory, not a database file. Pass a file path such as ${path.join(file, "cache.db")}.`,
      );
    }
    if (stat === undefined) {
      if (readonly) {
        throw new ConfigurationError(
          `Database ${file} does not exist. Check the path, or run the program that creates it first.`,
        );
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
    }
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  } catch (error) {
    throw new ConfigurationError(
      describeNativeModuleFailure(error) ??
        `Cannot open database ${file}: ${describeError(error)}. Check the path and its permissions.`,
      { cause: error },
    );
  }
  try {
    // The first read is where SQLite notices a file that is not a database at all.
    db.pragma("user_version", { simple: true });
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code;
    if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
      throw new ConfigurationError(
        `${file} is not a SQLite database (${describeError(error)}), so it cannot be a beautyspot database. Pass a different path, or delete the file if it is stale.`,
        { cause: error },
      );
    }
    throw new ConfigurationError(`Cannot open database ${file}: ${describeError(error)}.`, {
      cause: error,
    });
  }
  return db;
}

/**
 * The aggregates of `stats` for what the cache saved: hits, hits × duration and hits × tokens
 * where recorded, and how many rows have a duration and a token count. Plain column arithmetic:
 * every expression per row costs the scan of a million rows (a CASE per column made `stats`
 * twice as slow); TOTAL skips NULLs and reads anything else another writer left as a number.
 * A file without the columns (an old one opened read-only) reports zeros.
 */
function selectSavedAggregates(columns: ReadonlySet<string>): string {
  if (!columns.has("hits") || !columns.has("duration_ms") || !columns.has("tokens")) {
    return "0, 0, 0, 0, 0";
  }
  return "TOTAL(hits), TOTAL(hits * duration_ms), TOTAL(hits * tokens), COUNT(duration_ms), COUNT(tokens)";
}

/** Switches to WAL; when another process holds the file the switch waits for a later open. */
function setJournalModeWal(db: Database.Database): void {
  try {
    db.pragma("journal_mode = WAL");
  } catch (error) {
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
  }
}

/**
 * The default TaskDB: a SQLite file with the Python library's `tasks` table (plus `size` and
 * `digest`), WAL mode and a busy timeout so several processes can share it. Every method is
 * synchronous. Rows with a `result_type` this version does not know are returned unchanged by
 * `get`; callers treat anything but `DIRECT_BLOB` and `FILE` as a miss.
 */
export class SQLiteTaskDB implements TaskDB {
  readonly synchronous = true;
  /** The database file as given. */
  readonly path: string;
  readonly #db: Database.Database;
  readonly #getStatement: Database.Statement;
  readonly #readonly: boolean;
  readonly #deleteStatement: Database.Statement;
  readonly #recordStatement: Database.Statement;
  readonly #hasLocationStatement: Database.Statement;
  readonly #prefixStatement: Database.Statement;
  readonly #dataVersionStatement: Database.Statement;
  readonly #saveAll: (rows: readonly TaskWrite[]) => void;
  readonly #recordColumns: string;
  /** Whether the table has `input_preview` (a file opened read-only may predate it): search uses it. */
  readonly #hasPreview: boolean;
  readonly #inputColumns: string;
  /** SQL for a row's byte count when its `size` is a usable one, else NULL. */
  readonly #validSize: string;
  /** SQL aggregates of what the cache saved, per group; zeros for a file without the columns. */
  readonly #savedAggregates: string;
  /** Adds counts to `hits` in one transaction; `undefined` for a file without the column. */
  readonly #addHitsInTransaction: ((counts: ReadonlyMap<string, number>) => void) | undefined;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #rowCache: RowCache;
  #leases: SQLiteLeases | undefined;
  #lastChangeCheck = 0;
  #lastDataVersion = -1;

  constructor(file: string, options: SQLiteTaskDBOptions = {}) {
    if (typeof file !== "string" || file === "") {
      throw new ValidationError(
        "The database path is empty. Pass a file path such as .beautyspot/my_app.db.",
      );
    }
    this.path = file;
    this.#readonly = options.readonly ?? false;
    const memoryCacheBytes = options.memoryCacheBytes ?? DEFAULT_MEMORY_CACHE_BYTES;
    if (!Number.isFinite(memoryCacheBytes) || memoryCacheBytes < 0) {
      throw new ValidationError(
        `memoryCacheBytes must be a non-negative number of bytes, got ${memoryCacheBytes}. Use 0 to turn the in-memory tier off.`,
      );
    }
    this.#rowCache = new RowCache(memoryCacheBytes, MAX_CACHED_VALUE_BYTES);
    const durability =
      options.durability === undefined
        ? "normal"
        : requireDurability(options.durability, "durability");
    const db = openConnection(file, options);
    try {
      // The schema check comes first: another application's file is refused untouched.
      const migrate = !this.#readonly && (options.migrate ?? true);
      const { columns } = ensureSchema(
        db,
        file,
        this.#readonly ? "readonly" : migrate ? "migrate" : "as-is",
      );
      if (migrate) {
        // WAL lets readers in other processes keep reading while one process writes.
        // synchronous = NORMAL in WAL mode: a crash of the process loses nothing committed; a power
        // loss or OS crash may lose the last few transactions (never corrupts the file). A cache
        // can recompute those, and skipping the fsync per commit makes writes several times faster.
        setJournalModeWal(db);
      }
      if (!this.#readonly) {
        if (durability === "full") db.pragma("synchronous = FULL");
        else if (db.pragma("journal_mode", { simple: true }) === "wal") {
          db.pragma("synchronous = NORMAL");
        }
      }
      this.#recordColumns = selectRecordColumns(columns);
      this.#hasPreview = columns.has("input_preview");
      this.#inputColumns = selectInputColumns(columns);
      // A file the Python library wrote has no size column (read-only opens do not add it);
      // other writers may have left text, negative or huge numbers in it.
      this.#validSize = columns.has("size")
        ? `(CASE WHEN typeof(size) = 'integer' AND size BETWEEN 0 AND ${Number.MAX_SAFE_INTEGER} THEN size END)`
        : "NULL";
      this.#savedAggregates = selectSavedAggregates(columns);
      // raw(): rows as arrays skip building an object per row, which the mapping replaces anyway.
      this.#getStatement = db
        .prepare(`SELECT ${selectStoredColumns(columns)} FROM tasks WHERE cache_key = ?`)
        .raw(true);
      this.#recordStatement = db
        .prepare(`SELECT ${this.#recordColumns} FROM tasks WHERE cache_key = ?`)
        .raw(true);
      this.#deleteStatement = db
        .prepare(`DELETE FROM tasks WHERE cache_key = ? RETURNING ${this.#recordColumns}`)
        .raw(true);
      this.#hasLocationStatement = db
        .prepare("SELECT 1 FROM tasks WHERE result_value = ? LIMIT 1")
        .pluck();
      this.#prefixStatement = db
        .prepare(
          "SELECT cache_key FROM tasks WHERE cache_key >= ? AND cache_key < ? ORDER BY cache_key LIMIT ?",
        )
        .pluck();
      this.#dataVersionStatement = db.prepare("PRAGMA data_version").pluck();
      if (!this.#readonly && columns.has("hits")) {
        const addHit = db.prepare("UPDATE tasks SET hits = hits + ? WHERE cache_key = ?");
        this.#addHitsInTransaction = db.transaction((counts: ReadonlyMap<string, number>) => {
          for (const [cacheKey, count] of counts) addHit.run(count, cacheKey);
        });
      }
      if (this.#readonly) {
        // Old files opened read-only may lack the extra columns the upsert names.
        this.#saveAll = () => this.#assertWritable();
      } else if (!columns.has("size") || !columns.has("digest")) {
        this.#saveAll = () => {
          throw new ConfigurationError(
            `Database ${file} was opened with \`migrate: false\` and lacks the size and digest columns every saved value needs. Open it without \`migrate: false\` (a Spot does) to save values.`,
          );
        };
      } else {
        // A file opened with `migrate: false` may predate some columns: saved without them.
        const { sql, parametersOf } = buildUpsert(columns);
        const upsert = db.prepare(sql);
        const saveInTransaction = db.transaction((rows: readonly TaskWrite[]) => {
          for (const row of rows) upsert.run(parametersOf(row));
        });
        // One row is one statement, atomic on its own: skipping BEGIN/COMMIT saves two round
        // trips through SQLite on every synchronous save.
        this.#saveAll = (rows) => {
          if (rows.length === 1 && !db.inTransaction) upsert.run(parametersOf(rows[0]!));
          else saveInTransaction(rows);
        };
      }
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
  }

  get(cacheKey: string): StoredTask | undefined {
    if (this.#rowCache.enabled) {
      this.#forgetOtherConnectionsChanges();
      const cached = this.#rowCache.get(cacheKey);
      if (cached !== undefined) return cached;
    }
    const raw = this.#getStatement.get(cacheKey) as unknown[] | undefined;
    if (raw === undefined) return undefined;
    const row = mapStoredTask(raw);
    if (this.#rowCache.enabled) this.#rowCache.set(row);
    return row;
  }

  /** Clears the row tier when another connection has committed since the last look. */
  #forgetOtherConnectionsChanges(): void {
    const now = performance.now();
    if (now - this.#lastChangeCheck < CHANGE_CHECK_INTERVAL_MS) return;
    this.#lastChangeCheck = now;
    const version = this.#dataVersionStatement.get() as number;
    if (version !== this.#lastDataVersion) {
      this.#lastDataVersion = version;
      this.#rowCache.clear();
    }
  }

  saveMany(rows: readonly TaskWrite[]): void {
    if (rows.length === 0) return;
    this.#saveAll(rows);
    for (const row of rows) this.#rowCache.delete(row.cacheKey);
  }

  getRecord(cacheKey: string): TaskRecord | undefined {
    const row = this.#recordStatement.get(cacheKey) as unknown[] | undefined;
    return row === undefined ? undefined : mapTaskRecord(row);
  }

  delete(cacheKey: string): TaskRecord | undefined {
    this.#assertWritable();
    this.#rowCache.delete(cacheKey);
    const row = this.#deleteStatement.get(cacheKey) as unknown[] | undefined;
    return row === undefined ? undefined : mapTaskRecord(row);
  }

  list(query: TaskQuery = {}): TaskRecord[] {
    const statement = buildListStatement(this.#recordColumns, query, this.#hasPreview);
    const rows = this.#prepare(statement.sql, "raw").all(...statement.parameters) as unknown[][];
    return rows.map(mapTaskRecord);
  }

  count(filter: TaskFilter = {}): number {
    const clause = buildFilterClause(filter, this.#hasPreview);
    return this.#prepare(`SELECT COUNT(*) FROM tasks${clause.sql}`, "pluck").get(
      ...clause.parameters,
    ) as number;
  }

  stats(now: number): TaskStats {
    const nowText = formatTimestamp(now);
    // Sizes missing or unusable are recovered from the inline bytes; blob rows without one are
    // counted in `unsizedBlobs` for the caller to measure. TOTAL (a double) cannot overflow the
    // way SUM does on a foreign writer's huge values.
    const bytes = `COALESCE(${this.#validSize}, length(result_data), 0)`;
    const totals = this.#prepare(
      `SELECT COUNT(*), TOTAL(${bytes}),
        TOTAL(CASE WHEN result_type = 'FILE' THEN ${bytes} ELSE 0 END),
        COALESCE(SUM(CASE WHEN expires_at IS NOT NULL AND expires_at <= ? THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN result_type = 'FILE' AND ${this.#validSize} IS NULL THEN 1 ELSE 0 END), 0)
        FROM tasks`,
      "raw",
    ).get(nowText) as [number, number, number, number, number];
    const [rows, totalBytes, blobBytes, expired, unsizedBlobs] = totals;
    const stats: TaskStats = {
      rows,
      bytes: totalBytes,
      inlineBytes: totalBytes - blobBytes,
      blobBytes,
      expired,
      byFunction: this.#groupStats("func_identifier", bytes),
      byContentType: this.#groupStats("content_type", bytes),
    };
    if (unsizedBlobs > 0) stats.unsizedBlobs = unsizedBlobs;
    return stats;
  }

  unsizedBlobs(afterRowid: number, limit: number): UnsizedBlob[] {
    const rows = this.#prepare(
      `SELECT rowid, result_value, func_identifier, content_type FROM tasks
        WHERE rowid > ? AND result_type = 'FILE' AND ${this.#validSize} IS NULL
        ORDER BY rowid LIMIT ?`,
      "raw",
    ).all(afterRowid, limit) as [number, unknown, unknown, unknown][];
    return rows.map(([rowid, location, funcIdentifier, contentType]) => ({
      rowid,
      location: typeof location === "string" ? location : null,
      funcIdentifier: typeof funcIdentifier === "string" ? funcIdentifier : null,
      contentType: typeof contentType === "string" ? contentType : null,
    }));
  }

  deleteMatching(
    deletion: TaskDeletion,
    onBatch: (removed: TaskRecord[]) => Awaitable<void>,
    batchSize: number = DEFAULT_BATCH_SIZE,
  ): Awaitable<number> {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ValidationError(
        `batchSize must be a positive integer, got ${batchSize}. Leave it unset for ${DEFAULT_BATCH_SIZE}.`,
      );
    }
    this.#assertWritable();
    this.#rowCache.clear();
    // Only a batch's keys are ever selected, so memory stays flat however many rows match.
    const { sql, parameters, resumesAfterRowid } = buildDeletionBatchStatement(
      this.#recordColumns,
      deletion,
      batchSize,
    );
    const statement = this.#prepare(sql, "raw");
    const rowidAt = parameters.length - 1;
    if (resumesAfterRowid) parameters.splice(rowidAt, 0, 0);
    const previousCacheSize = this.#db.pragma("cache_size", { simple: true }) as number;
    this.#db.pragma(`cache_size = -${BULK_CACHE_KIB}`);
    let removed = 0;
    // Stays synchronous while onBatch does; switches to a promise at the first async onBatch.
    const runBatches = (): Awaitable<number> => {
      for (;;) {
        const rows = statement.all(...parameters) as unknown[][];
        if (rows.length === 0) return removed;
        removed += rows.length;
        if (resumesAfterRowid) {
          let highest = parameters[rowidAt] as number;
          for (const row of rows) highest = Math.max(highest, row[row.length - 1] as number);
          parameters[rowidAt] = highest;
        }
        const pending = onBatch(rows.map(mapTaskRecord));
        if (pending instanceof Promise) return pending.then(runBatches);
      }
    };
    const restoreCacheSize = () => {
      if (this.#db.open) this.#db.pragma(`cache_size = ${previousCacheSize}`);
    };
    try {
      const result = runBatches();
      if (result instanceof Promise) return result.finally(restoreCacheSize);
      restoreCacheSize();
      return result;
    } catch (error) {
      restoreCacheSize();
      throw error;
    }
  }

  hasLocation(location: string): boolean {
    return this.#hasLocationStatement.get(location) !== undefined;
  }

  keysWithPrefix(prefix: string, limit: number): string[] {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ValidationError(`limit must be a non-negative integer, got ${limit}.`);
    }
    return this.#prefixStatement.all(prefix, findPrefixUpperBound(prefix), limit) as string[];
  }

  functions(): { funcIdentifier: string; funcName: string; rows: number }[] {
    const rows = this.#prepare(
      "SELECT func_identifier, MAX(func_name), COUNT(*) FROM tasks GROUP BY func_identifier ORDER BY func_identifier",
      "raw",
    ).all() as [string | null, string | null, number][];
    return rows.map(([funcIdentifier, funcName, count]) => ({
      funcIdentifier: funcIdentifier ?? "",
      funcName: funcName ?? "",
      rows: count,
    }));
  }

  inputsOf(cacheKey: string): StoredInputs | undefined {
    const row = this.#prepare(
      `SELECT ${this.#inputColumns} FROM tasks WHERE cache_key = ?`,
      "raw",
    ).get(cacheKey) as unknown[] | undefined;
    return row === undefined ? undefined : mapStoredInputs(row);
  }

  recentInputs(funcName: string, funcIdentifier: string, limit: number): StoredInputs[] {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ValidationError(`limit must be a non-negative integer, got ${limit}.`);
    }
    // func_name is indexed (entries in rowid order within a name): newest first without sorting.
    const rows = this.#prepare(
      `SELECT ${this.#inputColumns} FROM tasks WHERE func_name = ? AND func_identifier = ? ORDER BY rowid DESC LIMIT ?`,
      "raw",
    ).all(funcName, funcIdentifier, limit) as unknown[][];
    return rows.map(mapStoredInputs);
  }

  dataVersion(): number {
    return this.#dataVersionStatement.get() as number;
  }

  addHits(counts: ReadonlyMap<string, number>): void {
    if (counts.size === 0) return;
    if (this.#addHitsInTransaction === undefined) {
      this.#assertWritable();
      // A file opened with `migrate: false` before the column existed: nothing to count into.
      return;
    }
    this.#addHitsInTransaction(counts);
  }

  claimLease(
    key: string,
    holder: LeaseHolder,
    now: number,
    expiresAt: number,
    takeOverFrom?: string,
  ): boolean {
    return this.#leaseTable().claimLease(key, holder, now, expiresAt, takeOverFrom);
  }

  renewLease(key: string, holderId: string, expiresAt: number): boolean {
    return this.#leaseTable().renewLease(key, holderId, expiresAt);
  }

  releaseLease(key: string, holderId: string): void {
    this.#leaseTable().releaseLease(key, holderId);
  }

  getLease(key: string): Lease | undefined {
    return this.#leaseTable().getLease(key);
  }

  #leaseTable(): SQLiteLeases {
    if (this.#leases === undefined) {
      this.#assertWritable();
      this.#leases = new SQLiteLeases(this.#db);
    }
    return this.#leases;
  }

  close(): void {
    this.#rowCache.clear();
    if (this.#db.open) this.#db.close();
  }

  #assertWritable(): void {
    if (this.#readonly) {
      throw new ConfigurationError(
        `Database ${this.path} was opened read-only, so it cannot be changed. Open it without \`readonly\` to write.`,
      );
    }
  }

  /** Rows, bytes and what the cache saved per value of `column`; NULL groups are reported under "(none)". */
  #groupStats(column: string, bytes: string): Record<string, GroupStats> {
    const rows = this.#prepare(
      `SELECT ${column}, COUNT(*), TOTAL(${bytes}), ${this.#savedAggregates} FROM tasks GROUP BY ${column}`,
      "raw",
    ).all() as GroupRow[];
    return collectGroups(rows);
  }

  /** A prepared statement for `sql`, reused across calls (filters produce few distinct shapes). */
  #prepare(sql: string, mode: "raw" | "pluck"): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (mode === "raw") statement.raw(true);
      else statement.pluck(true);
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
