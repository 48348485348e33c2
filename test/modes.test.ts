/** @module test/modes — normal, replay, record and bypass: what a call may do with the cache. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  BeautySpotError,
  CacheMissError,
  type MarkOptions,
  Spot,
  SQLiteTaskDB,
  ValidationError,
} from "../src/index.js";
import { makeTempDir, recordingLogger } from "./helpers.js";

type SpotSettings = ConstructorParameters<typeof Spot>[1];

let savedMode: string | undefined;
beforeEach(() => {
  savedMode = process.env.BEAUTYSPOT_MODE;
  delete process.env.BEAUTYSPOT_MODE;
});
afterEach(() => {
  if (savedMode === undefined) delete process.env.BEAUTYSPOT_MODE;
  else process.env.BEAUTYSPOT_MODE = savedMode;
});

function newSpot(workspace: string, options: SpotSettings = {}) {
  return new Spot("app", { workspace, logger: recordingLogger(), ...options });
}

/** A marked "paid" function on `spot` that counts its runs. */
function countingDouble(spot: Spot, options: MarkOptions = {}) {
  const calls = { count: 0 };
  const double = spot.mark(async function double(n: number) {
    calls.count++;
    return n * 2;
  }, options);
  return { double, calls };
}

async function recordOne(workspace: string, version?: string) {
  const spot = newSpot(workspace);
  const { double } = countingDouble(spot, version === undefined ? {} : { version });
  await double(21);
  await spot.shutdown();
}

describe("mode replay", () => {
  it("returns stored results without running the function", async () => {
    const workspace = makeTempDir();
    await recordOne(workspace);
    const spot = newSpot(workspace, { mode: "replay" });
    const { double, calls } = countingDouble(spot);
    assert.equal(await double(21), 42);
    assert.equal(calls.count, 0);
    await spot.shutdown();
  });

  it("never runs the function on a miss: CacheMissError names the function, the key and what is stored", async () => {
    const workspace = makeTempDir();
    await recordOne(workspace);
    const spot = newSpot(workspace, { mode: "replay" });
    const { double, calls } = countingDouble(spot);
    const error = await double(22).then(
      () => assert.fail("a replay miss must reject"),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof CacheMissError);
    assert.ok(error instanceof BeautySpotError);
    assert.equal(calls.count, 0);
    assert.equal(error.funcName, "double");
    assert.equal(error.cacheKey, double.key(22));
    assert.match(error.message, /double/);
    assert.match(error.message, new RegExp(double.key(22)));
    assert.match(error.message, /1 stored entry/);
    assert.match(error.message, /an argument differs/);
    assert.match(error.message, /BEAUTYSPOT_MODE=record/);
    await spot.shutdown();
  });

  it("says when the function's entries are stored under another version", async () => {
    const workspace = makeTempDir();
    await recordOne(workspace, "v1");
    const spot = newSpot(workspace, { mode: "replay" });
    const { double } = countingDouble(spot, { version: "v2" });
    await assert.rejects(double(21), (error: Error) => {
      assert.ok(error instanceof CacheMissError);
      assert.match(error.message, /none under version "v2"/);
      assert.match(error.message, /1 under version "v1"/);
      return true;
    });
    await spot.shutdown();
  });

  it("says when nothing at all is stored for the function", async () => {
    const spot = newSpot(makeTempDir(), { mode: "replay" });
    const { double } = countingDouble(spot);
    await assert.rejects(double(1), /Nothing at all is stored for double/);
    await spot.shutdown();
  });

  it("applies to markSync and cachedRun too", async () => {
    const workspace = makeTempDir();
    const recorder = newSpot(workspace);
    const triple = recorder.markSync(function triple(n: number) {
      return n * 3;
    });
    assert.equal(triple(2), 6);
    await recorder.shutdown();

    const spot = newSpot(workspace, { mode: "replay" });
    let runs = 0;
    const replayed = spot.markSync(function triple(n: number) {
      runs++;
      return n * 3;
    });
    assert.equal(replayed(2), 6);
    assert.throws(() => replayed(3), CacheMissError);
    assert.equal(runs, 0);
    await assert.rejects(
      spot.cachedRun(
        async function fetchPage(url: string) {
          runs++;
          return url;
        },
        {},
        (fetchPage) => fetchPage("https://example.test/"),
      ),
      CacheMissError,
    );
    assert.equal(runs, 0);
    await spot.shutdown();
  });

  it("BEAUTYSPOT_MODE overrides the Spot option, read once when the Spot is constructed", async () => {
    const workspace = makeTempDir();
    process.env.BEAUTYSPOT_MODE = "replay";
    const spot = newSpot(workspace, { mode: "normal" });
    delete process.env.BEAUTYSPOT_MODE;
    const { double, calls } = countingDouble(spot);
    await assert.rejects(double(5), CacheMissError);
    assert.equal(calls.count, 0);
    await spot.shutdown();
  });
});

