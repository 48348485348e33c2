/**
 * @module keys/sdk-objects — recognises LLM SDK clients and models among call arguments and
 * says what identifies them, by shape alone: no SDK is imported.
 *
 * A client or model object holds sockets, callbacks and back-references, none of which
 * identify a call; what does is where requests go (a client) or which model answers with
 * which settings (a model). Credentials are never part of a key: the same endpoint answers
 * the same question the same way whichever API key pays for it.
 */

/** What identifies a recognised SDK object; `canonical.ts` turns it into canonical text. */
export type SdkIdentity =
  | {
      /** An HTTP client generated from an OpenAPI spec (OpenAI, Anthropic, …). */
      readonly kind: "client";
      /** Constructor name, e.g. `"OpenAI"`, `"AzureOpenAI"`, `"Anthropic"`. */
      readonly className: string;
      readonly baseURL: string;
    }
  | {
      /** An AI SDK model (language, embedding, image, …), a class instance or a wrapped plain object. */
      readonly kind: "ai-sdk-model";
      readonly provider: string;
      readonly modelId: string;
      /** The model's own `settings` object (AI SDK 4), data fields only; `{}` when absent. */
      readonly settings: Readonly<Record<string, unknown>>;
    }
  | {
      /** A LangChain chat model or LLM (`ChatOpenAI`, `ChatAnthropic`, …). */
      readonly kind: "langchain-model";
      /** What its `_llmType()` says (`"openai"`), else the class name. */
      readonly provider: string;
      readonly className: string;
      readonly modelId: string;
      /** Its own data fields (temperature, maxTokens, stop, …) minus credentials and transport. */
      readonly settings: Readonly<Record<string, unknown>>;
    };

/**
 * The identity of `value` when it is a known SDK client or model, else `undefined`.
 * The shapes are strict (a client's resources point back at it; a model has its entry
 * points), so a user's own class is never mistaken for one and keeps its usual key.
 */
export function recognizeSdkObject(value: object): SdkIdentity | undefined {
  const record = value as Record<string, unknown>;
  if ("modelId" in record && "specificationVersion" in record) return recognizeAiSdkModel(record);
  if ("lc_namespace" in record) return recognizeLangChainModel(value, record);
  if ("baseURL" in record) return recognizeApiClient(value, record);
  return undefined;
}

/** AI SDK models: `specificationVersion` "v1"…, `provider`, `modelId` and a `do…` entry point. */
function recognizeAiSdkModel(record: Record<string, unknown>): SdkIdentity | undefined {
  const version = readSafely(record, "specificationVersion");
  const provider = readSafely(record, "provider");
  const modelId = readSafely(record, "modelId");
  if (typeof version !== "string" || !/^v\d+$/.test(version)) return undefined;
  if (typeof provider !== "string" || typeof modelId !== "string") return undefined;
  const entryPoints = ["doGenerate", "doStream", "doEmbed", "doRerank"];
  if (!entryPoints.some((name) => typeof readSafely(record, name) === "function")) return undefined;
  const settings = readSafely(record, "settings");
  return {
    kind: "ai-sdk-model",
    provider,
    modelId,
    settings: isPlainObject(settings) ? keepData(settings) : {},
  };
}

/** LangChain models: a Serializable (`lc_namespace`) with `_llmType()` and a model name. */
function recognizeLangChainModel(value: object, record: Record<string, unknown>) {
  if (!Array.isArray(readSafely(record, "lc_namespace"))) return undefined;
  const llmType = readSafely(record, "_llmType");
  if (typeof llmType !== "function") return undefined;
  const modelId =
    readSafely(record, "model") ?? readSafely(record, "modelName") ?? readSafely(record, "modelId");
  if (typeof modelId !== "string") return undefined;
  let provider: unknown;
  try {
    provider = (llmType as (this: object) => unknown).call(value);
  } catch {
    provider = undefined;
  }
  const className = nameOfClass(value);
  const settings: Record<string, unknown> = {};
  for (const name of Object.keys(record)) {
    if (isCredentialName(name) || LANGCHAIN_NOT_OUTPUT.has(name) || name.startsWith("lc_")) {
      continue;
    }
    const field = readSafely(record, name);
    // Unset options stay out, so an SDK release that adds one keeps the keys made before.
    if (field !== undefined && isData(field, 0)) settings[name] = field;
  }
  const endpoint = findEndpoint(record);
  if (endpoint !== undefined) settings.baseURL = endpoint;
  const identity: SdkIdentity = {
    kind: "langchain-model",
    provider: typeof provider === "string" ? provider : className,
    className,
    modelId,
    settings,
  };
  return identity;
}

