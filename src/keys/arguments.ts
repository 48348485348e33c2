/**
 * @module keys/arguments — the arguments of a call as they are stored beside its result (for
 * `explain`, `beautyspot why` and miss messages): redacted, size-capped MessagePack, plus a short
 * one-line preview. Built only on a miss that stores; a hit never touches it.
 *
 * Two steps, so a background save keeps most of the work off the caller's time:
 * `captureArguments` (at call time) takes what a later change by the caller could alter — a
 * redacted copy of each object argument; texts, numbers and other primitives cannot change and
 * are kept as they are — and `CapturedArguments.record()` (in the writer, or at once for a save
 * made before the call returns) redacts the rest, previews and encodes.
 */

import { hash } from "node:crypto";
import { MsgpackSerializer } from "../serializer/msgpack.js";
import { hasLoneSurrogate } from "../serializer/prepare.js";
import { parseParameters } from "./params.js";
import { defaultRedactor, REDACTED, type Redactor, redactSecretsInText } from "./redact.js";

/** Stored arguments larger than this (encoded) are not stored: only the input id tells them. */
export const MAX_STORED_ARGUMENTS_BYTES = 64 * 1024;
/** Longest input preview, in characters (one line). */
export const MAX_INPUT_PREVIEW_CHARS = 200;
/**
 * Values visited per argument at most: beyond, it could not fit the size cap anyway, and the walk
 * stops so a huge argument costs a miss no more than this.
 */
const MAX_VISITED_VALUES = 20_000;
/** Deeper values are replaced by a marker; canonical keys allow 1000 levels, displays need few. */
const MAX_STORED_DEPTH = 64;
/** Version of the stored layout, so a later one can be told apart. */
const STORED_ARGUMENTS_FORMAT = 1;

/** The decoded `arguments` column: what a call was made with, redacted. */
export interface StoredArguments {
  /** Label of each argument: its parameter name, `rest[1]` for rest parameters, else `args[2]`. */
  readonly names: readonly string[];
  readonly values: readonly unknown[];
  /**
   * `true` when `values` are the arguments exactly (nothing redacted or replaced), so the call
   * could be made again from them.
   */
  readonly complete: boolean;
  /** Paths of the fields that were redacted. */
  readonly redacted: readonly string[];
}

/** What a miss stores about its arguments. */
export interface RecordedArguments {
  /** MessagePack of `StoredArguments`, or `null` when over the cap or not encodable. */
  readonly bytes: Uint8Array | null;
  /**
   * One line, at most `MAX_INPUT_PREVIEW_CHARS`, redacted; `null` when the arguments could not
   * be redacted (a `redact` function threw): then nothing about them is stored.
   */
  readonly preview: string | null;
}

/** Nothing stored: the arguments could not be redacted. */
const NOT_RECORDED: RecordedArguments = Object.freeze({ bytes: null, preview: null });

/** A marker for a value that cannot be stored as it is (and is described instead). */
function describeReplaced(kind: string, name?: string): string {
  return name ? `[${kind} ${name}]` : `[${kind}]`;
}

class TooLarge extends Error {}

/** Walks arguments into plain storable data, redacting on the way. */
class ArgumentSanitizer {
  #visited = 0;
  #seen: object[] = [];
  complete = true;
  readonly redacted: string[] = [];

  constructor(private readonly redactor: Redactor) {}

  /**
   * One whole argument: when it alone holds more than `MAX_VISITED_VALUES` values (an SDK client
   * passed along, a huge list), it is replaced by a marker and the other arguments are kept.
   */
  sanitizeArgument(value: unknown, label: string): unknown {
    this.#visited = 0;
    this.#seen = [];
    try {
      return this.sanitize(value, label, label, 0);
    } catch (error) {
      if (!(error instanceof TooLarge)) throw error;
      this.complete = false;
      return describeReplaced("too large to store");
    }
  }