describe("mode replay, explained", () => {
  it("names the argument that differs from the nearest stored call, with both values", async () => {
    const workspace = makeTempDir();
    const recorder = newSpot(workspace);
    const ask = (spot: Spot) =>
      spot.mark(async function ask(prompt: string, opts: { temperature: number }) {
        return `${prompt} at ${opts.temperature}`;
      });
    await ask(recorder)("hello", { temperature: 0.2 });
    await recorder.shutdown();

    const spot = newSpot(workspace, { mode: "replay" });
    await assert.rejects(ask(spot)("hello", { temperature: 0.7 }), (error: Error) => {
      assert.ok(error instanceof CacheMissError);
      assert.match(error.message, /opts\.temperature: 0\.2 → 0\.7/);
      return true;
    });
    await spot.shutdown();
  });

  it("reads each stored thing once to explain itself (the key's row, the function's newest entries)", async () => {
    const workspace = makeTempDir();
    const recorder = newSpot(workspace);
    const ask = (spot: Spot) =>
      spot.mark(async function ask(prompt: string) {
        return prompt.length;
      });
    await ask(recorder)("hello");
    await recorder.shutdown();

    const reads = { get: 0, recentInputs: 0 };
    class CountingDB extends SQLiteTaskDB {
      override get(cacheKey: string) {
        reads.get++;
        return super.get(cacheKey);
      }
      override recentInputs(funcName: string, funcIdentifier: string, limit: number) {
        reads.recentInputs++;
        return super.recentInputs(funcName, funcIdentifier, limit);
      }
    }
    const db = new CountingDB(join(workspace, "app.db"));
    const spot = newSpot(workspace, { mode: "replay", db });
    await assert.rejects(ask(spot)("help"), /prompt: "hello" → "help"/);
    assert.deepEqual(reads, { get: 2, recentInputs: 1 }, "the lookup's get, then one of each");
    await spot.shutdown();
  });

  it("names the differing argument for markSync too", async () => {
    const workspace = makeTempDir();
    const recorder = newSpot(workspace);
    const scale = (spot: Spot) =>
      spot.markSync(function scale(n: number, opts: { factor: number }) {
        return n * opts.factor;
      });
    assert.equal(scale(recorder)(2, { factor: 3 }), 6);
    await recorder.shutdown();

    const spot = newSpot(workspace, { mode: "replay" });
    assert.throws(
      () => scale(spot)(2, { factor: 4 }),
      (error: Error) => {
        assert.ok(error instanceof CacheMissError);
        assert.match(error.message, /opts\.factor: 3 → 4/);
        return true;
      },
    );
    await spot.shutdown();
  });
});

describe("mode record", () => {
  it("always runs and overwrites the stored result", async () => {
    const workspace = makeTempDir();
    let answer = 1;
    const first = newSpot(workspace);
    const ask = first.mark(async function ask() {
      return answer;
    });
    assert.equal(await ask(), 1);
    answer = 2;
    assert.equal(await ask(), 1, "normal mode serves the stored result");
    await first.shutdown();

    const recorder = newSpot(workspace, { mode: "record" });
    let runs = 0;
    const recorded = recorder.mark(async function ask() {
      runs++;
      return answer;
    });
    assert.equal(await recorded(), 2);
    assert.equal(await recorded(), 2);
    assert.equal(runs, 2, "record mode runs on every call");
    await recorder.shutdown();

    const replay = newSpot(workspace, { mode: "replay" });
    const replayed = replay.mark(async function ask() {
      return -1;
    });
    assert.equal(await replayed(), 2, "the recording was refreshed");
    await replay.shutdown();
  });
});

describe("mode bypass", () => {
  it("runs every time and neither reads nor writes", async () => {
    const workspace = makeTempDir();
    await recordOne(workspace);
    const spot = newSpot(workspace, { mode: "bypass" });
    const { double, calls } = countingDouble(spot);
    assert.equal(await double(21), 42);
    assert.equal(await double(7), 14);
    assert.equal(calls.count, 2);
    assert.equal(await spot.maintenance.countTasks({}), 1, "nothing new was written");
    await spot.shutdown();
  });

  it("a run in bypass is never shared: a normal call of the same key runs and stores its own", async () => {
    const workspace = makeTempDir();
    const spot = newSpot(workspace);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolveGate) => {
      release = resolveGate;
    });
    let runs = 0;
    async function fetchPage(n: number) {
      const run = ++runs;
      if (run === 1) await gate;
      return `run ${run} for ${n}`;
    }
    // One function marked twice: once as a live check that never touches the cache.
    const live = spot.mark(fetchPage, { mode: "bypass" });
    const cached = spot.mark(fetchPage);
    assert.equal(live.key(1), cached.key(1), "the same key");
    const running = live(1);
    assert.equal(await cached(1), "run 2 for 1", "the normal call did not join the bypass run");
    release();
    assert.equal(await running, "run 1 for 1");
    assert.equal(await cached(1), "run 2 for 1", "and its own result was stored");
    assert.equal(await spot.maintenance.countTasks({}), 1);
    await spot.shutdown();
  });

  it("a mark option overrides the Spot's mode for one function", async () => {
    const workspace = makeTempDir();
    const spot = newSpot(workspace, { mode: "replay" });
    const { double, calls } = countingDouble(spot, { mode: "bypass" });
    assert.equal(await double(1), 2);
    assert.equal(calls.count, 1);
    await spot.shutdown();
  });
});

