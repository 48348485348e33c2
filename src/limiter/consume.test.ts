/** @module limiter/consume.test — functions wrapped with a limiter wait, pass through and keep their identity. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../errors.js";
import { unwrapFunction, WRAPPED_FUNCTION, wrapWithLimiter } from "./consume.js";
import { TokenBucket } from "./token-bucket.js";
import type { RateLimiter } from "./types.js";

/** A user-supplied limiter that never waits and remembers what it was asked for. */
class RecordingLimiter implements RateLimiter {
  readonly costs: number[] = [];
  async consume(cost: number): Promise<void> {
    this.costs.push(cost);
  }
}

describe("wrapWithLimiter", () => {
  it("waits for tokens before each call", async () => {
    const limited = wrapWithLimiter(
      new TokenBucket({ tokensPerMinute: 600 }),
      (x: number) => x * 2,
    );
    const started = performance.now();
    const results = [await limited(1), await limited(2), await limited(3)];
    const elapsed = performance.now() - started;
    assert.deepEqual(results, [2, 4, 6]);
    assert.ok(elapsed >= 180 && elapsed <= 1500, `three calls at 10/s took ${elapsed} ms`);
  });

  it("does not call the function before its tokens are granted", async () => {
    const bucket = new TokenBucket({ tokensPerMinute: 600 });
    await bucket.consume(1);
    let calledAt = -1;
    const started = performance.now();
    const limited = wrapWithLimiter(bucket, () => {
      calledAt = performance.now() - started;
    });
    await limited();
    assert.ok(calledAt >= 85, `called after only ${calledAt} ms`);
  });

  it("keeps the function's name and parameter count", () => {
    function summarize(text: string, maxWords: number) {
      return `${text}:${maxWords}`;
    }
    const limited = wrapWithLimiter(new RecordingLimiter(), summarize);
    assert.equal(limited.name, "summarize");
    assert.equal(limited.length, 2);
  });

  it("links the wrapper to the original function for parameter parsing, through nested wrappers", () => {
    function fetchPage(url: string) {
      return url;
    }
    const once = wrapWithLimiter(new RecordingLimiter(), fetchPage);
    const twice = wrapWithLimiter(new RecordingLimiter(), once);
    assert.equal((once as unknown as Record<symbol, unknown>)[WRAPPED_FUNCTION], fetchPage);
    assert.equal((twice as unknown as Record<symbol, unknown>)[WRAPPED_FUNCTION], fetchPage);
    assert.equal(WRAPPED_FUNCTION, Symbol.for("beautyspot.wrappedFunction"));
    assert.equal(unwrapFunction(twice), fetchPage);
    assert.equal(Object.prototype.propertyIsEnumerable.call(twice, WRAPPED_FUNCTION), false);
  });

  it("spends 1 token per call by default, a fixed cost, or the cost computed from the arguments", async () => {
    const limiter = new RecordingLimiter();
    await wrapWithLimiter(limiter, () => 0)();
    await wrapWithLimiter(limiter, () => 0, { cost: 7 })();
    await wrapWithLimiter(limiter, (text: string) => text, { cost: (text) => text.length })("abcd");
    assert.deepEqual(limiter.costs, [1, 7, 4]);
  });

  it("passes this and the arguments through and awaits async results", async () => {
    const counter = {
      base: 10,
      add: wrapWithLimiter(
        new RecordingLimiter(),
        async function (this: { base: number }, x: number) {
          return this.base + x;
        },
      ),
    };
    assert.equal(await counter.add(5), 15);
  });

  it("propagates the function's rejection unchanged", async () => {
    const failure = new Error("upstream down");
    const limited = wrapWithLimiter(new RecordingLimiter(), async () => {
      throw failure;
    });
    await assert.rejects(limited(), (error: unknown) => error === failure);
  });

  it("rejects a call whose cost function returns a bad number, naming the function", async () => {
    const limiter = new RecordingLimiter();
    const limited = wrapWithLimiter(limiter, function translate(_text: string) {}, {
      cost: () => Number.NaN,
    });
    await assert.rejects(limited("x"), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /translate/);
      assert.match(error.message, /NaN/);
      return true;
    });
    assert.deepEqual(limiter.costs, []);
  });

  it("refuses a fixed cost that is not a positive number when wrapping", () => {
    assert.throws(
      () => wrapWithLimiter(new RecordingLimiter(), function translate() {}, { cost: 0 }),
      (error: unknown) => error instanceof ValidationError && /translate/.test(error.message),
    );
  });

  it("surfaces the limiter's refusal of a cost above its limit", async () => {
    const limited = wrapWithLimiter(new TokenBucket({ tokensPerMinute: 10 }), () => 1, {
      cost: 11,
    });
    await assert.rejects(limited(), ValidationError);
  });

  it("refuses something that is not a limiter", () => {
    assert.throws(
      () => wrapWithLimiter({} as RateLimiter, () => 1),
      (error: unknown) => error instanceof ValidationError && /consume/.test(error.message),
    );
  });
});
