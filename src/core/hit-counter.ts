/**
 * @module core/hit-counter — hits counted in memory, written in batches. A hit costs one Map
 * increment; the counts reach the database (`TaskDB.addHits`, one transaction) on a timer that
 * does not keep the process alive, at `flush()` and `shutdown()`, and on a normal process exit
 * or a terminating signal (synchronous databases). Counts still in memory when the process is
 * killed outright are lost: hit counts are statistics, never worth a write per hit.
 */

import type { TaskDB } from "../db/types.js";
import { describeError } from "../errors.js";
import type { Logger } from "../types.js";
import { isPromiseLike } from "./backends.js";
import { drainAtExit } from "./background-saves.js";

/**
 * How long counts wait in memory before they are written. Each write is a commit, which clears
 * the in-memory row tier of every other process sharing the file (they see a new data
 * version): a few seconds keep that rare while the figures stay current enough to watch.
 */
export const HIT_FLUSH_INTERVAL_MS = 5_000;

/** What the counter needs from its Spot. */
export interface HitCounterOptions {
  readonly db: TaskDB;
  readonly logger: Logger;
  /** Writes pending saves now (synchronous backends): a hit on an entry still queued needs its row. */
  readonly drainSavesSync: () => void;
  /** Resolves when pending saves are written, so counts are added to rows that exist. */
  readonly whenSavesWritten: () => Promise<void>;
  /** @default HIT_FLUSH_INTERVAL_MS */
  readonly intervalMs?: number;
}

/** The hits of one Spot not yet written. */
export class HitCounter {
  /** Hits per key since the last write; a holder per key, so a repeated hit is one lookup. */
  #counts = new Map<string, { hits: number }>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  readonly #options: HitCounterOptions;
  readonly #addHits: TaskDB["addHits"];
  /** Set while counts wait (synchronous databases): removes this counter from the exit drain. */
  #unregisterAtExit: (() => void) | undefined;
  readonly #flushAtExit = () => this.flushSync();

  constructor(options: HitCounterOptions) {
    this.#options = options;
    this.#addHits = options.db.addHits?.bind(options.db);
  }

  /** Whether the database can count hits at all (`TaskDB.addHits`). */
  get enabled(): boolean {
    return this.#addHits !== undefined;
  }

  /**
   * Counts one hit on `cacheKey`: the hot path, one Map increment (and a timer per batch). Call
   * it only when `enabled`.
   */
  add(cacheKey: string): void {
    const count = this.#counts.get(cacheKey);
    if (count !== undefined) count.hits += 1;
    else this.#addFirst(cacheKey);
  }

  /** The first hit on a key since the last write: a holder, and the batch's timer if none runs. */
  #addFirst(cacheKey: string): void {
    this.#counts.set(cacheKey, { hits: 1 });
    if (this.#timer === undefined) this.#schedule();
  }

  #schedule(): void {
    if (this.#addHits === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#options.intervalMs ?? HIT_FLUSH_INTERVAL_MS);
    // Counting never keeps a finished program running: exit writes what is left. Registered
    // only while counts wait, so a Spot dropped without shutdown() is not kept alive by it.
    this.#timer.unref();
    if (this.#options.db.synchronous && this.#unregisterAtExit === undefined) {
      this.#unregisterAtExit = drainAtExit(this.#flushAtExit);
    }
  }

  /** Writes the counts gathered so far. Failures are logged: a lost count never fails a call. */
  async flush(): Promise<void> {
    await this.#writing;
    if (this.#counts.size === 0 || this.#addHits === undefined) return;
    this.#writing = (async () => {
      await this.#options.whenSavesWritten();
      const counts = this.#take();
      try {
        await this.#addHits?.(counts);
      } catch (error) {
        this.#reportLost(counts, error);
      }
    })();
    try {
      await this.#writing;
    } finally {
      this.#writing = undefined;
    }
  }

  /** Writes the counts now, without waiting (synchronous databases): at exit, on a signal. */
  flushSync(): void {
    if (this.#counts.size === 0 || this.#addHits === undefined || !this.#options.db.synchronous) {
      return;
    }
    this.#options.drainSavesSync();
    const counts = this.#take();
    try {
      const written = this.#addHits(counts);
      if (isPromiseLike(written)) {
        (written as Promise<void>).catch((error: unknown) => this.#reportLost(counts, error));
      }
    } catch (error) {
      this.#reportLost(counts, error);
    }
  }

  /** Stops the timer and forgets the exit hook (the Spot is shutting down, after a last flush). */
  close(): void {
    this.#take();
  }

  #take(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [cacheKey, count] of this.#counts) counts.set(cacheKey, count.hits);
    this.#counts = new Map();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unregisterAtExit?.();
    this.#unregisterAtExit = undefined;
    return counts;
  }

  #reportLost(counts: ReadonlyMap<string, number>, error: unknown): void {
    let hits = 0;
    for (const count of counts.values()) hits += count;
    this.#options.logger.warn(
      `Could not record ${hits} cache hits in the database (${describeError(error)}): hit counts and time saved in \`beautyspot stats\` will read low. Nothing else is affected; check that the database is writable.`,
    );
  }
}
