/** @module serializer/registry.test — registering classes: codes, errors, subclasses, decorators. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../errors.js";
import { formatCodeRanges, listUserCodes } from "./codes.js";
import { MsgpackSerializer } from "./msgpack.js";

class Shape {
  constructor(readonly sides: number) {}
}

const shapeCodec = (code: number) => ({
  code,
  encode: (shape: Shape) => shape.sides,
  decode: (data: unknown) => new Shape(data as number),
});

/** Runs `action` and returns the ValidationError it must throw. */
function catchValidationError(action: () => void): ValidationError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a ValidationError");
}

describe("extension codes", () => {
  it("leaves 1–65, 67–97 and 99–100 to users", () => {
    assert.equal(formatCodeRanges(listUserCodes()), "1–65, 67–97, 99–100");
  });

  it("writes codes as compact ranges", () => {
    assert.equal(formatCodeRanges([1, 2, 3, 5, 7, 8]), "1–3, 5, 7–8");
    assert.equal(formatCodeRanges([]), "none");
  });
});

describe("MsgpackSerializer.register", () => {
  for (const code of [0, 66, 98, 101, 109, 115, 117, 127]) {
    it(`refuses reserved code ${code} and lists the free codes`, () => {
      const error = catchValidationError(() =>
        new MsgpackSerializer().register(Shape, shapeCodec(code)),
      );
      assert.match(error.message, new RegExp(`code ${code} .*reserved`));
      assert.match(error.message, /free codes: 1–65, 67–97, 99–100/);
    });
  }

  for (const code of [-1, 128, 1.5, Number.NaN]) {
    it(`refuses out-of-range code ${code}`, () => {
      const error = catchValidationError(() =>
        new MsgpackSerializer().register(Shape, shapeCodec(code)),
      );
      assert.match(error.message, /integer from 0 to 127/);
    });
  }

  it("refuses a code already taken and names the class that holds it", () => {
    class Other {}
    const serializer = new MsgpackSerializer();
    serializer.register(Shape, shapeCodec(5));
    const error = catchValidationError(() =>
      serializer.register(Other, { code: 5, encode: () => null, decode: () => new Other() }),
    );
    assert.match(error.message, /code 5 .*already used by class Shape/);
    assert.match(error.message, /free codes: 1–4, 6–65, 67–97, 99–100/);
  });

  it("refuses registering the same class twice", () => {
    const serializer = new MsgpackSerializer();
    serializer.register(Shape, shapeCodec(5));
    const error = catchValidationError(() => serializer.register(Shape, shapeCodec(6)));
    assert.match(error.message, /Shape is already registered \(code 5\)/);
    assert.match(error.message, /free codes: 1–4, 6–65/);
  });

  it("refuses natively stored classes and missing codec functions", () => {
    catchValidationError(() =>
      new MsgpackSerializer().register(Map, { code: 3, encode: () => 1, decode: () => new Map() }),
    );
    catchValidationError(() =>
      new MsgpackSerializer().register(Shape, {
        code: 3,
        encode: undefined,
        decode: () => new Shape(1),
      } as never),
    );
  });

  it("lists free codes without the ones taken", () => {
    const serializer = new MsgpackSerializer();
    serializer.register(Shape, shapeCodec(1));
    assert.equal(serializer.listFreeCodes()[0], 2);
    assert.equal(serializer.listFreeCodes().length, 97);
  });

  it("encodes subclasses with their nearest registered ancestor's encoder", () => {
    class Triangle extends Shape {
      constructor() {
        super(3);
      }
    }
    class RightTriangle extends Triangle {}
    const serializer = new MsgpackSerializer();
    serializer.register(Shape, shapeCodec(7));
    const back = serializer.loads(serializer.dumps([new Triangle(), new RightTriangle()]));
    assert.deepStrictEqual(back, [new Shape(3), new Shape(3)]);
  });

  it("prefers a subclass's own registration over its parent's", () => {
    class Square extends Shape {
      constructor() {
        super(4);
      }
    }
    const serializer = new MsgpackSerializer();
    serializer.register(Shape, shapeCodec(7));
    serializer.register(Square, { code: 8, encode: () => "square", decode: () => new Square() });
    const back = serializer.loads(serializer.dumps([new Square(), new Shape(5)])) as unknown[];
    assert.ok(back[0] instanceof Square);
    assert.deepStrictEqual(back[1], new Shape(5));
  });

  it("picks up a subclass registered after its parent was already used", () => {
    class Hexagon extends Shape {}
    const serializer = new MsgpackSerializer();
    serializer.register(Shape, shapeCodec(7));
    serializer.dumps(new Hexagon(6));
    serializer.register(Hexagon, {
      code: 9,
      encode: (hexagon) => hexagon.sides,
      decode: (data) => new Hexagon(data as number),
    });
    assert.ok(serializer.loads(serializer.dumps(new Hexagon(6))) instanceof Hexagon);
  });
});

describe("MsgpackSerializer.registerType", () => {
  it("registers a class through a TC39 class decorator", () => {
    const serializer = new MsgpackSerializer();

    @serializer.registerType<Vector>({
      code: 12,
      encode: (vector) => [vector.dx, vector.dy],
      decode: (data) => new Vector(...(data as [number, number])),
    })
    class Vector {
      constructor(
        readonly dx: number,
        readonly dy: number,
      ) {}
    }

    const back = serializer.loads(serializer.dumps({ move: new Vector(1, -1) })) as {
      move: Vector;
    };
    assert.ok(back.move instanceof Vector);
    assert.deepStrictEqual(back.move, new Vector(1, -1));
    assert.throws(
      () =>
        serializer.register(Vector, { code: 13, encode: () => 0, decode: () => new Vector(0, 0) }),
      ValidationError,
    );
  });
});
