/** @module test/integrations/langchain — `beautyspot/langchain` with real LangChain.js against a local OpenAI-compatible server. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MaintenanceService } from "../../src/index.js";
import {
  type OpenAICompatibleServer,
  startOpenAICompatibleServer,
} from "../servers/openai-compatible.js";
import { makeScriptDir, runLlmScript } from "./llm-scripts.js";

const prelude = `
import { Spot } from "$ENTRY";
import { BeautySpotCache, registerLangChainMessages } from "$LANGCHAIN";
import { ChatOpenAI } from "@langchain/openai";
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
const spot = new Spot("llm", { workspace: process.cwd() });
const chat = (model = "gpt-test", cache: unknown = new BeautySpotCache(spot)) =>
  new ChatOpenAI({ model, cache: cache as never, maxRetries: 0, configuration: { baseURL: process.env.BASE_URL }, apiKey: "sk-test-local" });
`;

describe("beautyspot/langchain", () => {
  let server: OpenAICompatibleServer;
  before(async () => {
    server = await startOpenAICompatibleServer();
  });
  after(() => server.close());

  async function twice(body: string): Promise<{ outputs: unknown[]; requests: number[] }> {
    const dir = makeScriptDir();
    const outputs: unknown[] = [];
    const requests: number[] = [];
    for (let run = 0; run < 2; run++) {
      const before = server.requests.length;
      outputs.push(await runLlmScript(prelude + body, dir, server.baseURL));
      requests.push(server.requests.length - before);
    }
    return { outputs, requests };
  }

  it("BeautySpotCache: a chat model's second process answers with zero requests and a real AIMessage", async () => {
    const { outputs, requests } = await twice(`
const reply = await chat().invoke([new SystemMessage("be brief"), new HumanMessage("hello")]);
const other = await chat("gpt-other").invoke("hello");
const next = await chat().invoke([new HumanMessage("hello"), reply, new HumanMessage("again")]);
await spot.shutdown();
console.log(JSON.stringify({ isAI: reply instanceof AIMessage, text: reply.content, other: other.content, next: next.content }));
`);
    assert.deepEqual(requests, [3, 0]);
    assert.deepEqual(outputs[1], outputs[0]);
    assert.deepEqual(outputs[0], {
      isAI: true,
      text: "Echo: hello",
      other: "Echo: hello",
      next: "Echo: again",
    });
  });

  it("BeautySpotCache records each answer's tokens and the model call's duration; a second process's answers count as hits", async () => {
    const dir = makeScriptDir();
    const outputs: unknown[] = [];
    for (let run = 0; run < 2; run++) {
      outputs.push(
        await runLlmScript(
          `${prelude}
const reply = await chat().invoke("count my tokens");
await spot.shutdown();
console.log(JSON.stringify({ tokens: reply.usage_metadata?.total_tokens }));
`,
          dir,
          server.baseURL,
        ),
      );
    }
    const tokens = (outputs[0] as { tokens: number }).tokens;
    assert.ok(tokens > 0);
    const service = MaintenanceService.fromPath(join(dir, "llm.db"));
    const stats = await service.stats();
    const [record] = await service.listTasks({});
    service.close();
    assert.equal(stats.byFunction["langchain.cache"]?.hits, 1);
    assert.equal(stats.byFunction["langchain.cache"]?.tokensSaved, tokens);
    assert.ok((record?.durationMs ?? 0) > 0, `duration ${record?.durationMs}`);
  });

  it("registerLangChainMessages: a marked function returning messages gives back real instances", async () => {
    const { outputs, requests } = await twice(`
await registerLangChainMessages(spot);
const model = chat("gpt-test", false);
const answer = spot.mark(async function answer(question: string) {
  const reply = await model.invoke(question);
  return { reply, history: [new HumanMessage(question), reply, new ToolMessage({ content: "42", tool_call_id: "call_1" }), new AIMessageChunk("partial")] };
});
const { reply, history } = await answer("what is it");
const followUp = await model.invoke([...history.slice(0, 2), new HumanMessage("and then")]);
await spot.shutdown();
console.log(JSON.stringify({ classes: [reply, ...history].map((m) => m.constructor.name), text: reply.content, tool: (history[2] as ToolMessage).tool_call_id, followUp: followUp.content }));
`);
    assert.deepEqual(requests, [2, 1]);
    assert.deepEqual(outputs[1], outputs[0]);
    assert.deepEqual(outputs[0], {
      classes: ["AIMessage", "HumanMessage", "AIMessage", "ToolMessage", "AIMessageChunk"],
      text: "Echo: what is it",
      tool: "call_1",
      followUp: "Echo: and then",
    });
  });
});
