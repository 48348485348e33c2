/** @module serializer/types — the Serializer contract: values to bytes and back. */

/** Turns values into bytes and back. Any object with these two methods can be used. */
export interface Serializer {
  dumps(value: unknown): Uint8Array;
  /** Decodes; the result must not share memory with `bytes` (they may be decoded again). */
  loads(bytes: Uint8Array): unknown;
  /**
   * Optional: decodes bytes that are used once and never again, so the result may share their
   * memory (saves copying large binary values). Falls back to `loads` when absent.
   */
  loadsOwned?(bytes: Uint8Array): unknown;
  /**
   * Optional: `dumps` as pieces whose concatenation is exactly what `dumps` returns, so a large
   * binary value is written after its header without being copied first. The pieces may share
   * memory with `value`: they are written before the caller sees the value again.
   */
  dumpsParts?(value: unknown): readonly Uint8Array[];
}

/**
 * How a custom class is stored: `ext(code, msgpack(encode(obj)))`. `E` is what `encode` returns,
 * inferred from it, so `decode` receives that type: `encode: (p) => [p.x, p.y]` gives
 * `decode: ([x, y]) => …` two numbers.
 */
export interface TypeRegistration<T = unknown, E = unknown> {
  /** MessagePack extension code, 0..127, not reserved. */
  code: number;
  /** Turns an instance into plain, encodable data. */
  encode(value: T): E;
  /** Rebuilds an instance from the data `encode` returned (decoded from storage). */
  decode(data: E): T;
}

/**
 * The bound of what `encode` returns: any value. Listing tuples first makes TypeScript infer an
 * array literal returned by `encode` as a tuple (`[number, number]`, not `number[]`), so the
 * elements `decode` destructures keep their types.
 */
export type EncodedData = readonly [] | readonly unknown[] | {} | null | undefined;

/** What to do when a stored value no longer decodes. */
export type DecodeErrorMode = "recompute" | "raw" | "throw";
