/**
 * @module serializer/msgpack — MsgpackSerializer: values as standard MessagePack, custom classes
 * as `ext(code, msgpack(encode(obj)))`, and rescue of values whose classes changed.
 */

import { describeError, SerializationError } from "../errors.js";
import { explainUnencodable } from "./locate.js";
import { ValuePreparer } from "./prepare.js";
import { RescueReader } from "./reader.js";
import { type ClassConstructor, TypeRegistry } from "./registry.js";
import type { RescueResult } from "./rescued.js";
import type { EncodedData, Serializer, TypeRegistration } from "./types.js";
import {
  describeDecoderFailure,
  ensureDispatch,
  packPrepared,
  UnknownExtensionCode,
  unpackWith,
  viewAsBuffer,
} from "./wire.js";

/** Name of the encoded value in error paths, as in `result.items[3]`. */
const ROOT_NAME = "result";

/**
 * Stores values as standard MessagePack (objects as maps, readable by any implementation) and
 * round-trips `undefined`, `Date`, `Map`, `Set`, `BigInt`, typed arrays and `Buffer` exactly.
 * Each instance has its own class registry: two Spots never share registrations.
 *
 * Decoded `Buffer`s are copies (so callers may change them freely), except with `loadsOwned`.
 */
export class MsgpackSerializer implements Serializer {
  private readonly registry = new TypeRegistry();
  private readonly preparer = new ValuePreparer(this.registry, packPrepared);

  /** Encodes `value`; throws SerializationError naming the path of anything it cannot store. */
  dumps(value: unknown): Uint8Array {
    let prepared: unknown;
    try {
      prepared = this.preparer.prepare(value, 0);
    } catch (error) {
      throw explainUnencodable(value, this.registry, ROOT_NAME, error);
    }
    try {
      return packPrepared(prepared);
    } catch (error) {
      throw new SerializationError(
        `Cannot serialize the result: MessagePack encoding failed: ${describeError(error)}. Return smaller or simpler plain data.`,
        { cause: error },
      );
    }
  }

  /**
   * `dumps` in pieces: a Buffer or Uint8Array value comes back as its MessagePack `bin` header
   * followed by a view of the value itself (no copy of the payload); anything else as one piece.
   * The concatenation is byte for byte what `dumps` returns.
   */
  dumpsParts(value: unknown): readonly Uint8Array[] {
    if (value instanceof Uint8Array) {
      const prototype = Object.getPrototypeOf(value) as object | null;
      if (prototype === Buffer.prototype || prototype === Uint8Array.prototype) {
        return [binHeader(value.byteLength), value];
      }
    }
    return [this.dumps(value)];
  }

  /**
   * Decodes bytes written by `dumps` (or any MessagePack writer). Throws SerializationError when
   * a registered decoder throws, an extension code is unknown here, or the bytes are damaged.
   */
  loads(bytes: Uint8Array): unknown {
    return this.decode(bytes, false);
  }

  /**
   * `loads` for bytes nobody else will read (a blob just loaded): decoded binary values may be
   * views into them instead of copies.
   */
  loadsOwned(bytes: Uint8Array): unknown {
    return this.decode(bytes, true);
  }

  private decode(bytes: Uint8Array, owned: boolean): unknown {
    const source = viewAsBuffer(bytes);
    try {
      return unpackWith(this.registry, source, owned);
    } catch (error) {
      if (error instanceof SerializationError) throw error;
      throw this.explainDecodeFailure(source, error);
    }
  }

  /**
   * Decodes like `loads` when possible; otherwise decodes again with every extension that fails
   * (unknown code, throwing decoder) replaced by a rescued value holding its decoded payload
   * (see `isRescuedValue`). Throws SerializationError only when the bytes are not MessagePack.
   */
  loadsRescued(bytes: Uint8Array): RescueResult {
    return decodeExactOrRescue(viewAsBuffer(bytes), this.registry);
  }

  /**
   * Stores instances of `Class` (and of its subclasses without a registration of their own) as
   * `ext(code, msgpack(encode(obj)))`. Throws ValidationError, listing the free codes, for a
   * reserved or taken code or a class registered twice.
   */
  register<T, E extends EncodedData = unknown>(
    Class: ClassConstructor<T>,
    registration: TypeRegistration<T, E>,
  ): void {
    const registered = this.registry.register(Class, registration);
    ensureDispatch(registered.code);
  }

  /** Class decorator form of `register`: `@serializer.registerType({ code, encode, decode })`. */
  registerType<T, E extends EncodedData = unknown>(
    registration: TypeRegistration<T, E>,
  ): (Class: ClassConstructor<T>, context?: ClassDecoratorContext) => void {
    return (Class) => this.register(Class, registration);
  }

  /** Extension codes still free for `register`, ascending. */
  listFreeCodes(): number[] {
    return this.registry.listFreeCodes();
  }

