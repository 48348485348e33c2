/** @module limiter/shared.test — the SQLite-backed GCRA behaves like TokenBucket, within one process. */

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { makeTempDir } from "../../test/helpers.js";
import { ValidationError } from "../errors.js";
import { listDatabases } from "../maintenance/projects.js";
import { Spot } from "../spot.js";
import { SharedTokenBucket } from "./shared.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("SharedTokenBucket", () => {
  it("lets the first request through at once and paces the next ones like TokenBucket", async () => {
    const bucket = new SharedTokenBucket({
      tokensPerMinute: 600,
      path: join(makeTempDir(), "limits.sqlite"),
    });
    const started = performance.now();
    await bucket.consume(1);
    const first = performance.now() - started;
    for (let index = 0; index < 5; index++) await bucket.consume(1);
    const total = performance.now() - started;
    bucket.close();
    assert.ok(first < 80, `first consume took ${first} ms`);
    assert.ok(total >= 450, `6 consumes at 10/s took only ${total} ms`);
  });

  it("does not save idle time up into a burst", async () => {
    const bucket = new SharedTokenBucket({
      tokensPerMinute: 600,
      path: join(makeTempDir(), "limits.sqlite"),
    });
    await bucket.consume(1);
    await sleep(500);
    assert.equal(bucket.tryConsume(1), true, "the first request after idle goes at once");
    assert.equal(bucket.tryConsume(1), false, "the second one waits a full interval");
    bucket.close();
  });

  it("shares one budget between two limiters on the same file and name, not across names", () => {
    const file = join(makeTempDir(), "limits.sqlite");
    const first = new SharedTokenBucket({ tokensPerMinute: 60, path: file });
    const second = new SharedTokenBucket({ tokensPerMinute: 60, path: file });
    const other = new SharedTokenBucket({ tokensPerMinute: 60, path: file, name: "embeddings" });
    assert.equal(first.tryConsume(1), true);
    assert.equal(second.tryConsume(1), false, "the slot was booked through the other connection");
    assert.equal(other.tryConsume(1), true, "another name is another budget");
    for (const bucket of [first, second, other]) bucket.close();
  });

  it("rejects a cost above tokensPerMinute at once, naming the cost and the limit", async () => {
    const bucket = new SharedTokenBucket({
      tokensPerMinute: 600,
      path: join(makeTempDir(), "limits.sqlite"),
    });
    await assert.rejects(bucket.consume(601), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /601/);
      assert.match(error.message, /600 tokens per minute/);
      return true;
    });
    assert.equal(bucket.tryConsume(1), true, "a rejected cost spends nothing");
    bucket.close();
  });

  for (const cost of [0, -1, Number.NaN, "2" as unknown as number]) {
    it(`rejects the cost ${String(cost)} with a ValidationError`, async () => {
      const bucket = new SharedTokenBucket({
        tokensPerMinute: 600,
        path: join(makeTempDir(), "limits.sqlite"),
      });
      await assert.rejects(bucket.consume(cost), ValidationError);
      bucket.close();
    });
  }

  it("refuses an invalid rate, name or path at construction, naming the option", () => {
    const path = join(makeTempDir(), "limits.sqlite");
    assert.throws(() => new SharedTokenBucket({ tokensPerMinute: 0, path }), /tokensPerMinute/);
    assert.throws(() => new SharedTokenBucket({ tokensPerMinute: 6, path, name: "" }), /name/);
    assert.throws(() => new SharedTokenBucket({ tokensPerMinute: 6, path: "" }), /path/);
    assert.throws(
      () => new SharedTokenBucket({ tokensPerMinute: 6, path: makeTempDir() }),
      /is a directory/,
    );
  });

  it("moves the schedule back with a clock set back instead of waiting out the difference", async () => {
    const file = join(makeTempDir(), "limits.sqlite");
    const bucket = new SharedTokenBucket({ tokensPerMinute: 6000, path: file });
    assert.equal(bucket.tryConsume(1), true);
    // The row as a booking made while the clock read one hour later than it does now leaves it.
    const db = new Database(file);
    const hour = 3_600_000;
    db.prepare(
      "UPDATE rate_limits SET theoretical_arrival = theoretical_arrival + ?, updated_at = updated_at + ?",
    ).run(hour, hour);
    db.close();
    assert.equal(bucket.tryConsume(1), false, "the interval after the last booking still holds");
    await sleep(40);
    assert.equal(
      bucket.tryConsume(1),
      true,
      "only the 10 ms interval was left to wait, not an hour",
    );
    bucket.close();
  });

  it("defaults to .beautyspot/limits.sqlite in the current directory, a folder kept out of git", () => {
    const folder = makeTempDir();
    const previous = process.cwd();
    process.chdir(folder);
    try {
      const bucket = new SharedTokenBucket({ tokensPerMinute: 60 });
      assert.equal(bucket.path, join(folder, ".beautyspot", "limits.sqlite"));
      bucket.close();
    } finally {
      process.chdir(previous);
    }
    assert.ok(existsSync(join(folder, ".beautyspot", "limits.sqlite")));
    assert.equal(readFileSync(join(folder, ".beautyspot", ".gitignore"), "utf8"), "*\n");
  });

  it("keeps its default file out of the workspace's list of Spot databases", async () => {
    const folder = makeTempDir();
    const previous = process.cwd();
    process.chdir(folder);
    try {
      new SharedTokenBucket({ tokensPerMinute: 60 }).close();
      await new Spot("app").shutdown();
    } finally {
      process.chdir(previous);
    }
    const listed = await listDatabases(join(folder, ".beautyspot"));
    assert.deepEqual(
      listed.map((summary) => [summary.name, summary.error]),
      [["app", undefined]],
    );
  });

  it("can keep its state in a Spot's database, whichever of the two opens the file first", async () => {
    const folder = makeTempDir();
    const file = join(folder, "app.db");
    const bucket = new SharedTokenBucket({ tokensPerMinute: 60, path: file });
    await bucket.consume(1);
    const spot = new Spot("app", { workspace: folder, db: file });
    const double = spot.mark(async function double(value: number) {
      return value * 2;
    });
    assert.equal(await double(4), 8);
    await spot.shutdown();
    assert.equal(bucket.tryConsume(1), false, "the booking survived the Spot's schema check");
    bucket.close();
  });
});
