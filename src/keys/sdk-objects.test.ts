/** @module keys/sdk-objects.test — SDK clients and models as arguments: keyed by what identifies them. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AIMessage,
  Anthropic,
  AzureOpenAI,
  aiSdkOpenAIModel,
  ChatOpenAI,
  OpenAI,
  wrapLanguageModel,
} from "../../test/sdk-shapes.js";
import { ValidationError } from "../errors.js";
import { canonicalize, computeInputId } from "./canonical.js";
import { createInputIdFunction, KeyGen } from "./keygen.js";

const LOCAL = "http://127.0.0.1:1/v1";
const OTHER = "http://127.0.0.1:2/v1";

describe("an API client argument (OpenAI, Anthropic)", () => {
  it("is keyed by its kind and endpoint, not by its API key", () => {
    const paidByA = computeInputId([new OpenAI({ baseURL: LOCAL, apiKey: "sk-a" }), "q"]);
    const paidByB = computeInputId([new OpenAI({ baseURL: LOCAL, apiKey: "sk-b" }), "q"]);
    assert.equal(paidByA, paidByB);
    assert.equal(
      canonicalize([new OpenAI({ baseURL: LOCAL, apiKey: "sk-secret" })]),
      `[{"$sdkClient":["OpenAI","${LOCAL}"]}]`,
    );
  });

  it("gives a different key for another endpoint, another SDK or another question", () => {
    const ids = new Set([
      computeInputId([new OpenAI({ baseURL: LOCAL }), "q"]),
      computeInputId([new OpenAI({ baseURL: OTHER }), "q"]),
      computeInputId([new AzureOpenAI({ baseURL: LOCAL }), "q"]),
      computeInputId([new Anthropic({ baseURL: LOCAL }), "q"]),
      computeInputId([new OpenAI({ baseURL: LOCAL }), "q2"]),
      computeInputId([{ baseURL: LOCAL }, "q"]),
    ]);
    assert.equal(ids.size, 6);
  });

  it("is keyed the same through a Proxy around it (as a wrapping integration makes)", () => {
    const client = new OpenAI({ baseURL: LOCAL });
    assert.equal(canonicalize([new Proxy(client, {})]), `[{"$sdkClient":["OpenAI","${LOCAL}"]}]`);
  });

  it("is keyed the same inside an options object", () => {
    const id = computeInputId([{ client: new Anthropic({ baseURL: LOCAL }), prompt: "q" }]);
    assert.equal(id, computeInputId([{ client: new Anthropic({ baseURL: LOCAL }), prompt: "q" }]));
  });
});

describe("an AI SDK model argument", () => {
  it("is keyed by provider and model id", () => {
    assert.equal(
      canonicalize([aiSdkOpenAIModel("gpt-4o-mini", LOCAL)]),
      '[{"$sdkModel":["ai-sdk","openai.chat","gpt-4o-mini",{}]}]',
    );
    assert.notEqual(
      computeInputId([aiSdkOpenAIModel("gpt-4o-mini"), "q"]),
      computeInputId([aiSdkOpenAIModel("gpt-4o"), "q"]),
    );
  });

  it("is keyed when wrapped by wrapLanguageModel (a plain object of functions)", () => {
    const wrapped = wrapLanguageModel(aiSdkOpenAIModel("gpt-4o-mini"));
    assert.equal(
      canonicalize([{ model: wrapped, prompt: "q" }]),
      '[{"model":{"$sdkModel":["ai-sdk","openai.chat","gpt-4o-mini",{}]},"prompt":"q"}]',
    );
    assert.notEqual(
      computeInputId([wrapLanguageModel(aiSdkOpenAIModel("gpt-4o"))]),
      computeInputId([wrapped]),
    );
  });
});

describe("a LangChain chat model argument", () => {
  it("is keyed by provider, class, model and the settings that change its answers", () => {
    const base = computeInputId([new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0 }), "q"]);
    assert.notEqual(
      base,
      computeInputId([new ChatOpenAI({ model: "gpt-4o-mini", temperature: 1 }), "q"]),
    );
    assert.notEqual(
      base,
      computeInputId([new ChatOpenAI({ model: "gpt-4o", temperature: 0 }), "q"]),
    );
    assert.notEqual(
      base,
      computeInputId([
        new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0, configuration: { baseURL: LOCAL } }),
        "q",
      ]),
    );
  });

  it("leaves unset options out, so an SDK release that adds one keeps the key", () => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0 });
    const id = computeInputId([model]);
    Object.assign(model, { newOptionOfNextRelease: undefined });
    assert.equal(computeInputId([model]), id);
    model.temperature = 0.5;
    assert.notEqual(computeInputId([model]), id, "a setting changed after construction counts");
  });

  it("leaves API keys, callbacks and the lazily made client out of the key", () => {
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-a" });
    const id = computeInputId([model]);
    const other = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-b", callbacks: [() => 1] });
    other.client = new OpenAI();
    assert.equal(computeInputId([other]), id);
    const text = canonicalize([model]);
    assert.doesNotMatch(text, /sk-a/);
    assert.match(text, /^\[\{"\$sdkModel":\["langchain","openai","ChatOpenAI","gpt-4o-mini",/);
  });
});

describe("an object the key cannot identify", () => {
  class Connection {
    readonly host = "db.local";
    readonly pool: { owner?: Connection } = {};
    readonly query = () => [];
    constructor() {
      this.pool.owner = this;
    }
  }

  it("suggests leaving out the whole argument, and following that works in one step", () => {
    function lookup(connection: Connection, id: number) {
      return [connection, id];
    }
    const inputIdOf = createInputIdFunction(lookup, undefined, "lookup");
    assert.throws(
      () => inputIdOf([new Connection(), 1]),
      (error: unknown) =>
        error instanceof ValidationError &&
        /args\[0\] is an instance of class Connection with several fields/.test(error.message) &&
        error.message.includes('keygen: KeyGen.ignore("connection")'),
    );
    const fixed = createInputIdFunction(lookup, KeyGen.ignore("connection"), "lookup");
    assert.equal(fixed([new Connection(), 1]), fixed([new Connection(), 1]));
    assert.notEqual(fixed([new Connection(), 1]), fixed([new Connection(), 2]));
  });

  it("names the object inside an options argument, not a path deep inside it", () => {
    function lookup(opts: { connection: Connection; id: number }) {
      return opts;
    }
    const inputIdOf = createInputIdFunction(lookup, undefined, "lookup");
    assert.throws(
      () => inputIdOf([{ connection: new Connection(), id: 1 }]),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message.includes('KeyGen.ignore("opts.connection")'),
    );
  });

  it("names every callback of an options object in one suggestion, which then works", () => {
    function render(
      page: number,
      opts: { draft: boolean; onStart: () => void; onEnd: () => void },
    ) {
      return [page, opts];
    }
    const args = [1, { draft: true, onStart: () => {}, onEnd: () => {} }];
    const inputIdOf = createInputIdFunction(render, undefined, "render");
    assert.throws(
      () => inputIdOf(args),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message.includes('keygen: KeyGen.ignore("opts.onEnd", "opts.onStart")'),
    );
    const fixed = createInputIdFunction(
      render,
      KeyGen.ignore("opts.onEnd", "opts.onStart"),
      "render",
    );
    assert.equal(fixed(args), fixed([1, { draft: true, onStart: () => 1, onEnd: () => 2 }]));
    assert.notEqual(fixed(args), fixed([1, { draft: false, onStart: () => 1, onEnd: () => 2 }]));
  });

  it("keeps a user's class with a baseURL field keyed by its fields", () => {
    class Endpoint {
      constructor(readonly baseURL: string) {}
    }
    assert.equal(
      canonicalize([new Endpoint(LOCAL)]),
      `[{"$class":["Endpoint",{"baseURL":"${LOCAL}"}]}]`,
    );
  });

  it("keeps a LangChain message keyed by its fields (it is data, not a model)", () => {
    assert.match(canonicalize([new AIMessage("hi")]), /^\[\{"\$class":\["AIMessage",/);
  });
});
