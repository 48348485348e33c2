/** @module limiter/token-bucket.test — pacing, idle and ordering behaviour of the GCRA limiter. */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ValidationError } from "../errors.js";
import { TokenBucket } from "./token-bucket.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("TokenBucket", () => {
  it("lets the first request through at once and paces 11 requests at 10/s over about one second", async () => {
    const bucket = new TokenBucket({ tokensPerMinute: 600 });
    const started = performance.now();
    await bucket.consume(1);
    const first = performance.now() - started;
    for (let index = 0; index < 10; index++) await bucket.consume(1);
    const total = performance.now() - started;
    assert.ok(first < 80, `first consume took ${first} ms`);
    assert.ok(total >= 900 && total <= 1400, `11 consumes took ${total} ms`);
  });

  it("does not save idle time up into a burst", async () => {
    const bucket = new TokenBucket({ tokensPerMinute: 600 });
    await bucket.consume(1);
    await sleep(1000);
    const started = performance.now();
    await bucket.consume(1);
    const first = performance.now() - started;
    await bucket.consume(1);
    const second = performance.now() - started;
    assert.ok(first < 80, `first consume after idle took ${first} ms`);
    assert.ok(second >= 85, `second consume after idle came after only ${second} ms`);
  });

  it("holds the next request back in proportion to the cost just spent", async () => {
    const bucket = new TokenBucket({ tokensPerMinute: 6000 });
    const started = performance.now();
    await bucket.consume(30);
    await bucket.consume(1);
    const elapsed = performance.now() - started;
    assert.ok(
      elapsed >= 280 && elapsed <= 1500,
      `cost 30 at 100/s held the next for ${elapsed} ms`,
    );
  });

  it("rejects a cost above tokensPerMinute at once, naming the cost and the limit", async () => {
    const bucket = new TokenBucket({ tokensPerMinute: 600 });
    const started = performance.now();
    await assert.rejects(bucket.consume(601), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /601/);
      assert.match(error.message, /600 tokens per minute/);
      return true;
    });
    assert.ok(performance.now() - started < 50);
  });

  for (const cost of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "2" as unknown as number]) {
    it(`rejects the cost ${String(cost)} with a ValidationError`, async () => {
      const bucket = new TokenBucket({ tokensPerMinute: 600 });
      await assert.rejects(bucket.consume(cost), ValidationError);
    });
  }

  it("spends nothing on a rejected cost", async () => {
    const bucket = new TokenBucket({ tokensPerMinute: 600 });
    await assert.rejects(bucket.consume(601), ValidationError);
    assert.equal(bucket.tryConsume(1), true);
  });

  for (const tokensPerMinute of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, undefined]) {
    it(`refuses tokensPerMinute ${String(tokensPerMinute)} at construction`, () => {
      assert.throws(
        () => new TokenBucket({ tokensPerMinute: tokensPerMinute as number }),
        (error: unknown) =>
          error instanceof ValidationError && /tokensPerMinute/.test(error.message),
      );
    });
  }

  it("serves concurrent consumers in the order they asked", async () => {
    const bucket = new TokenBucket({ tokensPerMinute: 60_000 });
    const order: number[] = [];
    const costs = [5, 1, 3, 1, 2, 1, 1, 4];
    await Promise.all(
      costs.map((cost, index) => bucket.consume(cost).then(() => order.push(index))),
    );
    assert.deepEqual(
      order,
      costs.map((_, index) => index),
    );
  });

  it("spaces concurrent consumers like sequential ones", async () => {
    const bucket = new TokenBucket({ tokensPerMinute: 600 });
    const started = performance.now();
    const finished: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, () =>
        bucket.consume(1).then(() => finished.push(performance.now() - started)),
      ),
    );
    assert.ok(finished[0]! < 80, `first took ${finished[0]} ms`);
    assert.ok(finished[3]! >= 280 && finished[3]! <= 1500, `fourth took ${finished[3]} ms`);
  });

  it("applies GCRA arithmetic on the clock it is given (tryConsume)", () => {
    let now = 0;
    const bucket = new TokenBucket({ tokensPerMinute: 60, clock: () => now });
    assert.equal(bucket.tryConsume(1), true);
    now = 500;
    assert.equal(bucket.tryConsume(1), false);
    now = 1000;
    assert.equal(bucket.tryConsume(2), true);
    now = 2500;
    assert.equal(bucket.tryConsume(1), false, "cost 2 reserves two intervals");
    now = 3000;
    assert.equal(bucket.tryConsume(1), true);
    now = 60_000;
    assert.equal(bucket.tryConsume(1), true);
    assert.equal(bucket.tryConsume(1), false, "idle time is not banked");
  });

  it("keeps the process alive for a pending consume and lets it exit right after", () => {
    const directory = mkdtempSync(join(tmpdir(), "bs-"));
    const moduleUrl = new URL("./token-bucket.ts", import.meta.url).href;
    const script = join(directory, "pending.mts");
    writeFileSync(
      script,
      `import { TokenBucket } from ${JSON.stringify(moduleUrl)};
const bucket = new TokenBucket({ tokensPerMinute: 120 });
await bucket.consume(1);
void bucket.consume(1).then(() => console.log("released"));
`,
    );
    const started = performance.now();
    const result = spawnSync(process.execPath, ["--import", "tsx", script], {
      encoding: "utf8",
      cwd: dirname(fileURLToPath(import.meta.url)),
      timeout: 20_000,
    });
    const elapsed = performance.now() - started;
    rmSync(directory, { recursive: true, force: true });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), "released");
    assert.ok(elapsed < 10_000, `process took ${elapsed} ms to exit`);
  });
});
