/**
 * @module core/write — turning a result into a stored entry.
 * The blob is written first, then the row: a crash in between leaves at worst an orphan blob
 * (collected by clean-up), never a row that points at nothing. A row write that fails removes
 * the blobs its batch wrote: on a full disk they would otherwise keep it full. After the row,
 * the blob is checked once more, because another process may have released it meanwhile (see
 * storage/release.ts).
 */

import { createHash, hash } from "node:crypto";
import type { TaskWrite } from "../db/types.js";
import {
  BlobStorageError,
  DatabaseWriteError,
  describeError,
  SerializationError,
} from "../errors.js";
import type { CapturedArguments } from "../keys/arguments.js";
import {
  ensureBlobAfterRecord,
  ensureBlobAfterRecordSync,
  type RecordedBlob,
  releaseBlob,
  releaseBlobSync,
} from "../storage/release.js";
import type { SavedParts } from "../storage/types.js";
import type { Awaitable } from "../types.js";
import type { Backends } from "./backends.js";
import type { CallPlan } from "./plan.js";
import { rememberVerifiedBlob } from "./verified-blobs.js";

/** A blob written for `entry`, to be checked again once its row is recorded. */
interface WrittenBlob extends RecordedBlob {
  readonly entry: PreparedEntry;
  /** Waits until the blob is on disk (`durability: "full"`), when the storage flushes it later. */
  readonly whenDurable: (() => Awaitable<void>) | undefined;
}

/** A result encoded and ready to write; `blob` is set when it goes to blob storage. */
export interface PreparedEntry {
  readonly row: TaskWrite;
  /**
   * The encoded value in pieces, stored as their concatenation: a binary result saved now is its
   * header and the result's own bytes (never copied); otherwise one piece.
   */
  readonly parts: readonly Uint8Array[];
  /** The encoded value in one piece (joined on first use; kept for reads of entries still waiting to be written). */
  readonly bytes: Uint8Array;
  readonly blob: boolean;
  /**
   * The call's arguments, still to be recorded into `row.arguments` and `row.inputPreview` by
   * the writer (a background save keeps the encoding off the caller's time).
   */
  readonly capturedArguments?: CapturedArguments | undefined;
}

/** What a miss measured about the original call, stored with its entry. */
export interface CallMeasures {
  /** ms from the call to its result (a stream: to its last chunk); `null` when not measured. */
  readonly durationMs: number | null;
  /** Tokens the call used, from the plan's `tokensOf`; `null` when not reported. */
  readonly tokens: number | null;
}

/**
 * The measures of a call that started at `startedAt` (`performance.now()`) and just produced
 * `result` (a stream: its chunks). `tokensOf` runs here, once per miss; a throwing or
 * nonsensical one records no tokens and warns, it never fails the call.
 */
export function measureCall(
  plan: CallPlan,
  startedAt: number,
  result: unknown,
  backends: Backends,
): CallMeasures {
  const durationMs = performance.now() - startedAt;
  if (plan.tokensOf === undefined) return { durationMs, tokens: null };
  let tokens: unknown;
  try {
    tokens = plan.tokensOf(result);
  } catch (error) {
    backends.logger.warn(
      `tokensOf of ${plan.identity} threw (${describeError(error)}); the entry is stored without a token count. Make tokensOf return a number, or undefined when the result reports no usage.`,
    );
    return { durationMs, tokens: null };
  }
  return { durationMs, tokens: readTokenCount(tokens) };
}

/** A token count as stored: a whole number >= 0, else `null` (not reported). */
export function readTokenCount(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? Math.round(value)
    : null;
}

/** The bytes of `parts` in one array: the piece itself when there is one. */
function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The sha256 of the concatenation of `parts`, in hex, without joining them. */
function digestOf(parts: readonly Uint8Array[]): string {
  if (parts.length === 1) return hash("sha256", parts[0]!, "hex");
  const digest = createHash("sha256");
  for (const part of parts) digest.update(part);
  return digest.digest("hex");
}

/**
 * Encodes a result and decides where it goes. Throws SerializationError when it cannot be
 * encoded. Encoding happens now, so later changes to the result never reach the cache;
 * `deferDigest` leaves the digest to the writer (a background save keeps it off the caller's time),
 * and the recording of the arguments too: they are captured now (object arguments copied, so a
 * later change by the caller never reaches what is stored), redacted and encoded by the writer.
 * `args`, the call's arguments, are stored beside the result, redacted and size-capped.
 */
