/**
 * @module recordings/format — the recording file: text that lives in git.
 *
 * One JSON object per line. The first line names the format; then one line per entry, sorted by
 * function identity then cache key (code-unit order, never locale order), each with its record
 * fields in a fixed order, a `preview` (readable, derived from the data, checked on reading)
 * and the value's exact MessagePack bytes: base64 in `data`, or — above the blob threshold — in
 * the file `<recording>.blobs/<cacheKey>.bin` beside it, named by `blob`. Timestamps are the
 * entry's own (`updatedAt` as stored, never "now"), so the same entries always give the same
 * bytes. Reading verifies every value's size and digest and refuses an altered entry by name.
 *
 * An entry stored with its call's arguments also carries them: `inputPreview` (the stored one-line
 * preview), `argumentsPreview` (the readable form of the stored arguments, checked on reading
 * like `preview`, so a review sees what explanations and a dashboard retry would use) and
 * `arguments` (the stored redacted MessagePack, base64). Explanations and replay misses served
 * from a recording then name the differing argument paths as they do from a database. The fields
 * are left out when nothing was stored: files written before they existed read (and rewrite)
 * unchanged, and a reader that does not know them ignores them.
 */

import { hash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ResultType, StoredTask } from "../db/types.js";
import { CacheCorruptedError, ConfigurationError } from "../errors.js";
import { previewOf } from "./preview.js";

/** The first line of every recording. */
export const RECORDING_HEADER = { format: "beautyspot-recording", version: 1 } as const;

/**
 * Values larger than this (encoded bytes) go to the sibling `.blobs` folder by default: a line
 * stays small enough to diff and review, and binary files can be kept out of git (or in LFS).
 */
export const DEFAULT_BLOB_THRESHOLD = 256 * 1024;

/** One recorded entry with its exact encoded value. */
export interface RecordedEntry {
  readonly cacheKey: string;
  readonly funcName: string;
  readonly funcIdentifier: string;
  readonly inputId: string;
  readonly version: string | null;
  readonly resultType: ResultType;
  readonly contentType: string | null;
  /** Unix ms, as stored. */
  readonly updatedAt: number;
  /** Unix ms, or `null` for never (recordings used as fixtures never expire). */
  readonly expiresAt: number | null;
  /** The encoded value. */
  readonly bytes: Uint8Array;
  /** sha256 hex of `bytes`. */
  readonly digest: string;
  /**
   * The call's stored arguments (redacted MessagePack, see keys/arguments.ts); `null` or absent
   * when none were stored.
   */
  readonly arguments?: Uint8Array | null;
  /** One line previewing the redacted arguments; `null` or absent when none was stored. */
  readonly inputPreview?: string | null;
}

/** The stored arguments of an entry, when known. */
export interface RecordedInputs {
  readonly arguments?: Uint8Array | null;
  readonly inputPreview?: string | null;
}

/**
 * The entry of a stored row whose value is `bytes` (read and checked by the caller), with the
 * arguments it was stored with (`inputs`, a TaskWrite's or `TaskDB.inputsOf`'s).
 */
export function toRecordedEntry(
  row: StoredTask,
  bytes: Uint8Array,
  inputs: RecordedInputs = {},
): RecordedEntry {
  return {
    cacheKey: row.cacheKey,
    funcName: row.funcName,
    funcIdentifier: row.funcIdentifier,
    inputId: row.inputId,
    version: row.version,
    resultType: row.resultType,
    contentType: row.contentType,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
    bytes,
    digest: digestOf(bytes),
    arguments: inputs.arguments instanceof Uint8Array ? inputs.arguments : null,
    inputPreview: typeof inputs.inputPreview === "string" ? inputs.inputPreview : null,
  };
}

/** Options of writing a recording. */
export interface RecordingWriteOptions {
  /** Encoded values larger than this many bytes go to `<file>.blobs/`. @default 256 KiB */
  blobThreshold?: number;
}

/** What a written recording holds. */
export interface RecordingWriteReport {
  entries: number;
  /** Size of the recording file in bytes. */
  bytes: number;
  /** Values written to the `.blobs` folder. */
  blobs: number;
  /** Bytes of the values in the `.blobs` folder. */
  blobBytes: number;
}

