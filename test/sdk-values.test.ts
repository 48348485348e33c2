/**
 * @module test/sdk-values — what LLM developers pass and return, with a real Spot: SDK clients
 * and models as arguments are keyed in one step, and an SDK result that cannot be stored still
 * reaches the caller with a warning that names what to return instead.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyGen, Spot, ValidationError } from "../src/index.js";
import { makeTempDir, recordingLogger } from "./helpers.js";
import {
  AIMessage,
  Anthropic,
  aiSdkOpenAIModel,
  ChatOpenAI,
  DefaultGenerateTextResult,
  OpenAI,
} from "./sdk-shapes.js";

function newSpot() {
  const logger = recordingLogger();
  const spot = new Spot("llm", { workspace: makeTempDir(), logger, saveSync: true });
  return { spot, logger };
}

const LOCAL = "http://127.0.0.1:1/v1";

describe("an SDK client or model passed to a marked function", () => {
  it("ask(client, prompt) is cached with no keygen, and another API key is a hit", async () => {
    const { spot, logger } = newSpot();
    let calls = 0;
    const ask = spot.mark(async function ask(_client: OpenAI | Anthropic, prompt: string) {
      calls += 1;
      return `answer to ${prompt}`;
    });
    assert.equal(await ask(new OpenAI({ baseURL: LOCAL, apiKey: "sk-a" }), "q"), "answer to q");
    assert.equal(await ask(new OpenAI({ baseURL: LOCAL, apiKey: "sk-b" }), "q"), "answer to q");
    assert.equal(calls, 1);
    await ask(new Anthropic({ baseURL: LOCAL }), "q");
    assert.equal(calls, 2, "another SDK is another key");
    assert.deepEqual(logger.warnings, []);
    await spot.shutdown();
  });

  it("a different model is a different key, for AI SDK and LangChain models", async () => {
    const { spot } = newSpot();
    let calls = 0;
    const ask = spot.mark(async function ask(_model: unknown, prompt: string) {
      calls += 1;
      return prompt;
    });
    await ask(aiSdkOpenAIModel("gpt-4o-mini"), "q");
    await ask(aiSdkOpenAIModel("gpt-4o-mini"), "q");
    assert.equal(calls, 1);
    await ask(aiSdkOpenAIModel("gpt-4o"), "q");
    assert.equal(calls, 2);
    await ask(new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0 }), "q");
    await ask(new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0 }), "q");
    assert.equal(calls, 3);
    await ask(new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0.7 }), "q");
    assert.equal(calls, 4, "a setting that changes the answer is part of the key");
    await spot.shutdown();
  });

  it("an unrecognised service object: the error's keygen works on the first try", async () => {
    class VectorStore {
      readonly url = "http://127.0.0.1:1";
      readonly owner: { store?: VectorStore } = {};
      readonly search = () => [];
      constructor() {
        this.owner.store = this;
      }
    }
    const { spot } = newSpot();
    async function retrieve(store: VectorStore, query: string) {
      return [store.url, query];
    }
    let suggestion = "";
    await assert.rejects(spot.mark(retrieve)(new VectorStore(), "q"), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      suggestion = /keygen: KeyGen\.ignore\("(\w+)"\)/.exec(error.message)?.[1] ?? "";
      return true;
    });
    assert.equal(suggestion, "store");
    const fixed = spot.mark(retrieve, { name: "retrieve2", keygen: KeyGen.ignore(suggestion) });
    assert.deepEqual(await fixed(new VectorStore(), "q"), ["http://127.0.0.1:1", "q"]);
    await spot.shutdown();
  });
});

describe("an SDK result that cannot be stored", () => {
  it("reaches the caller, and the warning names the plain fields and the integration", async () => {
    const { spot, logger } = newSpot();
    const generate = spot.mark(async function generate(_prompt: string) {
      return new DefaultGenerateTextResult("hi");
    });
    const result = await generate("q");
    assert.ok(result instanceof DefaultGenerateTextResult);
    assert.equal(logger.warnings.length, 1);
    const warning = logger.warnings[0] ?? "";
    assert.match(warning, /The result of generate was returned to the caller but not stored/);
    assert.match(warning, /Return `\.text`/);
    assert.match(warning, /`beautyspotMiddleware` from `beautyspot\/ai`/);
    assert.doesNotMatch(warning, /spot\.register/);
    await spot.shutdown();
  });

  it("a LangChain AIMessage: the warning names .content and beautyspot/langchain", async () => {
    const { spot, logger } = newSpot();
    const invoke = spot.mark(async function invoke(_prompt: string) {
      return new AIMessage("hi");
    });
    assert.equal((await invoke("q")).content, "hi");
    assert.match(logger.warnings[0] ?? "", /Return its `\.content`/);
    assert.match(logger.warnings[0] ?? "", /registerLangChainMessages\(spot\)/);
    await spot.shutdown();
  });
});
