/** @module keys/arguments.test — the arguments stored beside a result. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readStoredArguments, recordArguments } from "./arguments.js";

describe("recordArguments", () => {
  const labelOf = (position: number) => `args[${position}]`;

  it("stores plain arguments exactly", () => {
    const recorded = recordArguments([[1, 2], { a: "x" }], labelOf);
    const stored = readStoredArguments(recorded.bytes);
    assert.deepEqual(stored?.values, [[1, 2], { a: "x" }]);
    assert.equal(stored?.complete, true);
  });

  it("stores a sparse array with a marker for each hole, instead of storing nothing", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const recorded = recordArguments([[1, , 3], "x"], labelOf);
    const stored = readStoredArguments(recorded.bytes);
    assert.deepEqual(stored?.values, [[1, "[hole]", 3], "x"]);
    assert.equal(stored?.complete, false);
  });

  it("replaces a huge sparse array by a marker without visiting every hole", () => {
    const recorded = recordArguments([new Array(1e9), 1], labelOf);
    const stored = readStoredArguments(recorded.bytes);
    assert.deepEqual(stored?.values, ["[too large to store]", 1]);
  });
});