  sanitize(value: unknown, key: string, path: string, depth: number): unknown {
    if (++this.#visited > MAX_VISITED_VALUES) throw new TooLarge();
    if (this.redactor(key, path, value)) {
      this.complete = false;
      this.redacted.push(path);
      return REDACTED;
    }
    switch (typeof value) {
      case "string": {
        const cleaned = redactSecretsInText(value);
        if (cleaned !== value) {
          this.complete = false;
          this.redacted.push(path);
        }
        return cleaned;
      }
      case "number":
      case "boolean":
      case "bigint":
      case "undefined":
        return value;
      case "symbol":
        this.complete = false;
        return describeReplaced("symbol", value.description);
      case "function":
        this.complete = false;
        return describeReplaced("function", value.name);
    }
    if (value === null) return null;
    const object = value as object;
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? object : new Date(object);
    if (ArrayBuffer.isView(object)) return object;
    if (object instanceof ArrayBuffer) return new Uint8Array(object);
    if (object instanceof RegExp) {
      this.complete = false;
      return String(object);
    }
    if (depth >= MAX_STORED_DEPTH || this.#seen.includes(object)) {
      this.complete = false;
      return describeReplaced(depth >= MAX_STORED_DEPTH ? "too deep" : "circular");
    }
    this.#seen.push(object);
    try {
      return this.#sanitizeContainer(object, path, depth);
    } finally {
      this.#seen.pop();
    }
  }

  #sanitizeContainer(object: object, path: string, depth: number): unknown {
    if (Array.isArray(object)) {
      const copy: unknown[] = [];
      for (let index = 0; index < object.length; index++) {
        if (index in object) {
          copy.push(this.sanitize(object[index], String(index), `${path}[${index}]`, depth + 1));
        } else {
          // A hole cannot be stored (map would keep it, and the whole encoding would fail).
          if (++this.#visited > MAX_VISITED_VALUES) throw new TooLarge();
          this.complete = false;
          copy.push(describeReplaced("hole"));
        }
      }
      return copy;
    }
    if (object instanceof Map) {
      const copy = new Map<unknown, unknown>();
      for (const [entryKey, entryValue] of object) {
        const name = typeof entryKey === "string" ? entryKey : String(entryKey);
        copy.set(entryKey, this.sanitize(entryValue, name, `${path}.${name}`, depth + 1));
      }
      return copy;
    }
    if (object instanceof Set) {
      const copy = new Set<unknown>();
      let index = 0;
      for (const item of object) {
        copy.add(this.sanitize(item, String(index), `${path}[${index}]`, depth + 1));
        index++;
      }
      return copy;
    }
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      // A class instance is shown by its fields; it could not be rebuilt from them.
      this.complete = false;
      if (object instanceof Promise || object instanceof WeakMap || object instanceof WeakSet) {
        return describeReplaced(object.constructor.name);
      }
    }
    // No prototype: a field named "__proto__" is assigned as an ordinary field.
    const copy: Record<string, unknown> = Object.create(null);
    for (const name of Object.keys(object)) {
      const fieldValue = (object as Record<string, unknown>)[name];
      copy[name] = this.sanitize(fieldValue, name, `${path}.${name}`, depth + 1);
    }
    return copy;
  }
}

/** The label of each argument position, from the function's declared parameters. */
export function createArgumentLabeler(fn: Function): (position: number) => string {
  let labels: ((position: number) => string | undefined) | undefined;
  const load = () => {
    const parameters = parseParameters(fn);
    return (position: number) => {
      for (const parameter of parameters) {
        if (parameter.name === undefined) continue;
        if (parameter.position === position && !parameter.rest) return parameter.name;
        if (parameter.rest && position >= parameter.position) {
          return `${parameter.name}[${position - parameter.position}]`;
        }
      }
      return undefined;
    };
  };
  return (position) => {
    labels ??= load();
    return labels(position) ?? `args[${position}]`;
  };
}

/** A shared serializer without registered classes: stored arguments are plain data. */
const argumentSerializer = new MsgpackSerializer();

/**
 * The arguments of one call, captured when it is made: a redacted copy of every object
 * argument (a change the caller makes afterwards never reaches what is stored); primitive
 * arguments, which cannot change, are redacted later by `record()`. A call whose arguments are
 * all primitives (the common case: texts, numbers, ids) copies nothing at call time.
 */
