/** @module storage/local — blobs as files `<cache_key>.bin` in one local folder, written atomically. */

import * as fs from "node:fs";
import * as path from "node:path";
import { type Durability, requireDurability } from "../durability.js";
import { CacheCorruptedError, describeError, ValidationError } from "../errors.js";
import { assertValidBlobKey, BLOB_SUFFIX } from "./blob-key.js";
import { startFlush } from "./flusher.js";
import { judgeTemporaryFile, temporaryNameFor } from "./leftovers.js";
import { type BlobFolderOwner, recordOwner } from "./ownership.js";
import type { BlobStorage, SavedParts } from "./types.js";

/** Options of `new LocalStorage(dir, options)`. */
export interface LocalStorageOptions {
  /**
   * The database whose entries these blobs belong to (absolute path; `null` for a TaskDB without
   * a file). When set, the folder records it (see storage/ownership.ts), so `beautyspot gc` can
   * tell whether the folder is still in use. A Spot sets it for its default blob folder.
   * @default not recorded
   */
  owner?: BlobFolderOwner;
  /**
   * `"normal"`: a blob is written to a temp file and renamed over its name, and survives a crash
   * of the process (as a SQLite row committed with `synchronous = NORMAL` does); after a power
   * loss or OS crash it may be missing, short or zeroed, which the reader's size and digest check
   * turns into a miss. `"full"`: each blob is also fsynced before the rename, so it survives a
   * power loss too (about half a millisecond or more per blob on most disks).
   * @default "normal"
   */
  durability?: Durability;
}

/** This process's id, read once: `process.pid` asks the kernel on every read. */
const PID = process.pid;

/** Writes every byte of `parts`, in order, at the file's current position: one call for most writes. */
function writeAll(descriptor: number, parts: readonly Uint8Array[]): void {
  let pending = parts;
  let remaining = 0;
  for (const part of parts) remaining += part.byteLength;
  while (remaining > 0) {
    const written =
      pending.length === 1
        ? fs.writeSync(descriptor, pending[0]!)
        : fs.writevSync(descriptor, pending as Uint8Array[]);
    remaining -= written;
    if (remaining === 0) return;
    // A short write (a signal, a huge file): go on after the last byte written.
    let skip = written;
    let index = 0;
    while (skip >= pending[index]!.byteLength) skip -= pending[index++]!.byteLength;
    pending = [pending[index]!.subarray(skip), ...pending.slice(index + 1)];
  }
}
// Refuse the final symlink at open time; O_NONBLOCK keeps a planted FIFO from hanging a read.
const READ_FLAGS =
  fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/** Why a location is refused, or `undefined` when it is a plain relative path inside the folder. */
function findLocationProblem(location: string): string | undefined {
  if (typeof location !== "string" || location === "") return "it is empty";
  if (location.includes("\0")) return "it contains a NUL character";
  if (location.includes("\\")) return "it contains a backslash";
  if (path.posix.isAbsolute(location) || /^[A-Za-z]:/.test(location))
    return "it is an absolute path";
  for (const segment of location.split("/")) {
    if (segment === "" || segment === "." || segment === "..") {
      return "it has an empty, `.` or `..` segment";
    }
  }
  return undefined;
}

/**
 * A location that is one plain file name: letters, digits, `_`, `-` and dots, not starting with
 * a dot (so never `.` or `..`), without separators, drive letters or NUL.
 */
const PLAIN_NAME = /^[\w-][\w.-]*$/;

function isMissing(error: unknown): boolean {
  return (error as { code?: string }).code === "ENOENT";
}

/**
 * Stores each blob as `<dir>/<cache_key>.bin`. Writes go to a temporary `*.spot_tmp` file that is
 * renamed over the target, so a reader never sees half a file while the machine runs. With
 * `durability: "full"` the file is also fsynced: before the rename by `save`, on a helper thread
 * after it by `saveParts` (the caller's `whenDurable` waits). The folder itself is never fsynced:
 * after a power loss the newest blobs may be missing (or, without the fsync, short or zeroed),
 * which the reader's size and digest check reports as a miss and recomputes.
 * Locations are relative to the folder; anything that could reach outside it (absolute paths,
 * `..`, backslashes, symlinks) is refused and never opened.
 */
export class LocalStorage implements BlobStorage {
  readonly synchronous = true;
  /** The blob folder, absolute. */
  readonly description: string;
  readonly #dir: string;
  readonly #owner: BlobFolderOwner | undefined;
  readonly #fsync: boolean;
  #dirReady = false;

