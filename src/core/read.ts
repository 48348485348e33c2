/**
 * @module core/read — looking an entry up: row, blob, integrity check, decode.
 * A damaged or undecodable entry never reaches the caller as a wrong value: it becomes a miss
 * plus a warning (or, with `onDecodeError: "throw"`, a SerializationError).
 */

import { hash } from "node:crypto";
import type { StoredTask } from "../db/types.js";
import { CacheCorruptedError, describeError, SerializationError } from "../errors.js";
import { rescueDecode } from "../serializer/msgpack.js";
import { RESCUED_KEY } from "../serializer/rescued.js";
import type { Backends } from "./backends.js";
import type { CallPlan } from "./plan.js";
import { createReplay, STREAM_CONTENT_TYPE } from "./stream.js";
import { isVerifiedBlob, rememberVerifiedBlob } from "./verified-blobs.js";

/** Returned instead of a value when there is nothing usable stored. */
export const MISS: unique symbol = Symbol("beautyspot.miss");
export type Miss = typeof MISS;

/** Throws CacheCorruptedError unless `bytes` match the size and digest recorded with them. */
export function verifyIntegrity(row: StoredTask, bytes: Uint8Array): void {
  if (row.size !== null && row.size !== bytes.byteLength) {
    throw new CacheCorruptedError(
      `Stored value for ${row.funcIdentifier} (key ${row.cacheKey}) has ${bytes.byteLength} bytes, expected ${row.size}: it was truncated or altered. It is treated as a miss and will be recomputed.`,
    );
  }
  if (row.digest !== null && hash("sha256", bytes, "hex") !== row.digest) {
    throw new CacheCorruptedError(
      `Stored value for ${row.funcIdentifier} (key ${row.cacheKey}) does not match its digest: it was altered or damaged. It is treated as a miss and will be recomputed.`,
    );
  }
}

/** Whether a row can be used now: not expired and of a known kind. */
function isUsable(row: StoredTask, backends: Backends): boolean {
  if (row.expiresAt !== null && row.expiresAt <= Date.now()) return false;
  if (row.resultType === "DIRECT_BLOB") {
    if (row.resultData !== null) return true;
  } else if (row.resultType === "FILE" && row.resultValue !== null) {
    return true;
  }
  backends.logger.warn(
    `Ignoring damaged entry ${row.cacheKey} of ${row.funcIdentifier}: result_type ${JSON.stringify(row.resultType)} without its value. It is treated as a miss; run \`beautyspot clean\` to tidy up.`,
  );
  return false;
}

/** Decodes verified bytes, applying the plan's `onDecodeError` mode when they no longer decode. */
function decodeValue(
  plan: CallPlan,
  row: StoredTask,
  bytes: Uint8Array,
  backends: Backends,
  bytesAreOwned: boolean,
): unknown {
  try {
    const { serializer } = plan;
    return bytesAreOwned && serializer.loadsOwned !== undefined
      ? serializer.loadsOwned(bytes)
      : serializer.loads(bytes);
  } catch (error) {
    if (plan.onDecodeError === "throw") {
      if (error instanceof SerializationError) throw error;
      throw new SerializationError(
        `Cannot decode the stored value of ${plan.identity} (key ${row.cacheKey}): ${describeError(error)}. Bump the function's \`version\`, or use onDecodeError: "recompute" to recompute stale entries.`,
        { cause: error },
      );
    }
    if (plan.onDecodeError === "raw") return rescueValue(plan, bytes);
    backends.logger.warn(
      `Stored value of ${plan.identity} (key ${row.cacheKey}) no longer decodes (${describeError(error)}); recomputing it. Bump \`version\` when a stored type changes, or set onDecodeError.`,
    );
    return MISS;
  }
}

/** The raw data of a value that no longer decodes, as far as it can be rescued. */
function rescueValue(plan: CallPlan, bytes: Uint8Array): unknown {
  try {
    return rescueDecode(bytes, plan.serializer).value;
  } catch {
    // Not MessagePack at all (a custom serializer): hand back the bytes, marked as rescued.
    return { [RESCUED_KEY]: { reason: "unreadable-payload", data: Buffer.from(bytes) } };
  }
}

/**
 * Inline rows already checked, by identity. A TaskDB with an in-memory tier returns the same
 * row object for repeated hits; its bytes cannot have changed, so the digest is computed once.
 */
const verifiedInlineRows = new WeakSet<StoredTask>();