export class CapturedArguments {
  readonly #labelOf: (position: number) => string;
  readonly #redactor: Redactor;
  /** The arguments: as given while only primitives (`#walk` unset), then their sanitized copies. */
  #values: unknown[];
  /** The walk that sanitized `#values`, with their labels; `null` when a `redact` function threw. */
  #walk: { readonly names: string[]; readonly sanitizer: ArgumentSanitizer } | null | undefined;
  #recorded: RecordedArguments | undefined;

  constructor(args: readonly unknown[], labelOf: (position: number) => string, redactor: Redactor) {
    // Kept small: a queued save holds this until the writer runs.
    this.#labelOf = labelOf;
    this.#redactor = redactor;
    this.#values = args.slice();
    for (let position = 0; position < args.length; position++) {
      const value = args[position];
      // Objects may change after the call: copy (and redact) them now.
      if (typeof value === "object" && value !== null) {
        this.#sanitize();
        break;
      }
    }
  }

  /** `recordPlainArguments` over the arguments as given; a throwing `redact` function: none. */
  #recordPlain(): RecordedArguments | undefined {
    try {
      return recordPlainArguments(this.#values, this.#labelOf, this.#redactor);
    } catch {
      return undefined;
    }
  }

  /** Labels and redacts every argument (once). A throwing `redact` function records nothing. */
  #sanitize(): void {
    if (this.#walk !== undefined) return;
    const names: string[] = [];
    const sanitizer = new ArgumentSanitizer(this.#redactor);
    const values = this.#values;
    try {
      for (let position = 0; position < values.length; position++) {
        const label = this.#labelOf(position);
        names.push(label);
        values[position] = sanitizer.sanitizeArgument(values[position], label);
      }
      this.#walk = { names, sanitizer };
    } catch {
      this.#walk = null;
      this.#values = [];
    }
  }

  /**
   * What is stored: the redacted, size-capped encoding and the preview. Computed once; never
   * throws. When the whole exceeds `MAX_STORED_ARGUMENTS_BYTES`, the largest arguments are
   * replaced one by one by a marker holding their size and a digest of their redacted form (so a
   * changed one still shows as changed); arguments that cannot be encoded at all give
   * `bytes: null`, and the input id alone tells the call apart.
   */
  record(): RecordedArguments {
    if (this.#recorded === undefined) {
      this.#recorded = this.#record();
      this.#values = []; // no longer needed: let the arguments go
    }
    return this.#recorded;
  }

  #record(): RecordedArguments {
    if (this.#walk === undefined) {
      const plain = this.#recordPlain();
      if (plain !== undefined) return plain;
    }
    this.#sanitize();
    const walk = this.#walk;
    if (walk === null || walk === undefined) return NOT_RECORDED;
    const { names, sanitizer } = walk;
    const values = this.#values;
    const { redacted } = sanitizer;
    const preview = formatPreview(names, values);
    try {
      const bytes = encodeStoredArguments(names, values, sanitizer.complete, redacted);
      if (bytes.byteLength <= MAX_STORED_ARGUMENTS_BYTES) return { bytes, preview };
      return {
        bytes: shrinkToCap(values, () => encodeStoredArguments(names, values, false, redacted)),
        preview,
      };
    } catch {
      return { bytes: null, preview };
    }
  }
}

/**
 * The common case, without a walk: at most 15 arguments, each a number, boolean, null or
 * well-formed text, none to redact. Encoded straight into one buffer (the same bytes as
 * `encodeStoredArguments`), so a miss allocates next to nothing for its arguments.
 * `undefined` when the general path is needed.
 */
