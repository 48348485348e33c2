/**
 * @module storage/leftovers — the names LocalStorage gives its files, and which of them a
 * clean-up may remove. Only names beautyspot itself writes are ever judged: a file named
 * otherwise is not ours, however old, and stays.
 */

import { hash, randomBytes } from "node:crypto";
import { hostname } from "node:os";

/** Suffix of the temporary file a blob is written to before its rename. */
export const TEMP_SUFFIX = ".spot_tmp";

/** A blob file as beautyspot names it: the sha256 hex cache key, then `.bin`. */
const BLOB_FILE_NAME = /^[0-9a-f]{64}\.bin$/;

/** `<key>.bin.<host tag>.<pid>.<random>.spot_tmp`: a temp file that names its writer. */
const TEMP_FILE_NAME =
  /^[0-9a-f]{64}\.bin\.([0-9a-f]{8})\.([1-9][0-9]{0,9})\.[0-9a-f]{12}\.spot_tmp$/;

/** `<key>.bin.<random>.spot_tmp`: how releases before writer-named temp files named them. */
const UNNAMED_TEMP_FILE_NAME = /^[0-9a-f]{64}\.bin\.[0-9a-f]{12}\.spot_tmp$/;

let cachedHostTag: string | undefined;

/**
 * Eight hex characters standing for this machine: a process id only means something on the
 * machine that issued it (a blob folder may sit on a disk several machines share).
 */
function hostTag(): string {
  cachedHostTag ??= hash("sha256", hostname(), "hex").slice(0, 8);
  return cachedHostTag;
}

/** Whether `name` is a blob file name beautyspot writes (`<64 hex>.bin`). */
export function isBlobFileName(name: string): boolean {
  return BLOB_FILE_NAME.test(name);
}

/** 2^48: the random part of a temp name is 12 hex characters. */
const RANDOM_RANGE = 2 ** 48;
/** Where this process's temp name numbers start: drawn once, so a name costs no system call. */
let nextTempNumber = Number.parseInt(randomBytes(6).toString("hex"), 16);

/**
 * The temporary name for writing `blobName`: the machine and the writing process are part of
 * it, so a clean-up can tell a write in progress from one a crash abandoned. The last part counts
 * up from a random start: distinct for every write of this process, and unlikely to meet a
 * leftover of an earlier process that had the same id.
 */
export function temporaryNameFor(blobName: string, pid: number = process.pid): string {
  nextTempNumber = (nextTempNumber + 1) % RANDOM_RANGE;
  return `${blobName}.${hostTag()}.${pid}.${nextTempNumber.toString(16).padStart(12, "0")}${TEMP_SUFFIX}`;
}

/** Whether process `pid` of this machine is running (a process of another user counts). */
function isProcessRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else. Anything but "no such process" keeps the file.
    return (error as { code?: string }).code !== "ESRCH";
  }
}

/** What a clean-up may do with a file in a blob folder. */
export type TemporaryVerdict =
  /** A temp file beautyspot wrote whose write is over: its writer exited, or it is older than the grace period. */
  | "remove"
  /** A temp file beautyspot wrote that may still be written: keep it. */
  | "keep"
  /** Not a temp file beautyspot writes: never touched. */
  | "not-temporary";

/**
 * Judges a file of a blob folder. A temp file of a running process of this machine is kept
 * whatever its age; one whose writer has exited, or from another machine, goes once it is older
 * than the grace period (`cutoff`, Unix ms); an unnamed one (an earlier release's) likewise.
 */
export function judgeTemporaryFile(
  name: string,
  mtimeMs: number,
  cutoff: number,
): TemporaryVerdict {
  const named = TEMP_FILE_NAME.exec(name);
  if (named !== null) {
    if (named[1] === hostTag() && isProcessRunning(Number(named[2]))) return "keep";
    return mtimeMs < cutoff ? "remove" : "keep";
  }
  if (UNNAMED_TEMP_FILE_NAME.test(name)) return mtimeMs < cutoff ? "remove" : "keep";
  return "not-temporary";
}

/** The running process of this machine writing temp file `name`, if any. */
export function liveWriterOf(name: string): number | undefined {
  const named = TEMP_FILE_NAME.exec(name);
  if (named === null || named[1] !== hostTag()) return undefined;
  const pid = Number(named[2]);
  return isProcessRunning(pid) ? pid : undefined;
}

/** Whether `name` is a temp file name beautyspot writes (either form). */
export function isTemporaryFileName(name: string): boolean {
  return TEMP_FILE_NAME.test(name) || UNNAMED_TEMP_FILE_NAME.test(name);
}
