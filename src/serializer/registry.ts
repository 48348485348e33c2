/** @module serializer/registry — one serializer's custom classes, by class and by extension code. */

import { ValidationError } from "../errors.js";
import { describeReservedCode, formatCodeRanges, listUserCodes, MAX_CODE } from "./codes.js";
import type { TypeRegistration } from "./types.js";

/** A class constructor of any shape; only its `prototype` and `name` are used. */
export type ClassConstructor<T = unknown> = abstract new (...args: never[]) => T;

/** A class registered with its codec. */
export interface RegisteredType {
  readonly code: number;
  readonly Class: ClassConstructor;
  /** The class name, for messages and rescued values. */
  readonly typeName: string;
  readonly encode: (value: unknown) => unknown;
  readonly decode: (data: unknown) => unknown;
}

/**
 * Classes that are stored natively: registering one would either never be used or change how
 * every value of that kind is stored, so it is refused.
 */
const NATIVE_CLASSES: ReadonlySet<unknown> = new Set<unknown>([
  Object,
  Array,
  Map,
  Set,
  Date,
  Buffer,
  ArrayBuffer,
  DataView,
  Uint8Array,
  Uint8ClampedArray,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]);

/** Per-serializer table of custom classes; lookups by prototype are cached for subclasses. */
export class TypeRegistry {
  private readonly byPrototype = new Map<object, RegisteredType>();
  private readonly byCode: Array<RegisteredType | undefined> = new Array(MAX_CODE + 1).fill(
    undefined,
  );
  /** Nearest registered ancestor per prototype seen, `null` when there is none. */
  private readonly resolved = new Map<object, RegisteredType | null>();

  /** Registers `Class` under `registration.code`, refusing reserved, taken or invalid codes. */
  register<T>(Class: ClassConstructor<T>, registration: TypeRegistration<T>): RegisteredType {
    if (
      typeof Class !== "function" ||
      typeof Class.prototype !== "object" ||
      Class.prototype === null
    ) {
      throw new ValidationError(
        `register() needs a class as its first argument, got ${typeof Class}. Pass the class itself, e.g. register(Point, { code, encode, decode }).`,
      );
    }
    const typeName = Class.name || "(anonymous class)";
    if (NATIVE_CLASSES.has(Class)) {
      throw new ValidationError(
        `${typeName} is stored natively and cannot be registered. Register only your own classes.`,
      );
    }
    const existing = this.byPrototype.get(Class.prototype);
    if (existing !== undefined) {
      throw new ValidationError(
        `Class ${typeName} is already registered (code ${existing.code}). Register each class once; ${this.describeFreeCodes()}.`,
      );
    }
    const { code, encode, decode } = (registration ?? {}) as Partial<TypeRegistration<T>>;
    this.checkCode(code, typeName);
    if (typeof encode !== "function" || typeof decode !== "function") {
      throw new ValidationError(
        `Registering ${typeName} needs both encode(value) and decode(data) functions. Pass { code, encode, decode }.`,
      );
    }
    const registered: RegisteredType = {
      code: code as number,
      Class: Class as ClassConstructor,
      typeName,
      encode: encode as (value: unknown) => unknown,
      decode: decode as (data: unknown) => unknown,
    };
    this.byPrototype.set(Class.prototype, registered);
    this.byCode[registered.code] = registered;
    this.resolved.clear();
    return registered;
  }

  /** The registration for `code`, if any. */
  findByCode(code: number): RegisteredType | undefined {
    return this.byCode[code];
  }

  /** The registration of `prototype`'s class or its nearest registered ancestor, if any. */
  findByPrototype(prototype: object): RegisteredType | undefined {
    const cached = this.resolved.get(prototype);
    if (cached !== undefined) return cached ?? undefined;
    let found: RegisteredType | undefined;
    for (
      let current: object | null = prototype;
      current !== null && current !== Object.prototype;
      current = Object.getPrototypeOf(current) as object | null
    ) {
      found = this.byPrototype.get(current);
      if (found !== undefined) break;
    }
    this.resolved.set(prototype, found ?? null);
    return found;
  }

  /** Codes still free in this registry, ascending. */
  listFreeCodes(): number[] {
    return listUserCodes().filter((code) => this.byCode[code] === undefined);
  }

  /** "free codes: 1–65, 67–97, 99–100" for messages. */
  describeFreeCodes(): string {
    return `free codes: ${formatCodeRanges(this.listFreeCodes())}`;
  }

  private checkCode(code: unknown, typeName: string): void {
    if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code > MAX_CODE) {
      throw new ValidationError(
        `Extension code for ${typeName} must be an integer from 0 to ${MAX_CODE}, got ${String(code)}. Pick one of the ${this.describeFreeCodes()}.`,
      );
    }
    const reservedFor = describeReservedCode(code);
    if (reservedFor !== undefined) {
      throw new ValidationError(
        `Extension code ${code} for ${typeName} is reserved (${reservedFor}). Pick one of the ${this.describeFreeCodes()}.`,
      );
    }
    const taken = this.byCode[code];
    if (taken !== undefined) {
      throw new ValidationError(
        `Extension code ${code} for ${typeName} is already used by class ${taken.typeName}. Pick one of the ${this.describeFreeCodes()}.`,
      );
    }
  }
}
