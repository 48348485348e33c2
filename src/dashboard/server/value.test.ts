/** @module dashboard/server/value.test — decoded values as display trees and raw bytes. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeValue, formatHexDump, readRawBytes, stringifyValue } from "./value.js";

describe("describeValue", () => {
  it("keeps undefined, NaN, -0, BigInt and Date distinguishable", () => {
    const node = describeValue({ a: undefined, b: Number.NaN, c: -0, d: 10n, e: new Date(0) });
    assert.deepEqual(node, {
      kind: "object",
      className: null,
      truncated: false,
      entries: [
        ["a", { kind: "undefined" }],
        ["b", { kind: "number", value: "NaN" }],
        ["c", { kind: "number", value: "-0" }],
        ["d", { kind: "bigint", value: "10" }],
        ["e", { kind: "date", value: "1970-01-01T00:00:00.000Z" }],
      ],
    });
  });

  it("describes Maps, Sets and bytes by what they are", () => {
    assert.equal(describeValue(new Map([[1, "one"]])).kind, "map");
    assert.equal(describeValue(new Set([1])).kind, "set");
    const bytes = describeValue(Buffer.from("hi"));
    assert.deepEqual(bytes.kind === "bytes" && [bytes.size, bytes.truncated], [2, false]);
  });

  it("stops at the node budget and marks the container truncated", () => {
    const node = describeValue(
      Array.from({ length: 100 }, (_, index) => index),
      {
        maxNodes: 10,
        maxString: 100,
        maxHexBytes: 16,
        maxDepth: 100,
      },
    );
    assert.ok(
      node.kind === "array" && node.truncated && node.items.length < 100 && node.length === 100,
    );
  });

  it("shows a value nested thousands deep to level 100, with a note where it stops", () => {
    let value: unknown = "bottom";
    for (let level = 0; level < 100_000; level++)
      value = level % 2 === 0 ? [value] : { next: value };
    let node = describeValue(value);
    let levels = 0;
    while (node.kind === "array" || node.kind === "object") {
      levels += 1;
      const child = node.kind === "array" ? node.items[0] : node.entries[0]?.[1];
      assert.ok(child !== undefined);
      node = child;
    }
    assert.equal(levels, 100);
    assert.deepEqual(node, {
      kind: "other",
      text: "[nested deeper than 100 levels; shown to level 100]",
    });
  });
});

describe("formatHexDump", () => {
  it("shows offset, hex and printable characters", () => {
    assert.equal(
      formatHexDump(Buffer.from("beautyspot\n"), 64),
      "00000000  62 65 61 75 74 79 73 70  6f 74 0a                 |beautyspot.|",
    );
  });
});

describe("readRawBytes", () => {
  it("serves bytes as they are, strings as UTF-8 and objects as JSON", () => {
    assert.deepEqual(readRawBytes(Buffer.from([1, 2])), {
      bytes: Buffer.from([1, 2]),
      isText: false,
      isJson: false,
    });
    assert.equal(Buffer.from(readRawBytes("é").bytes).toString(), "é");
    assert.equal(readRawBytes({ a: 1 }).isJson, true);
  });

  it("writes Maps, Sets, BigInts and bytes inside objects as JSON", () => {
    const text = stringifyValue({
      m: new Map([["k", 1]]),
      s: new Set([2]),
      b: 3n,
      raw: Buffer.from([255]),
    });
    assert.deepEqual(JSON.parse(text), { m: { k: 1 }, s: [2], b: "3", raw: "ff" });
  });
});
