/**
 * @module dashboard/server/raw-files — raw binary values served straight from their blob files.
 * A media player asks for many byte ranges of one value; reading, hashing and decoding the whole
 * blob for each of them costs seconds and its size in memory per request. Here a blob is verified
 * once (size and digest, as every read does) and, while the file stays the same one, each range is
 * read from the file alone.
 */

import { createHash } from "node:crypto";
import fs from "node:fs";
import type { StoredTask } from "../../db/types.js";
// Classes come from the library entry, never a deep import: the built entry is one bundle, and a
// second copy of LocalStorage would fail every instanceof.
import { LocalStorage, type MaintenanceService } from "../../index.js";

/** A verified raw binary value: its bytes are `length` bytes at `offset` of an open file. */
export interface RawValueWindow {
  descriptor: number;
  offset: number;
  length: number;
  contentType: string | null;
  /**
   * Whether the open file is still exactly the verified one (one `fstat`). Called after each
   * chunk is read and before it is sent: bytes read from a file altered in place are never sent.
   */
  isUnchanged(): boolean;
}

/** What a verification proved: the row and the file it was made for. */
interface Verification {
  location: string;
  size: number | null;
  digest: string | null;
  dev: number;
  ino: number;
  fileSize: number;
  mtimeMs: number;
  ctimeMs: number;
  offset: number;
}

/** Verified blobs remembered; each entry is a few numbers, and forgetting one costs one re-check. */
const MAX_REMEMBERED = 1_000;
/** Longest MessagePack bin header: a marker byte and a 32-bit length. */
const MAX_HEADER_BYTES = 5;
// Refuse a final symlink and never hang on a planted FIFO, as LocalStorage's reads do.
const READ_FLAGS =
  fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/**
 * The payload position of a MessagePack `bin` value (`c4`/`c5`/`c6`, the encoding of a Buffer)
 * that fills exactly `fileSize` bytes, or `undefined` when the bytes are something else.
 */
export function readBinHeader(
  head: Uint8Array,
  fileSize: number,
): { offset: number; length: number } | undefined {
  const view = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  let offset: number;
  let length: number;
  if (view[0] === 0xc4 && view.byteLength >= 2) [offset, length] = [2, view.readUInt8(1)];
  else if (view[0] === 0xc5 && view.byteLength >= 3) [offset, length] = [3, view.readUInt16BE(1)];
  else if (view[0] === 0xc6 && view.byteLength >= 5) [offset, length] = [5, view.readUInt32BE(1)];
  else return undefined;
  return offset + length === fileSize ? { offset, length } : undefined;
}

function readFully(descriptor: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let done = 0;
  while (done < size) {
    const read = fs.readSync(descriptor, bytes, done, size - done, done);
    if (read === 0) break;
    done += read;
  }
  return done === size ? bytes : bytes.subarray(0, done);
}

function isSameFile(known: Verification, stat: fs.Stats): boolean {
  return (
    known.dev === stat.dev &&
    known.ino === stat.ino &&
    known.fileSize === stat.size &&
    known.mtimeMs === stat.mtimeMs &&
    // ctime moves on every write and cannot be set back by a user (mtime can).
    known.ctimeMs === stat.ctimeMs
  );
}

/** Raw binary values of one database's local blob folder, verified once per file. */
export class RawValueFiles {
  readonly #service: MaintenanceService;
  readonly #verified = new Map<string, Verification>();

  constructor(service: MaintenanceService) {
    this.#service = service;
  }

  /**
   * An open window onto the value of `cacheKey` when it is a raw binary value in a local blob
   * file whose bytes are verified; the caller owns the descriptor. `undefined` for anything else
   * (inline values, other storages, text, a damaged or missing blob): the caller reads the value
   * the ordinary way, which reports any problem.
   */
  async open(cacheKey: string): Promise<RawValueWindow | undefined> {
    const storage = this.#service.storage;
    if (!(storage instanceof LocalStorage)) return undefined;
    const stored = await this.#service.db.get(cacheKey);
    if (stored === undefined || stored.resultType !== "FILE" || stored.resultValue === null) {
      return undefined;
    }
    const location = stored.resultValue;
    const file = storage.resolveFile(location);
    if (file === undefined) return undefined;
    let descriptor: number;
    try {
      descriptor = fs.openSync(file, READ_FLAGS);
    } catch {
      return undefined;
    }
    let keepOpen = false;
    try {
      const stat = fs.fstatSync(descriptor);
      if (!stat.isFile()) return undefined;
      let known = this.#verified.get(cacheKey);
      const stillValid =
        known !== undefined &&
        known.location === location &&
        known.size === stored.size &&
        known.digest === stored.digest &&
        isSameFile(known, stat);
      if (!stillValid) {
        this.#verified.delete(cacheKey);
        known = this.#verify(descriptor, stat, stored);
        if (known === undefined) return undefined;
        this.#remember(cacheKey, known);
      }
      const verified = known as Verification;
      keepOpen = true;
      return {
        descriptor,
        offset: verified.offset,
        length: verified.fileSize - verified.offset,
        contentType: stored.contentType,
        isUnchanged: () => {
          try {
            return isSameFile(verified, fs.fstatSync(descriptor));
          } catch {
            return false;
          }
        },
      };
    } finally {
      if (!keepOpen) fs.closeSync(descriptor);
    }
  }

  /** Reads the whole file once: a bin value whose size and digest match the row, in a file that did not change meanwhile. */
  #verify(descriptor: number, before: fs.Stats, stored: StoredTask): Verification | undefined {
    const head = Buffer.alloc(Math.min(MAX_HEADER_BYTES, before.size));
    fs.readSync(descriptor, head, 0, head.byteLength, 0);
    const header = readBinHeader(head, before.size);
    // Not a raw binary value: not worth reading here, the ordinary read serves it.
    if (header === undefined) return undefined;
    // Without a recorded digest the bytes cannot be verified once and trusted after.
    if (stored.digest === null) return undefined;
    const bytes = readFully(descriptor, before.size);
    // The same checks as every read: the recorded size and sha256 digest.
    if (stored.size !== null && stored.size !== bytes.byteLength) return undefined;
    if (createHash("sha256").update(bytes).digest("hex") !== stored.digest) return undefined;
    const after = fs.fstatSync(descriptor);
    const verification: Verification = {
      location: stored.resultValue ?? "",
      size: stored.size,
      digest: stored.digest,
      dev: before.dev,
      ino: before.ino,
      fileSize: before.size,
      mtimeMs: before.mtimeMs,
      ctimeMs: before.ctimeMs,
      offset: header.offset,
    };
    // Written to while it was read: what was hashed may not be what is in the file now.
    return isSameFile(verification, after) ? verification : undefined;
  }

  #remember(cacheKey: string, verification: Verification): void {
    if (this.#verified.size >= MAX_REMEMBERED) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(cacheKey, verification);
  }
}
