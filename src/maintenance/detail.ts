/** @module maintenance/detail — one entry's record and value for inspection: load, verify, decode or rescue. */

import { createHash } from "node:crypto";
import { isValidSize } from "../db/record-rows.js";
import type { StoredTask, TaskRecord } from "../db/types.js";
import { describeError } from "../errors.js";
import { rescueDecode } from "../serializer/msgpack.js";
import type { Serializer } from "../serializer/types.js";
import type { BlobStorage } from "../storage/types.js";

/** What `getTaskDetail` returns for an existing entry. */
export interface TaskDetail {
  record: TaskRecord;
  /** The decoded value, the rescued raw data (when `rescued`), or `undefined` when `error` is set. */
  value: unknown;
  /** `true` when the value is raw data rescued from an encoding that no longer decodes. */
  rescued: boolean;
  /** Why there is no value: the stored bytes are missing, unreadable or fail their integrity check. */
  error?: string;
  /** Why the value had to be rescued instead of decoded. */
  decodeError?: string;
}

/** A serializer that decodes and, for stale encodings, rescues raw data in one step. */
interface RescuingSerializer extends Serializer {
  loadsRescued(bytes: Uint8Array): { value: unknown; rescued: boolean; reason?: string };
}

function isRescuing(serializer: Serializer): serializer is RescuingSerializer {
  return typeof (serializer as Partial<RescuingSerializer>).loadsRescued === "function";
}

/** Unix ms as ISO 8601, or `undefined` when no Date can hold it. */
function toIso(ms: number): string | undefined {
  return ms >= -8.64e15 && ms <= 8.64e15 ? new Date(ms).toISOString() : undefined;
}

/**
 * The maintenance view of a hit-path row (ISO timestamps, no value bytes), for a TaskDB without
 * `getRecord`. Never throws: a time no Date can hold is named in `problems`.
 */
export function toTaskRecord(stored: StoredTask): TaskRecord {
  const updatedAt = toIso(stored.updatedAt);
  const expiresAt = stored.expiresAt === null ? null : toIso(stored.expiresAt);
  const record: TaskRecord = {
    cacheKey: stored.cacheKey,
    funcName: stored.funcName,
    funcIdentifier: stored.funcIdentifier,
    inputId: stored.inputId,
    version: stored.version,
    resultType: stored.resultType,
    contentType: stored.contentType,
    resultValue: stored.resultValue,
    size: stored.size,
    updatedAt: updatedAt ?? String(stored.updatedAt),
    expiresAt: expiresAt === undefined ? String(stored.expiresAt) : expiresAt,
    inputPreview: null,
    durationMs: null,
    tokens: null,
    hits: 0,
  };
  if (updatedAt === undefined) {
    record.problems = { updatedAt: `updated_at holds ${stored.updatedAt}, not a timestamp.` };
  }
  if (expiresAt === undefined) {
    record.problems = {
      ...record.problems,
      expiresAt: `expires_at holds ${stored.expiresAt}, not a timestamp.`,
    };
  }
  return record;
}

/** The stored bytes of an entry, or a message saying why they cannot be had. */
export async function loadStoredBytes(
  stored: StoredTask,
  storage: BlobStorage,
): Promise<{ bytes: Uint8Array } | { error: string }> {
  const advice = `A call treats it as a miss and recomputes it; to remove it now, delete it in the dashboard (beautyspot ui) or with spot.delete("${stored.cacheKey}").`;
  if (stored.resultType === "DIRECT_BLOB") {
    if (stored.resultData !== null) return { bytes: stored.resultData };
    return {
      error: `The row has result type DIRECT_BLOB but no inline value: it is damaged. ${advice}`,
    };
  }
  if (stored.resultType === "FILE") {
    if (stored.resultValue === null) {
      return {
        error: `The row has result type FILE but no blob location: it is damaged. ${advice}`,
      };
    }
    try {
      return { bytes: await storage.load(stored.resultValue) };
    } catch (error) {
      return {
        error: `Blob ${stored.resultValue} could not be read from ${storage.description}: ${describeError(error)}. ${advice}`,
      };
    }
  }
  return {
    error: `Unknown result type ${JSON.stringify(stored.resultType)}: the entry was written by a newer or foreign writer. Open it with that writer, or delete the entry.`,
  };
}

/** A message describing how `bytes` fail the size or digest recorded with them, or `undefined`. */
export function findIntegrityProblem(stored: StoredTask, bytes: Uint8Array): string | undefined {
  // A size that is no byte count at all is reported with the record (`problems`), not here.
  if (isValidSize(stored.size) && stored.size !== bytes.byteLength) {
    return `The stored value has ${bytes.byteLength} bytes but ${stored.size} were recorded: it was truncated or altered. Delete the entry and let the function recompute it.`;
  }
  if (stored.digest !== null) {
    const digest = createHash("sha256").update(bytes).digest("hex");
    if (digest !== stored.digest) {
      return `The stored value does not match its recorded sha256 digest (${digest} instead of ${stored.digest}): it was altered or damaged. Delete the entry and let the function recompute it.`;
    }
  }
  return undefined;
}

/**
 * Decodes verified bytes. A value that no longer decodes (unknown extension code, a decoder
 * that throws) is always rescued as raw data: inspection must show something, never fail.
 */
export function decodeForInspection(
  serializer: Serializer,
  bytes: Uint8Array,
): { value: unknown; rescued: boolean; decodeError?: string } {
  let decodeError: string;
  try {
    if (isRescuing(serializer)) {
      const { value, rescued, reason } = serializer.loadsRescued(bytes);
      return reason === undefined ? { value, rescued } : { value, rescued, decodeError: reason };
    }
    return { value: serializer.loads(bytes), rescued: false };
  } catch (error) {
    decodeError = describeError(error);
  }
  try {
    // Decoded outside the serializer that wrote it: whatever comes back is rescued data.
    return { value: rescueDecode(bytes).value, rescued: true, decodeError };
  } catch (error) {
    // Not MessagePack at all (a custom serializer's format), or nested past the call stack: the
    // bytes themselves are the raw data.
    const rescueError = describeError(error);
    return {
      value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      rescued: true,
      decodeError:
        rescueError === decodeError
          ? decodeError
          : `${decodeError}; not readable as MessagePack either (${rescueError})`,
    };
  }
}
