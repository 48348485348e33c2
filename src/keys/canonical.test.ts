/** @module keys/canonical.test — the canonical form tells apart every distinct input and nothing else. */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ValidationError } from "../errors.js";
import {
  CanonicalToken,
  canonicalize,
  computeInputId,
  hashText,
  MAX_CANONICAL_DEPTH,
} from "./canonical.js";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
class Vector {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
class TaggedDate extends Date {}
class Items extends Array<number> {}

function sparseArray(): unknown[] {
  const array: unknown[] = [];
  array.length = 2;
  array[1] = 1;
  return array;
}

/** Pairs of single arguments that are different inputs and so must never share a key. */
const distinctPairs: [string, unknown, unknown][] = [
  ["undefined vs null", undefined, null],
  ["NaN vs null", Number.NaN, null],
  ["Infinity vs null", Number.POSITIVE_INFINITY, null],
  ["-Infinity vs Infinity", Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
  ["-0 vs 0", -0, 0],
  ["NaN vs the string NaN", Number.NaN, "NaN"],
  ["1n vs 1", 1n, 1],
  ["1n vs '1'", 1n, "1"],
  ["1 vs '1'", 1, "1"],
  ["true vs 'true'", true, "true"],
  ["a Date vs its time number", new Date(0), 0],
  ["a Date vs its ISO string", new Date(0), "1970-01-01T00:00:00.000Z"],
  ["an invalid Date vs null", new Date(Number.NaN), null],
  ["an invalid Date vs a valid one", new Date(Number.NaN), new Date(0)],
  ["a Map vs an object of the same entries", new Map([["a", 1]]), { a: 1 }],
  ["a Map vs an array of its entries", new Map([["a", 1]]), [["a", 1]]],
  ["a Map with key 1 vs key '1'", new Map([[1, "x"]]), new Map([["1", "x"]])],
  ["a Set vs an array", new Set([1, 2]), [1, 2]],
  ["a Set vs a Map", new Set(), new Map()],
  ["Uint8Array([1]) vs Int8Array([1])", new Uint8Array([1]), new Int8Array([1])],
  ["Uint8Array([1]) vs [1]", new Uint8Array([1]), [1]],
  ["Uint8Array([1]) vs Uint8ClampedArray([1])", new Uint8Array([1]), new Uint8ClampedArray([1])],
  ["Float32Array vs Float64Array", new Float32Array([1]), new Float64Array([1])],
  ["Uint16Array([1]) vs Uint8Array([1, 0])", new Uint16Array([1]), new Uint8Array([1, 0])],
  ["an ArrayBuffer vs a Uint8Array of its bytes", new Uint8Array([1]).buffer, new Uint8Array([1])],
  ["a DataView vs a Uint8Array", new DataView(new Uint8Array([1]).buffer), new Uint8Array([1])],
  ["BigInt64Array vs Float64Array", new BigInt64Array([1n]), new Float64Array([1])],
  ["a Uint8Array vs the base64 text of its bytes", new Uint8Array([1]), "AQ=="],
  ["a RegExp vs its source", /a/g, "a"],
  ["/a/g vs /a/i", /a/g, /a/i],
  ["a RegExp vs its toString", /a/g, "/a/g"],
  ["an array vs an object with numeric keys", [1, 2], { 0: 1, 1: 2 }],
  ["a hole vs undefined", sparseArray(), [undefined, 1]],
  ["a missing property vs an undefined one", {}, { a: undefined }],
  ["new String('a') vs 'a'", new String("a"), "a"],
  ["new Number(1) vs 1", new Number(1), 1],
  ["new Boolean(false) vs false", new Boolean(false), false],
  ["Object(1n) vs 1n", Object(1n), 1n],
  ["new Number(1) vs new String('1')", new Number(1), new String("1")],
  ["a class instance vs a plain object of the same fields", new Point(1, 2), { x: 1, y: 2 }],
  ["instances of different classes with the same fields", new Point(1, 2), new Vector(1, 2)],
  ["a Date subclass vs a Date", new TaggedDate(0), new Date(0)],
  ["an Array subclass vs an array", Items.from([1]), [1]],
  ["an Error vs another message", new Error("a"), new Error("b")],
  ["a TypeError vs an Error", new TypeError("a"), new Error("a")],
  ["a URL vs its href", new URL("https://example.org/a"), "https://example.org/a"],
  ["two different URLs", new URL("https://example.org/a"), new URL("https://example.org/b")],
  ["a string that looks like a tag vs the tag", "$undefined", undefined],
  ["an object shaped like a tag vs the tag", { $undefined: null }, undefined],
  ["an object shaped like a bigint tag vs the bigint", { $bigint: "1" }, 1n],
  ["a key '$x' vs a key '$$x'", { $x: 1 }, { $$x: 1 }],
  ["a class named like a tag vs a plain object", new Point(0, 0), { $class: ["Point", {}] }],
  [
    "the ignored token vs a plain object with its shape",
    new CanonicalToken("ignored", null),
    { $ignored: null },
  ],
  ["'a' vs 'a ' (whitespace matters)", "a", "a "],
  ["an empty string vs an empty array", "", []],
  ["{} vs []", {}, []],
  ["[[]] vs []", [[]], []],
];

describe("canonicalize", () => {
  for (const [name, left, right] of distinctPairs) {
    it(`tells apart ${name}`, () => {
      assert.notEqual(canonicalize([left]), canonicalize([right]));
      assert.notEqual(computeInputId([left]), computeInputId([right]));
    });
  }

  it("tells apart ('a', 'b') and ('a,b') and (['a', 'b'])", () => {
    const texts = new Set([
      canonicalize(["a", "b"]),
      canonicalize(["a,b"]),
      canonicalize([["a", "b"]]),
    ]);
    assert.equal(texts.size, 3);
  });

  it("tells apart one undefined argument and no argument", () => {
    assert.notEqual(canonicalize([undefined]), canonicalize([]));
  });

  it("gives {a,b} and {b,a} the same key", () => {
    assert.equal(canonicalize([{ a: 1, b: 2 }]), canonicalize([{ b: 2, a: 1 }]));
    assert.equal(computeInputId([{ a: { y: 1, x: 2 } }]), computeInputId([{ a: { x: 2, y: 1 } }]));
  });

  it("gives Maps with the same entries in different insertion orders the same key", () => {
    const first = new Map<unknown, unknown>([
      ["b", 2],
      [1, "one"],
      ["a", { z: 1, y: 2 }],
    ]);
    const second = new Map<unknown, unknown>([
      ["a", { y: 2, z: 1 }],
      ["b", 2],
      [1, "one"],
    ]);
    assert.equal(canonicalize([first]), canonicalize([second]));
  });

  it("gives Sets with the same elements in different insertion orders the same key", () => {
    assert.equal(canonicalize([new Set([3, "a", 1])]), canonicalize([new Set([1, 3, "a"])]));
  });

  it("orders Map keys that share a canonical text by their values", () => {
    const first = new Map([
      [{ k: 1 }, "b"],
      [{ k: 1 }, "a"],
    ]);
    const second = new Map([
      [{ k: 1 }, "a"],
      [{ k: 1 }, "b"],
    ]);
    assert.equal(canonicalize([first]), canonicalize([second]));
  });

  it("gives a Buffer and a Uint8Array of the same bytes the same key", () => {
    assert.equal(canonicalize([Buffer.from([1, 2, 3])]), canonicalize([new Uint8Array([1, 2, 3])]));
  });

  it("encodes only the bytes a view covers, not its whole buffer", () => {
    const backing = new Uint8Array([9, 1, 2, 9]);
    assert.equal(
      canonicalize([new Uint8Array(backing.buffer, 1, 2)]),
      canonicalize([new Uint8Array([1, 2])]),
    );
  });

  it("treats objects with a null prototype like plain objects", () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    assert.equal(canonicalize([bare]), canonicalize([{ a: 1 }]));
  });

  it("accepts a shared object that appears twice (no cycle)", () => {
    const shared = { a: 1 };
    assert.equal(
      canonicalize([shared, { shared }]),
      canonicalize([{ a: 1 }, { shared: { a: 1 } }]),
    );
  });

  it("produces this exact text for a fixed input (the key format is pinned)", () => {
    const text = canonicalize([
      "hello",
      3,
      { b: [null, undefined], a: -0, $c: 1n },
      new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
      new Map([
        ["y", 2],
        ["x", 1],
      ]),
      new Set([2, 1]),
      Uint8Array.from([1, 2, 255]),
      /a.b/gi,
      new Point(1, 2),
      Number.NaN,
    ]);
    assert.equal(
      text,
      '["hello",3,{"$$c":{"$bigint":"1"},"a":{"$number":"-0"},"b":[null,{"$undefined":null}]},' +
        '{"$date":"2024-01-02T03:04:05.006Z"},{"$map":[["x",1],["y",2]]},{"$set":[1,2]},' +
        '{"$bytes":["Uint8Array","AQL/"]},{"$regexp":["a.b","gi"]},{"$class":["Point",{"x":1,"y":2}]},' +
        '{"$number":"NaN"}]',
    );
    assert.equal(
      computeInputId(["hello", 3, { a: 1 }]),
      "e357d599061f5dab1426d9447e22327ea0ae7c93e77e49dbd649055da7a4daf3",
    );
  });

  it("gives the same input id in a separate process", () => {
    const moduleUrl = new URL("./canonical.ts", import.meta.url).href;
    const script =
      `import { computeInputId } from ${JSON.stringify(moduleUrl)};` +
      'console.log(computeInputId(["hello", { b: 2, a: [1n, new Date(0)] }, new Set([2, 1])]));';
    const output = execFileSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      // From the package root, so the child resolves tsx the way the test runner did.
      { encoding: "utf8", cwd: fileURLToPath(new URL("../..", import.meta.url)) },
    ).trim();
    assert.equal(
      output,
      computeInputId(["hello", { a: [1n, new Date(0)], b: 2 }, new Set([1, 2])]),
    );
  });

  it("hashes text as SHA-256 hex", () => {
    assert.equal(
      hashText("abc"),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("names the argument path and suggests keygen when it meets a function", () => {
    const callback = () => undefined;
    assert.throws(
      () => canonicalize(["x", { opts: { cb: callback } }]),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.match(error.message, /args\[1\]\.opts\.cb is a function/);
        assert.match(error.message, /KeyGen\.ignore\("1\.opts\.cb"\)/);
        return true;
      },
    );
  });

  it("uses the parameter name in the keygen suggestion when it knows it", () => {
    assert.throws(
      () => canonicalize(["x", { cb: () => 1 }], (position) => ["text", "opts"][position]),
      /KeyGen\.ignore\("opts\.cb"\)/,
    );
  });

  it("names the argument path when it meets a symbol", () => {
    assert.throws(
      () => canonicalize([[1, Symbol("s")]]),
      (error: unknown) =>
        error instanceof ValidationError && /args\[0\]\[1\] is a symbol/.test(error.message),
    );
  });

  it("names the path inside Maps and Sets", () => {
    assert.throws(
      () => canonicalize([new Map([["k", () => 1]])]),
      /args\[0\]\.get\("k"\) is a function/,
    );
    assert.throws(
      () => canonicalize([new Set([Symbol()])]),
      /args\[0\]<set element #0> is a symbol/,
    );
    assert.throws(
      () => canonicalize([new Map([[() => 1, 1]])]),
      /args\[0\]<map key #0> is a function/,
    );
  });

  it("quotes keys that are not identifiers in the path", () => {
    assert.throws(() => canonicalize([{ "a b": () => 1 }]), /args\[0\]\["a b"\] is a function/);
  });

  it("reports a cycle with the path that closes it and the path it returns to", () => {
    const opts: Record<string, unknown> = { name: "x" };
    opts.self = opts;
    assert.throws(
      () => canonicalize(["a", { opts }]),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.match(
          error.message,
          /args\[1\]\.opts\.self refers back to args\[1\]\.opts \(a cycle\)/,
        );
        assert.match(error.message, /keygen/);
        return true;
      },
    );
  });

  it("reports a cycle through a Map value and through an array", () => {
    const list: unknown[] = [];
    list.push(new Map([["back", list]]));
    assert.throws(
      () => canonicalize([list]),
      /args\[0\]\[0\]\.get\("back"\) refers back to args\[0\]/,
    );
  });

  it("refuses promises, weak collections and iterators, which hold no readable input", () => {
    for (const value of [
      Promise.resolve(1),
      new WeakMap(),
      new WeakSet(),
      new WeakRef({}),
      [1].values(),
      (function* generate() {})(),
    ]) {
      assert.throws(() => canonicalize([value]), ValidationError);
    }
  });

  it("refuses nesting deeper than the limit with a message naming the limit and keygen", () => {
    let deep: unknown = "bottom";
    for (let level = 0; level < MAX_CANONICAL_DEPTH + 5; level++) deep = { next: deep };
    assert.throws(
      () => canonicalize([deep]),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.match(error.message, new RegExp(`deeper than ${MAX_CANONICAL_DEPTH} levels`));
        assert.match(error.message, /keygen/);
        return true;
      },
    );
  });

  it("accepts nesting just inside the limit", () => {
    let deep: unknown = "bottom";
    for (let level = 0; level < MAX_CANONICAL_DEPTH - 2; level++) deep = [deep];
    assert.ok(canonicalize([deep]).includes('"bottom"'));
  });

  it("recovers after an error: the next call is not affected", () => {
    assert.throws(() => canonicalize([{ a: { b: () => 1 } }]));
    assert.equal(canonicalize([{ a: { b: 1 } }]), '[{"a":{"b":1}}]');
  });

  it("lets errors thrown by getters through unchanged", () => {
    const failure = new RangeError("getter failed");
    const value = {
      get broken() {
        throw failure;
      },
    };
    assert.throws(
      () => canonicalize([value]),
      (error: unknown) => error === failure,
    );
  });

  it("refuses a non-array argument list", () => {
    assert.throws(() => canonicalize("abc" as unknown as unknown[]), ValidationError);
  });
});

describe("canonicalize: large byte arrays", () => {
  it("keys arrays above 64 KiB by length and digest, still telling every difference apart", () => {
    const bytes = new Uint8Array(100 * 1024).fill(7);
    const changed = bytes.slice();
    changed[51_200] = 8;
    const key = (value: unknown) => canonicalize([value]);
    assert.match(key(bytes), /\$bytesDigest/);
    assert.notEqual(key(bytes), key(changed));
    assert.notEqual(key(bytes), key(new Int8Array(bytes.buffer)));
    assert.notEqual(key(bytes), key(bytes.subarray(1)));
    assert.equal(key(bytes), key(Buffer.from(bytes)));
  });
});
