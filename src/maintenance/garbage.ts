/**
 * @module maintenance/garbage — finding and removing blobs no row references, streamed so memory
 * grows with the number of orphans, never with the number of blobs.
 */

import type { TaskDB, TaskRecord } from "../db/types.js";
import { describeError, ValidationError } from "../errors.js";
import { isBlobFileName } from "../storage/leftovers.js";
import { releaseBlob } from "../storage/release.js";
import type { BlobStorage } from "../storage/types.js";
import type { Logger } from "../types.js";

/** Options of `scanGarbage`, `iterateGarbage` and `cleanGarbage`. */
export interface GarbageScanOptions {
  /**
   * Only blobs older than this many seconds count as orphans. A younger unreferenced blob may
   * belong to a save in progress: the blob is written before its row.
   * @default 3600
   */
  graceSeconds?: number;
}

/** Default grace period: far longer than any save takes between writing the blob and its row. */
export const DEFAULT_GRACE_SECONDS = 3600;

/** The grace period in ms, after checking it is a finite number of seconds >= 0. */
export function readGraceMs(options: GarbageScanOptions): number {
  const graceSeconds = options.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  if (typeof graceSeconds !== "number" || !Number.isFinite(graceSeconds) || graceSeconds < 0) {
    throw new ValidationError(
      `graceSeconds must be a finite number of seconds >= 0, got ${String(graceSeconds)}. Leave it unset for ${DEFAULT_GRACE_SECONDS} (one hour).`,
    );
  }
  return graceSeconds * 1000;
}

/**
 * Yields the locations of blobs that no row references and that are older than `graceMs`.
 * Reads the storage's listing as a stream and asks the database one location at a time. Only
 * names beautyspot gives blobs (`<64 hex>.bin`) can be orphans: any other file in the folder was
 * put there by someone else and is never deleted.
 */
export async function* iterateOrphanBlobs(
  db: TaskDB,
  storage: BlobStorage,
  graceMs: number,
  now: number = Date.now(),
): AsyncGenerator<string> {
  const cutoff = now - graceMs;
  for await (const location of storage.listKeys()) {
    if (!isBlobFileName(location.slice(location.lastIndexOf("/") + 1))) continue;
    // The row lookup goes first: it is an index probe, and most blobs are referenced. A synchronous
    // answer is used as is, sparing a microtask per blob.
    const referenced = db.hasLocation(location);
    if (typeof referenced === "boolean" ? referenced : await referenced) continue;
    const mtime = await storage.getMtime(location);
    // Gone since the listing (deleted by another clean-up) or too young to judge.
    if (mtime === undefined || mtime > cutoff) continue;
    yield location;
  }
}

/**
 * Deletes a blob unless a row references it again (a save of the same key may have landed since
 * its row was removed; see storage/release.ts). `cacheKey` is the removed row's key, when known.
 * A failure is logged, not thrown: the blob stays as an orphan for a later clean-up. Returns
 * whether a blob was removed.
 */
export async function deleteUnreferencedBlob(
  db: TaskDB,
  storage: BlobStorage,
  location: string,
  logger: Logger,
  cacheKey?: string,
): Promise<boolean> {
  try {
    return await releaseBlob(db, storage, location, cacheKey);
  } catch (error) {
    logger.warn(
      `Could not delete blob ${location} from ${storage.description}: ${describeError(error)}. It is left in place; run \`beautyspot clean\` later to remove it.`,
    );
    return false;
  }
}

/** Deletes the blobs of rows that were just removed. Returns how many blobs were removed. */
export async function deleteBlobsOfRecords(
  db: TaskDB,
  storage: BlobStorage,
  records: readonly TaskRecord[],
  logger: Logger,
): Promise<number> {
  let removed = 0;
  for (const record of records) {
    if (record.resultType !== "FILE" || record.resultValue === null) continue;
    if (await deleteUnreferencedBlob(db, storage, record.resultValue, logger, record.cacheKey)) {
      removed += 1;
    }
  }
  // Hand the event loop back between batches: a clean-up of a million rows may run in the
  // background of a Spot and must not stall its callers for the whole duration.
  await new Promise<void>((resolve) => setImmediate(resolve));
  return removed;
}
