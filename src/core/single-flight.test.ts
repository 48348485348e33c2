/** @module core/single-flight.test — leases on the SQLite file and the `singleFlight` option. */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { makeTempDir } from "../../test/helpers.js";
import { SQLiteTaskDB } from "../db/sqlite/sqlite-task-db.js";
import type { TaskDB } from "../db/types.js";
import { ConfigurationError, SpotClosedError, ValidationError } from "../errors.js";
import { Spot } from "../spot.js";

const holder = (id: string) => ({ id, pid: process.pid, host: hostname() });

describe("SQLite leases", () => {
  it("gives a free key's lease to exactly one claimer until it expires", () => {
    const file = join(makeTempDir(), "cache.db");
    const first = new SQLiteTaskDB(file);
    const second = new SQLiteTaskDB(file);
    assert.equal(first.claimLease("key", holder("a"), 1000, 11_000), true);
    assert.equal(second.claimLease("key", holder("b"), 2000, 12_000), false);
    assert.equal(second.getLease("key")?.id, "a");
    assert.equal(second.claimLease("key", holder("b"), 11_000, 21_000), true, "expired at 11000");
    assert.equal(first.renewLease("key", "a", 30_000), false, "a lost it: no renewal");
    first.releaseLease("key", "a");
    assert.equal(second.getLease("key")?.id, "b", "a release by a former holder changes nothing");
    second.releaseLease("key", "b");
    assert.equal(first.getLease("key"), undefined);
    first.close();
    second.close();
  });

  it("lets a claimer take over a lease from a holder it names (one found dead)", () => {
    const db = new SQLiteTaskDB(join(makeTempDir(), "cache.db"));
    assert.equal(db.claimLease("key", holder("a"), 0, 10_000), true);
    assert.equal(db.claimLease("key", holder("b"), 1, 10_001, "someone else"), false);
    assert.equal(db.claimLease("key", holder("b"), 1, 10_001, "a"), true);
    assert.equal(db.renewLease("key", "b", 20_000), true);
    assert.equal(db.getLease("key")?.expiresAt, 20_000);
    db.close();
  });
});

