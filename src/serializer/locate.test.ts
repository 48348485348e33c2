/** @module serializer/locate.test — unencodable values: what, where, and how to fix it. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerializationError } from "../errors.js";
import { MsgpackSerializer } from "./msgpack.js";

/** The SerializationError message `dumps(value)` throws. */
function dumpsError(value: unknown, serializer = new MsgpackSerializer()): SerializationError {
  try {
    serializer.dumps(value);
  } catch (error) {
    assert.ok(
      error instanceof SerializationError,
      `expected a SerializationError, got ${String(error)}`,
    );
    return error;
  }
  assert.fail("expected dumps to throw");
}

class Unregistered {
  readonly field = 1;
}

describe("MsgpackSerializer.dumps refuses what it cannot store", () => {
  it("names a function at result.items[3]", () => {
    const error = dumpsError({ items: [1, 2, 3, function fetchData() {}] });
    assert.match(error.message, /result\.items\[3\] is a function \(fetchData\)/);
    assert.match(error.message, /return plain data/);
  });

  it("names a symbol nested under an odd key", () => {
    const error = dumpsError({ "odd key": [{ deep: Symbol("tag") }] });
    assert.match(error.message, /result\["odd key"\]\[0\]\.deep is a symbol \(Symbol\(tag\)\)/);
  });

  it("names an unregistered class instance inside a Map and shows how to register it", () => {
    const error = dumpsError(new Map([["k", [new Unregistered()]]]));
    assert.match(error.message, /result\.get\("k"\)\[0\] is an instance of class Unregistered/);
    assert.match(error.message, /spot\.register\(Unregistered, \{ code: 1, encode/);
    assert.match(error.message, /free codes: 1–65, 67–97, 99–100/);
  });

  it("names a class instance used as a Map key and a Set member", () => {
    assert.match(
      dumpsError(new Map([[new Unregistered(), 1]])).message,
      /result\.keys\(\)\[0\] is an instance/,
    );
    assert.match(
      dumpsError({ tags: new Set(["a", new Unregistered()]) }).message,
      /result\.tags\.values\(\)\[1\]/,
    );
  });

  it("never stores a class instance as a plain object, even the root", () => {
    assert.match(
      dumpsError(new Unregistered()).message,
      /^Cannot serialize the result: result is an instance of class Unregistered/,
    );
  });

  it("refuses subclasses of natively stored classes unless registered", () => {
    class Registry extends Map<string, number> {}
    assert.match(
      dumpsError({ r: new Registry() }).message,
      /result\.r is an instance of class Registry \(a subclass of Map\)/,
    );
  });

  it("explains Promises, Errors, RegExps and WeakMaps", () => {
    assert.match(
      dumpsError({ p: Promise.resolve(1) }).message,
      /result\.p is a Promise\. Await it/,
    );
    assert.match(
      dumpsError([new TypeError("bad")]).message,
      /result\[0\] is an Error \(TypeError: bad\)/,
    );
    assert.match(dumpsError(/x/g).message, /result is a RegExp/);
    assert.match(dumpsError({ w: new WeakMap() }).message, /result\.w is a WeakMap/);
  });

  it("refuses circular references and says where the cycle closes", () => {
    const node: Record<string, unknown> = { name: "root", children: [] };
    (node.children as unknown[]).push({ parent: node });
    assert.match(
      dumpsError(node).message,
      /result\.children\[0\]\.parent is a circular reference back to result\b/,
    );
  });

  it("refuses an own __proto__ key instead of letting it change on the way back", () => {
    const value = JSON.parse('{"safe": 1, "__proto__": {"polluted": true}}') as unknown;
    assert.match(dumpsError(value).message, /__proto__/);
  });

  it("follows the data a registered encoder returns", () => {
    class Wrapper {
      constructor(readonly inner: unknown) {}
    }
    const serializer = new MsgpackSerializer();
    serializer.register(Wrapper, {
      code: 3,
      encode: (wrapper) => ({ inner: wrapper.inner }),
      decode: () => new Wrapper(0),
    });
    const error = dumpsError({ list: [new Wrapper(() => 0)] }, serializer);
    assert.match(error.message, /encode\(result\.list\[0\]\)\.inner is a function/);
  });

  it("reports an encoder that throws, keeping its error as cause", () => {
    class Fragile {}
    const failure = new Error("cannot encode today");
    const serializer = new MsgpackSerializer();
    serializer.register(Fragile, {
      code: 3,
      encode: () => {
        throw failure;
      },
      decode: () => new Fragile(),
    });
    const error = dumpsError({ f: new Fragile() }, serializer);
    assert.match(
      error.message,
      /result\.f is an instance of class Fragile whose encode function threw: cannot encode today/,
    );
    assert.equal(error.cause, failure);
  });
});
