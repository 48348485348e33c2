/**
 * @module core/background-saves — writes that happen after the caller got its result.
 * Entries queued in the same turn of the event loop are written together, one transaction per
 * batch; batches are short (few blobs, bounded bytes) and the event loop runs between them.
 * Pending entries are readable (a call repeated before the write lands is still a hit), and
 * they are drained by `flush()`, `shutdown()`, on a normal process exit, and on SIGINT,
 * SIGTERM or SIGHUP (synchronous backends).
 */

import type { Backends } from "./backends.js";
import type { PreparedEntry } from "./write.js";
import { writeEntriesAsync, writeEntriesSync } from "./write.js";

/** Rows per transaction: large enough to amortize the commit, small enough to bound a batch's latency. */
const BATCH_SIZE = 500;
/**
 * Blobs per batch. Each blob costs a file creation and a rename (and with `durability: "full"`
 * an fsync, half a millisecond or more on most disks), and writes to synchronous storage hold
 * the event loop: a batch of them must stay short.
 */
const BATCH_BLOBS = 8;
/** Encoded bytes per batch: bounds the hashing and copying done in one turn of the event loop. */
const BATCH_BYTES = 8 * 1024 * 1024;

/** Writers with queued entries, drained synchronously if the process exits before they run. */
const writersWithPendingWork = new Set<BackgroundSaves>();
let exitHooksInstalled = false;

/** Signals that end a process by default: Ctrl+C, a terminal closing, `kill`. */
const TERMINATING_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Other work drained at exit after the writers (hit counts), as `drainAtExit` registered it. */
const otherDrains = new Set<() => void>();

function drainAllAtExit(): void {
  for (const writer of writersWithPendingWork) writer.drainSync();
  for (const drain of otherDrains) drain();
}

/**
 * Runs `drain` (synchronous) at a normal process exit and on a terminating signal, after pending
 * saves are written. Returns the function that removes it again.
 */
export function drainAtExit(drain: () => void): () => void {
  installExitHooks();
  otherDrains.add(drain);
  return () => {
    otherDrains.delete(drain);
  };
}

/**
 * The exit and signal listeners, shared through `globalThis` by every copy of beautyspot loaded
 * in one process (an `import` and a `require` load two): with one listener per copy, each would
 * take the other's for the program's own and leave a Ctrl+C alone.
 */
interface SharedExitHooks {
  /** One drain function per loaded copy. */
  readonly drains: Set<() => void>;
}

const SHARED_EXIT_HOOKS = Symbol.for("beautyspot.exit-hooks");

function drainEveryCopy(hooks: SharedExitHooks): void {
  for (const drain of hooks.drains) drain();
}

/**
 * Drains on a terminating signal, then lets the signal do what it would have done: when no
 * other listener handles it, ours steps aside and raises it again, so the process still ends
 * the way it would have (same exit status). With a listener of the program's own, the program
 * decides. Stopping a long run with Ctrl+C keeps everything computed so far.
 */
function installSharedExitHooks(): SharedExitHooks {
  const holder = globalThis as { [SHARED_EXIT_HOOKS]?: SharedExitHooks };
  const existing = holder[SHARED_EXIT_HOOKS];
  if (existing !== undefined) return existing;
  const hooks: SharedExitHooks = { drains: new Set() };
  holder[SHARED_EXIT_HOOKS] = hooks;
  const drainOnSignal = (signal: NodeJS.Signals): void => {
    drainEveryCopy(hooks);
    if (process.listenerCount(signal) > 1) return;
    for (const each of TERMINATING_SIGNALS) process.removeListener(each, drainOnSignal);
    process.kill(process.pid, signal);
  };
  // Exit and signal handlers must be synchronous, so only writers over synchronous backends
  // can be drained there; async ones drain while the event loop runs. Signal listeners do not
  // keep the process alive.
  process.on("exit", () => drainEveryCopy(hooks));
  for (const signal of TERMINATING_SIGNALS) process.on(signal, drainOnSignal);
  return hooks;
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  installSharedExitHooks().drains.add(drainAllAtExit);
}

/**
 * An entry encoded by the writer rather than by the caller (a stream's recording: its chunks were
 * copied as they arrived, so encoding them later stores exactly what the caller received).
 */
export interface DeferredEntry {
  readonly cacheKey: string;
  readonly funcName: string;
  /** Encodes the entry; throws when it cannot be encoded (reported, nothing stored). */
  prepare(): PreparedEntry;
}

type QueuedEntry = PreparedEntry | DeferredEntry;

function isDeferred(entry: QueuedEntry): entry is DeferredEntry {
  return (entry as Partial<DeferredEntry>).prepare !== undefined;
}

function keyOf(entry: QueuedEntry): string {
  return isDeferred(entry) ? entry.cacheKey : entry.row.cacheKey;
}

