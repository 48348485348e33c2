/** @module test/integrations/anthropic — `beautyspot/anthropic` with the real SDK over its wire protocol. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MaintenanceService } from "../../src/index.js";
import type { LlmServer } from "../servers/llm.js";
import { startLlmServer } from "../servers/llm.js";
import { makeProject, runJson } from "./sdk-scenario.js";

const scenario = `
import Anthropic from "@anthropic-ai/sdk";
import { Spot } from "beautyspot";
import { wrapAnthropic } from "beautyspot/anthropic";

const spot = new Spot("llm", { workspace: process.env.WORKSPACE });
const anthropic = wrapAnthropic(
  new Anthropic({ apiKey: process.env.API_KEY, baseURL: process.env.BASE_URL, maxRetries: 0 }),
  spot,
);
const ask = (content: string) => ({
  model: "claude-test",
  max_tokens: 64,
  messages: [{ role: "user" as const, content }],
});
const out: Record<string, unknown> = {};

out.message = await anthropic.messages.create(ask("hello there"), {
  headers: { "x-run": process.env.RUN },
});
const events: unknown[] = [];
for await (const event of await anthropic.messages.create({ ...ask("stream me please"), stream: true })) {
  events.push(event);
}
out.stream = events;
// messages.stream() is the SDK's own helper: it passes through, uncached.
out.helper = await anthropic.messages.stream(ask("helper stream")).finalText();

const failed: unknown[] = [];
try {
  for await (const event of await anthropic.messages.create({ ...ask("FAIL_MID_STREAM here"), stream: true })) {
    failed.push(event);
  }
  out.failure = "completed";
} catch (error) {
  out.failure = (error as Error).constructor.name;
}
out.failedEvents = failed.length;

const controller = new AbortController();
let received = 0;
try {
  const stream = await anthropic.messages.create(
    { ...ask("SLOW_STREAM abort me"), stream: true },
    { signal: controller.signal },
  );
  for await (const _ of stream) {
    received += 1;
    if (received === 3) controller.abort();
  }
  out.abort = "completed";
} catch (error) {
  out.abort = (error as Error).name;
}
await spot.shutdown();
console.log(JSON.stringify(out));
`;

describe("beautyspot/anthropic", () => {
  let server: LlmServer;
  before(async () => {
    server = await startLlmServer();
  });
  after(() => server.close());

  test("a second process answers messages.create from the cache, streams event for event", async () => {
    const project = makeProject();
    const env = { WORKSPACE: `${project}/.beautyspot`, BASE_URL: server.url };
    const first = await runJson(scenario, project, { ...env, RUN: "1", API_KEY: "sk-ant-first" });
    assert.equal(server.count("hello there"), 1);
    assert.equal(server.count("stream me please"), 1);
    const types = (first.stream as { type: string }[]).map((event) => event.type);
    assert.equal(types[0], "message_start");
    assert.equal(types.at(-1), "message_stop");
    assert.equal(first.helper, "echo: helper stream");

    const second = await runJson(scenario, project, { ...env, RUN: "2", API_KEY: "sk-ant-second" });
    assert.equal(server.count("hello there"), 1, "headers and API key are not part of the key");
    assert.equal(server.count("stream me please"), 1);
    assert.deepEqual(second.message, first.message);
    assert.deepEqual(second.stream, first.stream);
    assert.equal(server.count("helper stream"), 2, "messages.stream passes through");
  });

  test("records the tokens of each message and stream: a second process's answers count as hits and tokens saved", async () => {
    const project = makeProject();
    const env = { WORKSPACE: `${project}/.beautyspot`, BASE_URL: server.url, API_KEY: "sk" };
    const first = await runJson(scenario, project, { ...env, RUN: "1" });
    await runJson(scenario, project, { ...env, RUN: "2" });
    type Usage = { input_tokens: number; output_tokens: number };
    const message = (first.message as { usage: Usage }).usage;
    const events = first.stream as { type: string; message?: { usage: Usage }; usage?: Usage }[];
    const input = events.find((event) => event.type === "message_start")?.message?.usage
      .input_tokens;
    const output = events.find((event) => event.type === "message_delta")?.usage?.output_tokens;
    const service = MaintenanceService.fromPath(join(project, ".beautyspot", "llm.db"));
    const records = await service.listTasks({ func: "anthropic.messages.create" });
    const stats = await service.stats();
    service.close();
    assert.deepEqual(
      records.map((record) => record.tokens).sort(),
      [message.input_tokens + message.output_tokens, (input ?? 0) + (output ?? 0)].sort(),
    );
    assert.equal(stats.byFunction["anthropic.messages.create"]?.hits, 2);
    assert.ok((stats.byFunction["anthropic.messages.create"]?.tokensSaved ?? 0) > 0);
  });

  test("a stream that fails midway or is aborted reaches the caller as an error and is never stored", async () => {
    const project = makeProject();
    const env = { WORKSPACE: `${project}/.beautyspot`, BASE_URL: server.url, API_KEY: "sk-ant" };
    const failedBefore = server.count("FAIL_MID_STREAM here");
    const abortedBefore = server.count("SLOW_STREAM abort me");
    const first = await runJson(scenario, project, { ...env, RUN: "1" });
    const second = await runJson(scenario, project, { ...env, RUN: "2" });
    for (const run of [first, second]) {
      assert.equal(run.failure, "APIError");
      assert.equal(run.abort, "AbortError");
    }
    assert.equal(server.count("FAIL_MID_STREAM here") - failedBefore, 2);
    assert.equal(server.count("SLOW_STREAM abort me") - abortedBefore, 2);
  });
});