describe("the singleFlight option", () => {
  it('shares one run between two Spots of one process on the same file with "machine"', async () => {
    const workspace = makeTempDir();
    const spots = [0, 1].map(() => new Spot("app", { workspace, singleFlight: "machine" }));
    let runs = 0;
    const asks = spots.map((spot) =>
      spot.mark(async function ask(prompt: string) {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return `answer to ${prompt}`;
      }),
    );
    const answers = await Promise.all(asks.map((ask) => ask("hello")));
    assert.deepEqual(answers, ["answer to hello", "answer to hello"]);
    assert.equal(runs, 1);
    for (const spot of spots) await spot.shutdown();
  });

  it("runs once per Spot with the default, per process", async () => {
    const workspace = makeTempDir();
    const spots = [0, 1].map(() => new Spot("app", { workspace }));
    let runs = 0;
    const asks = spots.map((spot) =>
      spot.mark(async function ask(prompt: string) {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return `answer to ${prompt}`;
      }),
    );
    await Promise.all(asks.map((ask) => ask("hello")));
    assert.equal(runs, 2);
    for (const spot of spots) await spot.shutdown();
  });

  it("waits for a lease held by a process it cannot check, and runs once the lease expires", async () => {
    const spot = new Spot("app", { workspace: makeTempDir(), singleFlight: "machine" });
    let runs = 0;
    const ask = spot.mark(async function ask(prompt: string) {
      runs += 1;
      return prompt;
    });
    const db = spot.db as SQLiteTaskDB;
    const elsewhere = { id: "elsewhere", pid: 1, host: `not-${hostname()}` };
    const now = Date.now();
    assert.equal(db.claimLease(ask.key("hello"), elsewhere, now, now + 300), true);
    const started = performance.now();
    assert.equal(await ask("hello"), "hello");
    const waited = performance.now() - started;
    assert.equal(runs, 1);
    assert.ok(waited >= 250, `ran after ${waited} ms, before the lease expired`);
    await spot.shutdown();
  });

  it("takes over at once a lease whose holder process on this machine is gone", async () => {
    const spot = new Spot("app", { workspace: makeTempDir(), singleFlight: "machine" });
    const ask = spot.mark(async function ask(prompt: string) {
      return prompt;
    });
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid;
    assert.ok(gone !== undefined);
    const db = spot.db as SQLiteTaskDB;
    const now = Date.now();
    db.claimLease(ask.key("hello"), { id: "gone", pid: gone, host: hostname() }, now, now + 60_000);
    const started = performance.now();
    assert.equal(await ask("hello"), "hello");
    assert.ok(performance.now() - started < 30_000, "it did not wait out the minute-long lease");
    await spot.shutdown();
  });

  it("ends a wait with SpotClosedError when the Spot is shut down meanwhile", async () => {
    const spot = new Spot("app", { workspace: makeTempDir(), singleFlight: "machine" });
    const ask = spot.mark(async function ask(prompt: string) {
      return prompt;
    });
    const db = spot.db as SQLiteTaskDB;
    const elsewhere = { id: "elsewhere", pid: 1, host: `not-${hostname()}` };
    const now = Date.now();
    db.claimLease(ask.key("hello"), elsewhere, now, now + 60_000);
    const waiting = ask("hello");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await spot.shutdown();
    await assert.rejects(waiting, SpotClosedError);
  });

  it("leaves no lease behind after a run, a throw, or a hit", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("app", { workspace, singleFlight: "machine" });
    const ask = spot.mark(async function ask(prompt: string) {
      if (prompt === "bad") throw new Error("no");
      return prompt;
    });
    await ask("good");
    await ask("good");
    await assert.rejects(ask("bad"), /no/);
    const db = spot.db as SQLiteTaskDB;
    assert.equal(db.getLease(ask.key("good")), undefined);
    assert.equal(db.getLease(ask.key("bad")), undefined);
    await spot.shutdown();
  });

  it('refuses "machine" over a TaskDB without lease methods, naming what is needed', () => {
    const inner = new SQLiteTaskDB(join(makeTempDir(), "cache.db"));
    const plain: TaskDB = {
      synchronous: true,
      get: (key) => inner.get(key),
      saveMany: (rows) => inner.saveMany(rows),
      delete: (key) => inner.delete(key),
      list: (query) => inner.list(query),
      count: (filter) => inner.count(filter),
      stats: (now) => inner.stats(now),
      deleteMatching: (deletion, onBatch) => inner.deleteMatching(deletion, onBatch),
      hasLocation: (location) => inner.hasLocation(location),
      keysWithPrefix: (prefix, limit) => inner.keysWithPrefix(prefix, limit),
      functions: () => inner.functions(),
      close: () => inner.close(),
    };
    const workspace = makeTempDir();
    assert.throws(
      () => new Spot("app", { workspace, db: plain, singleFlight: "machine" }),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        /claimLease, renewLease, releaseLease and getLease/.test(error.message) &&
        /singleFlight: "process"/.test(error.message),
    );
    const spot = new Spot("app", { workspace, db: plain });
    assert.throws(
      () => spot.mark(async function ask() {}, { singleFlight: "machine" }),
      (error: unknown) => error instanceof ConfigurationError && /mark\(ask\)/.test(error.message),
    );
    inner.close();
  });

  it('refuses an unknown mode, and "machine" on a synchronous function', () => {
    const workspace = makeTempDir();
    // @ts-expect-error: only "process" and "machine"
    void (() => new Spot("app", { workspace, singleFlight: "cluster" }));
    assert.throws(
      () => new Spot("app", { workspace, singleFlight: "cluster" as never }),
      (error: unknown) =>
        error instanceof ValidationError && /"process" or "machine"/.test(error.message),
    );
    const spot = new Spot("app", { workspace });
    assert.throws(
      () =>
        spot.markSync(
          function add(a: number) {
            return a;
          },
          { singleFlight: "machine" },
        ),
      /synchronous function/,
    );
  });
});
