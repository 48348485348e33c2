/**
 * @module limiter/shared — a GCRA rate limiter whose state lives in a SQLite file, so the worker
 * processes of one machine (node:cluster, PM2, several scripts) spend one budget together.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import { ensureOwnedFolder } from "../core/workspace.js";
import { describeNativeModuleFailure } from "../db/sqlite/native.js";
import { ConfigurationError, describeError, ValidationError } from "../errors.js";
import { describeInvalidCost, requireTokensPerMinute } from "./token-bucket.js";
import type { RateLimiter } from "./types.js";

/** Options of {@link SharedTokenBucket}. */
export interface SharedTokenBucketOptions {
  /**
   * Long-run rate shared by every process using the same file and name: how many tokens may be
   * spent per minute, all processes together. Also the largest single cost.
   */
  tokensPerMinute: number;
  /**
   * The SQLite file holding the limiter's state. Every process that shares the budget must name
   * the same file. It may be a Spot's database file (the state is one small table beside
   * `tasks`), or a file of its own.
   * @default `.beautyspot/limits.sqlite` in the current directory
   */
  path?: string;
  /**
   * Which budget in the file: limiters with different names in one file are independent (one
   * per API key or model, for example).
   * @default "default"
   */
  name?: string;
  /**
   * How long a process waits for another one holding the file's write lock (ms). The lock is
   * held for one short transaction per `consume`, never during the wait for tokens.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

/**
 * Where the limiter's state lives by default, relative to the current directory. Not `*.db`:
 * `beautyspot list` and `gc` take every `*.db` file of the workspace for a Spot's database.
 */
export const DEFAULT_LIMITS_PATH = path.join(".beautyspot", "limits.sqlite");

/** Node timers have millisecond resolution; a slot this close is due now. */
const TIMER_RESOLUTION_MS = 1;

const CREATE_TABLE_SQL =
  "CREATE TABLE IF NOT EXISTS rate_limits (name TEXT PRIMARY KEY, theoretical_arrival REAL NOT NULL, updated_at REAL NOT NULL)";

/**
 * The GCRA of `TokenBucket` with its one number, the theoretical arrival time (TAT), kept in a
 * SQLite row instead of in memory. Each `consume` reads the TAT, books its slot
 * (`start = max(TAT, now)`, `TAT = start + cost × interval`) and writes it back in one
 * `BEGIN IMMEDIATE` transaction, then waits for its slot without holding any lock. So N processes
 * together get the same pacing one `TokenBucket` gives one process: the first request never
 * waits, requests are evenly spaced, idle time is not saved up into a burst, and a cost above
 * `tokensPerMinute` fails at once with a `ValidationError`.
 *
 * The clock is the wall clock (`Date.now()`), the only one processes share. If it is set back,
 * the stored TAT is moved back by the same amount, so nobody waits for the lost time.
 *
 * One machine only: the file must be on a local disk that every process sees (SQLite locking
 * over network file systems is unreliable). A process killed while waiting has spent its tokens.
 */
export class SharedTokenBucket implements RateLimiter {
  /** The configured rate, as given. */
  readonly tokensPerMinute: number;
  /** The state file, resolved to an absolute path. */
  readonly path: string;
  /** The budget's name within the file. */
  readonly name: string;
  readonly #intervalMs: number;
  readonly #db: Database.Database;
  readonly #reserve: (cost: number, onlyIfNow: boolean) => number | undefined;
  #closed = false;

