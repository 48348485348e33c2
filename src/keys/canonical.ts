/** @module keys/canonical — turns call arguments into stable canonical text and input ids. */

import { hash } from "node:crypto";
import { ValidationError } from "../errors.js";
import { recognizeSdkObject, type SdkIdentity } from "./sdk-objects.js";
import { addSegment, toPublicError, UnkeyableValueSignal } from "./unkeyable.js";

/**
 * How deep containers may nest inside the arguments. Walking is recursive, and a limit far
 * below the engine's stack size turns a runaway structure into a clear error instead of a
 * stack overflow.
 */
export const MAX_CANONICAL_DEPTH = 1000;

/**
 * Names a 0-based argument position after the marked function's parameter (for example
 * `"opts"`), so error messages can suggest a `keygen` path the user would write. Only
 * consulted when an error is raised.
 */
export type ParameterNamer = (position: number) => string | undefined;

/**
 * A value that appears in canonical text as a fixed tagged form. Keygen policies use it for
 * the "ignored" marker and for file digests; since plain object keys starting with `$` are
 * escaped, a token can never equal a user value.
 */
export class CanonicalToken {
  /** The exact canonical text this token renders as. */
  readonly text: string;

  /**
   * @param tag a lower-case name that no built-in tag uses (for example `"ignored"`)
   * @param payload JSON-compatible data: strings, finite numbers, arrays of them
   */
  constructor(tag: string, payload: unknown) {
    this.text = `{"$${tag}":${JSON.stringify(payload)}}`;
  }
}

/**
 * Canonical text of an argument list: JSON with object keys sorted, where every value JSON
 * cannot tell apart is written as a tagged object `{"$tag":payload}`.
 *
 * The format, which keys depend on and which therefore must not change:
 * - strings, finite numbers, booleans and `null` are plain JSON; arrays are JSON arrays.
 * - plain objects (and objects with a `null` prototype, treated as the same thing) are JSON
 *   objects with keys sorted by UTF-16 code units; a key that starts with `$` gets one more
 *   `$` in front, so no user object can look like a tag.
 * - `undefined` → `{"$undefined":null}`, an array hole → `{"$hole":null}`,
 *   `NaN`/`Infinity`/`-Infinity`/`-0` → `{"$number":"NaN"}` …, `1n` → `{"$bigint":"1"}`.
 * - `Date` → `{"$date":"<ISO text>"}` (`null` when invalid), `RegExp` →
 *   `{"$regexp":[source,flags]}`, `URL` → `{"$url":href}`.
 * - `Map` → `{"$map":[[key,value],…]}` sorted by key text; `Set` → `{"$set":[…]}` sorted.
 * - typed arrays, `DataView`, `ArrayBuffer`, `SharedArrayBuffer` →
 *   `{"$bytes":[kind, base64]}` where kind is the element type (`"Uint8Array"`, …); above
 *   64 KiB `{"$bytesDigest":[kind, length, sha256 hex]}` instead. A `Buffer` is a
 *   `Uint8Array` here, so the same bytes give the same key either way.
 * - boxed primitives → `{"$boxed":["Number",1]}`; errors →
 *   `{"$error":[className,message,{fields}]}`.
 * - class instances → `{"$class":[constructorName,{own enumerable fields}]}`; subclasses of
 *   arrays, Date, Map, Set and RegExp wrap the built-in form the same way.
 * - LLM SDK clients and models (see `sdk-objects.ts`) by what identifies them, never by their
 *   credentials: `{"$sdkClient":[className,baseURL]}`,
 *   `{"$sdkModel":["ai-sdk",provider,modelId,{settings}]}`,
 *   `{"$sdkModel":["langchain",provider,className,modelId,{settings}]}`.
 *
 * Symbol-keyed properties and non-index properties of arrays are not part of the key.
 * Classes are told apart by constructor name, which is what survives across processes: two
 * distinct classes that share a name (or are both anonymous) share a tag, and state a class
 * keeps in private fields is invisible; give such arguments a `keygen`.
 * Functions, symbols, cycles, promises, weak collections and iterators raise a
 * `ValidationError` naming the argument path (`args[1].opts.cb`) and the `keygen` to use.
 *
 * @param parameterNameOf optional; only improves the keygen suggestion in error messages.
 */