export function prepareEntry(
  plan: CallPlan,
  cacheKey: string,
  inputId: string,
  value: unknown,
  backends: Backends,
  deferDigest = false,
  args?: readonly unknown[],
  measures?: CallMeasures,
): PreparedEntry {
  const { serializer } = plan;
  let parts: readonly Uint8Array[];
  try {
    // Pieces may share memory with the result: only for a save written before the call returns
    // (a queued save must hold its own copy, or later changes to the result would reach it).
    parts =
      !deferDigest && backends.synchronous && serializer.dumpsParts !== undefined
        ? serializer.dumpsParts(value)
        : [serializer.dumps(value)];
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    throw new SerializationError(
      `Cannot encode the result of ${plan.identity}: ${describeError(error)}. Return plain data, or register the type with spot.register(Class, { code, encode, decode }).`,
      { cause: error },
    );
  }
  let size = 0;
  for (const part of parts) size += part.byteLength;
  const blob =
    plan.saveBlob ??
    backends.storagePolicy.shouldUseBlob(size, { funcName: plan.identity, cacheKey });
  // A row holds its value in one piece (small values: joining costs little).
  if (!blob && parts.length > 1) parts = [joinParts(parts)];
  const now = Date.now();
  const captured =
    args === undefined || !plan.storeArguments ? undefined : plan.captureArguments(args);
  const inputs = captured === undefined || deferDigest ? undefined : captured.record();
  let joined: Uint8Array | undefined;
  return {
    capturedArguments: deferDigest ? captured : undefined,
    parts,
    get bytes() {
      joined ??= joinParts(parts);
      return joined;
    },
    blob,
    row: {
      cacheKey,
      funcName: plan.funcName,
      funcIdentifier: plan.identity,
      inputId,
      version: plan.version,
      resultType: blob ? "FILE" : "DIRECT_BLOB",
      resultValue: null,
      resultData: blob ? null : parts[0]!,
      contentType: plan.contentType,
      size,
      digest: deferDigest ? "" : digestOf(parts),
      expiresAt: plan.retentionMs === null ? null : now + plan.retentionMs,
      updatedAt: now,
      // Filled in by the writer when captured for later (see completeDigest).
      arguments: inputs?.bytes ?? null,
      inputPreview: inputs?.preview ?? null,
      durationMs: measures?.durationMs ?? null,
      tokens: measures?.tokens ?? null,
    },
  };
}

/** Fills in the digest and the arguments left to the writer by `prepareEntry(…, deferDigest)`. */
function completeDigest(entry: PreparedEntry): void {
  if (entry.row.digest === "") entry.row.digest = digestOf(entry.parts);
  const captured = entry.capturedArguments;
  if (captured !== undefined) {
    // Recorded once (memoized): an entry written again after a failure gets the same bytes.
    const inputs = captured.record();
    entry.row.arguments = inputs.bytes;
    entry.row.inputPreview = inputs.preview;
  }
}

/** Describes where a blob write failed, for the error that reaches the user. */
function wrapBlobError(entry: PreparedEntry, error: unknown, backends: Backends): Error {
  const reason = describeError(error);
  const code = (error as { code?: string } | null)?.code;
  const hint =
    code === "ENOSPC" || code === "EFBIG" || code === "EDQUOT"
      ? " The disk is full (or a file-size limit was hit): free some space, then the next call stores it again."
      : " Check that the storage is reachable and writable.";
  return new BlobStorageError(
    `Could not store the ${entry.row.size}-byte result of ${entry.row.funcIdentifier} in ${backends.storage.description}: ${reason}.${hint}`,
    { cause: error },
  );
}

/** Describes a failed row write: which database, and what to do about it. */
function wrapDatabaseError(error: unknown, backends: Backends): Error {
  if (error instanceof DatabaseWriteError) return error;
  const code = (error as { code?: string } | null)?.code ?? "";
  const where = (backends.db as { path?: unknown }).path;
  const database = typeof where === "string" ? `the database ${where}` : "the database";
  const hint =
    code === "SQLITE_FULL"
      ? " The disk is full: free some space, then the next call stores it again."
      : code.startsWith("SQLITE_IOERR")
        ? " Most often the disk is full or a file-size limit was hit: free some space, then the next call stores it again."
        : code === "SQLITE_BUSY"
          ? " Another process held the lock too long: retry, or raise the busy timeout."
          : code === "SQLITE_READONLY"
            ? " The file is read-only: check its permissions."
            : "";
  return new DatabaseWriteError(
    `Could not record the result in ${database}: ${describeError(error)}.${hint}`,
    {
      cause: error,
    },
  );
}

/**
 * Writes entries with synchronous backends: blobs first, then all rows in one transaction.
 * Returns the entries that could not be written with their errors (their rows are not written).
 */