  /** Turns a failed fast decode into a SerializationError that names the code and the way out. */
  private explainDecodeFailure(source: Buffer, error: unknown): SerializationError {
    let firstRescue: RescueResult | undefined;
    let reader: RescueReader | undefined;
    try {
      reader = new RescueReader(source, this.registry);
      firstRescue = { value: reader.readDocument(), rescued: reader.rescues.length > 0 };
    } catch (readError) {
      return new SerializationError(
        `Cannot decode the stored value: ${describeUnreadable(readError)}; it was damaged or written by something else. Delete the entry or let it be recomputed.`,
        { cause: error },
      );
    }
    const rescue = reader.rescues[0];
    if (rescue === undefined && reader.convertedKeys) {
      return new SerializationError(
        `Cannot decode the stored value: it has map keys that are not strings (${summarizeAlterations(reader.alterations)}), as another MessagePack writer makes them (a Python dict with bytes or tuple keys); JavaScript objects have string keys only. Choose onDecodeError: "raw" (get it with those keys turned into strings), "recompute" (run again and overwrite), or have the writer store such a mapping as a list of [key, value] pairs.`,
        { cause: error },
      );
    }
    if (firstRescue.rescued && rescue !== undefined) {
      if (rescue.reason === "decoder-failed") {
        return new SerializationError(
          describeDecoderFailure(rescue.type ?? "value", rescue.code, rescue.error),
          {
            cause: error,
          },
        );
      }
      return new SerializationError(
        `Cannot decode the stored value: it contains MessagePack extension code ${rescue.code}${rescue.type === undefined ? ", for which no class is registered in this serializer" : ` (${rescue.type}) whose payload is unreadable`}. Register the class with spot.register(TheClass, { code: ${rescue.code}, encode, decode }), bump the function's \`version\` so old entries are recomputed, or choose onDecodeError: "recompute" (run again and overwrite), "raw" (get the stored data) or "throw".`,
        { cause: error },
      );
    }
    return new SerializationError(
      `Cannot decode the stored value: ${error instanceof UnknownExtensionCode ? `unknown extension code ${error.code}` : describeError(error)}. Delete the entry or let it be recomputed.`,
      { cause: error },
    );
  }
}

/** The MessagePack `bin 8/16/32` header of a `length`-byte binary value (as msgpackr writes it). */
function binHeader(length: number): Uint8Array {
  if (length < 0x100) return Uint8Array.of(0xc4, length);
  if (length < 0x10000) return Uint8Array.of(0xc5, length >> 8, length & 0xff);
  return Uint8Array.of(
    0xc6,
    (length >>> 24) & 0xff,
    (length >> 16) & 0xff,
    (length >> 8) & 0xff,
    length & 0xff,
  );
}

/** `the key 0x6b (bytes) became "k"; the key 1 (a number) became "1"`: the first few, and how many more. */
function summarizeAlterations(alterations: readonly string[]): string {
  const shown = alterations.slice(0, 3).join("; ");
  const more = alterations.length - 3;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/**
 * Decodes for inspection: like `loads` when the value decodes exactly, else with the plain
 * reader, which rescues every extension that fails and reports what had to change (msgpackr
 * turns int, float, bool and nil map keys into strings and cuts timestamps to milliseconds
 * without a word, and reads a "__proto__" key as "__proto_"; the reader keeps that key).
 */
function decodeExactOrRescue(source: Buffer, registry: TypeRegistry | undefined): RescueResult {
  let value: unknown;
  try {
    value = unpackWith(registry, source);
  } catch {
    return readRescuing(source, registry);
  }
  const keyCheck = new RescueReader(source, registry, false);
  try {
    keyCheck.readDocument();
  } catch {
    return { value, rescued: false };
  }
  if (keyCheck.alterations.length > 0 || keyCheck.sawProtoKey) {
    return readRescuing(source, registry);
  }
  return { value, rescued: false };
}

/** Why bytes could not be read: nested past the call stack, or not MessagePack at all. */
function describeUnreadable(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return "it is nested too deeply to decode (more levels than the call stack holds)";
  }
  return `it is not valid MessagePack (${describeError(error)})`;
}

/** Decodes with the plain reader, rescuing every extension that fails. */
function readRescuing(source: Buffer, registry: TypeRegistry | undefined): RescueResult {
  const reader = new RescueReader(source, registry);
  let value: unknown;
  try {
    value = reader.readDocument();
  } catch (error) {
    throw new SerializationError(
      `Cannot rescue the stored value: ${describeUnreadable(error)}; it was damaged or written by something else. Delete the entry.`,
      { cause: error },
    );
  }
  if (reader.rescues.length === 0 && reader.alterations.length > 0) {
    return {
      value,
      rescued: true,
      reason: `it was written by another MessagePack library and holds what a JavaScript value cannot hold as it was (object keys are strings, a Date holds milliseconds): ${summarizeAlterations(reader.alterations)}`,
    };
  }
  return { value, rescued: reader.rescued };
}

/**
 * Decodes a stored value for inspection (CLI, dashboard, maintenance). With a MsgpackSerializer
 * its registered classes decode; without one, standard MessagePack and beautyspot's built-in
 * types decode and every custom extension comes back rescued. Another kind of serializer is
 * tried first with its own `loads`.
 */
export function rescueDecode(bytes: Uint8Array, serializer?: unknown): RescueResult {
  if (serializer instanceof MsgpackSerializer) return serializer.loadsRescued(bytes);
  const loads = (serializer as Partial<Serializer> | undefined)?.loads;
  if (serializer !== undefined && typeof loads === "function") {
    try {
      return { value: loads.call(serializer, bytes), rescued: false };
    } catch {
      // fall through: it may still be MessagePack written by a MsgpackSerializer
    }
  }
  return decodeExactOrRescue(viewAsBuffer(bytes), undefined);
}