export function canonicalize(args: readonly unknown[], parameterNameOf?: ParameterNamer): string {
  if (!Array.isArray(args)) {
    throw new ValidationError(
      `canonicalize() expects the array of call arguments, got ${describeKind(args)}. Pass the arguments as an array, e.g. canonicalize([a, b]).`,
    );
  }
  const outerScanStart = scanStart;
  const outerDepth = ancestors.length;
  // A getter read during the walk could call canonicalize again; its cycle scan must only
  // see its own ancestors, hence the saved start.
  scanStart = outerDepth;
  try {
    return encodeObject(args);
  } catch (error) {
    throw toPublicError(error, parameterNameOf, isKeyable);
  } finally {
    ancestors.length = outerDepth;
    scanStart = outerScanStart;
  }
}

/** Whether `value` alone has a canonical form; only asked while explaining a failure. */
function isKeyable(value: unknown): boolean {
  try {
    canonicalize([value]);
    return true;
  } catch {
    return false;
  }
}

/** SHA-256 of the UTF-8 text, as 64 lower-case hex digits. */
export function hashText(text: string): string {
  return hash("sha256", text, "hex");
}

/** The default input id: the SHA-256 hex of the canonical text of the arguments. */
export function computeInputId(args: readonly unknown[], parameterNameOf?: ParameterNamer): string {
  return hashText(canonicalize(args, parameterNameOf));
}

// ---------------------------------------------------------------------------------------
// Walk state. The walk is synchronous, so one module-level stack is enough; it holds the
// containers currently being encoded, which is what a cycle check needs.

const ancestors: object[] = [];
let scanStart = 0;

const UNDEFINED_TEXT = '{"$undefined":null}';
const HOLE_TEXT = '{"$hole":null}';
const NAN_TEXT = '{"$number":"NaN"}';
const INFINITY_TEXT = '{"$number":"Infinity"}';
const NEGATIVE_INFINITY_TEXT = '{"$number":"-Infinity"}';
const NEGATIVE_ZERO_TEXT = '{"$number":"-0"}';
const DOLLAR = 36;

function encodeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return encodeNumber(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      return value === null ? "null" : encodeObject(value);
    case "undefined":
      return UNDEFINED_TEXT;
    case "bigint":
      return `{"$bigint":"${value.toString()}"}`;
    case "function":
      throw new UnkeyableValueSignal(
        `is a function${value.name ? ` (${value.name})` : ""}, and a function cannot identify a call`,
        "ignore",
      );
    default:
      throw new UnkeyableValueSignal(
        `is a symbol (${String(value)}), and a symbol cannot identify a call across runs`,
        "ignore",
      );
  }
}

function encodeNumber(value: number): string {
  if (Number.isFinite(value)) {
    // String(-0) is "0", so -0 needs its own tag to stay apart from 0.
    return value === 0 && 1 / value < 0 ? NEGATIVE_ZERO_TEXT : String(value);
  }
  if (Number.isNaN(value)) return NAN_TEXT;
  return value > 0 ? INFINITY_TEXT : NEGATIVE_INFINITY_TEXT;
}

function encodeObject(value: object): string {
  const depth = ancestors.length - scanStart;
  if (depth >= MAX_CANONICAL_DEPTH) {
    throw new UnkeyableValueSignal(
      `is nested deeper than ${MAX_CANONICAL_DEPTH} levels, the limit for canonical keys`,
      "reduce",
      -1,
      true,
    );
  }
  // Linear scan: nesting is shallow in practice, and it costs no allocation.
  for (let index = scanStart; index < ancestors.length; index++) {
    if (ancestors[index] === value) {
      throw new UnkeyableValueSignal("refers back to", "ignore", index - scanStart);
    }
  }
  ancestors.push(value);
  const text = encodeContainer(value);
  ancestors.pop();
  return text;
}

