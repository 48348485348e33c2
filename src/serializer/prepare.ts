/**
 * @module serializer/prepare — the encode-side walk: checks that a value can be stored exactly
 * (refusing what would come back altered: lone surrogates, holes, extra properties on arrays and
 * built-ins) and turns what msgpackr cannot write the way we need (Map, Set, BigInt, -0, integers
 * beyond 32 bits, custom classes) into pre-encoded bytes. Plain data passes through untouched;
 * containers are copied only when something inside them was replaced.
 */

import { BIGINT_CODE, MAP_CODE, SET_CODE } from "./codes.js";
import type { RegisteredType, TypeRegistry } from "./registry.js";

/** Bytes already in MessagePack form: an extension payload when `code` is set, else verbatim. */
export class PreEncoded {
  constructor(
    readonly bytes: Uint8Array,
    readonly code?: number,
  ) {}
}

/**
 * Thrown (not an Error: no stack is captured) when the walk meets something it cannot store.
 * The caller then runs the slow walk in `locate.ts`, which finds where and says why.
 */
export const UNENCODABLE: unique symbol = Symbol("beautyspot.unencodable");

/** Depth at which a container is checked for cycles once: shallow data never pays for it. */
const CYCLE_CHECK_DEPTH = 100;

/** `-0` as a float64: msgpackr would write it as the integer 0. */
const NEGATIVE_ZERO = new PreEncoded(Uint8Array.of(0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0));

/** Prototypes msgpackr writes the way we want as they are (typed arrays via `moreTypes`). */
export const PASS_THROUGH_PROTOTYPES: ReadonlySet<object> = new Set<object>([
  Date.prototype,
  Buffer.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Uint8ClampedArray.prototype,
  Int8Array.prototype,
  Uint16Array.prototype,
  Int16Array.prototype,
  Uint32Array.prototype,
  Int32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
]);

/**
 * Built-ins whose added properties would be dropped (msgpackr writes only their contents), by
 * class name: refused. Their instances hold no indexed elements, so `for…in` over them visits
 * only added properties and checking costs nothing when there are none. (Typed arrays and
 * Buffers are left out: `for…in` would visit every element.)
 */
export const CHECKED_FOR_EXTRA_PROPERTIES: ReadonlyMap<object, string> = new Map<object, string>([
  [Date.prototype, "Date"],
  [Map.prototype, "Map"],
  [Set.prototype, "Set"],
  [ArrayBuffer.prototype, "ArrayBuffer"],
  [DataView.prototype, "DataView"],
]);

/** `String.prototype.isWellFormed` (ES2024; Node 20 has it, the es2023 lib does not type it). */
interface WellFormedCheck {
  isWellFormed(): boolean;
}

/**
 * Whether `text` holds a lone surrogate, which UTF-8 (MessagePack's string encoding) cannot
 * carry: it would come back as U+FFFD. O(1) for one-byte strings.
 */
export function hasLoneSurrogate(text: string): boolean {
  return !(text as unknown as WellFormedCheck).isWellFormed();
}

/** Whether `value` has an enumerable string-keyed property `for…in` sees (own or inherited). */
export function hasEnumerableProperty(value: object): boolean {
  for (const _ in value) return true;
  return false;
}

/** Packs one complete MessagePack document (the payload of a nested extension). */
export type PackDocument = (value: unknown) => Uint8Array;

/** Walks values for one serializer, using its registry for custom classes. */
export class ValuePreparer {
  constructor(
    private readonly registry: TypeRegistry,
    private readonly packDocument: PackDocument,
  ) {}

