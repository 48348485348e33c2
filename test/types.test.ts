/**
 * @module test/types — the public generics are API: these assertions are checked by the
 * typecheck step (`npm run typecheck`), and the file also runs as an ordinary test.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ContentType,
  KeyGen,
  type MarkedFunction,
  type MarkedSyncFunction,
  MsgpackSerializer,
  Retention,
  type RetentionSpec,
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

  it("types spot.mark(options) as a method decorator of both flavours", async () => {
    const spot = new Spot("types-decorators", { workspace: makeTempDir() });
    const decorator = spot.mark({ version: "v1" });
    type Summarize = (text: string) => Promise<string>;
    type Echo = <T>(value: T) => Promise<T>;
    type Add = (a: number, b: number) => number;
    const summarize: Summarize = async (text) => text;
    const context = {} as ClassMethodDecoratorContext<object, Summarize>;
    // TC39: (method, context) returns the method; an async method keeps its exact type.
    expectType<Equal<ReturnType<typeof decorator<object, Summarize>>, Summarize>>();
    expectType<Equal<ReturnType<typeof decorator<object, Echo>>, Echo>>();
    void (() => decorator(summarize, context));
    // An async generator method keeps its type too: a cached stream is read with for await.
    type Tokens = (prompt: string) => AsyncGenerator<string>;
    expectType<Equal<ReturnType<typeof decorator<object, Tokens>>, Tokens>>();
    const streamLegacy = (descriptor: TypedPropertyDescriptor<Tokens>) =>
      decorator({}, "tokens", descriptor);
    expectType<Equal<ReturnType<typeof streamLegacy>, TypedPropertyDescriptor<Tokens>>>();
    // experimentalDecorators: (target, key, descriptor) returns a descriptor of the same type.
    const legacy = (descriptor: TypedPropertyDescriptor<Summarize>) =>
      decorator({}, "summarize", descriptor);
    expectType<Equal<ReturnType<typeof legacy>, TypedPropertyDescriptor<Summarize>>>();
    // A synchronous method would turn async: its declared type cannot hold the cached one.
    const sync = (descriptor: TypedPropertyDescriptor<Add>) => decorator({}, "add", descriptor);
    // @ts-expect-error: Promise<number> is not number
    expectType<Equal<ReturnType<typeof sync>, TypedPropertyDescriptor<Add>>>();
    // @ts-expect-error: the key is a string or a symbol
    void (() => decorator({}, 1, {} as TypedPropertyDescriptor<Summarize>));
    await spot.shutdown();
  });

  it("passes what encode returns to decode, as the README's register examples write it", async () => {
    const spot = new Spot("types-register", { workspace: makeTempDir() });
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    // README, Values: an array literal is a tuple, so x and y are numbers (not any).
    spot.register(Point, {
      code: 10,
      encode: (p) => [p.x, p.y],
      decode: ([x, y]) => {
        expectType<Equal<typeof x, number>>();
        return new Point(x, y);
      },
    });
    // README, Values: the class decorator cannot see its class, so encode's parameter says it.
    @spot.registerType({ code: 11, encode: (u: User) => u.toJSON(), decode: (d) => User.from(d) })
    class User {
      constructor(readonly name: string) {}
      toJSON() {
        return { name: this.name };
      }
      static from(data: { name: string }) {
        return new User(data.name);
      }
    }
    const serializer = new MsgpackSerializer();
    serializer.register(Point, {
      code: 12,
      // @ts-expect-error: decode takes a string, so encode must return one, not { x, y }
      encode: (p) => ({ x: p.x, y: p.y }),
      decode: (data: string) => new Point(Number(data), 0),
    });
    serializer.register(User, {
      code: 13,
      encode: (u) => u.name,
      // @ts-expect-error: decode must rebuild a User
      decode: (name) => ({ name }),
    });
    // Naming only the class keeps the former shape: decode receives unknown.
    serializer.registerType<Point>({
      code: 14,
      encode: (p) => [p.x, p.y],
      decode: (data) => {
        expectType<Equal<typeof data, unknown>>();
        return new Point(0, 0);
      },
    });
    const origin = spot.mark(async function origin() {
      return [new Point(1, 2), new User("ada")] as const;
    });
    const [point, user] = await origin();
    assert.ok(point instanceof Point && user instanceof User);
    await spot.shutdown();
  });

  it("accepts only retentions and content types that mark accepts at run time", async () => {
    const spot = new Spot("types-options", { workspace: makeTempDir() });
    const accepted: RetentionSpec[] = ["7d", "12h", "30m", "10s", "2w", "1.5h", "7 d", 3600];
    accepted.push(Retention.FOREVER);
    // @ts-expect-error: one number and one unit letter: "7d"
    void (() => accepted.push("7 days"));
    // @ts-expect-error: a unit is needed
    void (() => accepted.push("7"));
    async function fetchPage(url: string) {
      return url;
    }
    spot.mark(fetchPage, { contentType: ContentType.MARKDOWN, retention: "1d" });
    spot.mark(fetchPage, { contentType: "application/x-ndjson", name: "ndjson" });
    // @ts-expect-error: a content type is written type/subtype, such as ContentType.MARKDOWN
    void (() => spot.mark(fetchPage, { contentType: "markdown", name: "md" }));
    // @ts-expect-error: "7 days" is not a duration
    void (() => spot.mark(fetchPage, { retention: "7 days", name: "week" }));
    // What the types accept, mark accepts at run time.
    for (const [index, retention] of accepted.entries()) {
      spot.mark(fetchPage, { retention, name: `fetchPage_${index}` });
    }
    await spot.shutdown();
  });

  it("refuses at compile time a marked function whose result can never be stored", async () => {
    const spot = new Spot("types-storable", { workspace: makeTempDir() });
    const ids = async (list: number[]) => list.map(async (id) => id);
    const page = async () => ({ body: Promise.resolve("") });
    const makeAdder = () => (n: number) => n + 1;
    const handlers = async () => [() => 1];
    // @ts-expect-error: the result holds promises (a missing await or Promise.all)
    void (() => spot.mark(ids, { name: "ids" }));
    // @ts-expect-error: the result holds a promise
    void (() => spot.mark(page, { name: "page" }));
    // @ts-expect-error: the result is a function
    void (() => spot.markSync(makeAdder, { name: "makeAdder" }));
    // @ts-expect-error: the result holds functions
    void (() => spot.mark(handlers, { name: "handlers" }));
    class Money {
      constructor(readonly cents: number) {}
      format() {
        return `${this.cents / 100}`;
      }
    }
    // Instances with methods (registered classes), any, unknown and streams are left to run time.
    const price = spot.mark(async function price() {
      return { total: new Money(100), raw: JSON.parse("1") as unknown, at: new Date() };
    });
    expectType<Equal<Awaited<ReturnType<typeof price>>["total"], Money>>();
    const loose = async (text: string) => JSON.parse(text);
    const stream = async (): Promise<AsyncIterable<string>> => ({
      async *[Symbol.asyncIterator]() {},
    });
    void (() => spot.mark(loose, { name: "loose" }));
    void (() => spot.mark(stream, { name: "stream" }));
    const fetchJson = spot.mark(async function fetchJson<T>(url: string): Promise<T> {
      return JSON.parse(url) as T;
    });
    assert.equal(typeof fetchJson, "function");
    await spot.shutdown();
  });

  it("types stream functions: an async generator's wrapper returns an iterable at once", async () => {
    await using spot = new Spot("types-streams", { workspace: makeTempDir() });
    const tokens = spot.mark(async function* tokens(prompt: string) {
      yield prompt.length;
    });
    expectType<Equal<ReturnType<typeof tokens>, AsyncGenerator<number, void, unknown>>>();
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
