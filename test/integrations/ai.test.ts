/** @module test/integrations/ai — `beautyspot/ai` with the real AI SDK against a local OpenAI-compatible server. */

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MaintenanceService } from "../../src/index.js";
import {
  type OpenAICompatibleServer,
  SESSION_COOKIE,
  startOpenAICompatibleServer,
} from "../servers/openai-compatible.js";
import { makeScriptDir, runLlmScript } from "./llm-scripts.js";

const prelude = `
import { Spot } from "$ENTRY";
import { beautyspotMiddleware } from "$AI";
import { wrapLanguageModel, generateText, generateObject, streamText, streamObject } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { z } from "zod";
const spot = new Spot("llm", { workspace: process.cwd() });
const openai = createOpenAI({ baseURL: process.env.BASE_URL, apiKey: "sk-test-local" });
const cached = (id: string) => wrapLanguageModel({ model: openai(id), middleware: beautyspotMiddleware(spot) });
`;

describe("beautyspot/ai", () => {
  let server: OpenAICompatibleServer;
  before(async () => {
    server = await startOpenAICompatibleServer();
  });
  after(() => server.close());

  /** The workspace of the last `twice`. */
  let lastDir = "";

  /** Runs `body` in two processes sharing one workspace; returns both outputs and requests per run. */
  async function twice(
    body: string,
  ): Promise<{ outputs: unknown[]; requests: number[]; stored: string }> {
    const dir = makeScriptDir();
    lastDir = dir;
    const outputs: unknown[] = [];
    const requests: number[] = [];
    for (let run = 0; run < 2; run++) {
      const before = server.requests.length;
      outputs.push(await runLlmScript(prelude + body, dir, server.baseURL));
      requests.push(server.requests.length - before);
    }
    return { outputs, requests, stored: readStored(dir) };
  }

  /** Every byte the Spot wrote below `dir` (its database and blobs), as latin1 text. */
  function readStored(dir: string): string {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.endsWith(".mts"))
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), "latin1"))
      .join("\n");
  }

  it("generateText: the second process answers from the cache with zero requests", async () => {
    const { outputs, requests, stored } = await twice(`
const result = await generateText({ model: cached("gpt-test"), prompt: "hello" });
await spot.shutdown();
console.log(JSON.stringify({ text: result.text, finish: result.finishReason, usage: result.usage.outputTokens, id: result.response.id, timestamp: result.response.timestamp.toISOString() }));
`);
    assert.deepEqual(requests, [1, 0]);
    assert.deepEqual(outputs[1], outputs[0]);
    assert.deepEqual(outputs[0], {
      text: "Echo: hello",
      finish: "stop",
      usage: 3,
      id: "resp_1",
      timestamp: "2026-01-01T00:00:00.000Z",
    });
    assert.ok(stored.includes("Echo: hello"), "the answer is stored");
    assert.ok(!stored.includes(SESSION_COOKIE.slice(8)), "response headers are not stored");
  });

  it("records each answer's tokens and duration: the cached answers of a second process count as hits and tokens saved", async () => {
    const { outputs } = await twice(`
const generated = await generateText({ model: cached("gpt-test"), prompt: "count my tokens" });
const streamed = streamText({ model: cached("gpt-test"), prompt: "count my streamed tokens" });
for await (const _ of streamed.textStream) {}
const usage = await streamed.usage;
await spot.shutdown();
console.log(JSON.stringify({ generated: generated.usage.inputTokens + generated.usage.outputTokens, streamed: usage.inputTokens + usage.outputTokens }));
`);
    const reported = outputs[0] as { generated: number; streamed: number };
    assert.ok(reported.generated > 0 && reported.streamed > 0);
    const service = MaintenanceService.fromPath(join(lastDir, "llm.db"));
    const stats = await service.stats();
    service.close();
    for (const [identity, tokens] of [
      ["ai.generate", reported.generated],
      ["ai.stream", reported.streamed],
    ] as const) {
      const group = stats.byFunction[identity];
      assert.equal(group?.hits, 1, identity);
      assert.equal(group?.tokensSaved, tokens, identity);
      assert.equal(group?.timedRows, 1, identity);
    }
  });

  it("keys by call parameters, never by abort signal or headers", async () => {
    const { outputs, requests } = await twice(`
const a = await generateText({ model: cached("gpt-test"), prompt: "one", abortSignal: new AbortController().signal, headers: { "x-run": String(Math.random()) } });
const b = await generateText({ model: cached("gpt-test"), prompt: "two" });
const c = await generateText({ model: cached("gpt-test"), prompt: "one", temperature: 0.5 });
const d = await generateText({ model: cached("gpt-other"), prompt: "one" });
await spot.shutdown();
console.log(JSON.stringify([a.text, b.text, c.text, d.text]));
`);
    assert.deepEqual(requests, [4, 0]);
    assert.deepEqual(outputs[0], ["Echo: one", "Echo: two", "Echo: one", "Echo: one"]);
    assert.deepEqual(outputs[1], outputs[0]);
  });

  it("generateObject: the parsed object comes back from the cache", async () => {
    const { outputs, requests } = await twice(`
const result = await generateObject({ model: cached("gpt-test"), schema: z.object({ answer: z.string() }), prompt: "forty-two" });
await spot.shutdown();
console.log(JSON.stringify(result.object));
`);
    assert.deepEqual(requests, [1, 0]);
    assert.deepEqual(outputs, [{ answer: "forty-two" }, { answer: "forty-two" }]);
  });

  it("streamText: replays the same stream parts chunk for chunk, with zero requests", async () => {
    const { outputs, requests } = await twice(`
const result = streamText({ model: cached("gpt-test"), prompt: "stream me" });
const deltas: string[] = [];
for await (const delta of result.textStream) deltas.push(delta);
const parts = [];
for await (const part of (await wrapLanguageModel({ model: openai("gpt-test"), middleware: beautyspotMiddleware(spot) }).doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "stream me" }] }] })).stream) parts.push(part);
await spot.shutdown();
console.log(JSON.stringify({ deltas, text: await result.text, finish: await result.finishReason, parts, timestamp: parts.find((p) => p.type === "response-metadata")?.timestamp instanceof Date }));
`);
    assert.deepEqual(requests, [2, 0]);
    assert.deepEqual(outputs[1], outputs[0]);
    const first = outputs[0] as {
      deltas: string[];
      text: string;
      parts: { type: string; delta?: string }[];
      timestamp: boolean;
    };
    assert.deepEqual(first.deltas, ["Echo", ": ", "stream me"]);
    assert.equal(first.text, "Echo: stream me");
    assert.equal(first.timestamp, true);
    const types = first.parts.map((part) => part.type);
    assert.deepEqual(types.slice(0, 2), ["stream-start", "response-metadata"]);
    assert.equal(types.at(-1), "finish");
    assert.deepEqual(
      first.parts.filter((part) => part.type === "text-delta").map((part) => part.delta),
      ["Echo", ": ", "stream me"],
    );
  });

  it("streamText with replay: { pace }: a hit replays the parts that far apart (UI work)", async () => {
    const { outputs, requests } = await twice(`
const model = wrapLanguageModel({ model: openai("gpt-paced"), middleware: beautyspotMiddleware(spot, { replay: { pace: 60 } }) });
const result = streamText({ model, prompt: "pace me" });
const arrivals: number[] = [];
const deltas: string[] = [];
for await (const delta of result.textStream) {
  deltas.push(delta);
  arrivals.push(performance.now());
}
await spot.shutdown();
console.log(JSON.stringify({ deltas, spread: (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0) }));
`);
    assert.deepEqual(requests, [1, 0]);
    const [live, replayed] = outputs as { deltas: string[]; spread: number }[];
    assert.deepEqual(replayed?.deltas, live?.deltas);
    assert.deepEqual(live?.deltas, ["Echo", ": ", "pace me"]);
    // Three deltas are two gaps of at least 60 ms apart on the replay.
    assert.ok((replayed?.spread ?? 0) >= 115, `the replay took ${replayed?.spread} ms`);
  });

  it("streamObject: the final object comes back from the cache", async () => {
    const { outputs, requests } = await twice(`
const result = streamObject({ model: cached("gpt-test"), schema: z.object({ answer: z.string() }), prompt: "streamed object" });
for await (const _partial of result.partialObjectStream) {}
await spot.shutdown();
console.log(JSON.stringify(await result.object));
`);
    assert.deepEqual(requests, [1, 0]);
    assert.deepEqual(outputs, [{ answer: "streamed object" }, { answer: "streamed object" }]);
  });

  it("a stream that fails midway is not stored: the next process asks again", async () => {
    const { outputs, requests } = await twice(`
const result = streamText({ model: cached("gpt-fail-midstream"), prompt: "break", maxRetries: 0, onError: () => {} });
let failed = false;
try { for await (const _part of result.fullStream) { if (_part.type === "error") failed = true; } } catch { failed = true; }
await spot.shutdown();
console.log(JSON.stringify({ failed, rows: await new Spot("llm", { workspace: process.cwd() }).db.count({}) }));
`);
    assert.deepEqual(requests, [1, 1]);
    assert.deepEqual(outputs, [
      { failed: true, rows: 0 },
      { failed: true, rows: 0 },
    ]);
  });

  it("an aborted stream is not stored: the next process asks again", async () => {
    const { outputs, requests } = await twice(`
const controller = new AbortController();
const result = streamText({ model: cached("gpt-slow"), prompt: "abort me", abortSignal: controller.signal, onError: () => {} });
let seen = 0;
try { for await (const _delta of result.textStream) { seen += 1; controller.abort(); } } catch {}
await new Promise((resolve) => setTimeout(resolve, 100));
await spot.shutdown();
console.log(JSON.stringify({ seen, rows: await new Spot("llm", { workspace: process.cwd() }).db.count({}) }));
`);
    assert.deepEqual(requests, [1, 1]);
    assert.deepEqual(outputs, [
      { seen: 1, rows: 0 },
      { seen: 1, rows: 0 },
    ]);
  });
});