function recordPlainArguments(
  values: readonly unknown[],
  labelOf: (position: number) => string,
  redactor: Redactor,
): RecordedArguments | undefined {
  if (values.length > 15) return undefined;
  const names: string[] = [];
  let size = 1;
  for (let position = 0; position < values.length; position++) {
    const value = values[position];
    const length = plainSize(value);
    if (length < 0) return undefined;
    const label = labelOf(position);
    if (redactor(label, label, value)) return undefined;
    if (typeof value === "string" && redactSecretsInText(value) !== value) return undefined;
    names.push(label);
    size += length;
  }
  const head = headOf(names);
  const total = head.byteLength + size + COMPLETE_TAIL.byteLength;
  if (total > MAX_STORED_ARGUMENTS_BYTES) return undefined;
  const bytes = Buffer.allocUnsafe(total);
  bytes.set(head, 0);
  let offset = head.byteLength;
  bytes[offset++] = 0x90 | values.length;
  for (const value of values) offset = writePlain(bytes, offset, value);
  bytes.set(COMPLETE_TAIL, offset);
  return { bytes, preview: formatPreview(names, values) };
}

/** Encoded size of a plain value (as msgpackr writes it after the prepare walk); -1 when not plain. */
function plainSize(value: unknown): number {
  switch (typeof value) {
    case "boolean":
      return 1;
    case "number":
      if (Object.is(value, -0)) return -1;
      if (value >>> 0 === value)
        return value < 0x80 ? 1 : value < 0x100 ? 2 : value < 0x10000 ? 3 : 5;
      if (value >> 0 === value)
        return value >= -0x20 ? 1 : value >= -0x80 ? 2 : value >= -0x8000 ? 3 : 5;
      // Integers beyond 32 bits take the prepare walk's int64 encoding.
      return Number.isSafeInteger(value) ? -1 : 9;
    case "string": {
      if (hasLoneSurrogate(value)) return -1;
      const length = Buffer.byteLength(value);
      return length + (length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5);
    }
    case "object":
      return value === null ? 1 : -1;
    default:
      return -1;
  }
}

/** Writes a value `plainSize` accepted at `offset`; returns the offset after it. */
function writePlain(bytes: Buffer, offset: number, value: unknown): number {
  if (value === null) {
    bytes[offset] = 0xc0;
    return offset + 1;
  }
  if (typeof value === "boolean") {
    bytes[offset] = value ? 0xc3 : 0xc2;
    return offset + 1;
  }
  if (typeof value === "number") {
    if (value >>> 0 === value) {
      if (value < 0x80) {
        bytes[offset] = value;
        return offset + 1;
      }
      if (value < 0x100) {
        bytes[offset] = 0xcc;
        bytes[offset + 1] = value;
        return offset + 2;
      }
      if (value < 0x10000) {
        bytes[offset] = 0xcd;
        bytes.writeUInt16BE(value, offset + 1);
        return offset + 3;
      }
      bytes[offset] = 0xce;
      bytes.writeUInt32BE(value, offset + 1);
      return offset + 5;
    }
    if (value >> 0 === value) {
      if (value >= -0x20) {
        bytes[offset] = value & 0xff;
        return offset + 1;
      }
      if (value >= -0x80) {
        bytes[offset] = 0xd0;
        bytes.writeInt8(value, offset + 1);
        return offset + 2;
      }
      if (value >= -0x8000) {
        bytes[offset] = 0xd1;
        bytes.writeInt16BE(value, offset + 1);
        return offset + 3;
      }
      bytes[offset] = 0xd2;
      bytes.writeInt32BE(value, offset + 1);
      return offset + 5;
    }
    bytes[offset] = 0xcb;
    bytes.writeDoubleBE(value, offset + 1);
    return offset + 9;
  }
  const text = value as string;
  const length = Buffer.byteLength(text);
  if (length < 0x20) {
    bytes[offset++] = 0xa0 | length;
  } else if (length < 0x100) {
    bytes[offset++] = 0xd9;
    bytes[offset++] = length;
  } else if (length < 0x10000) {
    bytes[offset] = 0xda;
    bytes.writeUInt16BE(length, offset + 1);
    offset += 3;
  } else {
    bytes[offset] = 0xdb;
    bytes.writeUInt32BE(length, offset + 1);
    offset += 5;
  }
  return offset + bytes.write(text, offset, "utf8");
}

