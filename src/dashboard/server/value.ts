/** @module dashboard/server/value — decoded values turned into display trees, text and raw bytes. */

import { BeautySpotError } from "../../errors.js";
import type { ValueNode } from "../api-types.js";

/** Limits that keep one detail response small enough to render at once. */
export interface DescribeLimits {
  /** Nodes in the whole tree; past it containers are marked truncated. */
  maxNodes: number;
  /** Characters of one string. */
  maxString: number;
  /** Bytes shown as hex. */
  maxHexBytes: number;
  /**
   * Levels of containers in the tree; deeper ones become a note. Values other writers store
   * can nest thousands deep, which would overflow the stack here and in the page's renderer.
   */
  maxDepth: number;
}

/** A few thousand nodes render instantly; larger values are for the raw download. */
export const DEFAULT_LIMITS: DescribeLimits = {
  maxNodes: 5_000,
  maxString: 200_000,
  maxHexBytes: 4_096,
  maxDepth: 100,
};

/** Whether `value` is binary data (Buffer, Uint8Array, ArrayBuffer). */
export function isBytes(value: unknown): value is Uint8Array | ArrayBuffer {
  return value instanceof Uint8Array || value instanceof ArrayBuffer;
}

function toUint8Array(value: Uint8Array | ArrayBuffer): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(value);
}

/** A hex dump: 16 bytes a line, offset, hex, and printable ASCII. */
export function formatHexDump(bytes: Uint8Array, maxBytes: number): string {
  const shown = Math.min(bytes.byteLength, maxBytes);
  const lines: string[] = [];
  for (let offset = 0; offset < shown; offset += 16) {
    const end = Math.min(offset + 16, shown);
    let hex = "";
    let ascii = "";
    for (let index = offset; index < offset + 16; index++) {
      if (index < end) {
        const byte = bytes[index] ?? 0;
        hex += `${byte.toString(16).padStart(2, "0")} `;
        ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".";
      } else {
        hex += "   ";
      }
      if (index - offset === 7) hex += " ";
    }
    lines.push(`${offset.toString(16).padStart(8, "0")}  ${hex} |${ascii}|`);
  }
  return lines.join("\n");
}

function describeNumber(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}

/** Turns a decoded value into a display tree, bounded by `limits`. */
export function describeValue(value: unknown, limits: DescribeLimits = DEFAULT_LIMITS): ValueNode {
  let budget = limits.maxNodes;
  const seen = new Set<object>();

  const visit = (current: unknown, depth: number): ValueNode => {
    budget -= 1;
    if (current === null) return { kind: "null" };
    switch (typeof current) {
      case "undefined":
        return { kind: "undefined" };
      case "boolean":
        return { kind: "boolean", value: current };
      case "number":
        return { kind: "number", value: describeNumber(current) };
      case "bigint":
        return { kind: "bigint", value: current.toString() };
      case "string":
        return {
          kind: "string",
          value: current.length > limits.maxString ? current.slice(0, limits.maxString) : current,
          length: current.length,
          truncated: current.length > limits.maxString,
        };
      case "object":
        break;
      default:
        return { kind: "other", text: String(current) };
    }
    const object = current as object;
    if (object instanceof Date) {
      return {
        kind: "date",
        value: Number.isNaN(object.getTime()) ? "Invalid Date" : object.toISOString(),
      };
    }
    if (isBytes(object)) {
      const bytes = toUint8Array(object);
      return {
        kind: "bytes",
        size: bytes.byteLength,
        hex: formatHexDump(bytes, limits.maxHexBytes),
        truncated: bytes.byteLength > limits.maxHexBytes,
      };
    }
    // Decoded data has no cycles, but a custom serializer might return shared references.
    if (seen.has(object)) return { kind: "other", text: "[circular]" };
    if (depth >= limits.maxDepth) {
      return {
        kind: "other",
        text: `[nested deeper than ${limits.maxDepth} levels; shown to level ${limits.maxDepth}]`,
      };
    }
    seen.add(object);
    try {
      return visitContainer(object, depth + 1);
    } finally {
      seen.delete(object);
    }
  };

  const visitContainer = (object: object, depth: number): ValueNode => {
    if (Array.isArray(object) || ArrayBuffer.isView(object)) {
      const list = object as ArrayLike<unknown>;
      const items: ValueNode[] = [];
      for (let index = 0; index < list.length && budget > 0; index++)
        items.push(visit(list[index], depth));
      const typeName = Array.isArray(object) ? "Array" : object.constructor.name;
      return {
        kind: "array",
        typeName,
        items,
        length: list.length,
        truncated: items.length < list.length,
      };
    }
    if (object instanceof Map) {
      const entries: [ValueNode, ValueNode][] = [];
      for (const [key, entry] of object) {
        if (budget <= 0) break;
        entries.push([visit(key, depth), visit(entry, depth)]);
      }
      return { kind: "map", entries, size: object.size, truncated: entries.length < object.size };
    }
    if (object instanceof Set) {
      const items: ValueNode[] = [];
      for (const item of object) {
        if (budget <= 0) break;
        items.push(visit(item, depth));
      }
      return { kind: "set", items, size: object.size, truncated: items.length < object.size };
    }
    if (object instanceof RegExp || object instanceof Error)
      return { kind: "other", text: String(object) };
    const prototype = Object.getPrototypeOf(object) as { constructor?: { name?: string } } | null;
    const className =
      prototype === null || prototype === Object.prototype
        ? null
        : (prototype.constructor?.name ?? null);
    const keys = Object.keys(object);
    const entries: [string, ValueNode][] = [];
    for (const key of keys) {
      if (budget <= 0) break;
      entries.push([key, visit((object as Record<string, unknown>)[key], depth)]);
    }
    return { kind: "object", className, entries, truncated: entries.length < keys.length };
  };

  return visit(value, 0);
}

