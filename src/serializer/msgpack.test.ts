/** @module serializer/msgpack.test — exact round trips, per-serializer registries, Python interop. */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { programPath, requireProgram } from "../../test/system-programs.js";
import { MsgpackSerializer } from "./msgpack.js";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

class Money {
  constructor(
    readonly amount: bigint,
    readonly currency: string,
  ) {}
}

/** A serializer with Point (code 10) and Money (code 11) registered. */
function createSerializer(): MsgpackSerializer {
  const serializer = new MsgpackSerializer();
  serializer.register(Point, {
    code: 10,
    encode: (point) => ({ x: point.x, y: point.y }),
    decode: (data) => {
      const { x, y } = data as { x: number; y: number };
      return new Point(x, y);
    },
  });
  serializer.register(Money, {
    code: 11,
    encode: (money) => [money.amount, money.currency],
    decode: (data) => {
      const [amount, currency] = data as [bigint, string];
      return new Money(amount, currency);
    },
  });
  return serializer;
}

/** Encodes with one serializer and decodes with a fresh one that registers the same classes. */
function roundTrip(value: unknown): unknown {
  return createSerializer().loads(createSerializer().dumps(value));
}

describe("MsgpackSerializer round trips", () => {
  const cases: Array<[string, unknown]> = [
    ["a string", "héllo wörld ✓"],
    ["an integer", 42],
    ["a negative integer", -123456],
    ["a float", 3.25],
    ["a large safe integer", 2 ** 53 - 1],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["true", true],
    ["null", null],
    ["undefined", undefined],
    ["a plain object", { a: 1, b: "two", c: [3] }],
    ["an empty object", {}],
    ["an empty array", []],
    [
      "an object with 70,000 keys",
      Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i])),
    ],
  ];
  for (const [name, value] of cases) {
    it(`returns ${name} unchanged`, () => {
      assert.deepStrictEqual(roundTrip(value), value);
    });
  }

  it("returns a null-prototype object as a plain object with the same entries", () => {
    const value = Object.assign(Object.create(null) as object, { k: 1 });
    assert.deepStrictEqual(roundTrip(value), { k: 1 });
  });

  it("keeps -0 as -0", () => {
    assert.ok(Object.is(roundTrip(-0), -0));
    assert.ok(Object.is((roundTrip([-0]) as number[])[0], -0));
  });

  it("keeps undefined inside arrays and as object values, distinct from null", () => {
    const value = roundTrip({
      list: [undefined, null, 1],
      missing: undefined,
      empty: null,
    }) as Record<string, unknown>;
    assert.deepStrictEqual(value, { list: [undefined, null, 1], missing: undefined, empty: null });
    assert.ok(Object.hasOwn(value, "missing"));
  });

  it("returns Dates as Dates, including before 1970 and invalid ones", () => {
    for (const date of [
      new Date(0),
      new Date(1_700_000_000_123),
      new Date(-5_000_000_000_001),
      new Date(4e12),
    ]) {
      const back = roundTrip(date);
      assert.ok(back instanceof Date);
      assert.equal(back.getTime(), date.getTime());
    }
    assert.ok(Number.isNaN((roundTrip(new Date(Number.NaN)) as Date).getTime()));
  });

  it("returns a Map as a Map with any keys, distinct from an object with the same entries", () => {
    const key = { compound: true };
    const map = new Map<unknown, unknown>([
      ["a", 1],
      [2, "two"],
      [key, [1, 2]],
      [null, undefined],
    ]);
    const [mapBack, objectBack] = roundTrip([map, { a: 1 }]) as [unknown, unknown];
    assert.ok(mapBack instanceof Map);
    assert.deepStrictEqual(mapBack, map);
    assert.equal(Object.getPrototypeOf(objectBack), Object.prototype);
    assert.ok(roundTrip(new Map()) instanceof Map);
  });

  it("returns a Set as a Set, distinct from an array", () => {
    const back = roundTrip({ set: new Set([1, "a", null]), array: [1, "a", null] }) as {
      set: unknown;
      array: unknown;
    };
    assert.deepStrictEqual(back.set, new Set([1, "a", null]));
    assert.ok(Array.isArray(back.array));
  });

  it("returns BigInts of any size and sign as bigint, and numbers as numbers", () => {
    const bigints = [
      0n,
      1n,
      -1n,
      127n,
      128n,
      -128n,
      -129n,
      2n ** 63n,
      -(2n ** 63n),
      2n ** 64n,
      -(3n ** 200n),
      7n ** 150n,
    ];
    const back = roundTrip({ bigints, numbers: [0, 1, 2 ** 40, -(2 ** 40)] }) as {
      bigints: unknown[];
      numbers: unknown[];
    };
    assert.deepStrictEqual(back.bigints, bigints);
    for (const number of back.numbers) assert.equal(typeof number, "number");
  });

  it("returns every typed array as the same class with the same contents", () => {
    const arrays = [
      new Int8Array([-1, 2]),
      new Uint8ClampedArray([0, 255]),
      new Int16Array([-300, 300]),
      new Uint16Array([65535]),
      new Int32Array([-(2 ** 31)]),
      new Uint32Array([2 ** 32 - 1]),
      new Float32Array([1.5, -2.25]),
      new Float64Array([Math.PI, -0]),
      new BigInt64Array([-(2n ** 63n)]),
      new BigUint64Array([2n ** 64n - 1n]),
    ];
    const back = roundTrip(arrays) as unknown[];
    assert.equal(back.length, arrays.length);
    arrays.forEach((array, index) => {
      assert.equal(back[index]?.constructor, array.constructor);
      assert.deepStrictEqual(back[index], array);
    });
  });

  it("returns Uint8Array and Buffer as Buffer, and keeps ArrayBuffer and DataView", () => {
    const source = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
    const back = roundTrip({
      bytes: source,
      buffer: Buffer.from("hi"),
      raw: new Uint8Array([1, 2]).buffer,
    }) as Record<string, unknown>;
    assert.ok(Buffer.isBuffer(back.bytes));
    assert.deepStrictEqual([...(back.bytes as Buffer)], [8, 7]);
    assert.ok(Buffer.isBuffer(back.buffer));
    assert.equal((back.buffer as Buffer).toString(), "hi");
    assert.ok(back.raw instanceof ArrayBuffer);
    assert.deepStrictEqual([...new Uint8Array(back.raw)], [1, 2]);
    const view = roundTrip(new DataView(new Uint8Array([5, 6]).buffer));
    assert.ok(view instanceof DataView);
    assert.equal(view.getUint8(1), 6);
  });

  it("round-trips registered classes nested in Maps inside arrays inside objects", () => {
    const value = {
      level1: [
        new Map<unknown, unknown>([
          ["origin", new Point(0, 0)],
          [new Point(1, 2), new Set([new Money(-(10n ** 30n), "EUR"), new Date(5)])],
          ["deep", { list: [new Map([[1n, [undefined, new Float32Array([2.5])]]])] }],
        ]),
      ],
      price: new Money(1999n, "JPY"),
    };
    const back = roundTrip(value);
    assert.deepStrictEqual(back, value);
    const map = (back as typeof value).level1[0]!;
    assert.ok(map.get("origin") instanceof Point);
    assert.ok((back as typeof value).price instanceof Money);
  });

  it("decodes a registered class whose encoding is a single small value", () => {
    class Celsius {
      constructor(readonly degrees: number) {}
    }
    const serializer = new MsgpackSerializer();
    serializer.register(Celsius, {
      code: 20,
      encode: (value) => value.degrees,
      decode: (data) => new Celsius(data as number),
    });
    assert.deepStrictEqual(
      serializer.loads(serializer.dumps([new Celsius(5), new Celsius(-40.5)])),
      [new Celsius(5), new Celsius(-40.5)],
    );
  });

  it("decodes the same bytes again after a decoder of another serializer ran inside it", () => {
    const inner = createSerializer();
    const innerBytes = inner.dumps(new Map([["p", new Point(1, 1)]]));
    class Envelope {
      constructor(readonly contents: unknown) {}
    }
    const outer = new MsgpackSerializer();
    outer.register(Envelope, {
      code: 30,
      encode: (envelope) => inner.dumps(envelope.contents),
      decode: (data) => new Envelope(inner.loads(data as Uint8Array)),
    });
    const value = [
      new Envelope(1),
      new Map([["after", new Envelope("x")]]),
      new Envelope(new Map([["p", new Point(1, 1)]])),
    ];
    assert.deepStrictEqual(outer.loads(outer.dumps(value)), value);
    assert.deepStrictEqual(inner.loads(innerBytes), new Map([["p", new Point(1, 1)]]));
  });

  it("stores deeply nested data and shared (non-circular) references", () => {
    let deep: unknown = "bottom";
    for (let level = 0; level < 1000; level++) deep = level % 2 === 0 ? [deep] : { next: deep };
    assert.deepStrictEqual(roundTrip(deep), deep);
    const shared = { id: 1 };
    assert.deepStrictEqual(roundTrip([shared, shared, new Map([["again", shared]])]), [
      shared,
      shared,
      new Map([["again", shared]]),
    ]);
  });

  it("leaves the value it encodes untouched", () => {
    const value = { map: new Map([["k", 1n]]), list: [new Point(1, 2), -0] };
    createSerializer().dumps(value);
    assert.ok(value.map instanceof Map);
    assert.ok(value.list[0] instanceof Point);
    assert.ok(Object.is(value.list[1], -0));
  });

  it("writes plain data as standard MessagePack maps (no msgpackr records)", () => {
    const bytes = new MsgpackSerializer().dumps({ a: 1 });
    assert.deepStrictEqual([...bytes], [0x81, 0xa1, 0x61, 0x01]);
  });
});