/** The MessagePack of `{ format, names, values` up to the values, by names (joined by NUL). */
const encodedHeads = new Map<string, Uint8Array>();
/** Heads remembered at most: one per marked function and argument count in practice. */
const ENCODED_HEADS_LIMIT = 1024;
/** A fixmap header of the five fields of the stored layout. */
const FIVE_FIELD_MAP = Uint8Array.of(0x85);

function encodeHead(names: readonly string[]): Uint8Array {
  return Buffer.concat([
    FIVE_FIELD_MAP,
    argumentSerializer.dumps("format"),
    argumentSerializer.dumps(STORED_ARGUMENTS_FORMAT),
    argumentSerializer.dumps("names"),
    argumentSerializer.dumps(names),
    argumentSerializer.dumps("values"),
  ]);
}

function encodeTail(complete: boolean): Uint8Array {
  return Buffer.concat([
    argumentSerializer.dumps("complete"),
    argumentSerializer.dumps(complete),
    argumentSerializer.dumps("redacted"),
    argumentSerializer.dumps([]),
  ]);
}

/** The encoded head for these names, from the cache. */
function headOf(names: readonly string[]): Uint8Array {
  const key = names.length === 1 ? (names[0] as string) : names.join("\u0000");
  let head = encodedHeads.get(key);
  if (head === undefined) {
    head = encodeHead(names);
    if (encodedHeads.size >= ENCODED_HEADS_LIMIT) encodedHeads.clear();
    encodedHeads.set(key, head);
  }
  return head;
}

const COMPLETE_TAIL = encodeTail(true);
const INCOMPLETE_TAIL = encodeTail(false);

/**
 * `argumentSerializer.dumps({ format, names, values, complete, redacted })`, byte for byte. With
 * nothing redacted (most calls) only the values are encoded: the parts before and after them are
 * the same for every call of a function (MessagePack is context-free, so the pieces concatenate).
 */
function encodeStoredArguments(
  names: readonly string[],
  values: readonly unknown[],
  complete: boolean,
  redacted: readonly string[],
): Uint8Array {
  if (redacted.length > 0) {
    return argumentSerializer.dumps({
      format: STORED_ARGUMENTS_FORMAT,
      names,
      values,
      complete,
      redacted,
    });
  }
  return Buffer.concat([
    headOf(names),
    argumentSerializer.dumps(values),
    complete ? COMPLETE_TAIL : INCOMPLETE_TAIL,
  ]);
}

/** Captures a call's arguments at call time (see `CapturedArguments`). Never throws. */
export function captureArguments(
  args: readonly unknown[],
  labelOf: (position: number) => string,
  redactor: Redactor = defaultRedactor,
): CapturedArguments {
  return new CapturedArguments(args, labelOf, redactor);
}

/** Captures and records at once: what is stored beside the result of a call with `args`. */
export function recordArguments(
  args: readonly unknown[],
  labelOf: (position: number) => string,
  redactor: Redactor = defaultRedactor,
): RecordedArguments {
  return captureArguments(args, labelOf, redactor).record();
}

/** Replaces the largest values by markers until the encoding fits; `null` if it never does. */
function shrinkToCap(values: unknown[], encode: () => Uint8Array): Uint8Array | null {
  const sizes = values.map((value, index) => {
    const encoded = argumentSerializer.dumps(value);
    return { index, encoded };
  });
  sizes.sort((a, b) => b.encoded.byteLength - a.encoded.byteLength);
  for (const { index, encoded } of sizes) {
    const digest = hash("sha256", encoded, "hex").slice(0, 16);
    values[index] = `[too large to store: ${encoded.byteLength} bytes, sha256 ${digest}]`;
    const bytes = encode();
    if (bytes.byteLength <= MAX_STORED_ARGUMENTS_BYTES) return bytes;
  }
  return null;
}

