/**
 * @module db/postgres/postgres-task-db — a TaskDB on a PostgreSQL server, so the machines of a
 * team share one cache (blobs then go to S3, GCS or a shared folder). Same table and columns as
 * SQLite; the `pg` driver is an optional peer dependency, loaded when the first one is built.
 */

import { ConfigurationError, describeError, ValidationError } from "../../errors.js";
import type { Awaitable } from "../../types.js";
import { collectGroups, type GroupRow } from "../record-rows.js";
import { findPrefixUpperBound } from "../sqlite/query.js";
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
import {
  describePostgresUri,
  loadPg,
  type PgClient,
  type PgPool,
  type PgQuery,
  type PgResult,
} from "./connection.js";
import { buildDeletionBatchStatement, buildFilterClause, buildListStatement } from "./query.js";
import {
  INPUT_COLUMNS,
  mapStoredInputs,
  mapStoredTask,
  mapTaskRecord,
  RECORD_COLUMNS,
  STORED_COLUMNS,
  storableTime,
  toWriteParameters,
  UPSERT_SQL,
} from "./rows.js";
import { ensurePostgresSchema } from "./schema.js";

/** How to open a PostgreSQL task database. */
export interface PostgresTaskDBOptions {
  /**
   * Connections the pool opens at most. Each waiting query holds none; the hit path needs one
   * for one round trip.
   * @default 10
   */
  maxConnections?: number;
  /**
   * Create the tables or bring them up to date on first use (under an advisory lock, so
   * processes starting at once migrate once). `false` uses the database as it is and refuses
   * one without beautyspot's tables (the CLI and the dashboard open databases this way).
   * @default true
   */
  migrate?: boolean;
  /**
   * Further settings for `pg`'s `Pool` (`ssl`, `statement_timeout`, `application_name`, …), passed
   * as they are. The connection itself comes from the URI (and libpq's `PG*` variables).
   */
  poolOptions?: Record<string, unknown>;
}

/** Rows removed per statement in `deleteMatching`, as in SQLite. */
const DEFAULT_BATCH_SIZE = 1000;
const DEFAULT_MAX_CONNECTIONS = 10;

/** Error codes that mean the server cannot be used at all, as opposed to one failed statement. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "28P01", // invalid password
  "28000", // invalid authorization
  "3D000", // database does not exist
  "42501", // insufficient privilege
]);

const GET_SQL = `SELECT ${STORED_COLUMNS} FROM tasks WHERE cache_key = $1`;
const CLAIM_LEASE_SQL = `INSERT INTO leases (lease_key, holder_id, holder_pid, holder_host, expires_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (lease_key) DO UPDATE SET holder_id = EXCLUDED.holder_id, holder_pid = EXCLUDED.holder_pid,
  holder_host = EXCLUDED.holder_host, expires_at = EXCLUDED.expires_at
WHERE leases.expires_at <= $6 OR leases.holder_id = $7`;

/**
 * A TaskDB on PostgreSQL. Every method answers asynchronously (`synchronous: false`), so
 * `markSync` is not available over it. There is no in-memory row tier: every read asks the
 * server, so a value another machine replaced or deleted is never served from memory.
 *
 * @example
 * const db = new PostgresTaskDB("postgres://app@db.internal/cache");
 * const spot = new Spot("summaries", { db, storage: "s3://team-cache/summaries" });
 */
export class PostgresTaskDB implements TaskDB {
  readonly synchronous = false;
  /** The URI without its password, for messages and screens. */
  readonly description: string;
  readonly #pool: PgPool;
  readonly #migrate: boolean;
  #ready: Promise<void> | true | undefined;
  #closed = false;

