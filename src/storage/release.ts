/**
 * @module storage/release — when the blob of a removed row may be deleted.
 * Blob locations are derived from cache keys, so a save of the same key in another process can
 * put a new blob at the same location while the old row is being removed. The new blob is
 * written before its row is recorded, and rows of blob entries record the time after their blob
 * was written: a blob modified after the removed row's time belongs to that newer save.
 */

import type { TaskDB } from "../db/types.js";
import type { BlobStorage } from "./types.js";

/** Blob times are compared at millisecond resolution; row times are whole milliseconds. */
const TIME_RESOLUTION_MS = 1;

function isNewerThanRow(mtime: number | undefined, rowUpdatedAt: number | undefined): boolean {
  return (
    mtime !== undefined && rowUpdatedAt !== undefined && mtime >= rowUpdatedAt + TIME_RESOLUTION_MS
  );
}

/**
 * Whether the blob at `location`, whose row (written at `rowUpdatedAt`, Unix ms) was just
 * removed, may be deleted: no row references it, and no newer save has rewritten it.
 */
export async function canReleaseBlob(
  db: TaskDB,
  storage: BlobStorage,
  location: string,
  rowUpdatedAt?: number,
): Promise<boolean> {
  if (await db.hasLocation(location)) return false;
  if (rowUpdatedAt === undefined) return true;
  return !isNewerThanRow(await storage.getMtime(location), rowUpdatedAt);
}

/** `canReleaseBlob` for synchronous backends. */
export function canReleaseBlobSync(
  db: TaskDB,
  storage: BlobStorage,
  location: string,
  rowUpdatedAt?: number,
): boolean {
  if (db.hasLocation(location) as boolean) return false;
  if (rowUpdatedAt === undefined) return true;
  return !isNewerThanRow(storage.getMtime(location) as number | undefined, rowUpdatedAt);
}