  constructor(dir: string, options: LocalStorageOptions = {}) {
    if (typeof dir !== "string" || dir === "") {
      throw new ValidationError(
        "The blob folder path is empty. Pass a folder such as .beautyspot/blobs/my_app.",
      );
    }
    this.#dir = path.resolve(dir);
    this.description = this.#dir;
    this.#owner = options.owner;
    this.#fsync =
      options.durability !== undefined &&
      requireDurability(options.durability, "durability") === "full";
    // A folder made before owners were recorded learns its owner now, not at the first save: a
    // Spot that only reads must not look abandoned to gc.
    if (this.#owner !== undefined && fs.existsSync(this.#dir)) recordOwner(this.#dir, this.#owner);
  }

  /** `"full"` when every blob is fsynced before its rename, else `"normal"`. */
  get durability(): Durability {
    return this.#fsync ? "full" : "normal";
  }

  save(key: string, data: Uint8Array): string {
    return this.#save(key, [data], false).location;
  }

  /**
   * Writes the pieces with one vectored write; the time is read from the open file (no lookup).
   * With `durability: "full"` the flush runs on a helper thread until `whenDurable()` is called.
   */
  saveParts(key: string, parts: readonly Uint8Array[]): SavedParts & { mtime: number } {
    return this.#save(key, parts, true) as SavedParts & { mtime: number };
  }

  #save(key: string, parts: readonly Uint8Array[], inPieces: boolean): SavedParts {
    assertValidBlobKey(key);
    const location = `${key}${BLOB_SUFFIX}`;
    this.#ensureDir();
    try {
      return { location, ...this.#writeAtomically(location, parts, inPieces) };
    } catch (error) {
      if (!isMissing(error)) throw error;
      // The folder was removed since the first save (a clean-up, a user): create it again once.
      this.#dirReady = false;
      this.#ensureDir();
      return { location, ...this.#writeAtomically(location, parts, inPieces) };
    }
  }

  load(location: string): Uint8Array {
    return this.loadWithMtime(location).bytes;
  }

  /**
   * The bytes and the file's modification time, taken from the open file after reading it (a
   * change during the read moves the time): one path lookup instead of a load and a stat.
   */
  loadWithMtime(location: string): { bytes: Uint8Array; mtime: number } {
    const target = this.#resolveInside(location);
    if (target === undefined) {
      throw new CacheCorruptedError(
        `Refusing to read blob location ${JSON.stringify(location)}: ${findLocationProblem(location) ?? "it leaves the blob folder"}. Only locations inside ${this.#dir} are read; the entry is treated as a miss.`,
      );
    }
    let descriptor: number;
    try {
      descriptor = fs.openSync(target, READ_FLAGS);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ENOENT") {
        throw new CacheCorruptedError(
          `Blob ${location} is missing from ${this.#dir}. The entry is treated as a miss and will be recomputed; run \`beautyspot clean\` to tidy up.`,
          { cause: error },
        );
      }
      if (code === "ELOOP") {
        throw new CacheCorruptedError(
          `Refusing to read blob ${location}: it is a symbolic link, and blobs are only read from plain files inside ${this.#dir}. The entry is treated as a miss.`,
          { cause: error },
        );
      }
      throw new CacheCorruptedError(
        `Cannot read blob ${location} in ${this.#dir}: ${describeError(error)}. The entry is treated as a miss; check the folder's permissions.`,
        { cause: error },
      );
    }
    try {
      const stat = fs.fstatSync(descriptor);
      if (!stat.isFile()) {
        throw new CacheCorruptedError(
          `Blob ${location} in ${this.#dir} is not a regular file. The entry is treated as a miss; remove that path.`,
        );
      }
      const bytes = Buffer.allocUnsafe(stat.size);
      let offset = 0;
      while (offset < bytes.byteLength) {
        const read = fs.readSync(descriptor, bytes, offset, bytes.byteLength - offset, offset);
        if (read === 0) break;
        offset += read;
      }
      const { mtimeMs } = fs.fstatSync(descriptor);
      // A file that shrank while being read is reported by the size check of the caller.
      return {
        bytes: offset === bytes.byteLength ? bytes : bytes.subarray(0, offset),
        mtime: mtimeMs,
      };
    } finally {
      fs.closeSync(descriptor);
    }
  }

  delete(location: string): boolean {
    const target = this.#resolveInside(location);
    if (target === undefined) return false;
    const stat = fs.lstatSync(target, { throwIfNoEntry: false });
    // Symlinks are never ours: leave them (and whatever they point at) alone.
    if (stat === undefined || !stat.isFile()) return false;
    try {
      fs.unlinkSync(target);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  *listKeys(): Generator<string> {
    let handle: fs.Dir;
    try {
      handle = fs.opendirSync(this.#dir);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    try {
      // Entries are read a buffer at a time, so a million blobs never sit in memory at once.
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        if (entry.isFile() && entry.name.endsWith(BLOB_SUFFIX)) yield entry.name;
      }
    } finally {
      handle.closeSync();
    }
  }

  getSize(location: string): number | undefined {
    const target = this.#resolveInside(location);
    if (target === undefined) return undefined;
    const stat = fs.lstatSync(target, { throwIfNoEntry: false });
    return stat?.isFile() === true ? stat.size : undefined;
  }

  getMtime(location: string): number | undefined {
    const target = this.#resolveInside(location);
    if (target === undefined) return undefined;
    return fs.lstatSync(target, { throwIfNoEntry: false })?.mtimeMs;
  }

  /**
   * Removes the temp files of blob writes that are over: named by a process of this machine that
   * has exited, or last modified more than `olderThanMs` ago (and not by a running process).
   * Only names beautyspot writes are considered, in the folder itself (it creates no
   * subfolders): other files and folders are never touched, so `emptyDirs` is always 0.
   */
  cleanTemporary(olderThanMs: number): { tempFiles: number; emptyDirs: number } {
    if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
      throw new ValidationError(
        `olderThanMs must be a non-negative number of milliseconds, got ${olderThanMs}. Pass for example 3600000 (one hour).`,
      );
    }
    const counts = { tempFiles: 0, emptyDirs: 0 };
    const cutoff = Date.now() - olderThanMs;
    let handle: fs.Dir;
    try {
      handle = fs.opendirSync(this.#dir);
    } catch (error) {
      if (isMissing(error)) return counts;
      throw error;
    }
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        if (!entry.isFile()) continue;
        const file = path.join(this.#dir, entry.name);
        const stat = fs.lstatSync(file, { throwIfNoEntry: false });
        if (stat === undefined || !stat.isFile()) continue;
        if (judgeTemporaryFile(entry.name, stat.mtimeMs, cutoff) !== "remove") continue;
        fs.rmSync(file, { force: true });
        counts.tempFiles += 1;
      }
    } finally {
      handle.closeSync();
    }
    return counts;
  }

  /**
   * The absolute path of a stored location, or `undefined` when the location could reach outside
   * the folder. For readers that need the file itself (byte ranges); open it without following a
   * final symlink, as `load` does.
   */
  resolveFile(location: string): string | undefined {
    return this.#resolveInside(location);
  }

  /** The absolute path of a location, or `undefined` when it could reach outside the folder. */
  #resolveInside(location: string): string | undefined {
    // The names this storage writes (`<cache_key>.bin`): checked by one test, joined without
    // normalizing (nothing to normalize).
    if (PLAIN_NAME.test(location)) return `${this.#dir}${path.sep}${location}`;
    if (findLocationProblem(location) !== undefined) return undefined;
    const target = path.join(this.#dir, location);
    if (!location.includes("/")) return target;
    // In a subfolder, a symlinked folder on the way could lead elsewhere: compare real paths.
    try {
      const realParent = fs.realpathSync(path.dirname(target));
      const realRoot = fs.realpathSync(this.#dir);
      return realParent === realRoot || realParent.startsWith(`${realRoot}${path.sep}`)
        ? target
        : undefined;
    } catch {
      return target;
    }
  }

  /**
   * Creates the folder on first use, with a `.gitignore` in each folder this creates, and
   * records the owner (once per folder creation: not on the path of every save).
   */
  #ensureDir(): void {
    if (this.#dirReady) return;
    const firstCreated = fs.mkdirSync(this.#dir, { recursive: true });
    if (firstCreated !== undefined) {
      let folder = this.#dir;
      for (;;) {
        fs.writeFileSync(path.join(folder, ".gitignore"), "*\n");
        if (folder === firstCreated) break;
        folder = path.dirname(folder);
      }
    }
    if (this.#owner !== undefined) recordOwner(this.#dir, this.#owner);
    this.#dirReady = true;
  }

  /**
   * Writes the pieces to a temp file and renames it over `location`: open, write(v), [fstat,]
   * close, rename. With `durability: "full"` the file is fsynced before the rename, or, for
   * `saveParts` (`inPieces`), its flush is started on the helper thread after the rename and the
   * file stays open until `whenDurable` has waited for it (the row commits meanwhile).
   */
  #writeAtomically(
    location: string,
    parts: readonly Uint8Array[],
    inPieces: boolean,
  ): { mtime: number | undefined; whenDurable?: () => void } {
    // One file name (a checked key, no separators, never `.` or `..`): nothing to normalize.
    const target = `${this.#dir}${path.sep}${location}`;
    const temporary = `${this.#dir}${path.sep}${temporaryNameFor(location, PID)}`;
    const descriptor = fs.openSync(temporary, "wx");
    let mtime: number | undefined;
    let open = true;
    try {
      writeAll(descriptor, parts);
      if (this.#fsync && !inPieces) fs.fsyncSync(descriptor);
      if (inPieces) mtime = fs.fstatSync(descriptor).mtimeMs;
      if (!(this.#fsync && inPieces)) {
        open = false;
        fs.closeSync(descriptor);
      }
      fs.renameSync(temporary, target);
    } catch (error) {
      if (open) fs.closeSync(descriptor);
      fs.rmSync(temporary, { force: true });
      throw error;
    }
    if (!(this.#fsync && inPieces)) return { mtime };
    const flush = startFlush(descriptor);
    return {
      mtime,
      whenDurable: () => {
        try {
          flush.wait();
        } finally {
          fs.closeSync(descriptor);
        }
      },
    };
  }
}