/**
 * Checks and decodes a row whose bytes are at hand; a corrupted one becomes a miss.
 * `blobMtime` (the blob file's time, read after loading it) lets a blob checked before skip
 * its digest; blob bytes are the caller's to give away, so they are decoded without copies.
 */
export function decodeStored(
  plan: CallPlan,
  row: StoredTask,
  bytes: Uint8Array,
  backends: Backends,
  blobMtime?: number,
): unknown {
  const inline = bytes === row.resultData;
  const location = row.resultValue;
  const known = inline
    ? verifiedInlineRows.has(row)
    : blobMtime !== undefined &&
      location !== null &&
      row.digest !== null &&
      isVerifiedBlob(backends.storage, location, row.digest, bytes.byteLength, blobMtime);
  if (!known) {
    try {
      verifyIntegrity(row, bytes);
    } catch (error) {
      backends.logger.warn(describeError(error));
      return MISS;
    }
    // Rows of pending writes are built afresh on every read (and carry no digest): not worth remembering.
    if (inline && row.digest !== null) verifiedInlineRows.add(row);
    else if (blobMtime !== undefined && location !== null && row.digest !== null) {
      rememberVerifiedBlob(backends.storage, location, row.digest, bytes.byteLength, blobMtime);
    }
  }
  const value = decodeValue(plan, row, bytes, backends, !inline);
  // A stored stream comes back as its replay; ordinary values pay one comparison.
  return row.contentType === STREAM_CONTENT_TYPE && value !== MISS
    ? createReplay(value, plan.replayPace)
    : value;
}

/** Looks an entry up with synchronous backends. Returns the value or MISS. */
export function readEntrySync(plan: CallPlan, cacheKey: string, backends: Backends): unknown {
  let row: StoredTask | undefined;
  try {
    row = backends.db.get(cacheKey) as StoredTask | undefined;
  } catch (error) {
    reportUnreadableRow(plan, cacheKey, error, backends);
    return MISS;
  }
  if (row === undefined || !isUsable(row, backends)) return MISS;
  let bytes: Uint8Array;
  if (row.resultType === "DIRECT_BLOB") {
    bytes = row.resultData as Uint8Array;
  } else {
    const { storage } = backends;
    const location = row.resultValue as string;
    let blobMtime: number | undefined;
    try {
      if (storage.loadWithMtime !== undefined) {
        const loaded = storage.loadWithMtime(location) as { bytes: Uint8Array; mtime: number };
        bytes = loaded.bytes;
        blobMtime = loaded.mtime;
      } else {
        bytes = storage.load(location) as Uint8Array;
        blobMtime = storage.getMtime(location) as number | undefined;
      }
    } catch (error) {
      reportUnreadableBlob(row, error, backends);
      return MISS;
    }
    return decodeStored(plan, row, bytes, backends, blobMtime);
  }
  return decodeStored(plan, row, bytes, backends);
}

/** Looks an entry up with any backends. Resolves to the value or MISS. */
export async function readEntryAsync(
  plan: CallPlan,
  cacheKey: string,
  backends: Backends,
): Promise<unknown> {
  let row: StoredTask | undefined;
  try {
    row = await backends.db.get(cacheKey);
  } catch (error) {
    reportUnreadableRow(plan, cacheKey, error, backends);
    return MISS;
  }
  if (row === undefined || !isUsable(row, backends)) return MISS;
  let bytes: Uint8Array;
  if (row.resultType === "DIRECT_BLOB") {
    bytes = row.resultData as Uint8Array;
  } else {
    try {
      bytes = await backends.storage.load(row.resultValue as string);
    } catch (error) {
      reportUnreadableBlob(row, error, backends);
      return MISS;
    }
  }
  return decodeStored(plan, row, bytes, backends);
}

/** A failing database read (disk full, I/O error, lock) is a miss, never a crash of the call. */
function reportUnreadableRow(
  plan: CallPlan,
  cacheKey: string,
  error: unknown,
  backends: Backends,
): void {
  backends.logger.warn(
    `Could not read the cache entry ${cacheKey} of ${plan.identity} (${describeError(error)}); running the function instead.`,
  );
}

function reportUnreadableBlob(row: StoredTask, error: unknown, backends: Backends): void {
  backends.logger.warn(
    `Blob ${row.resultValue} of ${row.funcIdentifier} (key ${row.cacheKey}) could not be read from ${backends.storage.description}: ${describeError(error)}. Treating it as a miss; the function runs again and overwrites it.`,
  );
}
