/** @module keys/arguments.test — the arguments stored beside a result. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MsgpackSerializer } from "../serializer/msgpack.js";
import { captureArguments, readStoredArguments, recordArguments } from "./arguments.js";

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

  it("encodes exactly what the stored layout gives, whatever the arguments", () => {
    const serializer = new MsgpackSerializer();
    const cases: unknown[][] = [
      [],
      [1],
      ["text", { temperature: 0.2, tags: ["a"] }],
      [undefined, null, 12345678901234567890n, new Date(0), new Map([["k", 1]]), new Set([1])],
      [new Uint8Array([1, 2]), -0, Number.NaN, "é\n\u{1F600}"],
      [{ apiKey: "x", nested: { password: "y" } }],
      [() => 1],
      // Plain values, written without the general walk: each encoding boundary.
      [0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 2 ** 53 + 2, 1e300],
      [-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, 0.5, -0.5],
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, true, false, null],
      ["", "a".repeat(31), "b".repeat(32), "c".repeat(255), "d".repeat(256), "é".repeat(40000)],
      ["\u{1F600} emoji", "x".repeat(70_000)],
      Array.from({ length: 15 }, (_, index) => index),
      Array.from({ length: 16 }, (_, index) => `item ${index}`),
    ];
    for (const args of cases) {
      const recorded = recordArguments(args, labelOf);
      const stored = readStoredArguments(recorded.bytes);
      assert.ok(stored, `stored for ${args.length} arguments`);
      assert.deepEqual(
        Buffer.from(recorded.bytes as Uint8Array),
        Buffer.from(
          serializer.dumps({
            format: 1,
            names: stored.names,
            values: stored.values,
            complete: stored.complete,
            redacted: stored.redacted,
          }),
        ),
      );
    }
  });

  it("captures object arguments when the call is made: later changes are not recorded", () => {
    const options = { temperature: 0.2, tags: ["a"] };
    const captured = captureArguments(["prompt", options], labelOf);
    options.temperature = 0.9;
    options.tags.push("b");
    const recorded = captured.record();
    assert.deepEqual(readStoredArguments(recorded.bytes)?.values, [
      "prompt",
      { temperature: 0.2, tags: ["a"] },
    ]);
    assert.equal(captured.record(), recorded, "recorded once");
  });

  it("a redact function that throws records nothing rather than unredacted arguments", () => {
    const throwing = () => {
      throw new Error("no");
    };
    for (const args of [["secret text"], [{ field: "secret" }]]) {
      assert.deepEqual(recordArguments(args, labelOf, throwing), { bytes: null, preview: null });
    }
  });
});
