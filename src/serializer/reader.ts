/**
 * @module serializer/reader — a plain MessagePack reader for the rescue path. It decodes
 * everything beautyspot writes, and turns each extension that does not decode (unknown code,
 * decoder that throws, unreadable payload) into a rescued value instead of failing. Only used
 * when the fast msgpackr path has already failed, so clarity wins over speed here.
 */

import { describeError } from "../errors.js";
import {
  BIGINT_CODE,
  MAP_CODE,
  SET_CODE,
  TIMESTAMP_CODE,
  TYPED_ARRAY_CODE,
  UNDEFINED_CODE,
} from "./codes.js";
import { decodeBigInt } from "./prepare.js";
import type { TypeRegistry } from "./registry.js";
import { createRescuedValue, type RescuedExtension } from "./rescued.js";

/** msgpackr's typed-array class numbering (first byte of an 0x74 payload). */
const TYPED_ARRAY_CLASSES = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;
const ARRAY_BUFFER_TYPE = 16;
const DATA_VIEW_TYPE = 17;

/** The data ends before the value it announces: truncated or not MessagePack. */
class TruncatedError extends Error {
  constructor(position: number) {
    super(`MessagePack data ends unexpectedly at byte ${position}`);
  }
}

/** A map key that is not a string, for messages: `the key 0x6b (bytes)`, `the key 1 (a number)`. */
function describeForeignKey(key: unknown): string {
  if (Buffer.isBuffer(key)) return `the key 0x${key.subarray(0, 16).toString("hex")} (bytes)`;
  if (Array.isArray(key))
    return `the key ${JSON.stringify(key, jsonSafe)} (a list: a Python tuple)`;
  if (key === null) return "the key nil (Python None)";
  if (typeof key === "object") return `a ${key.constructor?.name ?? "structured"} key`;
  return `the key ${String(key)} (a ${typeof key})`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/**
 * Reads one document; `rescues` lists every extension that was rescued, in order, and
 * `alterations` every part that a JavaScript value cannot hold as it was written (another
 * writer's map key that is not a string, a timestamp finer than a millisecond).
 */
export class RescueReader {
  readonly rescues: RescuedExtension[] = [];
  /** Parts that had to change: map keys that were not strings, sub-millisecond timestamps. */
  readonly alterations: string[] = [];
  /** Whether a map key that was not a string had to become one (an object key must be a string). */
  convertedKeys = false;
  /** Whether a map had a "__proto__" key (kept here; msgpackr reads it as "__proto_"). */
  sawProtoKey = false;
  private position = 0;
  private readonly view: DataView;

  /**
   * `decodeClasses: false` leaves registered extensions undecoded (their payload is still read):
   * for a pass that only looks at the keys.
   */
  constructor(
    private readonly source: Buffer,
    private readonly registry: TypeRegistry | undefined,
    private readonly decodeClasses = true,
  ) {
    this.view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  }

  /** Whether any part of the document read is not exactly what was stored. */
  get rescued(): boolean {
    return this.rescues.length > 0 || this.alterations.length > 0;
  }

  /** Decodes the whole source as one value; throws when it is not valid MessagePack. */
  readDocument(): unknown {
    const value = this.read();
    if (this.position !== this.source.length) {
      throw new Error(
        `MessagePack data has ${this.source.length - this.position} unread bytes after the value`,
      );
    }
    return value;
  }

  private need(count: number): number {
    const start = this.position;
    if (start + count > this.source.length) throw new TruncatedError(start);
    this.position = start + count;
    return start;
  }

  private read(): unknown {
    const token = this.source[this.need(1)]!;
    if (token < 0x80) return token;
    if (token < 0x90) return this.readMap(token & 0x0f);
    if (token < 0xa0) return this.readArray(token & 0x0f);
    if (token < 0xc0) return this.readString(token & 0x1f);
    if (token >= 0xe0) return token - 0x100;
    const view = this.view;
    switch (token) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.readBytes(view.getUint8(this.need(1)));
      case 0xc5:
        return this.readBytes(view.getUint16(this.need(2)));
      case 0xc6:
        return this.readBytes(view.getUint32(this.need(4)));
      case 0xc7:
        return this.readExtension(view.getUint8(this.need(1)));
      case 0xc8:
        return this.readExtension(view.getUint16(this.need(2)));
      case 0xc9:
        return this.readExtension(view.getUint32(this.need(4)));
      case 0xca:
        return view.getFloat32(this.need(4));
      case 0xcb:
        return view.getFloat64(this.need(8));
      case 0xcc:
        return view.getUint8(this.need(1));
      case 0xcd:
        return view.getUint16(this.need(2));
      case 0xce:
        return view.getUint32(this.need(4));
      case 0xcf:
        return toSafeNumber(view.getBigUint64(this.need(8)));
      case 0xd0:
        return view.getInt8(this.need(1));
      case 0xd1:
        return view.getInt16(this.need(2));
      case 0xd2:
        return view.getInt32(this.need(4));
      case 0xd3:
        return toSafeNumber(view.getBigInt64(this.need(8)));
      case 0xd4:
        return this.readExtension(1);
      case 0xd5:
        return this.readExtension(2);
      case 0xd6:
        return this.readExtension(4);
      case 0xd7:
        return this.readExtension(8);
      case 0xd8:
        return this.readExtension(16);
      case 0xd9:
        return this.readString(view.getUint8(this.need(1)));
      case 0xda:
        return this.readString(view.getUint16(this.need(2)));
      case 0xdb:
        return this.readString(view.getUint32(this.need(4)));
      case 0xdc:
        return this.readArray(view.getUint16(this.need(2)));
      case 0xdd:
        return this.readArray(view.getUint32(this.need(4)));
      case 0xde:
        return this.readMap(view.getUint16(this.need(2)));
      case 0xdf:
        return this.readMap(view.getUint32(this.need(4)));
      default:
        throw new Error(
          `Byte 0x${token.toString(16)} at ${this.position - 1} is not valid MessagePack`,
        );
    }
  }

  private readString(length: number): string {
    const start = this.need(length);
    return this.source.toString("utf8", start, start + length);
  }

  private readBytes(length: number): Buffer {
    const start = this.need(length);
    return this.source.subarray(start, start + length);
  }

  private readArray(length: number): unknown[] {
    // every element takes at least one byte: refuse lengths the data cannot hold
    if (length > this.source.length - this.position) throw new TruncatedError(this.position);
    const array = new Array<unknown>(length);
    for (let index = 0; index < length; index++) array[index] = this.read();
    return array;
  }

  private readMap(length: number): Record<string, unknown> {
    if (length * 2 > this.source.length - this.position) throw new TruncatedError(this.position);
    const object: Record<string, unknown> = {};
    for (let index = 0; index < length; index++) {
      const key = this.read();
      let name: string;
      if (typeof key === "string") {
        name = key;
        if (key === "__proto__") this.sawProtoKey = true;
      } else {
        // A JavaScript object has string keys only: the key's string form stands in for it.
        name = Buffer.isBuffer(key) ? key.toString("utf8") : String(key);
        this.convertedKeys = true;
        this.alterations.push(`${describeForeignKey(key)} became "${name}"`);
      }
      // defined, not assigned: a "__proto__" key must not replace the prototype
      Object.defineProperty(object, name, {
        value: this.read(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return object;
  }

  private readExtension(length: number): unknown {
    const type = this.source[this.need(1)]!;
    const start = this.need(length);
    const end = start + length;
    const bytes = this.source.subarray(start, end);
    switch (type) {
      case TIMESTAMP_CODE: {
        const date = decodeTimestamp(bytes);
        if (hasSubMillisecondPart(bytes)) {
          this.alterations.push(
            `a timestamp finer than a millisecond became ${Number.isNaN(date.getTime()) ? "an invalid Date" : date.toISOString()} (a Date holds whole milliseconds)`,
          );
        }
        return date;
      }
      case UNDEFINED_CODE:
        return undefined;
      case BIGINT_CODE:
        return decodeBigInt(bytes);
      case TYPED_ARRAY_CODE:
        return decodeTypedArray(bytes);
      case MAP_CODE: {
        const flat = this.readPayload(start, end);
        if (!Array.isArray(flat) || flat.length % 2 !== 0)
          throw new Error("Map extension payload is not a flat list of keys and values");
        const map = new Map<unknown, unknown>();
        for (let index = 0; index < flat.length; index += 2) map.set(flat[index], flat[index + 1]);
        return map;
      }
      case SET_CODE: {
        const items = this.readPayload(start, end);
        if (!Array.isArray(items)) throw new Error("Set extension payload is not a list");
        return new Set(items);
      }
      default:
        return this.readCustomExtension(type, start, end);
    }
  }

  /** Decodes a custom extension with its registered class, or rescues its data. */
  private readCustomExtension(code: number, start: number, end: number): unknown {
    const registered = this.registry?.findByCode(code);
    const type = registered?.typeName;
    const rescuesBefore = this.rescues.length;
    let data: unknown;
    try {
      data = this.readPayload(start, end);
    } catch {
      this.rescues.length = rescuesBefore;
      return this.rescue({
        code,
        type,
        reason: "unreadable-payload",
        data: Buffer.from(this.source.subarray(start, end)),
      });
    }
    // A payload with rescued parts cannot be trusted to its decoder: rescue it whole.
    if (registered === undefined || this.rescues.length > rescuesBefore) {
      return this.rescue({ code, type, reason: "unknown-code", data });
    }
    if (!this.decodeClasses) return data;
    try {
      return registered.decode(data);
    } catch (error) {
      return this.rescue({
        code,
        type,
        reason: "decoder-failed",
        error: describeError(error),
        data,
      });
    }
  }

  private rescue(extension: RescuedExtension): unknown {
    if (extension.type === undefined) delete extension.type;
    if (extension.error === undefined) delete extension.error;
    this.rescues.push(extension);
    return createRescuedValue(extension);
  }

  /** Reads the complete document that fills `start..end`, leaving the position at `end`. */
  private readPayload(start: number, end: number): unknown {
    const saved = this.position;
    this.position = start;
    try {
      const value = this.read();
      if (this.position !== end)
        throw new Error("extension payload is not exactly one MessagePack value");
      return value;
    } finally {
      this.position = saved;
    }
  }
}

/** Integers beyond 32 bits as numbers while they are safe, else bigint (msgpackr's "auto"). */
function toSafeNumber(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/** Whether a timestamp's nanoseconds are not whole milliseconds (never so when we wrote it). */
function hasSubMillisecondPart(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length === 8) return (view.getUint32(0) >>> 2) % 1_000_000 !== 0;
  if (bytes.length === 12) return view.getUint32(0) % 1_000_000 !== 0;
  return false;
}

/** The MessagePack timestamp extension in its 32-, 64- and 96-bit forms. */
function decodeTimestamp(bytes: Uint8Array): Date {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length === 4) return new Date(view.getUint32(0) * 1000);
  if (bytes.length === 8) {
    const high = view.getUint32(0);
    const nanoseconds = high >>> 2;
    const seconds = (high & 0x3) * 0x100000000 + view.getUint32(4);
    return new Date(seconds * 1000 + nanoseconds / 1e6);
  }
  if (bytes.length === 12) {
    const nanoseconds = view.getUint32(0);
    const seconds = Number(view.getBigInt64(4));
    return new Date(seconds * 1000 + nanoseconds / 1e6);
  }
  return new Date(Number.NaN);
}

/** msgpackr's typed-array extension: class number, then the array's bytes (copied, aligned). */
function decodeTypedArray(bytes: Uint8Array): unknown {
  const typeNumber = bytes[0];
  const buffer = new Uint8Array(bytes.subarray(1)).buffer;
  if (typeNumber === ARRAY_BUFFER_TYPE) return buffer;
  if (typeNumber === DATA_VIEW_TYPE) return new DataView(buffer);
  const ArrayClass = typeNumber === undefined ? undefined : TYPED_ARRAY_CLASSES[typeNumber];
  if (ArrayClass === undefined)
    throw new Error(`Typed-array extension names unknown array type ${typeNumber}`);
  return new ArrayClass(buffer);
}