/** Base64 text (standard alphabet, padded). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A cache key that can name a file: the only names the `.blobs` folder holds. */
const SAFE_KEY = /^[A-Za-z0-9_-]{1,200}$/;

/** The folder that holds the large values of `file`. */
export function blobFolderOf(file: string): string {
  return `${file}.blobs`;
}

function blobReference(file: string, cacheKey: string): string {
  return `${path.basename(file)}.blobs/${cacheKey}.bin`;
}

/** Code-unit order: the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts entries the way a recording lists them: function identity, then cache key. */
export function sortEntries(entries: Iterable<RecordedEntry>): RecordedEntry[] {
  return [...entries].sort(
    (a, b) =>
      compareText(a.funcIdentifier, b.funcIdentifier) || compareText(a.cacheKey, b.cacheKey),
  );
}

/** Computes an entry's digest; every RecordedEntry is made through here or verified. */
export function digestOf(bytes: Uint8Array): string {
  return hash("sha256", bytes, "hex");
}

function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** The text of a recording and the blob files it refers to. Pure: same entries, same bytes. */
export function encodeRecording(
  file: string,
  entries: Iterable<RecordedEntry>,
  options: RecordingWriteOptions = {},
): { text: string; blobs: Map<string, Uint8Array> } {
  const threshold = options.blobThreshold ?? DEFAULT_BLOB_THRESHOLD;
  const lines = [JSON.stringify(RECORDING_HEADER)];
  const blobs = new Map<string, Uint8Array>();
  for (const entry of sortEntries(entries)) {
    const external = entry.bytes.byteLength > threshold;
    if (external && !SAFE_KEY.test(entry.cacheKey)) {
      throw new ConfigurationError(
        `Cannot put the value of ${entry.funcIdentifier} (key ${JSON.stringify(entry.cacheKey)}) in a blob file: the key is not a safe file name. Raise the blob threshold so it stays inline.`,
      );
    }
    if (external) blobs.set(`${entry.cacheKey}.bin`, entry.bytes);
    // Fields in a fixed order, so equal entries always give equal lines.
    lines.push(
      JSON.stringify({
        key: entry.cacheKey,
        func: entry.funcIdentifier,
        funcName: entry.funcName,
        inputId: entry.inputId,
        version: entry.version,
        contentType: entry.contentType,
        resultType: entry.resultType,
        updatedAt: toIso(entry.updatedAt),
        expiresAt: toIso(entry.expiresAt),
        size: entry.bytes.byteLength,
        digest: entry.digest,
        preview: previewOf(entry.bytes),
        // Absent rather than null when not stored: older files keep their bytes.
        ...(typeof entry.inputPreview === "string" ? { inputPreview: entry.inputPreview } : {}),
        ...(entry.arguments instanceof Uint8Array
          ? {
              argumentsPreview: previewOf(entry.arguments),
              arguments: toBase64(entry.arguments),
            }
          : {}),
        ...(external
          ? { blob: blobReference(file, entry.cacheKey) }
          : { data: toBase64(entry.bytes) }),
      }),
    );
  }
  return { text: `${lines.join("\n")}\n`, blobs };
}