/** JSON text of a decoded value: Maps as objects, Sets as arrays, BigInts as strings, bytes as hex. */
export function stringifyValue(value: unknown): string {
  return JSON.stringify(
    value,
    function replaceUnrepresentable(this: Record<string, unknown>, key: string, current: unknown) {
      // Buffer#toJSON has already run on `current`: look at the original to see the bytes.
      const original = this[key];
      if (isBytes(original)) return Buffer.from(toUint8Array(original)).toString("hex");
      if (typeof current === "bigint") return current.toString();
      if (current instanceof Map) return Object.fromEntries(current);
      if (current instanceof Set) return [...current];
      if (current === undefined) return null;
      return current;
    },
    2,
  );
}

/**
 * The bytes a value is served as: binary values as they are, strings as UTF-8, anything else as
 * JSON text. `isText` tells whether the bytes are text (for the Content-Type charset).
 */
export function readRawBytes(value: unknown): {
  bytes: Uint8Array;
  isText: boolean;
  isJson: boolean;
} {
  if (isBytes(value)) return { bytes: toUint8Array(value), isText: false, isJson: false };
  if (typeof value === "string")
    return { bytes: Buffer.from(value, "utf8"), isText: true, isJson: false };
  let text: string | undefined;
  try {
    text = stringifyValue(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new BeautySpotError(
      "This value is nested too deeply to be written out as JSON text. The detail view shows it to a limited depth; read the whole value in your program (spot.lookup or the wrapper's peek).",
      { cause: error },
    );
  }
  return { bytes: Buffer.from(text ?? "null", "utf8"), isText: true, isJson: true };
}

/** The text of one chunk of a stored stream: a string, UTF-8 bytes, or the text of an SDK delta. */
function readChunkText(chunk: unknown): string | undefined {
  if (typeof chunk === "string") return chunk;
  if (isBytes(chunk)) return Buffer.from(toUint8Array(chunk)).toString("utf8");
  if (typeof chunk !== "object" || chunk === null) return undefined;
  const item = chunk as {
    choices?: { delta?: { content?: unknown } }[];
    delta?: { text?: unknown; content?: unknown };
    text?: unknown;
    content?: unknown;
  };
  // OpenAI chat chunks, Anthropic content deltas, then plain { text } / { content } chunks.
  const text =
    item.choices?.[0]?.delta?.content ??
    item.delta?.text ??
    item.delta?.content ??
    item.text ??
    item.content;
  return typeof text === "string" ? text : undefined;
}

/**
 * The joined text of a stored stream recording (`{ stream, chunks, at }`), or `undefined` when
 * none of its chunks carries text.
 */
export function joinStreamText(value: unknown): string | undefined {
  const chunks = (value as { chunks?: unknown } | null)?.chunks;
  if (!Array.isArray(chunks)) return undefined;
  let text = "";
  let found = false;
  for (const chunk of chunks) {
    const part = readChunkText(chunk);
    if (part !== undefined) {
      text += part;
      found = true;
    }
  }
  return found ? text : undefined;
}