function encodeContainer(value: object): string {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    return prototype === Array.prototype
      ? encodeArray(value)
      : encodeAsClass(prototype, encodeArray(value));
  }
  if (prototype === Object.prototype || prototype === null) {
    return encodePlainObject(value as Record<string, unknown>);
  }
  return encodeSpecialObject(value, prototype as object);
}

function encodeArray(array: readonly unknown[]): string {
  const length = array.length;
  if (length === 0) return "[]";
  let text = "[";
  let index = 0;
  try {
    for (; index < length; index++) {
      const item = array[index];
      if (index > 0) text += ",";
      text += item === undefined && !(index in array) ? HOLE_TEXT : encodeValue(item);
    }
  } catch (error) {
    throw addSegment(error, index);
  }
  return `${text}]`;
}

function encodePlainObject(object: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(object);
  const count = keys.length;
  if (count === 0) return "{}";
  if (count > 1) keys.sort();
  let text = "{";
  let key = "";
  try {
    for (let index = 0; index < count; index++) {
      key = keys[index]!;
      if (index > 0) text += ",";
      text += JSON.stringify(key.charCodeAt(0) === DOLLAR ? `$${key}` : key);
      text += ":";
      text += encodeValue(object[key]);
    }
  } catch (error) {
    return encodeFailedPlainObject(error, object, key);
  }
  return `${text}}`;
}

/**
 * A plain object whose walk failed at `key`: an SDK model after all (an AI SDK model wrapped
 * by `wrapLanguageModel` is a plain object of functions), else the failure with its path.
 * Looked for only once the walk fails, so plain data pays nothing for it; kept out of
 * `encodePlainObject` so that the hot function stays small.
 */
function encodeFailedPlainObject(error: unknown, object: object, key: string): string {
  const position = ancestors.lastIndexOf(object);
  const identity =
    error instanceof UnkeyableValueSignal && position >= scanStart
      ? recognizeSdkObject(object)
      : undefined;
  if (identity === undefined) {
    if (error instanceof UnkeyableValueSignal && error.plainHolder === undefined) {
      error.plainHolder = object;
      error.stepsBelowPlainHolder = error.segments.length;
    }
    throw addSegment(error, key);
  }
  // The failed walk left its containers on the stack; drop them down to this object.
  ancestors.length = position + 1;
  return encodeSdkIdentity(identity);
}

function encodeSpecialObject(value: object, prototype: object): string {
  if (value instanceof CanonicalToken) return value.text;
  if (ArrayBuffer.isView(value)) return encodeView(value);
  if (value instanceof Date) {
    const text = Number.isNaN(value.getTime()) ? "null" : JSON.stringify(value.toISOString());
    return wrapSubclass(value, prototype, Date.prototype, `{"$date":${text}}`);
  }
  if (value instanceof RegExp) {
    const text = `{"$regexp":[${JSON.stringify(value.source)},${JSON.stringify(value.flags)}]}`;
    return wrapSubclass(value, prototype, RegExp.prototype, text);
  }
  if (value instanceof Map) {
    return wrapSubclass(value, prototype, Map.prototype, encodeMap(value));
  }
  if (value instanceof Set) {
    return wrapSubclass(value, prototype, Set.prototype, encodeSet(value));
  }
  if (value instanceof ArrayBuffer) {
    return encodeBytes("ArrayBuffer", new Uint8Array(value));
  }
  if (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer) {
    return encodeBytes("SharedArrayBuffer", new Uint8Array(value));
  }
  if (value instanceof URL) return `{"$url":${JSON.stringify(value.href)}}`;
  if (value instanceof URLSearchParams) {
    return `{"$urlsearchparams":${JSON.stringify(value.toString())}}`;
  }
  const boxed = encodeBoxedPrimitive(value);
  if (boxed !== undefined) return boxed;
  if (value instanceof Error) {
    return `{"$error":[${JSON.stringify(nameConstructorOf(prototype))},${JSON.stringify(String(value.message))},${encodePlainObject(value as unknown as Record<string, unknown>)}]}`;
  }
  rejectOpaqueObject(value);
  if (nameConstructorOf(prototype) === "Object" && Object.getPrototypeOf(prototype) === null) {
    // A plain object from another realm (vm context, worker message): same as a local one.
    return encodePlainObject(value as Record<string, unknown>);
  }
  const identity = recognizeSdkObject(value);
  if (identity !== undefined) return encodeSdkIdentity(identity);
  return encodeAsClass(prototype, encodeInstanceFields(value));
}