/** Writes `data` to `target` through a temporary file and a rename: readers never see half. */
function writeFileAtomically(target: string, data: Uint8Array | string): void {
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const descriptor = fs.openSync(temporary, "w");
  try {
    fs.writeFileSync(descriptor, data);
    fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
  try {
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

function sameFileContent(file: string, bytes: Uint8Array): boolean {
  try {
    return Buffer.from(bytes).equals(fs.readFileSync(file));
  } catch {
    return false;
  }
}

/**
 * Writes a recording: blob files first (unchanged ones are left alone), then the text, then
 * removes blob files no entry refers to any more. The `.blobs` folder is the recording's own.
 */
export function writeRecordingFile(
  file: string,
  entries: Iterable<RecordedEntry>,
  options: RecordingWriteOptions = {},
): RecordingWriteReport {
  const { text, blobs } = encodeRecording(file, entries, options);
  const folder = blobFolderOf(file);
  let blobBytes = 0;
  if (blobs.size > 0) fs.mkdirSync(folder, { recursive: true });
  for (const [name, bytes] of blobs) {
    blobBytes += bytes.byteLength;
    const target = path.join(folder, name);
    if (!sameFileContent(target, bytes)) writeFileAtomically(target, bytes);
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomically(file, text);
  if (fs.existsSync(folder)) {
    for (const name of fs.readdirSync(folder)) {
      if (name.endsWith(".bin") && !blobs.has(name))
        fs.rmSync(path.join(folder, name), { force: true });
    }
    if (blobs.size === 0 && fs.readdirSync(folder).length === 0) fs.rmdirSync(folder);
  }
  return {
    entries: text.split("\n").length - 2,
    bytes: Buffer.byteLength(text),
    blobs: blobs.size,
    blobBytes,
  };
}

function damaged(file: string, line: number, what: string): CacheCorruptedError {
  return new CacheCorruptedError(
    `Recording ${file}, line ${line}: ${what} Restore the file from version control, or record it again (BEAUTYSPOT_MODE=record or \`beautyspot export\`).`,
  );
}

function readText(field: unknown, name: string, file: string, line: number): string {
  if (typeof field !== "string" || field === "") {
    throw damaged(file, line, `field \`${name}\` must be a non-empty string.`);
  }
  return field;
}

function readOptionalText(field: unknown, name: string, file: string, line: number): string | null {
  if (field === null) return null;
  return readText(field, name, file, line);
}

/** An optional base64 field (`arguments`): absent or null is `null`. */
function readOptionalBase64(
  field: unknown,
  name: string,
  file: string,
  line: number,
): Uint8Array | null {
  if (field === undefined || field === null) return null;
  if (typeof field !== "string" || !BASE64.test(field)) {
    throw damaged(file, line, `field \`${name}\` must be base64 text.`);
  }
  return Buffer.from(field, "base64");
}

/** The optional `inputPreview` field: any string (a call without arguments previews as ""). */
function readInputPreview(field: unknown, file: string, line: number): string | null {
  if (field === undefined || field === null) return null;
  if (typeof field !== "string") throw damaged(file, line, "field `inputPreview` must be text.");
  return field;
}

function readTime(field: unknown, name: string, file: string, line: number): number | null {
  if (field === null) return null;
  const ms = typeof field === "string" ? Date.parse(field) : Number.NaN;
  if (Number.isNaN(ms)) throw damaged(file, line, `field \`${name}\` must be an ISO 8601 time.`);
  return ms;
}

/**
 * Parses and verifies a recording: every value's size and digest, and that its preview is the
 * one its data gives (a preview edited to mislead a review is refused like altered data).
 */
export function parseRecording(file: string, text: string): RecordedEntry[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let header: unknown;
  try {
    header = JSON.parse(lines[0] ?? "");
  } catch {
    header = undefined;
  }
  const format = header as { format?: unknown; version?: unknown } | undefined;
  if (format?.format !== RECORDING_HEADER.format) {
    throw new ConfigurationError(
      `${file} is not a beautyspot recording (its first line is not ${JSON.stringify(RECORDING_HEADER)}). Pass a file written by \`beautyspot export\` or by a Spot in record mode.`,
    );
  }
  if (format.version !== RECORDING_HEADER.version) {
    throw new ConfigurationError(
      `${file} is a recording of format version ${String(format.version)}; this beautyspot reads version ${RECORDING_HEADER.version}. Upgrade beautyspot, or export the recording again.`,
    );
  }
  const entries: RecordedEntry[] = [];
  const seen = new Set<string>();
  for (let index = 1; index < lines.length; index++) {
    const lineNumber = index + 1;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(lines[index] as string) as Record<string, unknown>;
    } catch {
      throw damaged(file, lineNumber, "it is not a JSON object (a merge conflict or a cut line?).");
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw damaged(file, lineNumber, "it is not a JSON object.");
    }
    const cacheKey = readText(raw.key, "key", file, lineNumber);
    if (seen.has(cacheKey)) throw damaged(file, lineNumber, `key ${cacheKey} appears twice.`);
    seen.add(cacheKey);
    const bytes = readValueBytes(file, lineNumber, cacheKey, raw);
    const funcIdentifier = readText(raw.func, "func", file, lineNumber);
    const entryName = `the entry ${cacheKey} of ${funcIdentifier}`;
    if (raw.size !== bytes.byteLength) {
      throw damaged(
        file,
        lineNumber,
        `${entryName} has ${bytes.byteLength} bytes of data, expected ${String(raw.size)}: it was altered or cut.`,
      );
    }
    const digest = digestOf(bytes);
    if (raw.digest !== digest) {
      throw damaged(
        file,
        lineNumber,
        `${entryName} does not match its digest: its data was altered.`,
      );
    }
    if (JSON.stringify(previewOf(bytes)) !== JSON.stringify(raw.preview)) {
      throw damaged(
        file,
        lineNumber,
        `the preview of ${entryName} is not what its data holds: the preview was edited, so the line cannot be trusted.`,
      );
    }
    const storedArguments = readOptionalBase64(raw.arguments, "arguments", file, lineNumber);
    if (
      storedArguments !== null &&
      JSON.stringify(previewOf(storedArguments)) !== JSON.stringify(raw.argumentsPreview)
    ) {
      throw damaged(
        file,
        lineNumber,
        `the stored arguments of ${entryName} are not what the line shows in \`argumentsPreview\`: one of them was edited, so the line cannot be trusted.`,
      );
    }
    if (raw.resultType !== "DIRECT_BLOB" && raw.resultType !== "FILE") {
      throw damaged(file, lineNumber, 'field `resultType` must be "DIRECT_BLOB" or "FILE".');
    }
    entries.push({
      cacheKey,
      funcName: readText(raw.funcName, "funcName", file, lineNumber),
      funcIdentifier,
      inputId: readText(raw.inputId, "inputId", file, lineNumber),
      version: readOptionalText(raw.version, "version", file, lineNumber),
      resultType: raw.resultType,
      contentType: readOptionalText(raw.contentType, "contentType", file, lineNumber),
      updatedAt: readTime(raw.updatedAt, "updatedAt", file, lineNumber) ?? 0,
      expiresAt: readTime(raw.expiresAt, "expiresAt", file, lineNumber),
      bytes,
      digest,
      arguments: storedArguments,
      inputPreview: readInputPreview(raw.inputPreview, file, lineNumber),
    });
  }
  return entries;
}

/** The value bytes of a line: inline base64, or the blob file it names (only in its own folder). */
function readValueBytes(
  file: string,
  lineNumber: number,
  cacheKey: string,
  raw: Record<string, unknown>,
): Uint8Array {
  if (typeof raw.data === "string") {
    if (!BASE64.test(raw.data)) {
      throw damaged(file, lineNumber, `the data of ${cacheKey} is not base64.`);
    }
    return Buffer.from(raw.data, "base64");
  }
  if (raw.blob !== blobReference(file, cacheKey) || !SAFE_KEY.test(cacheKey)) {
    throw damaged(
      file,
      lineNumber,
      `entry ${cacheKey} has neither \`data\` nor a \`blob\` named ${JSON.stringify(blobReference(file, cacheKey))}.`,
    );
  }
  const blobFile = path.join(blobFolderOf(file), `${cacheKey}.bin`);
  try {
    return fs.readFileSync(blobFile);
  } catch (error) {
    throw damaged(
      file,
      lineNumber,
      `the value of ${cacheKey} is missing: ${blobFile} cannot be read (${(error as Error).message}). Large values live in that folder: commit it with the recording (or fetch it, if it is kept out of git).`,
    );
  }
}

/** Reads and verifies a recording file; `undefined` when it does not exist. */
export function readRecordingFile(file: string): RecordedEntry[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigurationError(
      `Cannot read the recording ${file}: ${(error as Error).message}.`,
      { cause: error },
    );
  }
  return parseRecording(file, text);
}
