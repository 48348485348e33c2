/** @module serializer/rescue.test — schema evolution: decode errors and rescued raw data. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Packr } from "msgpackr";
import { SerializationError } from "../errors.js";
import { MsgpackSerializer, rescueDecode } from "./msgpack.js";
import { isRescuedValue, RESCUED_KEY, type RescuedValue } from "./rescued.js";

class User {
  constructor(
    readonly name: string,
    readonly age: number,
  ) {}
}

/** Bytes of `value` written while User was stored as `{ name, age }` under code 10. */
function writeWithOldSchema(value: unknown): Uint8Array {
  const old = new MsgpackSerializer();
  old.register(User, {
    code: 10,
    encode: (user) => ({ name: user.name, age: user.age }),
    decode: () => new User("", 0),
  });
  return old.dumps(value);
}

/** A serializer whose User decoder expects a newer layout and throws on the old one. */
function createStrictSerializer(): MsgpackSerializer {
  const serializer = new MsgpackSerializer();
  serializer.register(User, {
    code: 10,
    encode: (user) => [user.name, user.age],
    decode: (data) => {
      if (!Array.isArray(data)) throw new TypeError("expected [name, age]");
      return new User(data[0] as string, data[1] as number);
    },
  });
  return serializer;
}

describe("MsgpackSerializer.loads when a value no longer decodes", () => {
  it("throws a SerializationError naming the class and code when the decoder throws", () => {
    const bytes = writeWithOldSchema({ owner: new User("ada", 36) });
    assert.throws(
      () => createStrictSerializer().loads(bytes),
      (error: unknown) => {
        assert.ok(error instanceof SerializationError);
        assert.match(error.message, /stored User \(extension code 10\)/);
        assert.match(error.message, /expected \[name, age\]/);
        assert.match(error.message, /onDecodeError/);
        assert.match(error.message, /version/);
        assert.ok(error.cause instanceof TypeError);
        return true;
      },
    );
  });

  it("throws a SerializationError naming an unknown extension code", () => {
    const bytes = writeWithOldSchema([1, new User("ada", 36)]);
    assert.throws(
      () => new MsgpackSerializer().loads(bytes),
      (error: unknown) => {
        assert.ok(error instanceof SerializationError);
        assert.match(error.message, /extension code 10, for which no class is registered/);
        assert.match(error.message, /spot\.register\(TheClass, \{ code: 10/);
        return true;
      },
    );
  });

  it("throws a SerializationError for truncated or foreign bytes", () => {
    const bytes = new MsgpackSerializer().dumps({ list: ["a long enough string", 2, 3] });
    assert.throws(
      () => new MsgpackSerializer().loads(bytes.subarray(0, bytes.length - 3)),
      /not valid MessagePack/,
    );
    assert.throws(
      () => new MsgpackSerializer().loads(Buffer.from("not msgpack at all")),
      SerializationError,
    );
  });
});

describe("MsgpackSerializer.loadsRescued", () => {
  it("decodes normally when nothing fails", () => {
    const serializer = createStrictSerializer();
    const value = { user: new User("bob", 7), when: new Date(3) };
    assert.deepStrictEqual(serializer.loadsRescued(serializer.dumps(value)), {
      value,
      rescued: false,
    });
  });

  it("rescues a failing decoder's intermediate data, keeping the rest decoded", () => {
    const result = createStrictSerializer().loadsRescued(
      writeWithOldSchema({ owner: new User("ada", 36), tags: new Set(["x"]), big: 2n ** 70n }),
    );
    assert.equal(result.rescued, true);
    const value = result.value as { owner: unknown; tags: unknown; big: unknown };
    assert.ok(isRescuedValue(value.owner));
    assert.deepStrictEqual(value.owner[RESCUED_KEY], {
      code: 10,
      type: "User",
      reason: "decoder-failed",
      error: "expected [name, age]",
      data: { name: "ada", age: 36 },
    });
    assert.deepStrictEqual(value.tags, new Set(["x"]));
    assert.equal(value.big, 2n ** 70n);
  });

  it("rescues unknown codes with their decoded payload", () => {
    const result = new MsgpackSerializer().loadsRescued(
      writeWithOldSchema(new Map([["u", new User("eve", 1)]])),
    );
    assert.equal(result.rescued, true);
    const rescued = (result.value as Map<string, RescuedValue>).get("u");
    assert.deepStrictEqual(rescued, {
      [RESCUED_KEY]: { code: 10, reason: "unknown-code", data: { name: "eve", age: 1 } },
    });
  });

  it("keeps the raw bytes as a Buffer when the payload itself is unreadable", () => {
    // ext8, 2 bytes of payload, code 12: 0xc1 is never valid MessagePack
    const bytes = Buffer.from([0x91, 0xc7, 0x02, 12, 0xc1, 0xc1]);
    const result = new MsgpackSerializer().loadsRescued(bytes);
    const [rescued] = result.value as [RescuedValue];
    assert.equal(rescued[RESCUED_KEY].reason, "unreadable-payload");
    assert.ok(Buffer.isBuffer(rescued[RESCUED_KEY].data));
    assert.deepStrictEqual([...(rescued[RESCUED_KEY].data as Buffer)], [0xc1, 0xc1]);
  });

  it("rescues an outer class whole when something inside its payload had to be rescued", () => {
    class Team {
      constructor(readonly members: User[]) {}
    }
    const writer = new MsgpackSerializer();
    writer.register(User, {
      code: 10,
      encode: (user) => user.name,
      decode: (data) => new User(data as string, 0),
    });
    writer.register(Team, {
      code: 11,
      encode: (team) => team.members,
      decode: (data) => new Team(data as User[]),
    });
    const reader = new MsgpackSerializer();
    reader.register(Team, {
      code: 11,
      encode: (team) => team.members,
      decode: (data) => new Team(data as User[]),
    });
    const result = reader.loadsRescued(writer.dumps(new Team([new User("a", 0)])));
    assert.ok(isRescuedValue(result.value));
    const team = result.value[RESCUED_KEY];
    assert.equal(team.type, "Team");
    assert.ok(isRescuedValue((team.data as unknown[])[0]));
  });

  it("throws a SerializationError when the bytes are not MessagePack at all", () => {
    assert.throws(
      () => new MsgpackSerializer().loadsRescued(Buffer.from([0x92, 0x01])),
      SerializationError,
    );
  });
});

describe("rescueDecode", () => {
  it("decodes built-in types and rescues every custom extension without a registry", () => {
    const bytes = writeWithOldSchema({
      users: [new User("ada", 36)],
      meta: new Map<unknown, unknown>([[1, new Float64Array([0.5])]]),
      none: undefined,
    });
    const result = rescueDecode(bytes);
    assert.equal(result.rescued, true);
    const value = result.value as {
      users: RescuedValue[];
      meta: Map<unknown, unknown>;
      none: unknown;
    };
    assert.deepStrictEqual(value.users[0]?.[RESCUED_KEY].data, { name: "ada", age: 36 });
    assert.deepStrictEqual(value.meta, new Map([[1, new Float64Array([0.5])]]));
    assert.ok(Object.hasOwn(value, "none"));
  });

  it("decodes plain values without marking them rescued", () => {
    const bytes = new MsgpackSerializer().dumps({ a: [1, 2n, new Date(9)] });
    assert.deepStrictEqual(rescueDecode(bytes), {
      value: { a: [1, 2n, new Date(9)] },
      rescued: false,
    });
  });

  it("uses a MsgpackSerializer's registry when given one", () => {
    const bytes = writeWithOldSchema(new User("ada", 36));
    const serializer = new MsgpackSerializer();
    serializer.register(User, {
      code: 10,
      encode: (user) => user,
      decode: (data) => new User((data as User).name, (data as User).age),
    });
    assert.deepStrictEqual(rescueDecode(bytes, serializer), {
      value: new User("ada", 36),
      rescued: false,
    });
  });

  it("uses another serializer's loads first, then falls back to MessagePack", () => {
    const json = {
      dumps: (value: unknown) => Buffer.from(JSON.stringify(value)),
      loads: (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString()) as unknown,
    };
    assert.deepStrictEqual(rescueDecode(json.dumps({ a: 1 }), json), {
      value: { a: 1 },
      rescued: false,
    });
    assert.deepStrictEqual(rescueDecode(new MsgpackSerializer().dumps([1]), json), {
      value: [1],
      rescued: false,
    });
  });

  it("recognises rescued values and nothing else", () => {
    assert.equal(
      isRescuedValue({ [RESCUED_KEY]: { code: 1, reason: "unknown-code", data: null } }),
      true,
    );
    assert.equal(isRescuedValue({ [RESCUED_KEY]: 1 }), false);
    assert.equal(isRescuedValue({ data: 1 }), false);
    assert.equal(isRescuedValue(null), false);
  });
});

/** Bytes another MessagePack writer makes for a map with non-string keys (as Python does). */
function writeForeignMap(entries: [unknown, unknown][]): Uint8Array {
  return new Packr({ useRecords: false }).pack(new Map(entries));
}

describe("map keys that are not strings (another writer's int, bytes or tuple keys)", () => {
  it("marks the value rescued in inspection, saying which keys became strings", () => {
    const cases: [Uint8Array, unknown, RegExp][] = [
      [writeForeignMap([[1, "a"]]), { 1: "a" }, /the key 1 \(a number\) became "1"/],
      [writeForeignMap([[Buffer.from("k"), 1]]), { k: 1 }, /the key 0x6b \(bytes\) became "k"/],
      [
        writeForeignMap([[[1, "a"], 1]]),
        { "1,a": 1 },
        /the key \[1,"a"\] \(a list: a Python tuple\) became "1,a"/,
      ],
      [
        new Packr({ useRecords: false }).pack({ outer: [new Map([[true, null]])] }),
        { outer: [{ true: null }] },
        /the key true \(a boolean\) became "true"/,
      ],
    ];
    for (const [bytes, value, reason] of cases) {
      for (const result of [new MsgpackSerializer().loadsRescued(bytes), rescueDecode(bytes)]) {
        assert.deepStrictEqual(result.value, value);
        assert.equal(result.rescued, true);
        assert.match(result.reason ?? "", reason);
      }
    }
  });

  it("refuses bytes and tuple keys on a call's decode, pointing at onDecodeError", () => {
    const serializer = new MsgpackSerializer();
    for (const key of [Buffer.from("k"), [1, "a"]]) {
      assert.throws(
        () => serializer.loads(writeForeignMap([[key, 1]])),
        (error: unknown) =>
          error instanceof SerializationError &&
          /map keys that are not strings/.test(error.message) &&
          /onDecodeError: "raw"/.test(error.message),
      );
    }
  });

  it('keeps a foreign "__proto__" key as an own key in inspection, not marked rescued', () => {
    const bytes = writeForeignMap([["__proto__", 1]]);
    const result = new MsgpackSerializer().loadsRescued(bytes);
    assert.equal(result.rescued, false);
    assert.ok(Object.hasOwn(result.value as object, "__proto__"));
    assert.equal(Object.getPrototypeOf(result.value), Object.prototype);
  });

  it("marks a timestamp finer than a millisecond rescued in inspection (a Date holds milliseconds)", () => {
    // timestamp 64: 30-bit nanoseconds and 34-bit seconds, as Python writes a datetime with microseconds
    const bytes = Buffer.alloc(10);
    bytes.set([0xd7, 0xff]);
    bytes.writeUInt32BE((123_456_000 << 2) >>> 0, 2);
    bytes.writeUInt32BE(1_700_000_000, 6);
    const date = new Date(1_700_000_000_123);
    assert.deepStrictEqual(new MsgpackSerializer().loads(bytes), date);
    const result = rescueDecode(bytes);
    assert.deepStrictEqual(result.value, date);
    assert.equal(result.rescued, true);
    assert.match(
      result.reason ?? "",
      /a timestamp finer than a millisecond became 2023-11-14T22:13:20\.123Z/,
    );
    assert.equal(rescueDecode(new MsgpackSerializer().dumps(date)).rescued, false);
  });

  it("does not mark values with string keys only", () => {
    const bytes = new MsgpackSerializer().dumps({ a: { b: [new Map([[1, 2]])] } });
    assert.deepStrictEqual(rescueDecode(bytes), {
      value: { a: { b: [new Map([[1, 2]])] } },
      rescued: false,
    });
  });
});
