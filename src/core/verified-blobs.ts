/**
 * @module core/verified-blobs — blob files whose bytes are known to match their row.
 * Blobs are replaced by rename, never rewritten in place, so a file whose modification time is
 * unchanged since it was written or checked holds the same bytes; any change (a new save, an
 * edit, a truncation) moves the time and the next read checks the digest again.
 */

import type { BlobStorage } from "../storage/types.js";

/** Bounded: the oldest entries go first. */
const LIMIT = 10_000;
const stamps = new Map<string, string>();

function memoKey(storage: BlobStorage, location: string): string {
  return `${storage.description}\0${location}`;
}

function stampOf(digest: string, size: number, mtime: number): string {
  return `${digest}:${size}:${mtime}`;
}

/** Records that the file at `location`, as of `mtime`, holds bytes with this digest and size. */
export function rememberVerifiedBlob(
  storage: BlobStorage,
  location: string,
  digest: string,
  size: number,
  mtime: number,
): void {
  const key = memoKey(storage, location);
  stamps.delete(key);
  if (stamps.size >= LIMIT) {
    const oldest = stamps.keys().next().value;
    if (oldest !== undefined) stamps.delete(oldest);
  }
  stamps.set(key, stampOf(digest, size, mtime));
}

/** Whether the file at `location`, as of `mtime`, was verified to hold this digest and size. */
export function isVerifiedBlob(
  storage: BlobStorage,
  location: string,
  digest: string,
  size: number,
  mtime: number,
): boolean {
  return stamps.get(memoKey(storage, location)) === stampOf(digest, size, mtime);
}