/** The queue of one Spot. */
export class BackgroundSaves {
  /** Entries not yet written, by cache key: lets reads see them before they land. */
  readonly pending = new Map<string, QueuedEntry>();
  private queue: QueuedEntry[] = [];
  private scheduled = false;
  private draining: Promise<void> | null = null;
  /** A batch is being written (over asynchronous backends this spans awaits). */
  private writing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly backends: Backends) {}

  /** Queues an entry; it is written (and a deferred one encoded) on a later turn of the event loop. */
  enqueue(entry: QueuedEntry): void {
    this.queue.push(entry);
    this.pending.set(keyOf(entry), entry);
    if (!this.scheduled) {
      this.scheduled = true;
      installExitHooks();
      writersWithPendingWork.add(this);
      setImmediate(() => this.startDrain());
    }
  }

  /** Drops a queued entry (its key was deleted before it was written). */
  cancel(cacheKey: string): void {
    if (!this.pending.delete(cacheKey)) return;
    this.queue = this.queue.filter((entry) => keyOf(entry) !== cacheKey);
  }

  /**
   * The entry waiting to be written under `cacheKey`, encoded (a deferred entry is encoded now);
   * undefined when there is none, or when it could not be encoded (reported, and dropped).
   */
  pendingEntry(cacheKey: string): PreparedEntry | undefined {
    const queued = this.pending.get(cacheKey);
    if (queued === undefined || !isDeferred(queued)) return queued;
    const index = this.queue.indexOf(queued);
    const prepared = this.prepareDeferred(queued);
    if (prepared === null) {
      if (index >= 0) this.queue.splice(index, 1);
      return undefined;
    }
    if (index >= 0) this.queue[index] = prepared;
    return prepared;
  }

  /** Encodes a deferred entry; on failure reports it, forgets it, and returns null. */
  private prepareDeferred(deferred: DeferredEntry): PreparedEntry | null {
    try {
      const prepared = deferred.prepare();
      if (this.pending.get(deferred.cacheKey) === deferred) {
        this.pending.set(deferred.cacheKey, prepared);
      }
      return prepared;
    } catch (error) {
      if (this.pending.get(deferred.cacheKey) === deferred) this.pending.delete(deferred.cacheKey);
      this.backends.reportBackgroundError(error, {
        operation: "save",
        funcName: deferred.funcName,
        cacheKey: deferred.cacheKey,
      });
      return null;
    }
  }

  /** Encodes the deferred entries among the first `count` queued (dropping those that fail). */
  private prepareHead(count: number): void {
    for (let index = 0; index < count && index < this.queue.length; ) {
      const queued = this.queue[index] as QueuedEntry;
      if (!isDeferred(queued)) {
        index += 1;
        continue;
      }
      const prepared = this.prepareDeferred(queued);
      if (prepared === null) this.queue.splice(index, 1);
      else {
        this.queue[index] = prepared;
        index += 1;
      }
    }
  }

  /** Whether nothing is queued or being written. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.writing;
  }

  /** Resolves when everything queued so far is written (or failed and was reported). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private startDrain(): void {
    if (this.draining !== null) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.queue.length > 0) {
        this.startDrain();
        return;
      }
      this.scheduled = false;
      writersWithPendingWork.delete(this);
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) continue;
      this.writing = true;
      let failures: { entry: PreparedEntry; error: unknown }[];
      try {
        failures = this.backends.synchronous
          ? writeEntriesSync(batch, this.backends)
          : await writeEntriesAsync(batch, this.backends);
      } finally {
        this.writing = false;
      }
      this.settle(batch, failures);
      // Callers run between batches: a long queue never holds the event loop longer than one
      // batch. Entries still queued stay readable and are drained at exit like any other.
      if (this.queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The next batch: at most BATCH_SIZE entries, BATCH_BLOBS blobs and BATCH_BYTES (at least one entry). */
  private takeBatch(): PreparedEntry[] {
    let count = 0;
    let blobs = 0;
    let bytes = 0;
    while (count < this.queue.length && count < BATCH_SIZE) {
      let entry = this.queue[count] as QueuedEntry;
      if (isDeferred(entry)) {
        this.prepareHead(count + 1);
        if (count >= this.queue.length) break;
        entry = this.queue[count] as PreparedEntry;
      }
      const full = bytes + entry.row.size > BATCH_BYTES || (entry.blob && blobs === BATCH_BLOBS);
      if (count > 0 && full) break;
      bytes += entry.row.size;
      if (entry.blob) blobs += 1;
      count += 1;
    }
    return this.queue.splice(0, count) as PreparedEntry[];
  }

  /**
   * Writes everything still queued, synchronously and in one transaction (synchronous backends
   * only): the last chance at process exit or on a signal, and the first step of `flush()`.
   */
  drainSync(): void {
    if (!this.backends.synchronous || this.queue.length === 0) return;
    this.prepareHead(this.queue.length);
    const batch = this.queue.splice(0, this.queue.length) as PreparedEntry[];
    this.settle(batch, writeEntriesSync(batch, this.backends));
  }

  private settle(
    batch: readonly PreparedEntry[],
    failures: readonly { entry: PreparedEntry; error: unknown }[],
  ): void {
    for (const entry of batch) {
      if (this.pending.get(entry.row.cacheKey) === entry) this.pending.delete(entry.row.cacheKey);
    }
    for (const { entry, error } of failures) {
      this.backends.reportBackgroundError(error, {
        operation: "save",
        funcName: entry.row.funcIdentifier,
        cacheKey: entry.row.cacheKey,
        resultType: entry.row.resultType,
        size: entry.row.size,
      });
    }
  }
}
