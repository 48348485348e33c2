/**
 * @module serializer/exact.test — a value comes back exactly as it was stored, or `dumps`
 * refuses it with a SerializationError naming its path; it is never altered on the way.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerializationError } from "../errors.js";
import { MsgpackSerializer } from "./msgpack.js";

/** The SerializationError message `dumps(value)` throws. */
function dumpsError(value: unknown): string {
  try {
    new MsgpackSerializer().dumps(value);
  } catch (error) {
    assert.ok(error instanceof SerializationError, `expected a SerializationError: ${error}`);
    return error.message;
  }
  assert.fail("expected dumps to refuse the value");
}

function roundTrip(value: unknown): unknown {
  const serializer = new MsgpackSerializer();
  return serializer.loads(serializer.dumps(value));
}

const EMOJI = "😀";

describe("MsgpackSerializer refuses values it could not return exactly", () => {
  it("refuses a string with a lone surrogate (an emoji cut by slice) and names its path", () => {
    const message = dumpsError({ items: ["a", "b", "c", `cut ${EMOJI.slice(0, 1)}`] });
    assert.match(
      message,
      /result\.items\[3\] is a string with a lone surrogate \\ud83d at index 4/,
    );
    assert.match(message, /toWellFormed|Array\.from/);
    assert.match(dumpsError(EMOJI.slice(1)), /result is a string with a lone surrogate \\ude00/);
  });

  it("refuses lone surrogates in object keys, Map keys and Set members", () => {
    assert.match(
      dumpsError({ nested: { [`k${EMOJI.slice(0, 1)}`]: 1 } }),
      /result\.nested is an object with a key that has a lone surrogate: "k\\ud83d"/,
    );
    assert.match(
      dumpsError(new Map([[EMOJI.slice(1), 1]])),
      /result\.keys\(\)\[0\] is a string with a lone surrogate/,
    );
    assert.match(
      dumpsError(new Set(["ok", EMOJI.slice(0, 1)])),
      /result\.values\(\)\[1\] is a string with a lone surrogate/,
    );
  });

  it("refuses holes of sparse arrays and names the first hole", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    const message = dumpsError({ items: [1, , 3] });
    assert.match(message, /result\.items\[1\] is a hole of a sparse array/);
    assert.match(message, /undefined/);
    const long: unknown[] = [];
    long[5] = "x";
    assert.match(dumpsError(long), /result\[0\] is a hole of a sparse array/);
  });

  it("refuses arrays with own properties besides their elements (such as RegExp match results)", () => {
    const tagged = Object.assign([1, 2], { total: 2 });
    assert.match(
      dumpsError({ page: tagged }),
      /result\.page\.total is a property of an Array besides its elements/,
    );
    const match = /b(?<rest>c)/.exec("abc");
    assert.match(dumpsError(match), /result\.index is a property of an Array/);
  });

  it("refuses own properties added to Dates, Maps, Sets, ArrayBuffers and DataViews", () => {
    const cases: [object, string][] = [
      [new Date(0), "Date"],
      [new Map([[1, 2]]), "Map"],
      [new Set([1]), "Set"],
      [new ArrayBuffer(2), "ArrayBuffer"],
      [new DataView(new ArrayBuffer(2)), "DataView"],
    ];
    for (const [value, name] of cases) {
      const message = dumpsError({ at: Object.assign(value, { note: "x" }) });
      assert.match(message, new RegExp(`result\\.at\\.note is a property of an? ${name}`));
    }
  });

  it("still refuses an own __proto__ key instead of returning it as __proto_", () => {
    assert.match(
      dumpsError({ list: [JSON.parse('{"__proto__": 1}')] }),
      /result\.list\[0\]\["__proto__"\] is an own property named "__proto__"/,
    );
  });
});

describe("MsgpackSerializer returns edge values exactly", () => {
  it("returns strings of every plane, and unpaired-looking but valid pairs, unchanged", () => {
    const text = `a é € ${EMOJI} 𝄞 \u0000 \uffff`;
    assert.equal(roundTrip(text), text);
    assert.deepStrictEqual(roundTrip({ [EMOJI]: EMOJI }), { [EMOJI]: EMOJI });
  });

  it("keeps arrays of undefined (assigned, not holes), -0, NaN's payload and keys like constructor", () => {
    assert.deepStrictEqual(roundTrip([undefined, undefined]), [undefined, undefined]);
    assert.ok(Object.is(roundTrip(-0), -0));
    const nan = new Float64Array(1);
    new DataView(nan.buffer).setBigUint64(0, 0x7ff8000000000123n);
    const back = new Float64Array([roundTrip(nan[0]) as number]);
    assert.equal(new DataView(back.buffer).getBigUint64(0), 0x7ff8000000000123n);
    const keys = { constructor: 1, toString: 2, hasOwnProperty: 3, valueOf: "x" };
    assert.deepStrictEqual(roundTrip(keys), keys);
  });

  it("stores enumerable string-keyed properties only, as JSON and structuredClone do", () => {
    const value: Record<string | symbol, unknown> = { shown: 1 };
    value[Symbol("meta")] = "not data";
    Object.defineProperty(value, "_request_id", { value: "req-1", enumerable: false });
    Object.defineProperty(value, "computed", { get: () => 2, enumerable: true });
    const back = roundTrip(Object.freeze(value)) as Record<string | symbol, unknown>;
    assert.deepStrictEqual(Reflect.ownKeys(back), ["shown", "computed"]);
    assert.deepStrictEqual(back, { shown: 1, computed: 2 });
    assert.equal(Object.isFrozen(back), false);
    const bytes = Object.assign(Buffer.from([1]), { note: "x" });
    assert.deepStrictEqual(Object.keys(roundTrip(bytes) as object), ["0"]);
  });

  it("keeps an empty array, and arrays of every length, without false refusals", () => {
    for (const length of [0, 1, 100, 5000]) {
      const value = Array.from({ length }, (_, index) => index / 3);
      assert.deepStrictEqual(roundTrip(value), value);
    }
  });

  it("refuses boxed primitives, subclasses of Array, Map and Date, and objects with other prototypes", () => {
    class Tags extends Array {}
    class Index extends Map {}
    class Stamp extends Date {}
    class Shape {}
    for (const value of [
      new String("x"),
      new Number(1),
      new Boolean(false),
      Tags.from([1]),
      new Index(),
      new Stamp(0),
      Object.create(Shape.prototype),
    ]) {
      assert.match(dumpsError([value]), /result\[0\] is an instance of/);
    }
    assert.match(
      dumpsError([Object.create({ inherited: 1 })]),
      /result\[0\] is an object whose prototype is another object .*\{ \.\.\.template, \.\.\.value \}/,
    );
  });
});
