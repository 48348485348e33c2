/** @module test/explicit-keys — spot.wrap / lookup / store (SPEC 7.3). */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type HookResultContext, Spot, ValidationError } from "../src/index.js";
import { makeTempDir, runScript } from "./helpers.js";

describe("explicit keys", () => {
  it("computes once and returns the stored value for the same name and key data", async () => {
    await using spot = new Spot("wrap", { workspace: makeTempDir() });
    let runs = 0;
    const compute = async () => {
      runs += 1;
      return { answer: 42, at: new Date(0) };
    };
    const first = await spot.wrap("answer", { question: "life", n: 1 }, compute);
    // Object keys in another order are the same key data.
    const second = await spot.wrap("answer", { n: 1, question: "life" }, compute);
    assert.deepEqual(first, { answer: 42, at: new Date(0) });
    assert.deepEqual(second, first);
    assert.equal(runs, 1);
    await spot.wrap("answer", { question: "life", n: 2 }, compute);
    await spot.wrap("other", { question: "life", n: 1 }, compute);
    assert.equal(runs, 3);
  });

  it("looks up what was stored, and undefined for what was not, without computing", async () => {
    await using spot = new Spot("lookup", { workspace: makeTempDir() });
    assert.equal(await spot.lookup("page", ["https://example.com"]), undefined);
    await spot.store("page", ["https://example.com"], "<html>");
    assert.equal(await spot.lookup("page", ["https://example.com"]), "<html>");
    assert.equal(await spot.wrap("page", ["https://example.com"], () => "never run"), "<html>");
    await spot.store("page", ["https://example.com"], undefined);
    assert.equal(await spot.lookup("page", ["https://example.com"]), undefined);
    const row = await Promise.resolve(spot.db.list({ func: "page" }));
    assert.equal(row.length, 1);
  });

  it("spot.explain finds an explicit key as wrap stored it, array key data included", async () => {
    await using spot = new Spot("explain", { workspace: makeTempDir() });
    await spot.wrap("page", ["https://example.com", 2], () => "<html>");
    await spot.wrap("answer", { question: "life" }, () => 42);
    await spot.flush();
    assert.equal((await spot.explain("page", ["https://example.com", 2])).status, "hit");
    assert.equal((await spot.explain("answer", { question: "life" })).status, "hit");
    const miss = await spot.explain("page", ["https://example.com", 3]);
    assert.equal(miss.status, "miss");
    assert.equal(miss.nearest.length, 1);
  });

  it("shares entries with a function marked under the same name: key data is its argument list", async () => {
    await using spot = new Spot("shared", { workspace: makeTempDir() });
    let runs = 0;
    const summarize = spot.mark(async function summarize(text: string, limit: number) {
      runs += 1;
      return `${text.slice(0, limit)}…`;
    });
    await summarize("hello world", 5);
    assert.equal(await spot.lookup("summarize", ["hello world", 5]), "hello…");
    assert.equal(await spot.wrap("summarize", ["hello world", 5], () => "other"), "hello…");
    await spot.store("summarize", ["bonjour", 3], "stored by hand");
    assert.equal(await summarize("bonjour", 3), "stored by hand");
    assert.equal(runs, 1);
    // A value that is not an array is a one-argument list.
    const shout = spot.mark(async function shout(text: string) {
      return text.toUpperCase();
    });
    await shout("hey");
    assert.equal(await spot.lookup("shout", "hey"), "HEY");
    assert.equal(await spot.lookup("shout", ["hey"]), "HEY");
  });

  it("keeps versions apart and honours retention", async () => {
    await using spot = new Spot("versions", { workspace: makeTempDir() });
    await spot.store("model", ["q"], "v1 answer", { version: "v1" });
    await spot.store("model", ["q"], "v2 answer", { version: "v2" });
    assert.equal(await spot.lookup("model", ["q"], { version: "v1" }), "v1 answer");
    assert.equal(await spot.lookup("model", ["q"], { version: "v2" }), "v2 answer");
    assert.equal(await spot.lookup("model", ["q"]), undefined);
    await spot.store("brief", ["q"], "soon gone", { retention: 1 });
    assert.equal(await spot.lookup("brief", ["q"]), "soon gone");
    await sleep(1100);
    assert.equal(await spot.lookup("brief", ["q"]), undefined);
  });

  it("shares one run between concurrent identical wraps and never stores a rejection", async () => {
    await using spot = new Spot("concurrent", { workspace: makeTempDir() });
    let runs = 0;
    const slow = async () => {
      runs += 1;
      await sleep(20);
      return runs;
    };
    const results = await Promise.all([
      spot.wrap("slow", ["a"], slow),
      spot.wrap("slow", ["a"], slow),
      spot.wrap("slow", ["a"], slow),
    ]);
    assert.deepEqual(results, [1, 1, 1]);
    await assert.rejects(
      spot.wrap("fails", ["a"], async () => {
        throw new Error("rate limited");
      }),
      /rate limited/,
    );
    assert.equal(await spot.lookup("fails", ["a"]), undefined);
  });

  it("records a stream a compute returns, and replays it", async () => {
    await using spot = new Spot("stream", { workspace: makeTempDir() });
    let runs = 0;
    async function* tokens() {
      runs += 1;
      yield* ["a", "b", "c"];
    }
    const collect = async (stream: AsyncIterable<string>) => {
      const chunks: string[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };
    assert.deepEqual(await collect(await spot.wrap("tokens", ["p"], tokens)), ["a", "b", "c"]);
    assert.deepEqual(await collect(await spot.wrap("tokens", ["p"], tokens)), ["a", "b", "c"]);
    assert.equal(runs, 1);
    await assert.rejects(spot.store("tokens", ["q"], tokens()), ValidationError);
  });

  it("runs hooks with the key data as the arguments", async () => {
    const seen: string[] = [];
    await using spot = new Spot("hooks", { workspace: makeTempDir() });
    const hooks = [
      {
        onCacheMiss: (context: HookResultContext) => {
          seen.push(`miss ${context.funcName} ${JSON.stringify(context.args)}`);
        },
        onCacheHit: (context: HookResultContext) => {
          seen.push(`hit ${JSON.stringify(context.result)}`);
        },
      },
    ];
    await spot.wrap("hooked", ["k"], () => 1, { hooks });
    await spot.wrap("hooked", ["k"], () => 2, { hooks });
    assert.deepEqual(seen, ['miss hooked [["k"]]', "hit 1"]);
  });

  it("refuses a missing name, a compute that is not a function, and mark-only options", async () => {
    await using spot = new Spot("refuse", { workspace: makeTempDir() });
    assert.throws(() => spot.wrap("", ["k"], () => 1), ValidationError);
    assert.throws(() => spot.wrap("x", ["k"], 42 as never), /compute to be a function/);
    assert.throws(() => spot.wrap("x", ["k"], () => 1, { keygen: () => "k" } as never), /keygen/);
    await assert.rejects(spot.lookup("x", [() => 1]), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      return true;
    });
  });

  it("plans once per options object: an adapter passing the same options pays no setup per hit", async () => {
    const spot = new Spot("explicit", { workspace: makeTempDir() });
    let versionReads = 0;
    const options = {
      get version() {
        versionReads++;
        return "v1";
      },
    };
    await spot.wrap("page", ["a"], async () => "<a>", options);
    const afterFirst = versionReads;
    for (let round = 0; round < 5; round++) {
      assert.equal(await spot.wrap("page", ["a"], async () => "<fresh>", options), "<a>");
      assert.equal(await spot.lookup("page", ["a"], options), "<a>");
    }
    assert.ok(afterFirst > 0, "the options were read for the first call");
    assert.equal(versionReads, afterFirst, "neither wrap nor lookup plans again");
    // A new options object is planned anew: changed options take effect.
    assert.equal(await spot.lookup("page", ["a"], { version: "v2" }), undefined);
    await spot.shutdown();
  });

  it("serves a value stored by another process", async () => {
    const workspace = makeTempDir();
    const script = `
      import { Spot } from "$ENTRY";
      const spot = new Spot("across", { workspace: ${JSON.stringify(workspace)} });
      let runs = 0;
      const value = await spot.wrap("embed", { text: "hello", model: "m" }, () => { runs += 1; return [0.1, 0.2]; });
      await spot.shutdown();
      console.log(JSON.stringify({ runs, value }));
    `;
    const first = await runScript(script, workspace);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { runs: 1, value: [0.1, 0.2] });
    const second = await runScript(script, workspace);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), { runs: 0, value: [0.1, 0.2] });
  });
});
