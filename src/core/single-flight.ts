/**
 * @module core/single-flight — `singleFlight: "machine"`: concurrent identical calls from every
 * process sharing the database run the function once, through a lease on the cache key.
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { LeaseMethods, TaskDB } from "../db/types.js";
import { ConfigurationError } from "../errors.js";
import { MISS } from "./read.js";

/**
 * How long a lease lasts without renewal. Long enough that a busy event loop renews in time,
 * short enough that a holder that vanished without a trace (another machine's pid namespace,
 * a frozen process) holds the others up for seconds, not minutes.
 */
export const LEASE_MS = 10_000;
/** How often a running holder renews its lease: three chances before it would expire. */
export const RENEW_EVERY_MS = 3_000;
/** First and longest pause between a waiter's looks for the result: quick at first, then cheap. */
const FIRST_POLL_MS = 5;
const LONGEST_POLL_MS = 50;

const THIS_HOST = hostname();

/** Whether `db` implements every lease method. */
export function supportsLeases(db: TaskDB): db is TaskDB & LeaseMethods {
  return (
    typeof db.claimLease === "function" &&
    typeof db.renewLease === "function" &&
    typeof db.releaseLease === "function" &&
    typeof db.getLease === "function"
  );
}

/** Throws a ConfigurationError naming what `singleFlight: "machine"` needs when `db` lacks it. */
export function assertLeaseSupport(db: TaskDB, where: string): void {
  if (supportsLeases(db)) return;
  throw new ConfigurationError(
    `singleFlight: "machine" (${where}) needs a database that can hold leases (claimLease, renewLease, releaseLease and getLease, as the SQLite database has), but ${describeDb(db)} lacks them. Use the default SQLite database, add those methods to your TaskDB, or use singleFlight: "process".`,
  );
}

function describeDb(db: TaskDB): string {
  const name = (db as object).constructor?.name;
  return name && name !== "Object" ? `the ${name} given` : "the TaskDB given";
}

/** The steps of one call that `runOncePerMachine` orders. */
export interface SharedRunSteps<T> {
  /** The stored (or pending) result for the key, or `MISS`. */
  lookup(): Promise<unknown>;
  /** Runs the function and stores its result (the call path's own run). */
  run(): Promise<T>;
  /** Resolves once the result `run` stored is readable by other processes (background saves). */
  whenSaved(): Promise<void>;
  /** Throws when the Spot was shut down while this call waited. */
  assertOpen(): void;
}

/**
 * One run per key across processes. The caller takes the key's lease or waits:
 * - the holder checks once more for a stored result (another process may have just finished),
 *   runs the function, renews the lease every `RENEW_EVERY_MS` while it runs, and releases it
 *   once the result is readable — after the background save of that key with `saveSync: false`;
 * - a waiter looks for the stored result every 5 ms, backing off to every 50 ms, and takes the
 *   lease over when it was released without a result (the function threw, or its result could
 *   not be stored), expired (`LEASE_MS` after its last renewal), or belongs to a process of this
 *   machine that no longer exists (killed). Then it runs the function itself.
 *
 * Calls of the same key in this process share one promise (`inflight`), so each process takes
 * part once per key.
 */
export function runOncePerMachine<T>(
  db: LeaseMethods,
  inflight: Map<string, Promise<unknown>>,
  cacheKey: string,
  steps: SharedRunSteps<T>,
): Promise<T> {
  const shared = claimOrWait(db, cacheKey, steps).finally(() => {
    if (inflight.get(cacheKey) === shared) inflight.delete(cacheKey);
  });
  inflight.set(cacheKey, shared);
  return shared;
}

async function claimOrWait<T>(
  db: LeaseMethods,
  cacheKey: string,
  steps: SharedRunSteps<T>,
): Promise<T> {
  const holder = { id: randomUUID(), pid: process.pid, host: THIS_HOST };
  let takeOverFrom: string | undefined;
  let pause = FIRST_POLL_MS;
  for (;;) {
    const now = Date.now();
    if (await db.claimLease(cacheKey, holder, now, now + LEASE_MS, takeOverFrom)) {
      return runAsHolder(db, cacheKey, holder.id, steps);
    }
    // Held by someone else: wait for their result without writing anything.
    for (;;) {
      await sleep(pause);
      steps.assertOpen();
      pause = Math.min(pause * 2, LONGEST_POLL_MS);
      const stored = await steps.lookup();
      if (stored !== MISS) return stored as T;
      const lease = await db.getLease(cacheKey);
      if (lease === undefined || lease.expiresAt <= Date.now()) {
        takeOverFrom = undefined;
        break;
      }
      if (isGone(lease)) {
        takeOverFrom = lease.id;
        break;
      }
    }
  }
}

async function runAsHolder<T>(
  db: LeaseMethods,
  cacheKey: string,
  holderId: string,
  steps: SharedRunSteps<T>,
): Promise<T> {
  const release = () => {
    clearInterval(renewal);
    // A failed release (database closed, locked) only leaves a lease that expires on its own.
    return Promise.resolve()
      .then(() => db.releaseLease(cacheKey, holderId))
      .catch(() => undefined);
  };
  const renewal = setInterval(() => {
    Promise.resolve()
      .then(() => db.renewLease(cacheKey, holderId, Date.now() + LEASE_MS))
      .catch(() => undefined);
  }, RENEW_EVERY_MS);
  // Renewal is bookkeeping: it must not keep a process alive that has nothing else to do.
  renewal.unref();
  let result: T;
  try {
    const stored = await steps.lookup();
    if (stored !== MISS) {
      await release();
      return stored as T;
    }
    result = await steps.run();
  } catch (error) {
    // The waiters find the lease gone and no result: one of them runs the function itself.
    await release();
    throw error;
  }
  // The caller has its result now; the waiters get it once it is readable by them.
  void steps.whenSaved().then(release, release);
  return result;
}

/** Whether the lease's holder is a process of this machine that no longer exists. */
function isGone(lease: { pid: number; host: string }): boolean {
  if (lease.host !== THIS_HOST || lease.pid === process.pid) return false;
  try {
    process.kill(lease.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as { code?: string }).code === "ESRCH";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