  /** The value to hand to msgpackr: `value` itself when nothing needed replacing. */
  prepare(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case "string":
        if (hasLoneSurrogate(value)) throw UNENCODABLE;
        return value;
      case "boolean":
      case "undefined":
        return value;
      case "number":
        if (value === 0) return 1 / value < 0 ? NEGATIVE_ZERO : value;
        // msgpackr writes integers beyond 32 bits as float64; other languages would read floats.
        if ((value > 0xffffffff || value < -0x80000000) && Number.isSafeInteger(value)) {
          return encodeInt64(value);
        }
        return value;
      case "bigint":
        return new PreEncoded(encodeBigInt(value), BIGINT_CODE);
      case "object":
        return value === null ? value : this.prepareObject(value, depth);
      default:
        throw UNENCODABLE;
    }
  }

  private prepareObject(value: object, depth: number): unknown {
    if (depth === CYCLE_CHECK_DEPTH && containsCycle(value, [])) throw UNENCODABLE;
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype === Object.prototype || prototype === null) {
      return this.preparePlainObject(value as Record<string, unknown>, depth);
    }
    if (prototype === Array.prototype) return this.prepareArray(value as unknown[], depth);
    if (PASS_THROUGH_PROTOTYPES.has(prototype)) {
      // msgpackr writes only the date or the bytes: an added property would be dropped.
      if (CHECKED_FOR_EXTRA_PROPERTIES.has(prototype) && hasEnumerableProperty(value)) {
        throw UNENCODABLE;
      }
      return value;
    }
    if (prototype === Map.prototype || prototype === Set.prototype) {
      if (hasEnumerableProperty(value)) throw UNENCODABLE;
      return prototype === Map.prototype
        ? this.prepareMap(value as Map<unknown, unknown>, depth)
        : this.prepareSet(value as Set<unknown>, depth);
    }
    if (prototype === Uint8Array.prototype) {
      // With `moreTypes`, msgpackr writes a Uint8Array as a typed-array extension; as a Buffer
      // view it becomes a standard `bin` that every MessagePack reader understands.
      const bytes = value as Uint8Array;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const registered = this.registry.findByPrototype(prototype);
    if (registered === undefined) throw UNENCODABLE;
    return this.prepareRegistered(value, registered, depth);
  }

  private preparePlainObject(value: Record<string, unknown>, depth: number): unknown {
    let copy: Record<string, unknown> | undefined;
    for (const key in value) {
      // msgpackr decodes an own "__proto__" key as "__proto_": refuse rather than change it.
      if (key === "__proto__" || hasLoneSurrogate(key)) throw UNENCODABLE;
      const item = value[key];
      const prepared = this.prepare(item, depth + 1);
      // NaN is returned unchanged but never equals itself: it must not trigger a copy.
      if (prepared !== item && !Number.isNaN(prepared)) {
        copy ??= { ...value };
        copy[key] = prepared;
      }
    }
    return copy ?? value;
  }

  private prepareArray(value: unknown[], depth: number): unknown {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item = value[index];
      // A hole would come back as undefined: only an assigned undefined is stored.
      if (item === undefined && !(index in value)) throw UNENCODABLE;
      const prepared = this.prepare(item, depth + 1);
      if (prepared !== item && !Number.isNaN(prepared)) {
        copy ??= value.slice();
        copy[index] = prepared;
      }
    }
    // Named properties (a RegExp match's `index`, `arr.total = …`) would be dropped. Without
    // holes, the own enumerable keys are exactly the indexes unless such a property exists.
    if (Object.keys(value).length !== value.length) throw UNENCODABLE;
    return copy ?? value;
  }

  private prepareMap(value: Map<unknown, unknown>, depth: number): PreEncoded {
    const flat = new Array<unknown>(value.size * 2);
    let index = 0;
    for (const [key, item] of value) {
      flat[index++] = this.prepare(key, depth + 1);
      flat[index++] = this.prepare(item, depth + 1);
    }
    return new PreEncoded(this.packDocument(flat), MAP_CODE);
  }

  private prepareSet(value: Set<unknown>, depth: number): PreEncoded {
    const items = new Array<unknown>(value.size);
    let index = 0;
    for (const item of value) items[index++] = this.prepare(item, depth + 1);
    return new PreEncoded(this.packDocument(items), SET_CODE);
  }

  private prepareRegistered(value: object, registered: RegisteredType, depth: number): PreEncoded {
    const data = registered.encode(value);
    return new PreEncoded(this.packDocument(this.prepare(data, depth + 1)), registered.code);
  }
}

/** Whether any container reachable from `value` contains itself (plain containers only). */
export function containsCycle(value: unknown, ancestors: object[]): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (ancestors.includes(value)) return true;
  const prototype = Object.getPrototypeOf(value) as object | null;
  let children: Iterable<unknown>;
  if (prototype === Object.prototype || prototype === null) {
    children = Object.values(value);
  } else if (prototype === Array.prototype || prototype === Set.prototype) {
    children = value as Iterable<unknown>;
  } else if (prototype === Map.prototype) {
    children = [...(value as Map<unknown, unknown>)].flat();
  } else {
    return false;
  }
  ancestors.push(value);
  try {
    for (const child of children) if (containsCycle(child, ancestors)) return true;
    return false;
  } finally {
    ancestors.pop();
  }
}

/** A safe integer as a MessagePack int64 (read back as a number: int64AsType "auto"). */
function encodeInt64(value: number): PreEncoded {
  const bytes = new Uint8Array(9);
  bytes[0] = 0xd3;
  new DataView(bytes.buffer).setBigInt64(1, BigInt(value));
  return new PreEncoded(bytes);
}

/** Two's-complement big-endian bytes, as short as the sign allows (msgpackr's BigInt format). */
export function encodeBigInt(value: bigint): Uint8Array {
  const magnitude = value < 0n ? ~value : value;
  const hex = magnitude.toString(16);
  const bits = (hex.length - 1) * 4 + Number.parseInt(hex[0]!, 16).toString(2).length;
  // one more bit than the magnitude needs, for the sign
  const byteLength = Math.floor(bits / 8) + 1;
  const unsigned = BigInt.asUintN(byteLength * 8, value);
  return Buffer.from(unsigned.toString(16).padStart(byteLength * 2, "0"), "hex");
}

/** Reads two's-complement big-endian bytes back into a bigint. */
export function decodeBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(
    `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`,
  );
  return (bytes[0]! & 0x80) === 0 ? unsigned : unsigned - (1n << BigInt(bytes.length * 8));
}