function encodeInstanceFields(value: object): string {
  try {
    return encodePlainObject(value as Record<string, unknown>);
  } catch (error) {
    if (error instanceof UnkeyableValueSignal) {
      // Set on the way out, so the outermost instance on the path wins.
      error.classHolder = value;
      error.stepsBelowClassHolder = error.segments.length;
    }
    throw error;
  }
}

function encodeSdkIdentity(identity: SdkIdentity): string {
  switch (identity.kind) {
    case "client":
      return `{"$sdkClient":[${JSON.stringify(identity.className)},${JSON.stringify(identity.baseURL)}]}`;
    case "ai-sdk-model":
      return `{"$sdkModel":["ai-sdk",${JSON.stringify(identity.provider)},${JSON.stringify(identity.modelId)},${encodePlainObject(identity.settings)}]}`;
    default:
      return `{"$sdkModel":["langchain",${JSON.stringify(identity.provider)},${JSON.stringify(identity.className)},${JSON.stringify(identity.modelId)},${encodePlainObject(identity.settings)}]}`;
  }
}

function encodeAsClass(prototype: unknown, payloadText: string): string {
  return `{"$class":[${JSON.stringify(nameConstructorOf(prototype))},${payloadText}]}`;
}

function wrapSubclass(value: object, prototype: object, builtin: object, text: string): string {
  if (prototype === builtin) return text;
  // A subclass instance keeps its own fields next to the built-in contents.
  return `{"$class":[${JSON.stringify(nameConstructorOf(prototype))},${text},${encodePlainObject(value as Record<string, unknown>)}]}`;
}

function nameConstructorOf(prototype: unknown): string {
  if (prototype === null || typeof prototype !== "object") return "";
  const classFunction: unknown = (prototype as { constructor?: unknown }).constructor;
  return typeof classFunction === "function" ? classFunction.name : "";
}

function encodeMap(map: ReadonlyMap<unknown, unknown>): string {
  const entries: [string, string][] = [];
  let index = 0;
  let readingKey = true;
  let keyText = "";
  try {
    for (const [key, entryValue] of map) {
      readingKey = true;
      keyText = encodeValue(key);
      readingKey = false;
      entries.push([keyText, encodeValue(entryValue)]);
      index++;
    }
  } catch (error) {
    throw addSegment(error, {
      described: readingKey ? `<map key #${index}>` : `.get(${keyText})`,
    });
  }
  entries.sort(compareEntries);
  let text = '{"$map":[';
  for (let position = 0; position < entries.length; position++) {
    const entry = entries[position]!;
    if (position > 0) text += ",";
    text += `[${entry[0]},${entry[1]}]`;
  }
  return `${text}]}`;
}

function compareEntries(left: [string, string], right: [string, string]): number {
  if (left[0] !== right[0]) return left[0] < right[0] ? -1 : 1;
  if (left[1] !== right[1]) return left[1] < right[1] ? -1 : 1;
  return 0;
}

function encodeSet(set: ReadonlySet<unknown>): string {
  const items: string[] = [];
  try {
    for (const item of set) items.push(encodeValue(item));
  } catch (error) {
    throw addSegment(error, { described: `<set element #${items.length}>` });
  }
  items.sort();
  return `{"$set":[${items.join(",")}]}`;
}

