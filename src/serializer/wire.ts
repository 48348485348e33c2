/**
 * @module serializer/wire — msgpackr, configured for portable output, plus the extension
 * dispatch that keeps custom classes per serializer.
 *
 * msgpackr's extension table is global to the process. Rather than registering each user class
 * there (which would leak registrations between serializers), beautyspot installs one handler
 * per extension code that asks the registry of the serializer currently decoding. Encoding needs
 * no global class registration at all: the prepare walk turns custom values into `PreEncoded`
 * bytes, and a single extension for that private class writes them.
 */

import { addExtension, type Options, Packr } from "msgpackr";
import { describeError, SerializationError } from "../errors.js";
import { MAP_CODE, SET_CODE } from "./codes.js";
import { PreEncoded } from "./prepare.js";
import type { TypeRegistry } from "./registry.js";

/** Reads one value at an absolute position of the document being decoded (msgpackr's hook). */
type ReadAt = (position: number) => unknown;

/** What msgpackr hands to a custom `pack`: room for `size` bytes at `position` of `target`. */
type AllocateForWrite = (size: number) => { target: Uint8Array; position: number };

/**
 * One Packr for every serializer: msgpackr's write buffer and extension table are process-wide
 * anyway, and per-serializer behaviour lives in the registries.
 */
const options: Options = {
  // Records ("structures") need msgpackr to read back; objects must be standard maps.
  useRecords: false,
  // Maps decode to plain objects; a JS Map travels as its own extension (MAP_CODE).
  mapsAsObjects: true,
  // Typed arrays, ArrayBuffer and DataView as msgpackr's self-contained extension 0x74. Its other
  // effects (tag-style Set, Error, RegExp) never happen: the prepare walk replaces or refuses those.
  moreTypes: true,
  // Never round a bigint to a float: precision loss would be a silently different value.
  largeBigIntToFloat: false,
  // Reference extensions (0x69/0x70) are unreadable elsewhere; cycles are refused instead.
  structuredClone: false,
  // Minimal map headers (readers expect them) and no 65,535-key limit per object.
  variableMapSize: true,
  // `undefined` must stay distinct from `null`: msgpackr writes it as ext 0.
  encodeUndefinedAsNil: false,
  // Bundled strings (ext 0x62) are a msgpackr-only layout.
  bundleStrings: false,
  // Encodings are chosen by the prepare walk; a toJSON method never changes what is stored.
  useToJSON: false,
  // Decoded binary values are copies: a caller changing a returned Buffer must never change
  // the stored bytes other calls decode from (the in-memory row tier shares them).
  copyBuffers: true,
};
// int64AsType "auto": 64-bit integers written by other implementations come back as numbers
// while they are safe integers, as bigint beyond (our own BigInts always use the BigInt
// extension). "auto" is missing from msgpackr's type declarations, so it is set past them.
Object.assign(options, { int64AsType: "auto" });
export const packr = new Packr(options);
/**
 * Decodes bytes the caller hands over for good (a blob just read from disk): binary values may
 * stay views into them, which saves a copy of every large value. Extensions are process-wide in
 * msgpackr, so this instance decodes them exactly like `packr`.
 */
const ownedBytesPackr = new Packr({ ...options, copyBuffers: false });