describe("MsgpackSerializer registries are per instance", () => {
  it("lets two serializers use the same code for different classes without interfering", () => {
    class Cat {
      constructor(readonly name: string) {}
    }
    class Dog {
      constructor(readonly name: string) {}
    }
    const cats = new MsgpackSerializer();
    const dogs = new MsgpackSerializer();
    cats.register(Cat, {
      code: 42,
      encode: (cat) => cat.name,
      decode: (data) => new Cat(data as string),
    });
    dogs.register(Dog, {
      code: 42,
      encode: (dog) => dog.name,
      decode: (data) => new Dog(data as string),
    });
    const catBytes = cats.dumps(new Cat("Tama"));
    const dogBytes = dogs.dumps(new Dog("Pochi"));
    assert.deepStrictEqual([...catBytes.subarray(0, 3)], [0xc7, 5, 42]);
    assert.ok(cats.loads(catBytes) instanceof Cat);
    assert.ok(dogs.loads(dogBytes) instanceof Dog);
    assert.ok(dogs.loads(catBytes) instanceof Dog, "the code means Dog to the dog serializer");
    assert.throws(() => dogs.dumps(new Cat("Tama")), /instance of class Cat/);
  });

  it("does not know classes registered on another serializer", () => {
    const registered = createSerializer();
    const plain = new MsgpackSerializer();
    assert.throws(() => plain.dumps(new Point(1, 2)), /Point/);
    assert.throws(() => plain.loads(registered.dumps(new Point(1, 2))), /extension code 10/);
  });
});