/** Reads a stored `arguments` column; `undefined` for anything it cannot read. */
export function readStoredArguments(
  bytes: Uint8Array | null | undefined,
): StoredArguments | undefined {
  if (!(bytes instanceof Uint8Array)) return undefined;
  let decoded: unknown;
  try {
    decoded = argumentSerializer.loads(bytes);
  } catch {
    return undefined;
  }
  if (decoded === null || typeof decoded !== "object") return undefined;
  const { names, values, complete, redacted } = decoded as Record<string, unknown>;
  if (!Array.isArray(names) || !Array.isArray(values)) return undefined;
  return {
    names: names.map(String),
    values,
    complete: complete === true,
    redacted: Array.isArray(redacted) ? redacted.map(String) : [],
  };
}

/** `name=value, …` on one line, at most `MAX_INPUT_PREVIEW_CHARS`. */
export function formatPreview(names: readonly string[], values: readonly unknown[]): string {
  const parts: string[] = [];
  let length = 0;
  for (let index = 0; index < values.length && length <= MAX_INPUT_PREVIEW_CHARS; index++) {
    const part = `${names[index] ?? `args[${index}]`}=${formatValueShort(values[index], MAX_INPUT_PREVIEW_CHARS)}`;
    parts.push(part);
    length += part.length + 2;
  }
  return truncatePreview(parts.join(", "));
}

function truncatePreview(text: string): string {
  // Runs of whitespace become one space; most previews have none to collapse (test first).
  const line = /[^\S ]| {2}/.test(text) ? text.replace(/\s+/g, " ") : text;
  return line.length > MAX_INPUT_PREVIEW_CHARS
    ? `${line.slice(0, MAX_INPUT_PREVIEW_CHARS - 1)}…`
    : line;
}

/**
 * A compact, JSON-like rendering of a (sanitized) value, cut near `budget` characters: for
 * previews and for the two sides of a difference.
 */
export function formatValueShort(value: unknown, budget = 80): string {
  // Numbers, booleans and short texts (most arguments) need no walk.
  if (typeof value === "number" || typeof value === "boolean") {
    const text = String(value);
    if (text.length <= budget) return text;
  } else if (typeof value === "string" && value.length <= budget - 2) {
    const text = JSON.stringify(value);
    if (text.length <= budget) return text;
  }
  const writer = new ShortWriter(budget);
  writer.walk(value);
  const text = writer.out.join("");
  return text.length > budget ? `${text.slice(0, budget)}…` : text;
}

/** The walk of `formatValueShort`: stops adding text once `budget` characters are written. */
class ShortWriter {
  readonly out: string[] = [];
  #used = 0;

  constructor(private readonly budget: number) {}

  push(text: string): void {
    this.out.push(text);
    this.#used += text.length;
  }

  walk(item: unknown): void {
    const { budget } = this;
    if (this.#used > budget) return;
    if (typeof item === "string")
      this.push(JSON.stringify(item.length > budget ? `${item.slice(0, budget)}…` : item));
    else if (typeof item === "bigint") this.push(`${item}n`);
    else if (item === undefined) this.push("undefined");
    else if (item === null || typeof item !== "object") this.push(String(item));
    else if (item instanceof Date)
      this.push(Number.isNaN(item.getTime()) ? "Invalid Date" : item.toISOString());
    else if (ArrayBuffer.isView(item)) this.push(`<${item.byteLength} bytes>`);
    else if (Array.isArray(item) || item instanceof Set) {
      this.push(item instanceof Set ? "Set[" : "[");
      let first = true;
      for (const element of item) {
        if (this.#used > budget) break;
        if (!first) this.push(", ");
        first = false;
        this.walk(element);
      }
      this.push("]");
    } else {
      const entries: [unknown, unknown][] =
        item instanceof Map ? [...item.entries()] : Object.entries(item);
      this.push(item instanceof Map ? "Map{" : "{");
      for (let index = 0; index < entries.length; index++) {
        if (this.#used > budget) break;
        const [entryKey, entryValue] = entries[index] as [unknown, unknown];
        if (index > 0) this.push(", ");
        this.push(`${String(entryKey)}: `);
        this.walk(entryValue);
      }
      this.push("}");
    }
  }
}