describe("invalid modes", () => {
  it("are ValidationErrors naming the valid modes (Spot option, mark option, environment)", async () => {
    const workspace = makeTempDir();
    assert.throws(
      () => newSpot(workspace, { mode: "replai" as never }),
      (error: Error) =>
        error instanceof ValidationError &&
        /"normal", "replay", "record", "bypass"/.test(error.message) &&
        /"replai"/.test(error.message),
    );
    const spot = newSpot(workspace);
    assert.throws(
      () => countingDouble(spot, { mode: "offline" as never }),
      (error: Error) => error instanceof ValidationError && /mode.*double/.test(error.message),
    );
    await spot.shutdown();
    process.env.BEAUTYSPOT_MODE = "REPLAY";
    assert.throws(
      () => newSpot(workspace),
      (error: Error) => error instanceof ValidationError && /BEAUTYSPOT_MODE/.test(error.message),
    );
  });
});

describe("modes over streams and explicit keys", () => {
  /** A marked async generator on `spot` that counts its runs. */
  function countingTokens(spot: Spot) {
    const calls = { count: 0 };
    const tokens = spot.mark(async function* tokens(prompt: string) {
      calls.count++;
      for (const word of prompt.split(" ")) yield word;
    });
    return { tokens, calls };
  }

  async function collect(stream: AsyncIterable<string>): Promise<string[]> {
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  }

  it("replay serves a recorded stream and refuses to run one that is not recorded", async () => {
    const workspace = makeTempDir();
    const recorder = newSpot(workspace);
    await collect(countingTokens(recorder).tokens("a b c"));
    await recorder.shutdown();

    const spot = newSpot(workspace, { mode: "replay" });
    const { tokens, calls } = countingTokens(spot);
    assert.deepEqual(await collect(tokens("a b c")), ["a", "b", "c"]);
    await assert.rejects(collect(tokens("d e")), CacheMissError);
    assert.equal(calls.count, 0);
    await spot.shutdown();
  });

  it("bypass passes a stream through without storing it", async () => {
    const workspace = makeTempDir();
    const spot = newSpot(workspace, { mode: "bypass" });
    const { tokens, calls } = countingTokens(spot);
    assert.deepEqual(await collect(tokens("a b")), ["a", "b"]);
    assert.deepEqual(await collect(tokens("a b")), ["a", "b"]);
    assert.equal(calls.count, 2);
    await spot.shutdown();
    const reader = newSpot(workspace);
    assert.equal(await reader.lookup("tokens", ["a b"]), undefined);
    await reader.shutdown();
  });

  it("wrap follows the mode: replay never computes, bypass and replay never store", async () => {
    const workspace = makeTempDir();
    const recorder = newSpot(workspace);
    await recorder.wrap("page", ["stored"], async () => "<stored>");
    await recorder.shutdown();

    const replay = newSpot(workspace, { mode: "replay" });
    let computed = 0;
    const compute = async () => {
      computed++;
      return "<fresh>";
    };
    assert.equal(await replay.wrap("page", ["stored"], compute), "<stored>");
    await assert.rejects(replay.wrap("page", ["other"], compute), CacheMissError);
    await replay.store("page", ["kept out"], "<value>");
    await replay.shutdown();

    const bypass = newSpot(workspace, { mode: "bypass" });
    assert.equal(await bypass.wrap("page", ["stored"], compute), "<fresh>");
    await bypass.store("page", ["kept out too"], "<value>");
    await bypass.shutdown();
    assert.equal(computed, 1);

    const reader = newSpot(workspace);
    assert.equal(await reader.lookup("page", ["kept out"]), undefined);
    assert.equal(await reader.lookup("page", ["kept out too"]), undefined);
    assert.equal(await reader.lookup("page", ["stored"]), "<stored>");
    await reader.shutdown();
  });
});