/** Packs a value the prepare walk has already checked and converted. */
export function packPrepared(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Writes `PreEncoded` bytes: an ext 8/16/32 header (never fixext) so decoding gets `readAt`. */
function writePreEncoded(value: PreEncoded, allocateForWrite: AllocateForWrite): void {
  const { bytes, code } = value;
  const length = bytes.length;
  if (code === undefined) {
    const { target, position } = allocateForWrite(length);
    target.set(bytes, position);
    return;
  }
  const headerLength = length < 0x100 ? 3 : length < 0x10000 ? 4 : 6;
  const { target, position } = allocateForWrite(headerLength + length);
  let at = position;
  if (headerLength === 3) {
    target[at++] = 0xc7;
    target[at++] = length;
  } else if (headerLength === 4) {
    target[at++] = 0xc8;
    target[at++] = length >> 8;
    target[at++] = length & 0xff;
  } else {
    target[at++] = 0xc9;
    target[at++] = (length >>> 24) & 0xff;
    target[at++] = (length >> 16) & 0xff;
    target[at++] = (length >> 8) & 0xff;
    target[at++] = length & 0xff;
  }
  target[at++] = code;
  target.set(bytes, at);
}

/** The registry of the serializer whose `loads` is running, and the bytes it decodes. */
let activeRegistry: TypeRegistry | undefined;
let activeSource: Uint8Array | undefined;

/** Views any byte array as a Buffer without copying, so `bin` values decode as Buffers. */
export function viewAsBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes with msgpackr while `registry` answers for custom extension codes. Errors are thrown
 * as they come: a SerializationError from a failing decoder, anything else from msgpackr.
 */
export function unpackWith(
  registry: TypeRegistry | undefined,
  source: Buffer,
  sourceIsOwned = false,
): unknown {
  const previousRegistry = activeRegistry;
  const previousSource = activeSource;
  activeRegistry = registry;
  activeSource = source;
  try {
    return (sourceIsOwned ? ownedBytesPackr : packr).unpack(source);
  } finally {
    activeRegistry = previousRegistry;
    activeSource = previousSource;
  }
}

/**
 * Decodes an extension's payload, itself a complete MessagePack document. In place (no copy)
 * when the payload lies inside the document being decoded, else as a nested document.
 */
function readPayload(data: Uint8Array, readAt: ReadAt | undefined): unknown {
  const source = activeSource;
  if (
    readAt !== undefined &&
    source !== undefined &&
    data.buffer === source.buffer &&
    data.byteOffset >= source.byteOffset &&
    data.byteOffset + data.byteLength <= source.byteOffset + source.byteLength
  ) {
    return readAt(data.byteOffset - source.byteOffset);
  }
  activeSource = data;
  try {
    return packr.unpack(data);
  } finally {
    activeSource = source;
  }
}

/** Thrown inside msgpackr when the active registry has no class for a code; diagnosed later. */
export class UnknownExtensionCode extends Error {
  constructor(readonly code: number) {
    super(`Unknown extension type ${code}`);
  }
}

/** The message for a registered decoder that threw: what failed and the ways out. */
export function describeDecoderFailure(typeName: string, code: number, error: unknown): string {
  return `Cannot decode a stored ${typeName} (extension code ${code}): its decode function threw: ${describeError(error)}. If ${typeName} changed since the value was stored, bump the function's \`version\` so old entries are recomputed, or choose onDecodeError: "recompute" (run again and overwrite), "raw" (get the stored data) or "throw".`;
}

function dispatchExtension(code: number, data: Uint8Array, readAt: ReadAt | undefined): unknown {
  const registered = activeRegistry?.findByCode(code);
  if (registered === undefined) throw new UnknownExtensionCode(code);
  const payload = readPayload(data, readAt);
  try {
    return registered.decode(payload);
  } catch (error) {
    throw new SerializationError(describeDecoderFailure(registered.typeName, code, error), {
      cause: error,
    });
  }
}

function decodeMap(data: Uint8Array, readAt?: ReadAt): Map<unknown, unknown> {
  const flat = readPayload(data, readAt);
  if (!Array.isArray(flat) || flat.length % 2 !== 0) {
    throw new Error("Map extension payload is not a flat list of keys and values");
  }
  const map = new Map<unknown, unknown>();
  for (let index = 0; index < flat.length; index += 2) map.set(flat[index], flat[index + 1]);
  return map;
}

function decodeSet(data: Uint8Array, readAt?: ReadAt): Set<unknown> {
  const items = readPayload(data, readAt);
  if (!Array.isArray(items)) throw new Error("Set extension payload is not a list");
  return new Set(items);
}

/** msgpackr's extension shape, including the `pack(value, allocateForWrite)` form it supports. */
type RawExtension = Omit<Parameters<typeof addExtension>[0], "pack" | "unpack"> & {
  pack?: (value: PreEncoded, allocateForWrite: AllocateForWrite) => void;
  unpack?: (data: Uint8Array, readAt?: ReadAt) => unknown;
};

function installExtension(extension: RawExtension): void {
  addExtension(extension as Parameters<typeof addExtension>[0]);
}

// The writer for PreEncoded is attached to MAP_CODE only because msgpackr wants a code with a
// `pack`; every PreEncoded writes its own header and code.
installExtension({ Class: PreEncoded, type: MAP_CODE, pack: writePreEncoded, unpack: decodeMap });
installExtension({ type: SET_CODE, unpack: decodeSet });

const dispatchedCodes = new Set<number>();

/** Routes `code` to the active serializer's registry; installed once per code, on first use. */
export function ensureDispatch(code: number): void {
  if (dispatchedCodes.has(code)) return;
  dispatchedCodes.add(code);
  installExtension({
    type: code,
    unpack: (data: Uint8Array, readAt?: ReadAt) => dispatchExtension(code, data, readAt),
  });
}