  constructor(options: SharedTokenBucketOptions) {
    const tokensPerMinute = requireTokensPerMinute(options?.tokensPerMinute, "SharedTokenBucket");
    const name = options.name ?? "default";
    if (typeof name !== "string" || name === "") {
      throw new ValidationError(
        `name must be a non-empty string, got ${JSON.stringify(name)}; leave it out to use "default".`,
      );
    }
    const given = options.path ?? DEFAULT_LIMITS_PATH;
    if (typeof given !== "string" || given === "") {
      throw new ValidationError(
        `path must be a database file path, got ${JSON.stringify(given)}; leave it out to use ${DEFAULT_LIMITS_PATH}.`,
      );
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (typeof busyTimeoutMs !== "number" || !Number.isFinite(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new ValidationError(
        `busyTimeoutMs must be a non-negative number of milliseconds, got ${String(busyTimeoutMs)}; leave it out for 5000.`,
      );
    }
    this.tokensPerMinute = tokensPerMinute;
    this.name = name;
    this.path = path.resolve(given);
    this.#intervalMs = 60_000 / tokensPerMinute;
    this.#db = openLimitsFile(this.path, options.path === undefined, busyTimeoutMs);
    const read = this.#db
      .prepare("SELECT theoretical_arrival, updated_at FROM rate_limits WHERE name = ?")
      .raw(true);
    const write = this.#db.prepare(
      "INSERT INTO rate_limits (name, theoretical_arrival, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET theoretical_arrival = excluded.theoretical_arrival, updated_at = excluded.updated_at",
    );
    const book = this.#db.transaction((cost: number, onlyIfNow: boolean): number | undefined => {
      const now = Date.now();
      const row = read.get(name) as [number, number] | undefined;
      let theoreticalArrival = row?.[0] ?? Number.NEGATIVE_INFINITY;
      // A clock set back: shift the schedule with it rather than wait out the difference.
      // Stored at once, so the shift is made once, not again by every later look.
      if (row !== undefined && now < row[1]) {
        theoreticalArrival -= row[1] - now;
        write.run(name, theoreticalArrival, now);
      }
      // max(now, TAT): time spent idle is not banked, which is what prevents bursts.
      const startAt = Math.max(theoreticalArrival, now);
      if (onlyIfNow && startAt - now >= TIMER_RESOLUTION_MS) return undefined;
      write.run(name, startAt + cost * this.#intervalMs, now);
      return startAt - now;
    });
    // IMMEDIATE: take the write lock before reading, so two processes never book the same slot.
    this.#reserve = (cost, onlyIfNow) => book.immediate(cost, onlyIfNow);
  }

  /**
   * Resolves when `cost` tokens have been spent from the shared budget. Rejects at once with a
   * `ValidationError` when the cost is not a positive finite number or exceeds
   * `tokensPerMinute` (it could never be met).
   */
  async consume(cost = 1): Promise<void> {
    this.#assertUsable(cost);
    const waitMs = this.#reserve(cost, false) ?? 0;
    if (waitMs < TIMER_RESOLUTION_MS) return;
    // Rounded up so the wait does not end before the slot; the timer stays referenced because a
    // waiting caller is real work the process should finish.
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
  }

  /**
   * Spends `cost` tokens if that needs no wait and returns true; otherwise spends nothing and
   * returns false. Throws `ValidationError` for a cost that is invalid.
   */
  tryConsume(cost = 1): boolean {
    this.#assertUsable(cost);
    return this.#reserve(cost, true) !== undefined;
  }

  /** Closes the state file. The budget's state stays in it for the other processes. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #assertUsable(cost: unknown): asserts cost is number {
    const problem = describeInvalidCost(cost, this.tokensPerMinute);
    if (problem !== undefined) throw new ValidationError(problem);
    if (this.#closed) {
      throw new ConfigurationError(
        `This SharedTokenBucket (${this.path}, "${this.name}") was closed; create a new one to keep spending the budget.`,
      );
    }
  }
}

/** Opens (creating if needed) the state file in WAL mode with its one table. */
function openLimitsFile(
  file: string,
  isDefault: boolean,
  busyTimeoutMs: number,
): Database.Database {
  const folder = path.dirname(file);
  if (isDefault) ensureOwnedFolder(folder);
  else if (!fs.existsSync(folder)) fs.mkdirSync(folder, { recursive: true });
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigurationError(
      `${file} is a directory, not a database file. Pass a file path such as ${path.join(file, "limits.sqlite")}.`,
    );
  }
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new ConfigurationError(
      describeNativeModuleFailure(error) ??
        `Cannot open the rate-limit file ${file}: ${describeError(error)}. Check the path and its permissions.`,
      { cause: error },
    );
  }
  try {
    try {
      db.pragma("journal_mode = WAL");
    } catch (error) {
      // Another process is switching the same file at this moment: it ends up in WAL either way.
      if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    }
    // A lost booking after a power cut costs at most one early request; the fsync would cost more.
    db.pragma("synchronous = NORMAL");
    db.exec(CREATE_TABLE_SQL);
  } catch (error) {
    db.close();
    throw new ConfigurationError(
      `Cannot use ${file} for rate limits: ${describeError(error)}. Pass another \`path\`, or delete the file if it is stale.`,
      { cause: error },
    );
  }
  return db;
}