/** True when this machine stores multi-byte numbers most significant byte first. */
const IS_BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

function encodeView(view: ArrayBufferView): string {
  const kind = view instanceof DataView ? "DataView" : typedArrayKindOf(view);
  let bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const elementSize = (view as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
  // Keys must match across machines, so multi-byte elements are always written little-endian.
  if (IS_BIG_ENDIAN && elementSize > 1) bytes = reverseEachElement(bytes, elementSize);
  return encodeBytes(kind, bytes);
}

/** The built-in getter reports the element type, and a subclass cannot override what it reads. */
const readTypedArrayName = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get as ((this: unknown) => string | undefined) | undefined;

function typedArrayKindOf(view: ArrayBufferView): string {
  // So a Buffer reads "Uint8Array": the same bytes are the same input either way.
  return readTypedArrayName?.call(view) ?? "ArrayBufferView";
}

function reverseEachElement(bytes: Uint8Array, elementSize: number): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  for (let start = 0; start < bytes.length; start += elementSize) {
    for (let offset = 0; offset < elementSize; offset++) {
      copy[start + offset] = bytes[start + elementSize - 1 - offset]!;
    }
  }
  return copy;
}

/**
 * Byte arrays up to this size are written out in full; larger ones by their length and sha256.
 * Writing 100 MB as base64 would hold the bytes about four times over (base64 text, canonical
 * text, UTF-8 for hashing); the digest reads them once, in place.
 */
const INLINE_BYTES_LIMIT = 64 * 1024;

function encodeBytes(kind: string, bytes: Uint8Array): string {
  if (bytes.byteLength > INLINE_BYTES_LIMIT) {
    // A different tag from the inline form: the two can never produce the same text.
    return `{"$bytesDigest":["${kind}",${bytes.byteLength},"${hash("sha256", bytes, "hex")}"]}`;
  }
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  return `{"$bytes":["${kind}","${base64}"]}`;
}

function encodeBoxedPrimitive(value: object): string | undefined {
  if (value instanceof Number) return `{"$boxed":["Number",${encodeNumber(value.valueOf())}]}`;
  if (value instanceof String) return `{"$boxed":["String",${JSON.stringify(value.valueOf())}]}`;
  if (value instanceof Boolean) return `{"$boxed":["Boolean",${value.valueOf()}]}`;
  if (value instanceof BigInt) return `{"$boxed":["BigInt","${value.valueOf().toString()}"]}`;
  if (value instanceof Symbol) {
    throw new UnkeyableValueSignal(
      `is a boxed symbol (${String(value.valueOf())}), and a symbol cannot identify a call across runs`,
      "ignore",
    );
  }
  return undefined;
}

/** Objects whose contents cannot be read now, so any key made from them would be a lie. */
function rejectOpaqueObject(value: object): void {
  let problem: string | undefined;
  if (value instanceof Promise) {
    problem = "is a Promise, whose value is not known when the key is computed";
  } else if (value instanceof WeakMap || value instanceof WeakSet) {
    problem = `is a ${value instanceof WeakMap ? "WeakMap" : "WeakSet"}, whose contents cannot be listed`;
  } else if (value instanceof WeakRef || value instanceof FinalizationRegistry) {
    problem = `is a ${value instanceof WeakRef ? "WeakRef" : "FinalizationRegistry"}, which holds no stable contents`;
  } else {
    const tag: unknown = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
    if (
      typeof tag === "string" &&
      (tag === "Generator" || tag === "AsyncGenerator" || tag.endsWith(" Iterator"))
    ) {
      problem = `is ${/^[AEIOU]/.test(tag) ? "an" : "a"} ${tag}, which reading for a key would consume`;
    }
  }
  if (problem !== undefined) throw new UnkeyableValueSignal(problem, "ignore");
}

function describeKind(value: unknown): string {
  if (value === null) return "null";
  return typeof value === "object"
    ? nameConstructorOf(Object.getPrototypeOf(value)) || "object"
    : typeof value;
}