export function writeEntriesSync(
  entries: readonly PreparedEntry[],
  backends: Backends,
): { entry: PreparedEntry; error: unknown }[] {
  const failures: { entry: PreparedEntry; error: unknown }[] = [];
  const rows: TaskWrite[] = [];
  const blobs: WrittenBlob[] = [];
  for (const entry of entries) {
    completeDigest(entry);
    if (!entry.blob) {
      rows.push(entry.row);
      continue;
    }
    try {
      const { storage } = backends;
      let location: string;
      let mtime: number | undefined;
      let whenDurable: (() => Awaitable<void>) | undefined;
      if (storage.saveParts !== undefined) {
        ({ location, mtime, whenDurable } = storage.saveParts(
          entry.row.cacheKey,
          entry.parts,
        ) as SavedParts);
      } else {
        location = storage.save(entry.row.cacheKey, entry.bytes) as string;
        mtime = storage.getMtime(location) as number | undefined;
      }
      // These bytes were just written from memory: the first read need not hash them again.
      if (mtime !== undefined) {
        rememberVerifiedBlob(storage, location, entry.row.digest, entry.row.size, mtime);
      }
      rows.push({ ...entry.row, resultValue: location });
      blobs.push(recordedBlob(entry, location, whenDurable));
    } catch (error) {
      failures.push({ entry, error: wrapBlobError(entry, error, backends) });
    }
  }
  if (rows.length === 0) return failures;
  let rowError: unknown;
  try {
    backends.db.saveMany(rows);
  } catch (cause) {
    rowError = cause;
  }
  // The blobs' flushes ran while the rows were committed (and flushed): wait for them now.
  const unflushed = new Set<WrittenBlob>();
  for (const blob of blobs) {
    try {
      blob.whenDurable?.();
    } catch (error) {
      unflushed.add(blob);
      if (rowError === undefined) {
        failures.push({ entry: blob.entry, error: wrapBlobError(blob.entry, error, backends) });
      }
    }
  }
  if (rowError !== undefined) {
    const cause = rowError;
    for (const blob of blobs) {
      try {
        releaseBlobSync(backends.db, backends.storage, blob.location, blob.cacheKey);
      } catch {
        // Left as an orphan for `beautyspot clean`; the failed save is what gets reported.
      }
    }
    return failAllRemaining(entries, failures, wrapDatabaseError(cause, backends));
  }
  for (const blob of blobs) {
    if (unflushed.has(blob)) continue;
    try {
      ensureBlobAfterRecordSync(backends.db, backends.storage, blob);
    } catch (error) {
      const { entry } = blob;
      failures.push({ entry, error: wrapBlobError(entry, error, backends) });
    }
  }
  return failures;
}

/** The blob of `entry` as written at `location`; its bytes are joined only if it must be written again. */
function recordedBlob(
  entry: PreparedEntry,
  location: string,
  whenDurable: (() => Awaitable<void>) | undefined,
): WrittenBlob {
  return {
    entry,
    cacheKey: entry.row.cacheKey,
    location,
    whenDurable,
    get bytes() {
      return entry.bytes;
    },
  };
}

/** Adds every entry not failed yet to `failures` with `error` (a failed row write fails them all). */
function failAllRemaining(
  entries: readonly PreparedEntry[],
  failures: { entry: PreparedEntry; error: unknown }[],
  error: Error,
): { entry: PreparedEntry; error: unknown }[] {
  for (const entry of entries) {
    if (!failures.some((failure) => failure.entry === entry)) failures.push({ entry, error });
  }
  return failures;
}

/** Writes entries with any backends; same contract as `writeEntriesSync`. */
export async function writeEntriesAsync(
  entries: readonly PreparedEntry[],
  backends: Backends,
): Promise<{ entry: PreparedEntry; error: unknown }[]> {
  const failures: { entry: PreparedEntry; error: unknown }[] = [];
  const rows: TaskWrite[] = [];
  const blobs: WrittenBlob[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      completeDigest(entry);
      if (!entry.blob) {
        rows.push(entry.row);
        return;
      }
      try {
        const { storage } = backends;
        const saved: SavedParts =
          storage.saveParts !== undefined
            ? await storage.saveParts(entry.row.cacheKey, entry.parts)
            : { location: await storage.save(entry.row.cacheKey, entry.bytes), mtime: undefined };
        rows.push({ ...entry.row, resultValue: saved.location });
        blobs.push(recordedBlob(entry, saved.location, saved.whenDurable));
      } catch (error) {
        failures.push({ entry, error: wrapBlobError(entry, error, backends) });
      }
    }),
  );
  if (rows.length === 0) return failures;
  let rowError: unknown;
  try {
    await backends.db.saveMany(rows);
  } catch (cause) {
    rowError = cause;
  }
  // As in writeEntriesSync: the blobs' flushes overlapped the row commit.
  const unflushed = new Set<WrittenBlob>();
  for (const blob of blobs) {
    try {
      await blob.whenDurable?.();
    } catch (error) {
      unflushed.add(blob);
      if (rowError === undefined) {
        failures.push({ entry: blob.entry, error: wrapBlobError(blob.entry, error, backends) });
      }
    }
  }
  if (rowError !== undefined) {
    const cause = rowError;
    await Promise.all(
      blobs.map((blob) =>
        releaseBlob(backends.db, backends.storage, blob.location, blob.cacheKey).catch(
          // Left as an orphan for `beautyspot clean`; the failed save is what gets reported.
          () => false,
        ),
      ),
    );
    return failAllRemaining(entries, failures, wrapDatabaseError(cause, backends));
  }
  await Promise.all(
    blobs.map(async (blob) => {
      if (unflushed.has(blob)) return;
      try {
        await ensureBlobAfterRecord(backends.db, backends.storage, blob);
      } catch (error) {
        const { entry } = blob;
        failures.push({ entry, error: wrapBlobError(entry, error, backends) });
      }
    }),
  );
  return failures;
}
