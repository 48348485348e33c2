/** @module storage/types — the BlobStorage contract: where large encoded values live. */

import type { Awaitable } from "../types.js";

/**
 * A place for encoded values too large for a database row. Locations are opaque strings
 * returned by `save` and stored in the `result_value` column; a storage must refuse
 * locations it did not make (another folder, bucket or scheme) rather than read them.
 * `synchronous: true` promises that `save`, `load`, `delete` return plain values.
 */
export interface BlobStorage {
  readonly synchronous: boolean;
  /** Stores `data` under `key` (a cache key), atomically; returns the location to record. */
  save(key: string, data: Uint8Array): Awaitable<string>;
  /**
   * Optional: `save` for bytes given in pieces, stored as their concatenation (a header and a
   * large payload, written without joining them first when the storage can). Also returns the
   * modification time of the stored blob when known (saves a lookup for its first read); must
   * be the time `getMtime` reports for it. Without it, writers join the pieces and call `save`.
   * `whenDurable`, when returned, must be called once (writers call it after recording the row,
   * so both flushes overlap): the blob is readable at once, and on disk once it returns.
   */
  saveParts?(key: string, parts: readonly Uint8Array[]): Awaitable<SavedParts>;
  /** The bytes at `location`; throws `CacheCorruptedError` when they are missing or unreadable. */
  load(location: string): Awaitable<Uint8Array>;
  /** Removes the blob; a missing blob is not an error. Returns whether something was removed. */
  delete(location: string): Awaitable<boolean>;
  /** Every stored location, streamed (never all loaded at once). */
  listKeys(): AsyncIterable<string> | Iterable<string>;
  /** Last modification time (Unix ms) of a location, or `undefined` when it does not exist. */
  getMtime(location: string): Awaitable<number | undefined>;
  /**
   * Size in bytes of the blob at a location, or `undefined` when it does not exist. Optional:
   * maintenance uses it to count blobs whose size was not recorded (Python-written rows).
   */
  getSize?(location: string): Awaitable<number | undefined>;
  /**
   * `load` and the modification time of what was read, in one lookup. Optional: without it,
   * reads call `load` then `getMtime`. Must fail like `load`.
   */
  loadWithMtime?(location: string): Awaitable<{ bytes: Uint8Array; mtime: number | undefined }>;
  /**
   * Removes leftovers of interrupted writes older than `olderThanMs` and empty folders.
   * Optional: storages without such leftovers omit it.
   */
  cleanTemporary?(olderThanMs: number): Awaitable<{ tempFiles: number; emptyDirs: number }>;
  /** Human-readable place, for messages (`/path/to/blobs`, `s3://bucket/prefix`). */
  readonly description: string;
}

/** What `saveParts` returns. */
export interface SavedParts {
  location: string;
  mtime: number | undefined;
  /** Waits until the blob survives a power loss; throws when it could not be flushed. */
  whenDurable?: () => Awaitable<void>;
}

/** Decides per value whether it goes in the row or in a blob. */
export interface StoragePolicy {
  /** `true` to store `size` bytes as a blob. May warn (for `WarningOnlyPolicy`). */
  shouldUseBlob(size: number, context: { funcName: string; cacheKey: string }): boolean;
}
