/**
 * @module test/recordings — recordings as test fixtures: record against a (local) paid API,
 * replay offline, export and import exactly, and refuse tampered files.
 */

import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  AlwaysBlobPolicy,
  CacheCorruptedError,
  CacheMissError,
  ConfigurationError,
  exportRecording,
  importRecording,
  MsgpackSerializer,
  readRecordingFile,
  Spot,
  ValidationError,
} from "../src/index.js";
import { readStoredArguments } from "../src/keys/arguments.js";
import { makeTempDir, recordingLogger, runScript } from "./helpers.js";

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

/** A stand-in for a paid completion API on 127.0.0.1 that counts the requests it serves. */
async function startPaidApi(): Promise<{
  url: string;
  requests: () => number;
  stop: () => Promise<void>;
}> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const { prompt } = JSON.parse(body) as { prompt: string };
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          id: `cmpl-${requests}`,
          text: `Summary of: ${prompt}`,
          tokens: prompt.length,
        }),
      );
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/complete`,
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        // fetch keeps connections alive: close them, or close() waits for their timeout.
        server.closeAllConnections();
      }),
  };
}

function newSpot(workspace: string, options: SpotSettings = {}) {
  return new Spot("llm", { workspace, logger: recordingLogger(), ...options });
}

function markSummarize(spot: Spot, url: string) {
  return spot.mark(
    async function summarize(prompt: string, options: { model: string; temperature: number }) {
      const response = await fetch(url, {
        method: "POST",
        body: JSON.stringify({ prompt, ...options }),
      });
      return (await response.json()) as { id: string; text: string; tokens: number };
    },
    { version: "v1" },
  );
}

describe("recordings as test fixtures", () => {
  it("records against a paid API, then replays offline with the server stopped; an edited argument is a CacheMissError saying so", async (t) => {
    const project = makeTempDir();
    const fixtures = join(project, "test", "fixtures", "llm.spot");
    const api = await startPaidApi();
    t.after(() => api.stop());

    const recorder = newSpot(join(project, "record-ws"), { fixtures, mode: "record" });
    const summarize = markSummarize(recorder, api.url);
    const first = await summarize("the quick brown fox", { model: "small", temperature: 0 });
    const second = await summarize("a lazy dog", { model: "small", temperature: 0 });
    await recorder.shutdown();
    assert.equal(api.requests(), 2);
    assert.ok(existsSync(fixtures), "record mode wrote the recording file");
    await api.stop();

    // CI: a fresh checkout (no database), the API unreachable, BEAUTYSPOT_MODE=replay.
    process.env.BEAUTYSPOT_MODE = "replay";
    const replayer = newSpot(join(project, "ci-ws"), { fixtures });
    const replayed = markSummarize(replayer, api.url);
    assert.deepEqual(
      await replayed("the quick brown fox", { model: "small", temperature: 0 }),
      first,
    );
    assert.deepEqual(await replayed("a lazy dog", { model: "small", temperature: 0 }), second);
    assert.equal(api.requests(), 2, "replay made no request");

    await assert.rejects(
      replayed("the quick brown fox", { model: "small", temperature: 0.7 }),
      (error: Error) => {
        assert.ok(error instanceof CacheMissError);
        assert.equal(error.funcName, "summarize");
        assert.match(error.message, /summarize has 2 stored entries/);
        assert.match(error.message, /an argument differs from every recorded call/);
        // The recording carries the stored arguments: the miss names the path and both values.
        assert.match(error.message, /options\.temperature: 0 → 0\.7/);
        return true;
      },
    );
    await replayer.shutdown();
    assert.equal(existsSync(join(project, "test", "fixtures", "llm.spot.lock")), false);
  });

  it("a recording exported from a database explains a replay miss like the database: the edited argument with both values", async (t) => {
    const project = makeTempDir();
    const fixtures = join(project, "test", "fixtures", "llm.spot");
    const api = await startPaidApi();
    t.after(() => api.stop());

    // Trial and error against the live API, cached in the project's database, then exported.
    const developer = newSpot(join(project, "dev-ws"));
    const summarize = markSummarize(developer, api.url);
    const recorded = await summarize("the quick brown fox", { model: "small", temperature: 0.2 });
    await summarize("a lazy dog", { model: "large", temperature: 0.2 });
    await developer.flush();
    const report = await exportRecording(storeOf(developer), fixtures);
    assert.equal(report.entries, 2);
    await developer.shutdown();
    await api.stop();
    const lines = readFileSync(fixtures, "utf8").trimEnd().split("\n").slice(1);
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.equal(typeof first.arguments, "string", "the stored arguments travel with the entry");
    assert.match(String(first.inputPreview), /^prompt=".*", options=\{model: "(small|large)"/);

    process.env.BEAUTYSPOT_MODE = "replay";
    const replayer = newSpot(join(project, "ci-ws"), { fixtures });
    const replayed = markSummarize(replayer, api.url);
    assert.deepEqual(
      await replayed("the quick brown fox", { model: "small", temperature: 0.2 }),
      recorded,
    );
    await assert.rejects(
      replayed("the quick brown fox", { model: "small", temperature: 0.7 }),
      (error: Error) => {
        assert.ok(error instanceof CacheMissError);
        assert.match(error.message, /Nearest stored entry/);
        assert.match(error.message, /options\.temperature: 0\.2 → 0\.7/);
        assert.doesNotMatch(error.message, /options\.model/, "the nearest entry is the one call");
        return true;
      },
    );
    const explanation = await replayed.explain("a lazy dog", { model: "small", temperature: 0.2 });
    assert.equal(explanation.hit, false);
    assert.equal(explanation.compared, 2);
    assert.deepEqual(
      explanation.nearest[0]?.differences.map((difference) => difference.path),
      ["options.model"],
    );
    await replayer.shutdown();
  });

  it("reads recordings written without stored arguments: they replay, and a miss says the arguments are not known", async () => {
    const project = makeTempDir();
    const fixtures = join(project, "old.spot");
    const developer = newSpot(join(project, "dev-ws"));
    const echo = developer.mark(async function echo(text: string, options: { loud: boolean }) {
      return options.loud ? text.toUpperCase() : text;
    });
    await echo("hello", { loud: true });
    await developer.flush();
    await exportRecording(storeOf(developer), fixtures);
    await developer.shutdown();
    // The layout before arguments were recorded: the same line without the two fields.
    const text = readFileSync(fixtures, "utf8");
    const old = text
      .split("\n")
      .map((line) => {
        if (!line.includes('"key"')) return line;
        const entry = JSON.parse(line) as Record<string, unknown>;
        delete entry.inputPreview;
        delete entry.argumentsPreview;
        delete entry.arguments;
        return JSON.stringify(entry);
      })
      .join("\n");
    assert.notEqual(old, text);
    writeFileSync(fixtures, old);
    const [entry] = readRecordingFile(fixtures) ?? [];
    assert.equal(entry?.arguments, null);
    assert.equal(entry?.inputPreview, null);

    const replayer = newSpot(join(project, "ci-ws"), { fixtures, mode: "replay" });
    const replayed = replayer.mark(async function echo(text: string, options: { loud: boolean }) {
      return assert.fail(`replay never runs (${text}, ${options.loud})`);
    });
    assert.equal(await replayed("hello", { loud: true }), "HELLO");
    await assert.rejects(replayed("hello", { loud: false }), (error: Error) => {
      assert.ok(error instanceof CacheMissError);
      assert.match(error.message, /arguments: not stored for this entry/);
      return true;
    });
    await replayer.shutdown();
    // Rewriting an old file without new entries keeps its bytes.
    const target = newSpot(join(project, "target"));
    await importRecording(fixtures, storeOf(target));
    const again = join(project, "again.spot");
    await exportRecording(storeOf(target), again);
    assert.equal(readFileSync(again, "utf8"), old);
    await target.shutdown();
  });

  it("serves hits from the recording before the database, in normal mode too", async () => {
    const project = makeTempDir();
    const fixtures = join(project, "llm.spot");
    const recorder = newSpot(join(project, "a"), { fixtures, mode: "record" });
    const answer = recorder.mark(async function answer(question: string) {
      return `recorded ${question}`;
    });
    await answer("why");
    await recorder.shutdown();

    const spot = newSpot(join(project, "b"), { fixtures });
    let runs = 0;
    const live = spot.mark(async function answer(question: string) {
      runs++;
      return `live ${question}`;
    });
    assert.equal(await live("why"), "recorded why");
    assert.equal(await live("how"), "live how", "a miss runs and goes to the database");
    assert.equal(runs, 1);
    await spot.shutdown();
    assert.equal(readRecordingFile(fixtures)?.length, 1, "normal mode leaves the recording alone");
  });

  it('takes singleFlight: "machine": the leases are held in the database behind the recordings', async () => {
    const project = makeTempDir();
    const fixtures = join(project, "llm.spot");
    const spot = newSpot(join(project, "ws"), { fixtures, singleFlight: "machine" });
    let runs = 0;
    const answer = spot.mark(async function answer(question: string) {
      runs++;
      await new Promise((resolveLater) => setTimeout(resolveLater, 20));
      return `answer to ${question}`;
    });
    const results = await Promise.all([answer("why"), answer("why")]);
    assert.deepEqual(results, ["answer to why", "answer to why"]);
    assert.equal(runs, 1);
    await spot.shutdown();
  });

  it("in replay a fixtures file that does not exist is a ConfigurationError naming it", () => {
    const project = makeTempDir();
    assert.throws(
      () => newSpot(project, { fixtures: join(project, "missing.spot"), mode: "replay" }),
      (error: Error) => error instanceof ConfigurationError && /missing\.spot/.test(error.message),
    );
    assert.throws(() => newSpot(project, { fixtures: [] as never }), ValidationError);
  });

  it('records one function marked mode: "record" (values kept as blobs too) and replays it with markSync', async () => {
    const project = makeTempDir();
    const fixtures = join(project, "fixtures", "media.spot");
    const spot = newSpot(join(project, "a"), { fixtures });
    const render = spot.mark(async (page: number) => Buffer.alloc(300_000, page), {
      name: "render",
      saveBlob: true,
      mode: "record",
    });
    const label = spot.mark(async (page: number) => `page ${page}`, { name: "label" });
    await render(1);
    await label(1);
    await spot.shutdown();
    const recorded = readRecordingFile(fixtures) ?? [];
    assert.deepEqual(
      recorded.map((entry) => entry.funcIdentifier),
      ["render"],
      "only the function in record mode goes to the recording",
    );
    assert.equal(existsSync(join(project, "fixtures", "media.spot.blobs")), true);

    const replay = newSpot(join(project, "b"), { fixtures, mode: "replay" });
    const replayed = replay.markSync((page: number) => Buffer.alloc(1, page), { name: "render" });
    assert.deepEqual(replayed(1), Buffer.alloc(300_000, 1));
    assert.equal(await replay.maintenance.countTasks({ func: "render" }), 1);
    assert.equal((await replay.maintenance.listTasks({}))[0]?.funcName, "render");
    await replay.shutdown();
  });

  it("parallel processes recording to one file keep every entry and leave a whole file", async () => {
    const project = makeTempDir();
    const fixtures = join(project, "shared.spot");
    const script = (id: number) => `
      import { Spot } from "$ENTRY";
      const spot = new Spot("t${id}", { workspace: ${JSON.stringify(join(project, `ws${id}`))}, fixtures: ${JSON.stringify(fixtures)}, mode: "record" });
      const work = spot.mark(async function work${id}(n: number) { return { worker: ${id}, n }; });
      for (let n = 0; n < 20; n++) await work(n);
      await spot.shutdown();
    `;
    const results = await Promise.all([1, 2, 3, 4].map((id) => runScript(script(id), project)));
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    const entries = readRecordingFile(fixtures) ?? [];
    assert.equal(entries.length, 80);
    assert.deepEqual(
      [...new Set(entries.map((entry) => entry.funcIdentifier))],
      ["work1", "work2", "work3", "work4"],
    );
  });
});

class Money {
  constructor(
    readonly amount: bigint,
    readonly currency: string,
  ) {}
}

/** Stores one entry of every value kind, one function each (blob ones too). */
async function fillEveryKind(workspace: string) {
  const spot = newSpot(workspace, { storagePolicy: new AlwaysBlobPolicy() });
  spot.register(Money, {
    code: 42,
    encode: (money) => [money.amount.toString(), money.currency],
    decode: ([amount, currency]: [string, string]) => new Money(BigInt(amount), currency),
  });
  const values: Record<string, unknown> = {
    plain: { text: "héllo\nworld", list: [1, 2.5, true, null], nested: { a: { b: "c" } } },
    date: new Date("2026-01-02T03:04:05.678Z"),
    map: new Map<unknown, unknown>([
      ["a", 1],
      [2, "b"],
    ]),
    set: new Set(["x", "y", 3]),
    bigint: 12345678901234567890123n,
    typed: new Float64Array([1.5, -2, Number.NaN]),
    bytes: new Uint8Array([0, 1, 2, 255]),
    buffer: Buffer.from("binary \u0000 data"),
    money: new Money(100n, "EUR"),
    nothing: undefined,
  };
  for (const [name, value] of Object.entries(values)) {
    const store = spot.mark(async () => value, { name: `kind.${name}` });
    await store();
  }
  // Two small inline ones, one large blob that goes to the sibling folder.
  const inline = spot.mark(async (text: string) => text, { name: "inline", saveBlob: false });
  await inline("short");
  const large = spot.mark(async () => Buffer.alloc(300_000, 7), { name: "large" });
  await large();
  const tokens = spot.mark(
    async function* tokens(prompt: string) {
      for (const word of prompt.split(" ")) yield { word, at: new Date(0) };
    },
    { name: "stream" },
  );
  for await (const _ of tokens("a stream of words")) {
    // consumed to the end: the stream is stored
  }
  await spot.shutdown();
  return {
    values,
    registerMoney: (target: Spot) =>
      target.register(Money, {
        code: 42,
        encode: (money) => [money.amount.toString(), money.currency],
        decode: ([amount, currency]: [string, string]) => new Money(BigInt(amount), currency),
      }),
  };
}

function storeOf(spot: Spot) {
  return { db: spot.db, storage: spot.storage };
}

describe("export and import", () => {
  it("round-trips every value kind exactly; export twice and export → import → export give identical bytes", async () => {
    const root = makeTempDir();
    const { values, registerMoney } = await fillEveryKind(join(root, "source"));
    const source = newSpot(join(root, "source"));
    const file = join(root, "every-kind.spot");
    const report = await exportRecording(storeOf(source), file);
    assert.equal(report.entries, Object.keys(values).length + 3);
    assert.equal(report.blobs, 1, "only the value over the threshold goes to the .blobs folder");
    const firstBytes = readFileSync(file);
    assert.match(
      firstBytes.toString("utf8"),
      /"inputPreview":"text=\\"short\\"","argumentsPreview":\{"format":1,"names":\["text"\],"values":\["short"\],"complete":true,"redacted":\[\]\},"arguments":"[A-Za-z0-9+/]+=*"/,
      "the stored arguments are exported (and the re-export below proves import keeps them)",
    );
    await exportRecording(storeOf(source), file);
    assert.deepEqual(readFileSync(file), firstBytes, "same entries, same bytes");
    await source.shutdown();

    const target = newSpot(join(root, "target"));
    const imported = await importRecording(file, storeOf(target));
    assert.equal(imported.entries, report.entries);
    const again = join(root, "again.spot");
    await exportRecording(storeOf(target), again);
    assert.equal(
      readFileSync(again, "utf8").replaceAll("again.spot.blobs/", "every-kind.spot.blobs/"),
      firstBytes.toString("utf8"),
      "export → import → export gives the same bytes",
    );
    await target.shutdown();

    const replay = newSpot(join(root, "target"), { mode: "replay" });
    registerMoney(replay);
    for (const [name, value] of Object.entries(values)) {
      const read = replay.mark(async (): Promise<unknown> => assert.fail("replay never runs"), {
        name: `kind.${name}`,
      });
      // Binary values come back as Buffer (a Uint8Array), as from any hit.
      const expected = value?.constructor === Uint8Array ? Buffer.from(value as Uint8Array) : value;
      assert.deepStrictEqual(await read(), expected, `kind ${name}`);
    }
    const large = replay.mark(async (): Promise<unknown> => undefined, { name: "large" });
    assert.deepEqual(await large(), Buffer.alloc(300_000, 7));
    const tokens = replay.mark(
      async function* tokens(prompt: string) {
        yield assert.fail(`replay never runs (${prompt})`);
      },
      { name: "stream" },
    );
    const replayed: unknown[] = [];
    for await (const chunk of tokens("a stream of words")) replayed.push(chunk);
    assert.deepStrictEqual(
      replayed,
      ["a", "stream", "of", "words"].map((word) => ({ word, at: new Date(0) })),
      "a stream round-trips chunk by chunk",
    );
    await replay.shutdown();
  });

  it("writes text that reviews and diffs well: sorted lines with a readable preview", async () => {
    const root = makeTempDir();
    const spot = newSpot(join(root, "ws"));
    const greet = spot.mark(async function greet(name: string) {
      return { greeting: `Hello, ${name}!` };
    });
    await greet("Ada");
    await greet("Grace");
    const file = join(root, "greet.spot");
    await exportRecording(storeOf(spot), file);
    await spot.shutdown();
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    assert.deepEqual(JSON.parse(lines[0] as string), {
      format: "beautyspot-recording",
      version: 1,
    });
    const entries = lines.slice(1).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      entries
        .map((entry) => entry.preview)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [{ greeting: "Hello, Ada!" }, { greeting: "Hello, Grace!" }],
    );
    const keys = entries.map((entry) => entry.key as string);
    assert.deepEqual(keys, [...keys].sort());
    assert.deepEqual(Object.keys(entries[0] as object), [
      "key",
      "func",
      "funcName",
      "inputId",
      "version",
      "contentType",
      "resultType",
      "updatedAt",
      "expiresAt",
      "size",
      "digest",
      "preview",
      "inputPreview",
      "argumentsPreview",
      "arguments",
      "data",
    ]);
  });

  it("import refuses an entry whose data or preview was altered, naming it, and writes nothing", async () => {
    const root = makeTempDir();
    const spot = newSpot(join(root, "ws"));
    const echo = spot.mark(async function echo(text: string) {
      return text;
    });
    await echo("original");
    const file = join(root, "echo.spot");
    await exportRecording(storeOf(spot), file);
    await spot.shutdown();
    const text = readFileSync(file, "utf8");
    const key = (JSON.parse(text.split("\n")[1] as string) as { key: string }).key;
    const serializer = new MsgpackSerializer();

    const alteredData = text.replace(
      `"data":"${Buffer.from(serializer.dumps("original")).toString("base64")}"`,
      `"data":"${Buffer.from(serializer.dumps("tampered")).toString("base64")}"`,
    );
    assert.notEqual(alteredData, text);
    writeFileSync(file, alteredData);
    const target = newSpot(join(root, "target"));
    await assert.rejects(importRecording(file, storeOf(target)), (error: Error) => {
      assert.ok(error instanceof CacheCorruptedError);
      assert.match(error.message, new RegExp(`${key} of echo`));
      assert.match(error.message, /line 2/);
      return true;
    });

    writeFileSync(file, text.replace('"preview":"original"', '"preview":"harmless"'));
    await assert.rejects(
      importRecording(file, storeOf(target)),
      /preview of the entry .* was edited/,
    );

    // The stored arguments are reviewed through their checked preview, as values are.
    const line = JSON.parse(text.split("\n")[1] as string) as Record<string, unknown>;
    const shown = line.argumentsPreview as { values: unknown; complete: boolean };
    assert.deepEqual([shown.values, shown.complete], [["original"], true]);
    const stored = readStoredArguments(Buffer.from(String(line.arguments), "base64"));
    assert.deepEqual(stored?.values, ["original"]);
    const hidden = Buffer.from(
      serializer.dumps({ ...stored, format: 1, values: ["something else"] }),
    ).toString("base64");
    writeFileSync(file, text.replace(String(line.arguments), hidden));
    await assert.rejects(importRecording(file, storeOf(target)), (error: Error) => {
      assert.ok(error instanceof CacheCorruptedError);
      assert.match(error.message, /stored arguments of the entry .* are not what the line shows/);
      return true;
    });
    assert.equal(await target.maintenance.countTasks({}), 0);
    await target.shutdown();
  });

  it("--func and --since choose the entries", async () => {
    const root = makeTempDir();
    const spot = newSpot(join(root, "ws"));
    const a = spot.mark(async function alpha(n: number) {
      return n;
    });
    const b = spot.mark(async function beta(n: number) {
      return n;
    });
    await a(1);
    await b(2);
    const file = join(root, "alpha.spot");
    assert.equal((await exportRecording(storeOf(spot), file, { func: "alpha" })).entries, 1);
    assert.equal((await exportRecording(storeOf(spot), file, { since: "1h" })).entries, 2);
    assert.equal((await exportRecording(storeOf(spot), file, { since: "2999-01-01" })).entries, 0);
    await assert.rejects(
      exportRecording(storeOf(spot), file, { since: "yesterday" }),
      ValidationError,
    );
    await spot.shutdown();
  });
});
