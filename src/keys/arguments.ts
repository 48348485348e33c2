/**
 * @module keys/arguments — the arguments of a call as they are stored beside its result (for
 * `explain`, `beautyspot why` and miss messages): redacted, size-capped MessagePack, plus a short
 * one-line preview. Built only on a miss that stores; a hit never touches it.
 */

import { hash } from "node:crypto";
import { MsgpackSerializer } from "../serializer/msgpack.js";
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
  /** One line, at most `MAX_INPUT_PREVIEW_CHARS`, redacted. */
  readonly preview: string;
}

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
    const copy: Record<string, unknown> = {};
    for (const name of Object.keys(object)) {
      const fieldValue = (object as Record<string, unknown>)[name];
      Object.defineProperty(copy, name, {
        value: this.sanitize(fieldValue, name, `${path}.${name}`, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
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
 * Turns a call's arguments into what is stored beside the result. Never throws. When the whole
 * exceeds `MAX_STORED_ARGUMENTS_BYTES`, the largest arguments are replaced one by one by a marker
 * holding their size and a digest of their redacted form (so a changed one still shows as
 * changed); arguments that cannot be encoded at all give `bytes: null`, and the input id alone
 * tells the call apart.
 */
export function recordArguments(
  args: readonly unknown[],
  labelOf: (position: number) => string,
  redactor: Redactor = defaultRedactor,
): RecordedArguments {
  const sanitizer = new ArgumentSanitizer(redactor);
  const names: string[] = [];
  const values: unknown[] = [];
  for (let position = 0; position < args.length; position++) {
    const label = labelOf(position);
    names.push(label);
    values.push(sanitizer.sanitizeArgument(args[position], label));
  }
  const preview = formatPreview(names, values);
  const encode = (complete: boolean) =>
    argumentSerializer.dumps({
      format: STORED_ARGUMENTS_FORMAT,
      names,
      values,
      complete,
      redacted: sanitizer.redacted,
    });
  try {
    const bytes = encode(sanitizer.complete);
    if (bytes.byteLength <= MAX_STORED_ARGUMENTS_BYTES) return { bytes, preview };
    return { bytes: shrinkToCap(values, () => encode(false)), preview };
  } catch {
    return { bytes: null, preview };
  }
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
  const line = text.replace(/\s+/g, " ");
  return line.length > MAX_INPUT_PREVIEW_CHARS
    ? `${line.slice(0, MAX_INPUT_PREVIEW_CHARS - 1)}…`
    : line;
}

/**
 * A compact, JSON-like rendering of a (sanitized) value, cut near `budget` characters: for
 * previews and for the two sides of a difference.
 */
export function formatValueShort(value: unknown, budget = 80): string {
  const out: string[] = [];
  let used = 0;
  const push = (text: string) => {
    out.push(text);
    used += text.length;
  };
  const walk = (item: unknown): void => {
    if (used > budget) return;
    if (typeof item === "string")
      push(JSON.stringify(item.length > budget ? `${item.slice(0, budget)}…` : item));
    else if (typeof item === "bigint") push(`${item}n`);
    else if (item === undefined) push("undefined");
    else if (item === null || typeof item !== "object") push(String(item));
    else if (item instanceof Date)
      push(Number.isNaN(item.getTime()) ? "Invalid Date" : item.toISOString());
    else if (ArrayBuffer.isView(item)) push(`<${item.byteLength} bytes>`);
    else if (Array.isArray(item) || item instanceof Set) {
      push(item instanceof Set ? "Set[" : "[");
      let first = true;
      for (const element of item) {
        if (used > budget) break;
        if (!first) push(", ");
        first = false;
        walk(element);
      }
      push("]");
    } else {
      const entries: [unknown, unknown][] =
        item instanceof Map ? [...item.entries()] : Object.entries(item);
      push(item instanceof Map ? "Map{" : "{");
      entries.forEach(([entryKey, entryValue], index) => {
        if (used > budget) return;
        if (index > 0) push(", ");
        push(`${String(entryKey)}: `);
        walk(entryValue);
      });
      push("}");
    }
  };
  walk(value);
  const text = out.join("");
  return text.length > budget ? `${text.slice(0, budget)}…` : text;
}
