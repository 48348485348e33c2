/**
 * @module test/sdk-shapes — the runtime shapes of LLM SDK objects, as the real packages build
 * them (`openai`, `@anthropic-ai/sdk`, `ai` + `@ai-sdk/openai`, `@langchain/openai`): own
 * fields, back-references, prototype methods and getters, with the same class names. They stand
 * in for the packages, which the tests do not install; beautyspot recognises SDK objects by
 * shape, never by importing an SDK.
 */

/** Stainless resources keep a back-reference to their client (`this._client = client`). */
class APIResource {
  protected _client: unknown;
  constructor(client: unknown) {
    this._client = client;
  }
}
class Completions extends APIResource {
  create(_body: unknown): Promise<unknown> {
    return Promise.resolve({});
  }
}
class Chat extends APIResource {
  completions = new Completions(this._client);
}
class Admin extends APIResource {}
class Embeddings extends APIResource {}
class Messages extends APIResource {}
class Models extends APIResource {}

interface ClientOptions {
  apiKey?: string;
  baseURL?: string;
  organization?: string;
}

/** `new OpenAI({ apiKey, baseURL })`: fields as openai@5+ sets them. */
export class OpenAI {
  apiKey: string;
  organization: string | null;
  project: string | null = null;
  baseURL: string;
  maxRetries = 2;
  timeout = 600_000;
  logger: Console = console;
  logLevel: string | undefined = undefined;
  fetchOptions: unknown = undefined;
  fetch: typeof fetch = (...args) => fetch(...args);
  _options: ClientOptions;
  completions = new Completions(this);
  chat = new Chat(this);
  embeddings = new Embeddings(this);
  models = new Models(this);
  admin = new Admin(this);
  constructor(options: ClientOptions = {}) {
    this._options = options;
    this.apiKey = options.apiKey ?? "sk-test";
    this.organization = options.organization ?? null;
    this.baseURL = options.baseURL ?? "https://api.openai.com/v1";
  }
}

/** `new AzureOpenAI(...)`: a subclass, its own kind of client. */
export class AzureOpenAI extends OpenAI {}

/** `new Anthropic({ apiKey, baseURL })`. */
export class Anthropic {
  apiKey: string | null;
  authToken: string | null = null;
  baseURL: string;
  maxRetries = 2;
  timeout = 600_000;
  fetch: typeof fetch = (...args) => fetch(...args);
  _options: ClientOptions;
  completions = new Completions(this);
  messages = new Messages(this);
  models = new Models(this);
  constructor(options: ClientOptions = {}) {
    this._options = options;
    this.apiKey = options.apiKey ?? null;
    this.baseURL = options.baseURL ?? "https://api.anthropic.com";
  }
}

interface ProviderConfig {
  provider: string;
  url: (options: { path: string }) => string;
  headers: () => Record<string, string>;
  fetch?: typeof fetch;
}

/** `openai.chat("gpt-4o-mini")` from `@ai-sdk/openai`: `provider` is a getter on the class. */
export class OpenAIChatLanguageModel {
  readonly specificationVersion = "v2";
  readonly modelId: string;
  readonly supportedUrls = { "image/*": [/^https?:\/\/.*$/] };
  private readonly config: ProviderConfig;
  constructor(modelId: string, config: ProviderConfig) {
    this.modelId = modelId;
    this.config = config;
  }
  get provider(): string {
    return this.config.provider;
  }
  doGenerate(_options: unknown): Promise<unknown> {
    return Promise.resolve({});
  }
  doStream(_options: unknown): Promise<unknown> {
    return Promise.resolve({});
  }
}

/** `createOpenAI({ baseURL, apiKey })(modelId)` with the chat API. */
export function aiSdkOpenAIModel(modelId: string, baseURL = "https://api.openai.com/v1") {
  const apiKey = "sk-test";
  return new OpenAIChatLanguageModel(modelId, {
    provider: "openai.chat",
    url: ({ path }) => `${baseURL}${path}`,
    headers: () => ({ Authorization: `Bearer ${apiKey}` }),
  });
}

/** `wrapLanguageModel({ model, middleware })`: a plain object of fields and functions. */
export function wrapLanguageModel(model: OpenAIChatLanguageModel) {
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (options: unknown) => model.doGenerate(options),
    doStream: (options: unknown) => model.doStream(options),
  };
}

/** LangChain's `AsyncCaller`: a queue and functions. */
class AsyncCaller {
  maxConcurrency = Number.POSITIVE_INFINITY;
  maxRetries = 6;
  onFailedAttempt = () => {};
  queue = { add: (task: () => unknown) => task() };
}