const pythonSkip = requireProgram("python-msgpack");

/** Runs a Python snippet with `input` on stdin and returns its stdout. */
function runPython(code: string, input?: Uint8Array): Buffer {
  return execFileSync(programPath("python-msgpack"), ["-c", code], { input, maxBuffer: 1 << 24 });
}

describe("interoperates with Python's msgpack", { skip: pythonSkip }, () => {
  it("writes plain data that Python decodes to the same values and types", () => {
    const bytes = createSerializer().dumps({
      text: "héllo",
      count: 3,
      negative: -70000,
      large: [2 ** 40, -(2 ** 40), 1_700_000_000_000, Number.MAX_SAFE_INTEGER, 2 ** 60],
      ratio: 0.5,
      flags: [true, false, null],
      nested: { list: [1, [2, [3]]], empty: {} },
      bytes: Buffer.from([0, 255]),
      view: new Uint8Array([1, 2]),
    });
    const printed = runPython(
      "import msgpack,sys; print(repr(msgpack.unpackb(sys.stdin.buffer.read(), raw=False)))",
      bytes,
    ).toString("utf8");
    assert.equal(
      printed.trim(),
      "{'text': 'héllo', 'count': 3, 'negative': -70000, 'large': [1099511627776, -1099511627776, 1700000000000, 9007199254740991, 1.152921504606847e+18], 'ratio': 0.5, 'flags': [True, False, None], 'nested': {'list': [1, [2, [3]]], 'empty': {}}, 'bytes': b'\\x00\\xff', 'view': b'\\x01\\x02'}",
    );
  });

  it("writes registered classes as ext(code, msgpack(encode(obj))) that Python can unpack", () => {
    const bytes = createSerializer().dumps([new Point(1, 2.5)]);
    const printed = runPython(
      "import msgpack,sys; v=msgpack.unpackb(sys.stdin.buffer.read()); e=v[0]; print(e.code, msgpack.unpackb(e.data))",
      bytes,
    ).toString("utf8");
    assert.equal(printed.trim(), "10 {'x': 1, 'y': 2.5}");
  });

  it("decodes Python's maps, lists, bin, str, big ints, floats, None, bool and registered ext types", () => {
    const bytes = runPython(
      [
        "import msgpack,sys",
        "point = msgpack.ExtType(10, msgpack.packb({'x': 3, 'y': -4}))",
        "value = {'s': 'ünï', 'b': b'\\x01\\x02', 'i': [0, -1, 2**31, 2**40, -(2**40), 2**63, -(2**63)],",
        "         'f': 1.25, 'n': None, 't': True, 'l': [1, 'two', [3]], 'p': point, 'nested': {'points': [point, point]}}",
        "sys.stdout.buffer.write(msgpack.packb(value, use_bin_type=True))",
      ].join("\n"),
    );
    const value = createSerializer().loads(bytes);
    assert.deepStrictEqual(value, {
      s: "ünï",
      b: Buffer.from([1, 2]),
      i: [0, -1, 2 ** 31, 2 ** 40, -(2 ** 40), 2n ** 63n, -(2n ** 63n)],
      f: 1.25,
      n: null,
      t: true,
      l: [1, "two", [3]],
      p: new Point(3, -4),
      nested: { points: [new Point(3, -4), new Point(3, -4)] },
    });
    assert.ok(Buffer.isBuffer((value as { b: unknown }).b));
  });

  it("decodes a Python ext type whose payload is a single byte", () => {
    const bytes = runPython(
      "import msgpack,sys; sys.stdout.buffer.write(msgpack.packb([msgpack.ExtType(10, msgpack.packb(None))]))",
    );
    const serializer = new MsgpackSerializer();
    serializer.register(Point, { code: 10, encode: () => null, decode: () => new Point(0, 0) });
    assert.deepStrictEqual(serializer.loads(bytes), [new Point(0, 0)]);
  });
});

