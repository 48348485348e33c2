/** @module storage/blob-key — what every BlobStorage accepts as a key, and how it names the blob. */

import { ValidationError } from "../errors.js";

/** Every storage names a blob `<cache_key>.bin` (files and objects alike). */
export const BLOB_SUFFIX = ".bin";

/**
 * Cache keys are sha256 hex (64 characters); custom keys get room up to this. It also keeps
 * `<key>.bin.<host>.<pid>.<random>.spot_tmp` below the common 255-byte file-name limit.
 */
export const MAX_BLOB_KEY_LENGTH = 200;

/** Throws ValidationError unless `key` can be one plain file or object name. */
export function assertValidBlobKey(key: string): void {
  if (
    typeof key !== "string" ||
    key === "" ||
    key.length > MAX_BLOB_KEY_LENGTH ||
    key === "." ||
    key === ".." ||
    /[/\\\0]/.test(key)
  ) {
    throw new ValidationError(
      `Cannot store a blob under the key ${JSON.stringify(key)}: a key must be 1–${MAX_BLOB_KEY_LENGTH} characters without slashes, backslashes or NUL. Use the cache key beautyspot computes (sha256 hex).`,
    );
  }
}
