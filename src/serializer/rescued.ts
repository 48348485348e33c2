/** @module serializer/rescued — the shape of data rescued from values that no longer decode. */

/** The property that marks a rescued value; chosen so it cannot clash with ordinary data. */
export const RESCUED_KEY = "__beautyspot_rescued__";

/** Why an extension was rescued instead of decoded. */
export type RescueReason =
  /** A class is registered for the code, but its decode function threw. */
  | "decoder-failed"
  /** No class is registered for the code (or no registry was available). */
  | "unknown-code"
  /** The payload is not a readable MessagePack document; `data` holds its raw bytes. */
  | "unreadable-payload";

/** What is known about one rescued extension. */
export interface RescuedExtension {
  /** The MessagePack extension code. */
  code: number;
  /** The registered class name, when the code is registered. */
  type?: string;
  reason: RescueReason;
  /** The decoder's error message, when `reason` is "decoder-failed". */
  error?: string;
  /** The payload decoded as plain data (what `encode` returned), or its raw bytes as a Buffer. */
  data: unknown;
}

/** Stands in for a value that no longer decodes: `{ __beautyspot_rescued__: { code, data, … } }`. */
export interface RescuedValue {
  [RESCUED_KEY]: RescuedExtension;
}

/** The outcome of a rescuing decode. */
export interface RescueResult {
  value: unknown;
  /**
   * Whether any part of `value` is rescued raw data rather than the original value, or had to
   * change (another writer's bytes, tuple or int map key turned into a string, a timestamp finer
   * than a millisecond).
   */
  rescued: boolean;
  /** Why the value is rescued, when it decoded but not exactly (what had to change). */
  reason?: string;
}

/** Whether `value` is a rescued stand-in (at the top level; rescued parts may also be nested). */
export function isRescuedValue(value: unknown): value is RescuedValue {
  if (typeof value !== "object" || value === null) return false;
  const inner = (value as Partial<RescuedValue>)[RESCUED_KEY];
  return typeof inner === "object" && inner !== null && "data" in inner;
}

/** Wraps rescued extension data in the recognisable shape. */
export function createRescuedValue(extension: RescuedExtension): RescuedValue {
  return { [RESCUED_KEY]: extension };
}
