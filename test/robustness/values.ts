/**
 * @module test/robustness/values — the values the robustness children compute, a pure function
 * of their index, so a verifier can recompute any stored entry and compare.
 */

/** Every this-many indexes the value is a binary blob; the rest are small structured values. */
export const BLOB_EVERY = 7;
/** Values this large (encoded) or larger go to blob files in these tests. */
export const BLOB_THRESHOLD = 2048;

/** The value computed for `index`: a 3–8 KB Buffer, or a small nested object. */
export function computeValue(index: number): unknown {
  if (index % BLOB_EVERY === 0) {
    const bytes = Buffer.alloc(3000 + ((index * 37) % 5000));
    for (let offset = 0; offset < bytes.length; offset += 1) {
      bytes[offset] = (offset * 31 + index) % 251;
    }
    return bytes;
  }
  return {
    index,
    label: `value-${index}-${"ß→🍣".repeat(index % 4)}`,
    squares: [index * index, -index, index / 3],
    when: new Date(1_700_000_000_000 + index * 1000),
    tags: new Set([`t${index % 5}`, `u${index % 3}`]),
    nothing: index % 2 === 0 ? null : undefined,
  };
}