describe("MsgpackSerializer.dumpsParts", () => {
  const serializer = new MsgpackSerializer();
  const concat = (parts: readonly Uint8Array[]) =>
    Buffer.concat(parts.map((part) => Buffer.from(part)));

  it("writes a binary value as its bin header and the value itself, byte for byte what dumps writes", () => {
    for (const length of [0, 1, 255, 256, 65_535, 65_536, 300_000]) {
      for (const value of [Buffer.alloc(length, 7), new Uint8Array(length).fill(9)]) {
        const parts = serializer.dumpsParts(value);
        assert.equal(parts.length, 2, `length ${length}`);
        assert.equal(parts[1], value, "the payload is the value itself, not a copy");
        assert.deepEqual(concat(parts), Buffer.from(serializer.dumps(value)), `length ${length}`);
        assert.deepEqual(serializer.loads(concat(parts)), Buffer.from(value));
      }
    }
  });

  it("writes anything else as the one piece dumps returns", () => {
    for (const value of [{ a: 1 }, [Buffer.from("x")], "text", new Float32Array([1.5]), null]) {
      const parts = serializer.dumpsParts(value);
      assert.equal(parts.length, 1);
      assert.deepEqual(Buffer.from(parts[0]!), Buffer.from(serializer.dumps(value)));
    }
  });
});