interface ChatOpenAIFields {
  model?: string;
  temperature?: number;
  maxTokens?: number;
  apiKey?: string;
  configuration?: { baseURL?: string };
  callbacks?: unknown[];
}

/** `new ChatOpenAI({ model, temperature, apiKey })` from `@langchain/openai`. */
export class ChatOpenAI {
  lc_serializable = true;
  lc_kwargs: ChatOpenAIFields;
  lc_namespace = ["langchain", "chat_models", "openai"];
  verbose = false;
  callbacks: unknown[] | undefined;
  tags: string[] = [];
  metadata: Record<string, unknown> = {};
  caller = new AsyncCaller();
  temperature: number | undefined;
  topP: number | undefined = undefined;
  frequencyPenalty: number | undefined = undefined;
  n: number | undefined = undefined;
  model: string;
  modelName: string;
  modelKwargs: Record<string, unknown> | undefined = undefined;
  stop: string[] | undefined = undefined;
  maxTokens: number | undefined;
  streaming = false;
  streamUsage = true;
  apiKey: string | undefined;
  openAIApiKey: string | undefined;
  organization: string | undefined = undefined;
  clientConfig: { apiKey?: string; baseURL?: string; dangerouslyAllowBrowser: boolean };
  client: OpenAI | undefined = undefined;
  constructor(fields: ChatOpenAIFields = {}) {
    this.lc_kwargs = fields;
    this.model = fields.model ?? "gpt-3.5-turbo";
    this.modelName = this.model;
    this.temperature = fields.temperature;
    this.maxTokens = fields.maxTokens;
    this.apiKey = fields.apiKey ?? "sk-test";
    this.openAIApiKey = this.apiKey;
    this.callbacks = fields.callbacks;
    this.clientConfig = {
      apiKey: this.apiKey,
      dangerouslyAllowBrowser: true,
      ...(fields.configuration?.baseURL === undefined
        ? {}
        : { baseURL: fields.configuration.baseURL }),
    };
  }
  _llmType(): string {
    return "openai";
  }
  invoke(_input: unknown): Promise<AIMessage> {
    return Promise.resolve(new AIMessage("hi"));
  }
}

/** LangChain's `AIMessage`: a Serializable in the "messages" namespace. */
export class AIMessage {
  lc_serializable = true;
  lc_kwargs: Record<string, unknown>;
  lc_namespace = ["langchain_core", "messages"];
  content: string;
  additional_kwargs: Record<string, unknown> = {};
  response_metadata: Record<string, unknown> = { model_name: "gpt-4o-mini" };
  id: string | undefined = "chatcmpl-1";
  tool_calls: unknown[] = [];
  usage_metadata = { input_tokens: 3, output_tokens: 1, total_tokens: 4 };
  constructor(content: string) {
    this.content = content;
    this.lc_kwargs = { content };
  }
  get text(): string {
    return this.content;
  }
  _getType(): string {
    return "ai";
  }
}

/** What `generateText(...)` resolves to in `ai`: a class the package does not export. */
export class DefaultGenerateTextResult {
  readonly steps: unknown[];
  readonly totalUsage = { inputTokens: 3, outputTokens: 1, totalTokens: 4 };
  readonly resolvedOutput: unknown = undefined;
  constructor(text: string) {
    this.steps = [{ content: [{ type: "text", text }], finishReason: "stop" }];
  }
  get text(): string {
    return "hi";
  }
  get usage() {
    return this.totalUsage;
  }
  get finishReason(): string {
    return "stop";
  }
  get response(): { id: string; modelId: string; headers: Headers } {
    return { id: "r1", modelId: "gpt-4o-mini", headers: new Headers() };
  }
}

/** What `generateObject(...)` resolves to. */
export class DefaultGenerateObjectResult {
  readonly object: unknown;
  readonly finishReason = "stop";
  readonly usage = { inputTokens: 3, outputTokens: 1, totalTokens: 4 };
  readonly response: { id: string; modelId: string; headers: Headers } = {
    id: "r1",
    modelId: "gpt-4o-mini",
    headers: new Headers(),
  };
  constructor(object: unknown) {
    this.object = object;
  }
  toJsonResponse(): Response {
    return new Response(JSON.stringify(this.object));
  }
}

/** What `streamText(...)` returns (synchronously): a result with stream getters. */
export class DefaultStreamTextResult {
  readonly baseStream = new ReadableStream<unknown>();
  readonly output: unknown = undefined;
  get textStream(): ReadableStream<string> {
    return new ReadableStream<string>();
  }
  get text(): Promise<string> {
    return Promise.resolve("hi");
  }
}