  /**
   * @param uri `postgres://user:password@host:port/database` (libpq's form; `PG*` variables fill in
   *   what it leaves out).
   */
  constructor(uri: string, options: PostgresTaskDBOptions = {}) {
    if (typeof uri !== "string" || uri.trim() === "") {
      throw new ValidationError(
        "PostgresTaskDB needs a connection URI such as postgres://user@host:5432/database.",
      );
    }
    const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) {
      throw new ValidationError(
        `maxConnections must be a positive whole number, got ${maxConnections}. Leave it unset for ${DEFAULT_MAX_CONNECTIONS}.`,
      );
    }
    this.description = describePostgresUri(uri);
    this.#migrate = options.migrate ?? true;
    const pg = loadPg();
    this.#pool = new pg.Pool({
      // Idle connections must not keep a finished program alive: a script that forgot
      // `spot.shutdown()` still exits.
      allowExitOnIdle: true,
      ...options.poolOptions,
      connectionString: uri,
      max: maxConnections,
    });
    // An idle connection the server closed (restart, idle timeout) is dropped from the pool;
    // without a listener its error would crash the process. The next query opens a new one.
    this.#pool.on("error", () => undefined);
  }

  /** Resolves once the schema is in place; the first caller runs the check, the others wait. */
  #whenReady(): Promise<void> | undefined {
    if (this.#ready === true) return undefined;
    if (this.#closed) return Promise.reject(this.#closedError());
    this.#ready ??= this.#prepare().then(
      () => {
        this.#ready = true;
      },
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  async #prepare(): Promise<void> {
    const client = await this.#connect();
    try {
      await ensurePostgresSchema(client, this.description, this.#migrate ? "migrate" : "as-is");
    } catch (error) {
      throw this.#explain(error);
    } finally {
      client.release();
    }
  }

  async #connect(): Promise<PgClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw this.#explain(error);
    }
  }

  /** A failure to reach or use the server as a ConfigurationError saying what to check. */
  #explain(error: unknown): unknown {
    if (error instanceof ConfigurationError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) {
      return new ConfigurationError(
        `Cannot use the PostgreSQL database ${this.description}: ${describeError(error)} (${code}). Check that the server runs, and the host, port, user, password and database name in the URI.`,
        { cause: error },
      );
    }
    if (this.#closed) return this.#closedError();
    return error;
  }

  #closedError(): ConfigurationError {
    return new ConfigurationError(
      `The PostgreSQL database ${this.description} was closed, so it cannot be used any more. Open a new PostgresTaskDB.`,
    );
  }

  async #query(query: PgQuery): Promise<PgResult> {
    const ready = this.#whenReady();
    if (ready !== undefined) await ready;
    try {
      return await this.#pool.query(query);
    } catch (error) {
      throw this.#explain(error);
    }
  }

  async #rows(text: string, values: unknown[] = [], name?: string): Promise<unknown[][]> {
    const query: PgQuery = { text, values, rowMode: "array" };
    if (name !== undefined) query.name = name;
    return (await this.#query(query)).rows;
  }

  async get(cacheKey: string): Promise<StoredTask | undefined> {
    const rows = await this.#rows(GET_SQL, [cacheKey], "bs_get");
    const row = rows[0];
    return row === undefined ? undefined : mapStoredTask(row);
  }

  async getRecord(cacheKey: string): Promise<TaskRecord | undefined> {
    const rows = await this.#rows(
      `SELECT ${RECORD_COLUMNS} FROM tasks WHERE cache_key = $1`,
      [cacheKey],
      "bs_record",
    );
    const row = rows[0];
    return row === undefined ? undefined : mapTaskRecord(row);
  }

  async saveMany(rows: readonly TaskWrite[]): Promise<void> {
    if (rows.length === 0) return;
    // Parameters first: a time that cannot be stored fails before anything is written.
    const parameters = rows.map(toWriteParameters);
    if (parameters.length === 1) {
      // One statement is atomic on its own: no BEGIN/COMMIT round trips.
      await this.#query({
        name: "bs_upsert",
        text: UPSERT_SQL,
        values: parameters[0],
        rowMode: "array",
      });
      return;
    }
    await this.#transaction(async (client) => {
      for (const values of parameters) {
        await client.query({ name: "bs_upsert", text: UPSERT_SQL, values, rowMode: "array" });
      }
    });
  }

  /** Runs `body` on one connection inside BEGIN/COMMIT, rolling back when it throws. */
  async #transaction<T>(body: (client: PgClient) => Promise<T>): Promise<T> {
    const ready = this.#whenReady();
    if (ready !== undefined) await ready;
    const client = await this.#connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await body(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw this.#explain(error);
    } finally {
      client.release(broken);
    }
  }

  /**
   * Adds each count to the `hits` of the row with that key (missing rows are ignored), in one
   * statement: one round trip however many keys.
   */
  async addHits(counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return;
    const keys: string[] = [];
    const amounts: number[] = [];
    for (const [key, amount] of counts) {
      if (!Number.isFinite(amount) || amount === 0) continue;
      keys.push(key);
      amounts.push(Math.round(amount));
    }
    if (keys.length === 0) return;
    await this.#rows(
      "UPDATE tasks SET hits = tasks.hits + counted.amount FROM unnest($1::text[], $2::bigint[]) AS counted(key, amount) WHERE tasks.cache_key = counted.key",
      [keys, amounts],
      "bs_add_hits",
    );
  }

  async delete(cacheKey: string): Promise<TaskRecord | undefined> {
    const rows = await this.#rows(
      `DELETE FROM tasks WHERE cache_key = $1 RETURNING ${RECORD_COLUMNS}`,
      [cacheKey],
      "bs_delete",
    );
    const row = rows[0];
    return row === undefined ? undefined : mapTaskRecord(row);
  }

  async list(query: TaskQuery = {}): Promise<TaskRecord[]> {
    const statement = buildListStatement(RECORD_COLUMNS, query);
    return (await this.#rows(statement.sql, statement.parameters)).map(mapTaskRecord);
  }

  async count(filter: TaskFilter = {}): Promise<number> {
    const clause = buildFilterClause(filter);
    const rows = await this.#rows(
      `SELECT COUNT(*)::float8 FROM tasks${clause.sql}`,
      clause.parameters,
    );
    return rows[0]?.[0] as number;
  }

  async stats(now: number): Promise<TaskStats> {
    // Sizes missing or unusable are recovered from the inline bytes, as in SQLite.
    const validSize = "(CASE WHEN size >= 0 THEN size END)";
    const bytes = `COALESCE(${validSize}, octet_length(result_data), 0)`;
    const [totals] = await this.#rows(
      `SELECT COUNT(*)::float8, COALESCE(SUM(${bytes}), 0)::float8,
        COALESCE(SUM(CASE WHEN result_type = 'FILE' THEN ${bytes} ELSE 0 END), 0)::float8,
        COUNT(*) FILTER (WHERE expires_at IS NOT NULL AND expires_at <= to_timestamp($1::float8 / 1000))::float8,
        COUNT(*) FILTER (WHERE result_type = 'FILE' AND ${validSize} IS NULL)::float8
        FROM tasks`,
      [storableTime(now)],
    );
    const [rows, totalBytes, blobBytes, expired, unsizedBlobs] = totals as number[];
    const stats: TaskStats = {
      rows: rows ?? 0,
      bytes: totalBytes ?? 0,
      inlineBytes: (totalBytes ?? 0) - (blobBytes ?? 0),
      blobBytes: blobBytes ?? 0,
      expired: expired ?? 0,
      byFunction: await this.#groupStats("func_identifier", bytes),
      byContentType: await this.#groupStats("content_type", bytes),
    };
    if ((unsizedBlobs ?? 0) > 0) stats.unsizedBlobs = unsizedBlobs;
    return stats;
  }

  /** Rows, bytes, hits, time and tokens saved per value of `column`; NULL groups under "(none)". */
  async #groupStats(column: string, bytes: string): Promise<Record<string, GroupStats>> {
    const rows = (await this.#rows(
      `SELECT ${column}, COUNT(*)::float8, COALESCE(SUM(${bytes}), 0)::float8,
        COALESCE(SUM(hits), 0)::float8, COALESCE(SUM(hits * duration_ms), 0)::float8,
        COALESCE(SUM(hits * tokens), 0)::float8, COUNT(duration_ms)::float8, COUNT(tokens)::float8
        FROM tasks GROUP BY ${column}`,
    )) as GroupRow[];
    return collectGroups(rows);
  }

  async unsizedBlobs(afterRowid: number, limit: number): Promise<UnsizedBlob[]> {
    const rows = (await this.#rows(
      `SELECT write_seq::float8, result_value, func_identifier, content_type FROM tasks
        WHERE write_seq > $1 AND result_type = 'FILE' AND (size IS NULL OR size < 0)
        ORDER BY write_seq LIMIT $2`,
      [afterRowid, limit],
    )) as [number, unknown, unknown, unknown][];
    return rows.map(([rowid, location, funcIdentifier, contentType]) => ({
      rowid,
      location: typeof location === "string" ? location : null,
      funcIdentifier: typeof funcIdentifier === "string" ? funcIdentifier : null,
      contentType: typeof contentType === "string" ? contentType : null,
    }));
  }

  async deleteMatching(
    deletion: TaskDeletion,
    onBatch: (removed: TaskRecord[]) => Awaitable<void>,
    batchSize: number = DEFAULT_BATCH_SIZE,
  ): Promise<number> {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ValidationError(
        `batchSize must be a positive integer, got ${batchSize}. Leave it unset for ${DEFAULT_BATCH_SIZE}.`,
      );
    }
    const { sql, parameters, resumesAfterSeq } = buildDeletionBatchStatement(
      RECORD_COLUMNS,
      deletion,
      batchSize,
    );
    const seqAt = parameters.length - 1;
    let removed = 0;
    for (;;) {
      const rows = await this.#rows(sql, parameters);
      if (rows.length === 0) return removed;
      removed += rows.length;
      if (resumesAfterSeq) {
        let highest = parameters[seqAt] as number;
        for (const row of rows) highest = Math.max(highest, row[row.length - 1] as number);
        parameters[seqAt] = highest;
      }
      await onBatch(rows.map((row) => mapTaskRecord(row.slice(0, -1))));
    }
  }

  async hasLocation(location: string): Promise<boolean> {
    const rows = await this.#rows(
      "SELECT 1 FROM tasks WHERE result_value = $1 LIMIT 1",
      [location],
      "bs_has_location",
    );
    return rows.length > 0;
  }

  async keysWithPrefix(prefix: string, limit: number): Promise<string[]> {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ValidationError(`limit must be a non-negative integer, got ${limit}.`);
    }
    // cache_key sorts in the "C" collation (byte order), so a range scan of the primary key works.
    const rows = await this.#rows(
      "SELECT cache_key FROM tasks WHERE cache_key >= $1 AND cache_key < $2 ORDER BY cache_key LIMIT $3",
      [prefix, findPrefixUpperBound(prefix), limit],
    );
    return rows.map((row) => row[0] as string);
  }

  async functions(): Promise<{ funcIdentifier: string; funcName: string; rows: number }[]> {
    const rows = (await this.#rows(
      "SELECT func_identifier, MAX(func_name), COUNT(*)::float8 FROM tasks GROUP BY func_identifier ORDER BY func_identifier",
    )) as [string | null, string | null, number][];
    return rows.map(([funcIdentifier, funcName, count]) => ({
      funcIdentifier: funcIdentifier ?? "",
      funcName: funcName ?? "",
      rows: count,
    }));
  }

  async inputsOf(cacheKey: string): Promise<StoredInputs | undefined> {
    const rows = await this.#rows(`SELECT ${INPUT_COLUMNS} FROM tasks WHERE cache_key = $1`, [
      cacheKey,
    ]);
    const row = rows[0];
    return row === undefined ? undefined : mapStoredInputs(row);
  }

  async recentInputs(
    funcName: string,
    funcIdentifier: string,
    limit: number,
  ): Promise<StoredInputs[]> {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ValidationError(`limit must be a non-negative integer, got ${limit}.`);
    }
    const rows = await this.#rows(
      `SELECT ${INPUT_COLUMNS} FROM tasks WHERE func_name = $1 AND func_identifier = $2 ORDER BY write_seq DESC LIMIT $3`,
      [funcName, funcIdentifier, limit],
    );
    return rows.map(mapStoredInputs);
  }

  /**
   * Takes the lease in one statement: an upsert whose update only happens when the lease is free
   * to take. PostgreSQL locks the row for concurrent claimers, so exactly one of them changes it.
   */
  async claimLease(
    key: string,
    holder: LeaseHolder,
    now: number,
    expiresAt: number,
    takeOverFrom?: string,
  ): Promise<boolean> {
    const result = await this.#query({
      name: "bs_claim_lease",
      text: CLAIM_LEASE_SQL,
      values: [key, holder.id, holder.pid, holder.host, expiresAt, now, takeOverFrom ?? null],
      rowMode: "array",
    });
    return result.rowCount === 1;
  }

  async renewLease(key: string, holderId: string, expiresAt: number): Promise<boolean> {
    const result = await this.#query({
      name: "bs_renew_lease",
      text: "UPDATE leases SET expires_at = $1 WHERE lease_key = $2 AND holder_id = $3",
      values: [expiresAt, key, holderId],
      rowMode: "array",
    });
    return result.rowCount === 1;
  }

  async releaseLease(key: string, holderId: string): Promise<void> {
    await this.#query({
      name: "bs_release_lease",
      text: "DELETE FROM leases WHERE lease_key = $1 AND holder_id = $2",
      values: [key, holderId],
      rowMode: "array",
    });
  }

  async getLease(key: string): Promise<Lease | undefined> {
    const rows = await this.#rows(
      "SELECT holder_id, holder_pid, holder_host, expires_at::float8 FROM leases WHERE lease_key = $1",
      [key],
      "bs_get_lease",
    );
    const row = rows[0] as [string, number, string, number] | undefined;
    if (row === undefined) return undefined;
    return { id: row[0], pid: row[1], host: row[2], expiresAt: row[3] };
  }

  /** Closes every connection of the pool; waits for running queries. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
