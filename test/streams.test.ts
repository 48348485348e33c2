/** @module test/streams — streams are cached: recorded while they stream, replayed on a hit (SPEC 7.2). */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ConfigurationError,
  type HookResultContext,
  KeyGen,
  SerializationError,
  Spot,
} from "../src/index.js";
import { makeTempDir, recordingLogger, runScript } from "./helpers.js";
import { programPath, requireProgram } from "./system-programs.js";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const chunks: T[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const reader = stream.getReader();
  const chunks: T[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

/** Rows written so far (background saves flushed first). */
async function countRows(spot: Spot): Promise<number> {
  await spot.flush();
  return spot.db.count({});
}

describe("streams", () => {
  for (const saveSync of [true, false]) {
    describe(
      saveSync ? "saved before the stream ends (saveSync)" : "saved in the background",
      () => {
        it("records an async generator while it streams and replays the same chunks on a hit", async () => {
          await using spot = new Spot("gen", { workspace: makeTempDir(), saveSync });
          let runs = 0;
          const chunks = ["Hel", "lo", ", ", "world", { usage: { tokens: 4 } }, 42n, null];
          const tokens = spot.mark(async function* tokens(prompt: string) {
            runs += 1;
            for (const chunk of chunks) yield chunk;
            void prompt;
          });
          assert.deepEqual(await collect(tokens("hi")), chunks);
          assert.deepEqual(await collect(tokens("hi")), chunks);
          assert.equal(runs, 1);
          assert.deepEqual(await collect(tokens("other")), chunks);
          assert.equal(runs, 2);
        });

        it("hands each chunk to the caller as it arrives, before the stream has ended", async () => {
          await using spot = new Spot("live", { workspace: makeTempDir(), saveSync });
          let release: () => void = () => {};
          const gate = new Promise<void>((resolve) => {
            release = resolve;
          });
          const slow = spot.mark(async function* slow() {
            yield "first";
            await gate;
            yield "second";
          });
          const iterator = slow()[Symbol.asyncIterator]();
          assert.deepEqual(await iterator.next(), { done: false, value: "first" });
          assert.equal(await countRows(spot), 0);
          release();
          assert.deepEqual(await iterator.next(), { done: false, value: "second" });
          assert.equal((await iterator.next()).done, true);
          assert.equal(await countRows(spot), 1);
        });

        it("starts nothing until the iterable is read, as a generator would", async () => {
          await using spot = new Spot("lazy", { workspace: makeTempDir(), saveSync });
          let runs = 0;
          const gen = spot.mark(async function* gen() {
            runs += 1;
            yield 1;
          });
          const iterable = gen();
          await sleep(5);
          assert.equal(runs, 0);
          assert.deepEqual(await collect(iterable), [1]);
          assert.equal(runs, 1);
        });

        it("stores nothing when the consumer breaks early, and runs again on the next call", async () => {
          await using spot = new Spot("break", { workspace: makeTempDir(), saveSync });
          let runs = 0;
          let cleanedUp = 0;
          const numbers = spot.mark(async function* numbers() {
            runs += 1;
            try {
              for (let i = 0; i < 10; i++) yield i;
            } finally {
              cleanedUp += 1;
            }
          });
          for await (const n of numbers()) {
            if (n === 2) break;
          }
          await sleep(5);
          assert.equal(cleanedUp, 1, "the source generator was stopped");
          assert.equal(await countRows(spot), 0);
          assert.deepEqual(await collect(numbers()), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
          assert.equal(runs, 2);
          assert.equal(await countRows(spot), 1);
        });

        it("stores nothing when the stream fails midway, and the caller gets the error", async () => {
          await using spot = new Spot("fail", { workspace: makeTempDir(), saveSync });
          let runs = 0;
          const flaky = spot.mark(async function* flaky() {
            runs += 1;
            yield "a";
            if (runs === 1) throw new Error("connection reset");
            yield "b";
          });
          const seen: string[] = [];
          await assert.rejects(async () => {
            for await (const chunk of flaky()) seen.push(chunk);
          }, /connection reset/);
          assert.deepEqual(seen, ["a"]);
          assert.equal(await countRows(spot), 0);
          assert.deepEqual(await collect(flaky()), ["a", "b"]);
          assert.equal(runs, 2);
        });

        it("stores nothing when the run is aborted through an AbortController", async () => {
          await using spot = new Spot("abort", { workspace: makeTempDir(), saveSync });
          const controller = new AbortController();
          const ticks = spot.mark(
            async function* ticks(count: number, signal?: AbortSignal) {
              for (let i = 0; i < count; i++) {
                signal?.throwIfAborted();
                yield i;
                await sleep(1);
              }
            },
            { keygen: KeyGen.ignore("signal") },
          );
          const seen: number[] = [];
          await assert.rejects(async () => {
            for await (const tick of ticks(5, controller.signal)) {
              seen.push(tick);
              if (tick === 1) controller.abort();
            }
          }, /abort/i);
          assert.deepEqual(seen, [0, 1]);
          assert.equal(await countRows(spot), 0);
          assert.deepEqual(await collect(ticks(5)), [0, 1, 2, 3, 4]);
        });

        it("shares one run between concurrent identical calls; a late caller still gets every chunk", async () => {
          await using spot = new Spot("share", { workspace: makeTempDir(), saveSync });
          let runs = 0;
          let release: () => void = () => {};
          const gate = new Promise<void>((resolve) => {
            release = resolve;
          });
          const story = spot.mark(async function* story() {
            runs += 1;
            yield "once";
            yield "upon";
            await gate;
            yield "a time";
          });
          const first = story()[Symbol.asyncIterator]();
          assert.deepEqual(await first.next(), { done: false, value: "once" });
          assert.deepEqual(await first.next(), { done: false, value: "upon" });
          const second = collect(story());
          await sleep(5);
          release();
          const rest: string[] = [];
          for (let step = await first.next(); step.done !== true; step = await first.next()) {
            rest.push(step.value);
          }
          assert.deepEqual(rest, ["a time"]);
          assert.deepEqual(await second, ["once", "upon", "a time"]);
          assert.equal(runs, 1);
        });

        it("keeps the shared run going while one caller still reads after another broke off", async () => {
          await using spot = new Spot("share-break", { workspace: makeTempDir(), saveSync });
          let runs = 0;
          const letters = spot.mark(async function* letters() {
            runs += 1;
            for (const letter of "abcdef") {
              await sleep(1);
              yield letter;
            }
          });
          const quitter = (async () => {
            for await (const letter of letters()) if (letter === "b") break;
          })();
          const reader = collect(letters());
          await quitter;
          assert.deepEqual((await reader).join(""), "abcdef");
          assert.equal(runs, 1);
          assert.deepEqual((await collect(letters())).join(""), "abcdef");
          assert.equal(runs, 1);
        });

        it("gives back a ReadableStream for a ReadableStream, live and on a hit", async () => {
          await using spot = new Spot("readable", { workspace: makeTempDir(), saveSync });
          let runs = 0;
          const body = spot.mark(async function body(parts: string[]) {
            runs += 1;
            return new ReadableStream<string>({
              start(controller) {
                for (const part of parts) controller.enqueue(part);
                controller.close();
              },
            });
          });
          const live = await body(["x", "y", "z"]);
          assert.ok(live instanceof ReadableStream);
          assert.deepEqual(await readAll(live), ["x", "y", "z"]);
          const replayed = await body(["x", "y", "z"]);
          assert.ok(replayed instanceof ReadableStream);
          assert.deepEqual(await readAll(replayed), ["x", "y", "z"]);
          assert.equal(runs, 1);
        });

        it("stores nothing when the reader of a ReadableStream cancels it", async () => {
          await using spot = new Spot("readable-cancel", { workspace: makeTempDir(), saveSync });
          let cancelled = false;
          const body = spot.mark(async function body() {
            let sent = 0;
            return new ReadableStream<string>({
              pull(controller) {
                sent += 1;
                controller.enqueue(`part ${sent}`);
                if (sent === 5) controller.close();
              },
              cancel() {
                cancelled = true;
              },
            });
          });
          const reader = (await body()).getReader();
          assert.deepEqual(await reader.read(), { done: false, value: "part 1" });
          await reader.cancel();
          await sleep(5);
          assert.ok(cancelled, "the source stream was cancelled");
          assert.equal(await countRows(spot), 0);
          assert.deepEqual(await readAll(await body()), [
            "part 1",
            "part 2",
            "part 3",
            "part 4",
            "part 5",
          ]);
          assert.equal(await countRows(spot), 1);
        });
      },
    );
  }

  it("caches a function that returns an SDK-like async iterable, giving back an async iterable", async () => {
    await using spot = new Spot("sdk", { workspace: makeTempDir() });
    class SdkStream {
      controller = new AbortController();
      constructor(private readonly parts: string[]) {}
      async *[Symbol.asyncIterator]() {
        for (const text of this.parts) yield { choices: [{ delta: { content: text } }] };
      }
    }
    let runs = 0;
    const create = spot.mark(async function create(prompt: string) {
      runs += 1;
      return new SdkStream(prompt.split(" "));
    });
    const live = await create("one two");
    const expected = [
      { choices: [{ delta: { content: "one" } }] },
      { choices: [{ delta: { content: "two" } }] },
    ];
    assert.deepEqual(await collect(live), expected);
    const replayed = await create("one two");
    assert.deepEqual(await collect(replayed), expected);
    assert.deepEqual(await collect(replayed), expected, "a replay can be read again");
    assert.equal(runs, 1);
  });

  it("replays with the original gaps when asked (at least as long as recorded)", async () => {
    await using spot = new Spot("pace", { workspace: makeTempDir() });
    const paced = spot.mark(
      async function* paced() {
        yield "a";
        await sleep(40);
        yield "b";
        await sleep(40);
        yield "c";
      },
      { replay: { pace: "original" } },
    );
    const fixed = spot.mark(
      async function* fixed() {
        yield* ["a", "b", "c"];
      },
      { replay: { pace: 30 } },
    );
    await collect(paced());
    await collect(fixed());
    let started = performance.now();
    assert.deepEqual(await collect(paced()), ["a", "b", "c"]);
    // Timers may fire up to a millisecond early by the clock read here.
    assert.ok(
      performance.now() - started >= 75,
      `original pace took ${performance.now() - started} ms`,
    );
    started = performance.now();
    assert.deepEqual(await collect(fixed()), ["a", "b", "c"]);
    assert.ok(
      performance.now() - started >= 55,
      `fixed pace took ${performance.now() - started} ms`,
    );
  });

  it("replays a stream recorded by another process", async () => {
    const workspace = makeTempDir();
    const script = `
      import { Spot } from "$ENTRY";
      const spot = new Spot("across", { workspace: ${JSON.stringify(workspace)} });
      let runs = 0;
      const words = spot.mark(async function* words(text: string) {
        runs += 1;
        for (const word of text.split(" ")) yield { word, at: new Date(0) };
      });
      const seen = [];
      for await (const chunk of words("streams cross processes")) seen.push(chunk.word + ":" + (chunk.at instanceof Date));
      await spot.shutdown();
      console.log(JSON.stringify({ runs, seen }));
    `;
    const first = await runScript(script, workspace);
    assert.equal(first.code, 0, first.stderr);
    const expected = ["streams:true", "cross:true", "processes:true"];
    assert.deepEqual(JSON.parse(first.stdout), { runs: 1, seen: expected });
    const second = await runScript(script, workspace);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), { runs: 0, seen: expected });
  });

  it("puts large recordings in blob storage and replays them chunk for chunk", async () => {
    await using spot = new Spot("blob", { workspace: makeTempDir(), saveBlob: true });
    const big = spot.mark(async function* big() {
      for (let i = 0; i < 1000; i++) yield `chunk ${i} `.repeat(10);
    });
    const recorded = await collect(big());
    const row = await Promise.resolve(spot.db.get(big.key()));
    assert.equal(row?.resultType, "FILE");
    assert.equal(row?.contentType, "application/x-beautyspot-stream");
    assert.deepEqual(await collect(big()), recorded);
  });

  it("reports the miss to hooks once the stream completed, with its chunks", async () => {
    const events: string[] = [];
    const hook = {
      onCacheMiss: (context: HookResultContext) => {
        events.push(`miss ${JSON.stringify(context.result)}`);
      },
      onCacheHit: (context: HookResultContext) => {
        events.push(`hit ${JSON.stringify(context.result)}`);
      },
    };
    await using spot = new Spot("hooks", { workspace: makeTempDir() });
    const two = spot.mark(
      async function* two() {
        yield 1;
        events.push("yielded 1");
        yield 2;
      },
      { hooks: [hook] },
    );
    await collect(two());
    await collect(two());
    assert.deepEqual(events, ["yielded 1", "miss [1,2]", "hit [1,2]"]);
  });

  it("peeks at a replay without running, invalidates, and keeps versions apart", async () => {
    await using spot = new Spot("peek", { workspace: makeTempDir() });
    let runs = 0;
    const v1 = spot.mark(
      async function* chat(prompt: string) {
        runs += 1;
        yield `v1 ${prompt}`;
      },
      { version: "v1" },
    );
    assert.equal(await v1.peek("x"), undefined);
    await collect(v1("x"));
    const peeked = await v1.peek("x");
    assert.ok(peeked !== undefined);
    assert.deepEqual(await collect(peeked), ["v1 x"]);
    assert.equal(runs, 1);
    assert.equal(await v1.invalidate("x"), true);
    assert.equal(await v1.peek("x"), undefined);
    await collect(v1("x"));
    assert.equal(runs, 2);
  });

  it("records in the background with saveSync: false", async () => {
    await using spot = new Spot("background", { workspace: makeTempDir(), saveSync: false });
    let runs = 0;
    const gen = spot.mark(async function* gen() {
      runs += 1;
      yield* [1, 2, 3];
    });
    assert.deepEqual(await collect(gen()), [1, 2, 3]);
    assert.deepEqual(await collect(gen()), [1, 2, 3]);
    await spot.flush();
    assert.deepEqual(await collect(gen()), [1, 2, 3]);
    assert.equal(runs, 1);
  });

  for (const saveSync of [true, false]) {
    it(`stores each chunk as it arrived, whatever the caller changes in it afterwards (saveSync: ${saveSync})`, async () => {
      await using spot = new Spot(`mutated_${saveSync}`, { workspace: makeTempDir(), saveSync });
      const deltas = spot.mark(async function* deltas() {
        yield { choices: [{ delta: { content: "Hel" } }] };
        yield Buffer.from([1, 2, 3]);
        yield { choices: [{ delta: { content: "lo" } }], usage: { tokens: 2 } };
      });
      // A consumer that edits what it receives, during the stream and after it ended.
      const received: unknown[] = [];
      for await (const chunk of deltas()) {
        received.push(chunk);
        if (chunk instanceof Uint8Array) chunk[0] = 99;
        else
          (chunk as { choices: { delta: { content: string } }[] }).choices[0]!.delta.content += "!";
      }
      (received[2] as { usage: { tokens: number } }).usage.tokens = 1000;
      await spot.flush();
      assert.deepEqual(await collect(deltas()), [
        { choices: [{ delta: { content: "Hel" } }] },
        Buffer.from([1, 2, 3]),
        { choices: [{ delta: { content: "lo" } }], usage: { tokens: 2 } },
      ]);
    });
  }

  it("reports a stream with an unstorable chunk in the background, naming the chunk, and stores nothing", async () => {
    const logger = recordingLogger();
    await using spot = new Spot("unstorable_bg", {
      workspace: makeTempDir(),
      logger,
      saveSync: false,
    });
    const withCallback = spot.mark(async function* withCallback() {
      yield "text";
      yield { onDone: () => {} };
    });
    assert.equal((await collect(withCallback())).length, 2);
    await spot.flush();
    assert.equal(await countRows(spot), 0);
    assert.match(logger.warnings.join("\n"), /withCallback[\s\S]*chunk 1 cannot be encoded/);
  });

  it("gives an async generator's wrapper the generator's throw and await-using: the run stops and nothing is stored", async () => {
    await using spot = new Spot("generator-protocol", { workspace: makeTempDir() });
    let runs = 0;
    const words = spot.mark(async function* words() {
      runs += 1;
      yield "a";
      yield "b";
    });
    const stream = words();
    assert.deepEqual(await stream.next(), { done: false, value: "a" });
    await assert.rejects(stream.throw(new Error("stop here")), /stop here/);
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
    {
      await using disposed = words();
      assert.deepEqual(await disposed.next(), { done: false, value: "a" });
    }
    assert.equal(await countRows(spot), 0);
    assert.deepEqual(await collect(words()), ["a", "b"]);
    assert.equal(runs, 3);
  });

  it("refuses generators in markSync and synchronous generators, saying what to use", () => {
    const spot = new Spot("refuse", { workspace: makeTempDir() });
    assert.throws(
      () =>
        spot.markSync(async function* gen() {
          yield 1;
        } as never),
      (error: unknown) =>
        error instanceof ConfigurationError && /markSync.*spot\.mark/.test(error.message),
    );
    assert.throws(
      () =>
        spot.mark(function* sync() {
          yield 1;
        }),
      (error: unknown) =>
        error instanceof ConfigurationError && /async function\*/.test(error.message),
    );
  });

  it("delivers a stream whose chunks cannot be stored, reports it, and stores nothing", async () => {
    const logger = recordingLogger();
    await using spot = new Spot("unstorable", { workspace: makeTempDir(), logger });
    let runs = 0;
    const withCallback = spot.mark(async function* withCallback() {
      runs += 1;
      yield "text";
      yield { onDone: () => {} };
    });
    assert.equal((await collect(withCallback())).length, 2);
    assert.equal(await countRows(spot), 0);
    assert.match(logger.warnings.join("\n"), /withCallback/);
    await collect(withCallback());
    assert.equal(runs, 2);
  });

  it('rejects at the end of a stream that cannot be stored under onSaveError: "throw"', async () => {
    await using spot = new Spot("unstorable-throw", { workspace: makeTempDir() });
    const withCallback = spot.mark(
      async function* withCallback() {
        yield "text";
        yield { onDone: () => {} };
      },
      { onSaveError: "throw" },
    );
    const seen: unknown[] = [];
    await assert.rejects(
      async () => {
        for await (const chunk of withCallback()) seen.push(chunk);
      },
      (error: unknown) =>
        error instanceof SerializationError &&
        Array.isArray((error as { result?: { chunks?: unknown[] } }).result?.chunks),
    );
    assert.equal(seen.length, 2);
    assert.equal(await countRows(spot), 0);
  });

  it("rejects a stream that cannot be read, and the next call runs again", async () => {
    await using spot = new Spot("locked", { workspace: makeTempDir() });
    let runs = 0;
    const locked = spot.mark(async function locked() {
      runs += 1;
      const stream = new ReadableStream<string>();
      if (runs === 1) stream.getReader();
      return stream;
    });
    await assert.rejects(locked(), TypeError);
    const second = await locked();
    assert.ok(second instanceof ReadableStream);
    assert.equal(runs, 2);
  });
});

describe("stored streams outside JavaScript", { skip: requireProgram("python-msgpack") }, () => {
  it("stores a recording as a plain MessagePack map any reader decodes", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("plain", { workspace });
    const words = spot.mark(async function* words() {
      yield* ["plain ", "data"];
    });
    await collect(words());
    await spot.shutdown();
    const out = execFileSync(programPath("python-msgpack"), [
      "-c",
      `
import sqlite3, msgpack, sys, json
con = sqlite3.connect(sys.argv[1])
data, content_type = con.execute("SELECT result_data, content_type FROM tasks").fetchone()
value = msgpack.unpackb(data)
print(json.dumps({"contentType": content_type, "stream": value["stream"], "chunks": value["chunks"], "times": len(value["at"])}))
`,
      join(workspace, "plain.db"),
    ]).toString();
    assert.deepEqual(JSON.parse(out), {
      contentType: "application/x-beautyspot-stream",
      stream: "iterable",
      chunks: ["plain ", "data"],
      times: 2,
    });
  });
});
