/**
 * @module test/types — the public generics are API: these assertions are checked by the
 * typecheck step (`npm run typecheck`), and the file also runs as an ordinary test.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  KeyGen,
  type MarkedFunction,
  type MarkedSyncFunction,
  type SaveErrorMode,
  SerializationError,
  Spot,
} from "../src/index.js";
import { makeTempDir } from "./helpers.js";

/** Compiles only when A and B are the same type. */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

describe("public types", () => {
  it("keeps parameters and awaits the result in mark", async () => {
    const spot = new Spot("types", { workspace: makeTempDir() });
    const summarize = spot.mark(async function summarize(text: string, limit?: number) {
      return { text, limit };
    });
    const plain = spot.mark(function add(a: number, b: number) {
      return a + b;
    });
    expectType<Equal<Parameters<typeof summarize>, [text: string, limit?: number]>>();
    expectType<
      Equal<ReturnType<typeof summarize>, Promise<{ text: string; limit: number | undefined }>>
    >();
    expectType<Equal<ReturnType<typeof plain>, Promise<number>>>();
    expectType<Equal<ReturnType<typeof plain.peek>, Promise<number | undefined>>>();
    expectType<Equal<typeof plain, MarkedFunction<[a: number, b: number], number>>>();
    // @ts-expect-error: wrong argument type
    void (() => plain("1", 2));
    assert.equal(await plain(1, 2), 3);
    await spot.shutdown();
  });

  it("returns synchronously from markSync and keeps consume's types", async () => {
    const spot = new Spot("types-sync", { workspace: makeTempDir() });
    const area = spot.markSync(function area(width: number, height: number) {
      return width * height;
    });
    expectType<Equal<typeof area, MarkedSyncFunction<[width: number, height: number], number>>>();
    expectType<Equal<ReturnType<typeof area>, number>>();
    const limited = spot.consume(async (prompt: string) => prompt.length, {
      cost: (prompt) => prompt.length,
    });
    expectType<Equal<typeof limited, (prompt: string) => Promise<number>>>();
    // @ts-expect-error: a custom keygen receives the marked function's parameters
    spot.mark(async (a: number) => a, { name: "n", keygen: (a: string) => a });
    assert.equal(area(2, 3), 6);
    assert.ok(KeyGen.ignore("width"));
    await spot.shutdown();
  });

  it("types cachedRun wrappers from the functions given", async () => {
    const spot = new Spot("types-run", { workspace: makeTempDir() });
    const result = await spot.cachedRun(
      [
        async function fetchLength(url: string) {
          return url.length;
        },
        function format(n: number) {
          return String(n);
        },
      ],
      {},
      async (fetchLength, format) => {
        expectType<Equal<Parameters<typeof fetchLength>, [url: string]>>();
        expectType<Equal<ReturnType<typeof format>, Promise<string>>>();
        return format(await fetchLength("abc"));
      },
    );
    expectType<Equal<typeof result, string>>();
    assert.equal(result, "3");
    await spot.shutdown();
  });

  it("types onSaveError as a Spot and mark option, and error.result as unknown", async () => {
    const spot = new Spot("types-save", { workspace: makeTempDir(), onSaveError: "throw" });
    expectType<Equal<SaveErrorMode, "warn" | "throw">>();
    // @ts-expect-error: only "warn" and "throw"
    void (() => spot.mark(async function bad() {}, { onSaveError: "ignore" }));
    const lenient = spot.mark(async function lenient() {}, { onSaveError: "warn" });
    const error = new SerializationError("cannot encode");
    expectType<Equal<typeof error.result, unknown>>();
    await lenient();
    await spot.shutdown();
  });

  it("types stream functions: an async generator's wrapper returns an iterable at once", async () => {
    await using spot = new Spot("types-streams", { workspace: makeTempDir() });
    const tokens = spot.mark(async function* tokens(prompt: string) {
      yield prompt.length;
    });
    expectType<Equal<ReturnType<typeof tokens>, AsyncIterableIterator<number>>>();
    expectType<Equal<ReturnType<typeof tokens.peek>, Promise<AsyncIterable<number> | undefined>>>();
    const readable = spot.mark(async function readable() {
      return new ReadableStream<string>();
    });
    expectType<Equal<ReturnType<typeof readable>, Promise<ReadableStream<string>>>>();
    class SdkStream implements AsyncIterable<{ delta: string }> {
      controller = new AbortController();
      async *[Symbol.asyncIterator]() {
        yield { delta: "x" };
      }
    }
    const sdk = spot.mark(async function sdk() {
      return new SdkStream();
    });
    // An SDK stream object comes back as a plain async iterable of its chunks.
    expectType<Equal<ReturnType<typeof sdk>, Promise<AsyncIterable<{ delta: string }>>>>();
    // @ts-expect-error: the pace is "none", "original" or a number of ms
    void (() => spot.mark(async function* paced() {}, { replay: { pace: "slow" } }));
    const seen: number[] = [];
    for await (const n of tokens("abc")) seen.push(n);
    assert.deepEqual(seen, [3]);
  });

  it("types explicit keys: wrap gives compute's result, lookup what the caller names", async () => {
    await using spot = new Spot("types-explicit", { workspace: makeTempDir() });
    const page = spot.wrap("fetchPage", ["https://example.com"], async () => "<html>");
    expectType<Equal<typeof page, Promise<string>>>();
    const tokens = spot.wrap("tokens", ["p"], async function* () {
      yield "a";
    });
    expectType<Equal<typeof tokens, Promise<AsyncIterable<string>>>>();
    const found = spot.lookup<string>("fetchPage", ["https://example.com"]);
    expectType<Equal<typeof found, Promise<string | undefined>>>();
    expectType<Equal<ReturnType<typeof spot.store>, Promise<void>>>();
    // @ts-expect-error: the key data is the argument list; the name is wrap's first argument
    void (() => spot.wrap("x", [1], () => 1, { name: "y" }));
    assert.equal(await page, "<html>");
    for await (const chunk of await tokens) assert.equal(chunk, "a");
  });
});
