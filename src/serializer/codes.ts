/** @module serializer/codes — which MessagePack extension codes are taken, and by what. */

/** Extension code of a `Map`: `ext(109, msgpack([key0, value0, key1, value1, …]))` ("m"). */
export const MAP_CODE = 0x6d;

/** Extension code of a `Set`: `ext(117, msgpack([value0, value1, …]))` ("u" for unique). */
export const SET_CODE = 0x75;

/** msgpackr's BigInt extension: two's-complement big-endian bytes of any length ("B"). */
export const BIGINT_CODE = 0x42;

/** msgpackr's typed-array extension: one byte naming the array class, then its bytes ("t"). */
export const TYPED_ARRAY_CODE = 0x74;

/** MessagePack's standard timestamp extension (`-1`), written as the byte 0xff. */
export const TIMESTAMP_CODE = 0xff;

/** msgpackr writes `undefined` as `fixext1(0, 0)`, as several other implementations do. */
export const UNDEFINED_CODE = 0;

/** Highest code a user may register; the MessagePack spec leaves 0..127 to applications. */
export const MAX_CODE = 127;

/** Codes msgpackr's own extensions use, by what they encode. */
const MSGPACKR_CODES: ReadonlyMap<number, string> = new Map([
  [UNDEFINED_CODE, "undefined"],
  [BIGINT_CODE, "BigInt"],
  [0x62, "msgpackr bundled strings"],
  [0x65, "msgpackr Error"],
  [0x69, "msgpackr structured-clone ids"],
  [0x70, "msgpackr structured-clone pointers"],
  [0x72, "msgpackr records"],
  [0x73, "msgpackr Set"],
  [TYPED_ARRAY_CODE, "typed arrays"],
  [0x78, "msgpackr RegExp"],
]);

/**
 * The first code kept for beautyspot's own and msgpackr's future built-ins: every code from
 * here to 127 is refused, so new built-ins never collide with codes users already stored.
 */
const FIRST_BUILT_IN_BLOCK_CODE = 101;

/** What a reserved code is used for, or `undefined` when users may register it. */
export function describeReservedCode(code: number): string | undefined {
  if (code === MAP_CODE) return "Map";
  if (code === SET_CODE) return "Set";
  const msgpackr = MSGPACKR_CODES.get(code);
  if (msgpackr !== undefined) return msgpackr;
  if (code >= FIRST_BUILT_IN_BLOCK_CODE) return "beautyspot and msgpackr built-ins";
  return undefined;
}

/** Codes users may register when none are taken yet: 1–65, 67–97, 99–100. */
export function listUserCodes(): number[] {
  const codes: number[] = [];
  for (let code = 0; code <= MAX_CODE; code++) {
    if (describeReservedCode(code) === undefined) codes.push(code);
  }
  return codes;
}

/** Writes ascending codes as compact ranges: `[1, 2, 3, 5]` gives "1–3, 5". */
export function formatCodeRanges(codes: readonly number[]): string {
  if (codes.length === 0) return "none";
  const parts: string[] = [];
  let start = codes[0]!;
  let previous = start;
  for (let index = 1; index <= codes.length; index++) {
    const code = codes[index];
    if (code === previous + 1) {
      previous = code;
      continue;
    }
    parts.push(start === previous ? `${start}` : `${start}–${previous}`);
    if (code !== undefined) start = previous = code;
  }
  return parts.join(", ");
}
