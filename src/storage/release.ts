/**
 * @module storage/release — deleting the blob of a removed row without ever leaving a row whose
 * blob is gone, while other processes may be saving the same key.
 *
 * Blob locations are derived from cache keys, so a save of the same key can put a new blob at the
 * very location being released. Times cannot settle who owns it: file times come from a coarse
 * kernel clock, milliseconds behind `Date.now()`, and even exact times fail when a third save's
 * blob lands between another save's blob and its row (the removed row is then newer than the
 * file that belongs to a save still to record its row). So both sides check instead:
 * - a save writes its blob, records its row, then makes sure its blob is still there and writes
 *   it again if a release removed it meanwhile (`ensureBlobAfterRecord`);
 * - a release deletes a blob only when no row references it, then looks again: a row recorded in
 *   between whose blob is now gone is removed, so it reads as absent (a miss) rather than as a row
 *   pointing at nothing.
 * Whatever the interleaving, the last of these steps sees the other side's effect.
 */

import type { TaskDB } from "../db/types.js";
import { BLOB_SUFFIX } from "./blob-key.js";
import type { BlobStorage } from "./types.js";

/** The cache key a blob location was named after (`<cache_key>.bin`), or `undefined`. */
export function cacheKeyOfLocation(location: string): string | undefined {
  const name = location.slice(location.lastIndexOf("/") + 1);
  return name.endsWith(BLOB_SUFFIX) ? name.slice(0, -BLOB_SUFFIX.length) : undefined;
}

/**
 * Deletes the blob at `location` unless a row references it. `cacheKey` is the key of the row that
 * was removed (derived from the location when absent). Returns whether the blob was deleted.
 */
export async function releaseBlob(
  db: TaskDB,
  storage: BlobStorage,
  location: string,
  cacheKey: string | undefined = cacheKeyOfLocation(location),
): Promise<boolean> {
  if (await db.hasLocation(location)) return false;
  const deleted = await storage.delete(location);
  // A save of the same key may have recorded its row between the check and the delete.
  if (cacheKey !== undefined && (await db.hasLocation(location))) {
    try {
      const blobGone = (await storage.getMtime(location)) === undefined;
      if (blobGone && (await db.get(cacheKey))?.resultValue === location) await db.delete(cacheKey);
    } catch {
      // The second look failed (a network error): the deletion itself is done, and a row left
      // without its blob reads as a miss.
    }
  }
  return deleted;
}

/** `releaseBlob` for synchronous backends. */
export function releaseBlobSync(
  db: TaskDB,
  storage: BlobStorage,
  location: string,
  cacheKey: string | undefined = cacheKeyOfLocation(location),
): boolean {
  if (db.hasLocation(location) as boolean) return false;
  const deleted = storage.delete(location) as boolean;
  if (cacheKey !== undefined && (db.hasLocation(location) as boolean)) {
    try {
      const blobGone = storage.getMtime(location) === undefined;
      const row = db.get(cacheKey) as Awaited<ReturnType<TaskDB["get"]>>;
      if (blobGone && row?.resultValue === location) db.delete(cacheKey);
    } catch {
      // As in releaseBlob: the deletion is done; a row left without its blob reads as a miss.
    }
  }
  return deleted;
}

/** A blob a save has written and recorded a row for. */
export interface RecordedBlob {
  readonly cacheKey: string;
  readonly location: string;
  /**
   * The blob's bytes, read only when it must be written again: a save may hold them in pieces
   * (a header and the caller's own bytes), and joining them copies the whole blob.
   */
  readonly bytes: Uint8Array;
}

/**
 * Called by a save after its row is recorded: writes the blob again when a concurrent release
 * removed it and the row still references it. Returns whether it had to. Only the rewrite can
 * throw: a failing look at the storage leaves the entry as written.
 */
export async function ensureBlobAfterRecord(
  db: TaskDB,
  storage: BlobStorage,
  blob: RecordedBlob,
): Promise<boolean> {
  const { location } = blob;
  let gone: boolean;
  try {
    gone = (await storage.getMtime(location)) === undefined;
  } catch {
    // The storage cannot be asked right now (a network error): the save itself succeeded, and
    // the race this check closes is rare; the entry stands as written.
    return false;
  }
  if (!gone || !(await db.hasLocation(location))) return false;
  await storage.save(blob.cacheKey, blob.bytes);
  return true;
}

/** `ensureBlobAfterRecord` for synchronous backends. */
export function ensureBlobAfterRecordSync(
  db: TaskDB,
  storage: BlobStorage,
  blob: RecordedBlob,
): boolean {
  const { location } = blob;
  let gone: boolean;
  try {
    gone = storage.getMtime(location) === undefined;
  } catch {
    return false;
  }
  if (!gone || !(db.hasLocation(location) as boolean)) return false;
  storage.save(blob.cacheKey, blob.bytes);
  return true;
}