/**
 * LangChain fields that change how a request travels, not what the model answers:
 * retries, timeouts, streaming transport, tracing and callbacks, the client options.
 */
const LANGCHAIN_NOT_OUTPUT: ReadonlySet<string> = new Set([
  "verbose",
  "callbacks",
  "tags",
  "metadata",
  "name",
  "timeout",
  "maxRetries",
  "maxConcurrency",
  "streaming",
  "streamUsage",
  "disableStreaming",
  "organization",
  "cache",
  "client",
  "clientConfig",
  "clientOptions",
  "configuration",
]);

/** Where a LangChain model sends its requests, when set (`configuration.baseURL`, …). */
function findEndpoint(record: Record<string, unknown>): string | undefined {
  for (const holder of ["clientConfig", "configuration", "clientOptions"]) {
    const options = readSafely(record, holder);
    if (typeof options === "object" && options !== null) {
      const baseURL = readSafely(options as Record<string, unknown>, "baseURL");
      if (typeof baseURL === "string") return baseURL;
    }
  }
  const own = readSafely(record, "baseURL") ?? readSafely(record, "apiUrl");
  return typeof own === "string" ? own : undefined;
}

/**
 * Stainless-generated API clients (OpenAI, Anthropic, and the many built the same way): a
 * string `baseURL` and resource objects whose `_client` points back at the client.
 */
function recognizeApiClient(value: object, record: Record<string, unknown>) {
  const baseURL = readSafely(record, "baseURL");
  if (typeof baseURL !== "string") return undefined;
  for (const name of Object.keys(record)) {
    const resource = readSafely(record, name);
    if (typeof resource !== "object" || resource === null) continue;
    const owner = readSafely(resource as Record<string, unknown>, "_client");
    // A Proxy around the client (an integration's wrapper) reaches resources whose
    // back-reference is the client inside it: the same endpoint.
    if (
      owner === value ||
      (typeof owner === "object" &&
        owner !== null &&
        readSafely(owner as Record<string, unknown>, "baseURL") === baseURL)
    ) {
      const identity: SdkIdentity = { kind: "client", className: nameOfClass(value), baseURL };
      return identity;
    }
  }
  return undefined;
}

/** API keys, tokens and passwords: never part of a key. `maxTokens` is not one of them. */
function isCredentialName(name: string): boolean {
  return /api_?key|secret|password|credential|auth_?token|access_?token|bearer/i.test(name);
}

/** A property read that a throwing getter cannot turn into a failed call. */
function readSafely(record: Record<string, unknown>, name: string): unknown {
  try {
    return record[name];
  } catch {
    return undefined;
  }
}

function nameOfClass(value: object): string {
  const prototype: unknown = Object.getPrototypeOf(value);
  const owner: unknown =
    prototype === null ? undefined : (prototype as { constructor?: unknown }).constructor;
  return typeof owner === "function" && owner.name !== "" ? owner.name : "Object";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The data fields of a settings object (callbacks and clients left out). */
function keepData(settings: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of Object.keys(settings)) {
    if (isCredentialName(name)) continue;
    const field = readSafely(settings, name);
    if (field !== undefined && isData(field, 0)) kept[name] = field;
  }
  return kept;
}

/** Settings nest a few levels at most (`modelKwargs.response_format.json_schema`). */
const MAX_SETTINGS_DEPTH = 8;

/** True for JSON-like data: primitives, arrays and plain objects of them, shallowly nested. */
function isData(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "undefined":
    case "bigint":
      return true;
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_SETTINGS_DEPTH) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        return value.every((item) => isData(item, depth + 1));
      }
      if (!isPlainObject(value)) return false;
      return Object.keys(value).every((name) => isData(value[name], depth + 1));
    }
    default:
      return false;
  }
}
