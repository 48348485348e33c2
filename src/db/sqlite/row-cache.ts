/**
 * @module db/sqlite/row-cache — a bounded in-memory tier of recently read rows (encoded bytes,
 * never decoded values, so callers can never mutate what the next caller gets).
 * Repeated hits skip SQLite entirely. Coherence is the owner's job: it drops entries on its own
 * writes and clears everything when another connection commits.
 */

import type { StoredTask } from "../types.js";

/** Bytes counted per entry on top of its value: keys, strings and object overhead. */
const ENTRY_OVERHEAD_BYTES = 256;

/** A size-bounded map of rows; oldest entries are dropped first when the budget is exceeded. */
export class RowCache {
  readonly #entries = new Map<string, StoredTask>();
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  #bytes = 0;

  /**
   * @param maxBytes Total budget; 0 disables the cache.
   * @param maxEntryBytes Larger values are not cached, so one big value cannot evict many small ones.
   */
  constructor(maxBytes: number, maxEntryBytes: number) {
    this.#maxBytes = maxBytes;
    this.#maxEntryBytes = maxEntryBytes;
  }

  /** Whether the cache holds anything at all (a budget of 0 turns it off). */
  get enabled(): boolean {
    return this.#maxBytes > 0;
  }

  get(cacheKey: string): StoredTask | undefined {
    return this.#entries.get(cacheKey);
  }

  set(row: StoredTask): void {
    const size = sizeOf(row);
    if (size > this.#maxEntryBytes || size > this.#maxBytes) return;
    this.delete(row.cacheKey);
    this.#entries.set(row.cacheKey, row);
    this.#bytes += size;
    while (this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }

  delete(cacheKey: string): void {
    const row = this.#entries.get(cacheKey);
    if (row === undefined) return;
    this.#entries.delete(cacheKey);
    this.#bytes -= sizeOf(row);
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  get size(): number {
    return this.#entries.size;
  }
}

function sizeOf(row: StoredTask): number {
  return ENTRY_OVERHEAD_BYTES + (row.resultData?.byteLength ?? 0);
}
