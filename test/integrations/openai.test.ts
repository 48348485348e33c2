/** @module test/integrations/openai — `beautyspot/openai` with the real SDK over its wire protocol. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MaintenanceService } from "../../src/index.js";
import type { LlmServer } from "../servers/llm.js";
import { startLlmServer } from "../servers/llm.js";
import { makeProject, runJson } from "./sdk-scenario.js";

const scenario = `
import OpenAI from "openai";
import { Spot } from "beautyspot";
import { wrapOpenAI } from "beautyspot/openai";

const spot = new Spot("llm", { workspace: process.env.WORKSPACE });
const openai = wrapOpenAI(
  new OpenAI({ apiKey: process.env.API_KEY, baseURL: process.env.BASE_URL + "/v1", maxRetries: 0 }),
  spot,
);
const model = "gpt-test";
const ask = (content: string) => ({ model, messages: [{ role: "user" as const, content }] });
const out: Record<string, unknown> = {};

out.chat = await openai.chat.completions.create(ask("hello there"), {
  headers: { "x-run": process.env.RUN },
  idempotencyKey: "request-" + process.env.RUN,
});
const chunks: unknown[] = [];
for await (const chunk of await openai.chat.completions.create({ ...ask("stream me please"), stream: true })) {
  chunks.push(chunk);
}
out.stream = chunks;
out.response = await openai.responses.create({ model, input: "respond please" });
const events: unknown[] = [];
for await (const event of await openai.responses.create({ model, input: "respond streaming", stream: true })) {
  events.push(event);
}
out.responseStream = events;
out.embeddings = await openai.embeddings.create({ model: "embed-test", input: ["embed me"] });
out.models = typeof openai.models.list;

const failed: unknown[] = [];
try {
  for await (const chunk of await openai.chat.completions.create({ ...ask("FAIL_MID_STREAM here"), stream: true })) {
    failed.push(chunk);
  }
  out.failure = "completed";
} catch (error) {
  out.failure = (error as Error).constructor.name;
}
out.failedChunks = failed.length;

const controller = new AbortController();
let received = 0;
try {
  const stream = await openai.chat.completions.create(
    { ...ask("SLOW_STREAM abort me"), stream: true },
    { signal: controller.signal },
  );
  for await (const _ of stream) {
    received += 1;
    if (received === 2) controller.abort();
  }
  out.abort = "completed";
} catch (error) {
  out.abort = (error as Error).name;
}
await spot.shutdown();
console.log(JSON.stringify(out));
`;

describe("beautyspot/openai", () => {
  let server: LlmServer;
  before(async () => {
    server = await startLlmServer();
  });
  after(() => server.close());

  test("a second process answers every cached request from the cache, streams chunk for chunk", async () => {
    const project = makeProject();
    const env = { WORKSPACE: `${project}/.beautyspot`, BASE_URL: server.url };
    const first = await runJson(scenario, project, { ...env, RUN: "1", API_KEY: "sk-first" });
    const sentByFirst = server.count();
    assert.equal(server.count("hello there"), 1);
    assert.equal(server.count("stream me please"), 1);
    assert.ok((first.stream as unknown[]).length > 3, "the stream came in several chunks");

    // Other headers, idempotency key and API key: none of them is part of the key.
    const second = await runJson(scenario, project, { ...env, RUN: "2", API_KEY: "sk-second" });
    for (const prompt of [
      "hello there",
      "stream me please",
      "respond please",
      "respond streaming",
      "embed me",
    ]) {
      assert.equal(server.count(prompt), 1, `${prompt} was sent once`);
    }
    assert.deepEqual(second.chat, first.chat);
    assert.deepEqual(second.stream, first.stream);
    assert.deepEqual(second.response, first.response);
    assert.deepEqual(second.responseStream, first.responseStream);
    assert.deepEqual(second.embeddings, first.embeddings);
    assert.equal(second.models, "function", "other methods pass through");
    // The two streams that did not complete were stored by neither process.
    assert.equal(server.count() - sentByFirst, 2);
    assert.equal(server.count("FAIL_MID_STREAM here"), 2);
    assert.equal(server.count("SLOW_STREAM abort me"), 2);
  });

  test("records the tokens each request reported: a second process's answers count as hits and tokens saved", async () => {
    const project = makeProject();
    const env = { WORKSPACE: `${project}/.beautyspot`, BASE_URL: server.url, API_KEY: "sk" };
    const first = await runJson(scenario, project, { ...env, RUN: "1" });
    await runJson(scenario, project, { ...env, RUN: "2" });
    type Usage = { input_tokens: number; output_tokens: number };
    const chat = (first.chat as { usage: { total_tokens: number } }).usage.total_tokens;
    const response = (first.response as { usage: Usage }).usage;
    const events = first.responseStream as { response?: { usage: Usage } }[];
    const streamed = events[events.length - 1]?.response?.usage ?? {
      input_tokens: Number.NaN,
      output_tokens: Number.NaN,
    };
    const embeddings = (first.embeddings as { usage: { total_tokens: number } }).usage.total_tokens;
    const service = MaintenanceService.fromPath(join(project, ".beautyspot", "llm.db"));
    const stats = await service.stats();
    const chatRecords = await service.listTasks({ func: "openai.chat.completions.create" });
    service.close();
    // The chat stream was not asked for usage (stream_options.include_usage): no count for it.
    assert.deepEqual(chatRecords.map((record) => record.tokens).sort(), [chat, null]);
    assert.equal(stats.byFunction["openai.chat.completions.create"]?.tokensSaved, chat);
    assert.equal(
      stats.byFunction["openai.responses.create"]?.tokensSaved,
      response.input_tokens +
        response.output_tokens +
        streamed.input_tokens +
        streamed.output_tokens,
    );
    assert.equal(stats.byFunction["openai.embeddings.create"]?.tokensSaved, embeddings);
    assert.equal(stats.byFunction["openai.responses.create"]?.hits, 2);
  });

  test("a stream that fails midway or is aborted reaches the caller as an error and is never stored", async () => {
    const project = makeProject();
    const env = { WORKSPACE: `${project}/.beautyspot`, BASE_URL: server.url, API_KEY: "sk" };
    const first = await runJson(scenario, project, { ...env, RUN: "1" });
    const second = await runJson(scenario, project, { ...env, RUN: "2" });
    for (const run of [first, second]) {
      assert.equal(run.failure, "APIError");
      assert.equal(run.failedChunks, 3);
      assert.equal(run.abort, "AbortError");
    }
  });
});
