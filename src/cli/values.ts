/** @module cli/values — how `show` presents a stored value: text, inspected data, binary summaries, JSON. */

import { inspect } from "node:util";
import { formatBytes } from "./output.js";

/** File signatures worth naming when a binary value is summarized. */
const SIGNATURES: readonly { type: string; matches: (bytes: Uint8Array) => boolean }[] = [
  { type: "PNG image", matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47]) },
  { type: "JPEG image", matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { type: "GIF image", matches: (b) => startsWith(b, [0x47, 0x49, 0x46, 0x38]) },
  {
    type: "WebP image",
    matches: (b) => startsWith(b, [0x52, 0x49, 0x46, 0x46]) && ascii(b, 8, 4) === "WEBP",
  },
  {
    type: "WAV audio",
    matches: (b) => startsWith(b, [0x52, 0x49, 0x46, 0x46]) && ascii(b, 8, 4) === "WAVE",
  },
  { type: "PDF document", matches: (b) => ascii(b, 0, 5) === "%PDF-" },
  { type: "Ogg media", matches: (b) => ascii(b, 0, 4) === "OggS" },
  { type: "MP3 audio", matches: (b) => ascii(b, 0, 3) === "ID3" },
  { type: "MP4 video", matches: (b) => ascii(b, 4, 4) === "ftyp" },
  { type: "WebM/Matroska video", matches: (b) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]) },
  { type: "gzip data", matches: (b) => startsWith(b, [0x1f, 0x8b]) },
  { type: "ZIP archive", matches: (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04]) },
];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((byte, index) => bytes[index] === byte);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (bytes.length < offset + length) return "";
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/** What kind of binary this is: from its first bytes, else the entry's content type. */
export function detectBinaryType(bytes: Uint8Array, contentType: string | null): string {
  const signature = SIGNATURES.find((candidate) => candidate.matches(bytes));
  if (signature !== undefined) return signature.type;
  return contentType ?? "unknown binary";
}

/** Stands in for binary data inside an inspected value: `<binary 1.2 KB, PNG image>`. */
class BinarySummary {
  constructor(readonly text: string) {}
  [inspect.custom](): string {
    return this.text;
  }
}

/**
 * Levels of nesting `show` prints. Deeper containers are replaced by a note: a value nested
 * thousands deep (which other writers can store) would otherwise overflow the stack while being
 * printed, and nobody reads a tree that deep on a terminal.
 */
export const MAX_SHOWN_DEPTH = 100;

/** What stands in for a container nested deeper than `MAX_SHOWN_DEPTH`. */
export const DEPTH_NOTE = `[nested deeper than ${MAX_SHOWN_DEPTH} levels; shown to level ${MAX_SHOWN_DEPTH}]`;

/**
 * Replaces byte arrays anywhere in `value` by their summary, so inspection never dumps them, and
 * containers below `MAX_SHOWN_DEPTH` by a note.
 */
function summarizeBinaries(
  value: unknown,
  contentType: string | null,
  seen: Set<object>,
  depth = 0,
): unknown {
  if (value instanceof Uint8Array) {
    return new BinarySummary(
      `<binary ${formatBytes(value.byteLength)}, ${detectBinaryType(value, contentType)}>`,
    );
  }
  if (typeof value !== "object" || value === null || seen.has(value)) return value;
  if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof RegExp) return value;
  if (depth >= MAX_SHOWN_DEPTH) return new BinarySummary(DEPTH_NOTE);
  seen.add(value);
  const below = depth + 1;
  if (Array.isArray(value)) {
    return value.map((item) => summarizeBinaries(item, contentType, seen, below));
  }
  if (value instanceof Map) {
    return new Map(
      [...value].map(([key, item]) => [key, summarizeBinaries(item, contentType, seen, below)]),
    );
  }
  if (value instanceof Set) {
    return new Set([...value].map((item) => summarizeBinaries(item, contentType, seen, below)));
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = summarizeBinaries(item, contentType, seen, below);
  }
  return copy;
}

/** Rows of `offset  hex bytes  |ascii|`, 16 bytes each, as `xxd` prints them. */
export function formatHexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = Array.from(row, (byte) => byte.toString(16).padStart(2, "0")).join(" ");
    const text = Array.from(row, (byte) =>
      byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".",
    ).join("");
    lines.push(`${offset.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  |${text}|`);
  }
  return lines.join("\n");
}

/** How `show` prints a value for people. */
export interface RenderValueOptions {
  contentType: string | null;
  /** Print a binary value as a hex dump instead of its summary. @default false */
  raw?: boolean;
  /** Colour the inspected output. @default false */
  colors?: boolean;
}

/**
 * A value as text for a terminal: strings as they are (they are usually the text, markdown or
 * HTML the entry holds), binary as a summary or hex dump, anything else inspected in full.
 */
export function renderValue(value: unknown, options: RenderValueOptions): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) {
    if (options.raw === true) return formatHexDump(value);
    return `<binary ${formatBytes(value.byteLength)}, ${detectBinaryType(value, options.contentType)}> (use --raw for a hex dump)`;
  }
  return inspect(summarizeBinaries(value, options.contentType, new Set()), {
    depth: null,
    colors: options.colors === true,
    maxArrayLength: null,
    maxStringLength: null,
    breakLength: 100,
  });
}

/**
 * A value as JSON-compatible data, without losing what JSON cannot say: binary data, `Map`,
 * `Set`, `BigInt`, `Date`, `undefined` and non-finite numbers become `{ "$type": …, … }`.
 */
export function toJsonValue(value: unknown, contentType: string | null, depth = 0): unknown {
  if (value === undefined) return { $type: "undefined" };
  if (typeof value === "bigint") return { $type: "bigint", value: value.toString() };
  if (typeof value === "number" && !Number.isFinite(value)) {
    return { $type: "number", value: String(value) };
  }
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Uint8Array) {
    return {
      $type: "binary",
      size: value.byteLength,
      detected: detectBinaryType(value, contentType),
      base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
    };
  }
  if (value instanceof Date) return { $type: "date", value: value.toISOString() };
  if (depth >= MAX_SHOWN_DEPTH && !ArrayBuffer.isView(value) && !(value instanceof RegExp)) {
    return { $type: "truncated", reason: DEPTH_NOTE };
  }
  const below = depth + 1;
  if (value instanceof Map) {
    return {
      $type: "map",
      entries: [...value].map(([key, item]) => [
        toJsonValue(key, contentType, below),
        toJsonValue(item, contentType, below),
      ]),
    };
  }
  if (value instanceof Set) {
    return {
      $type: "set",
      values: [...value].map((item) => toJsonValue(item, contentType, below)),
    };
  }
  if (ArrayBuffer.isView(value)) {
    return {
      $type: value.constructor.name,
      values: Array.from(value as unknown as ArrayLike<number | bigint>, (item) =>
        toJsonValue(item, contentType),
      ),
    };
  }
  if (value instanceof RegExp) return { $type: "regexp", value: String(value) };
  if (Array.isArray(value)) return value.map((item) => toJsonValue(item, contentType, below));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    result[key] = toJsonValue(item, contentType, below);
  }
  return result;
}
