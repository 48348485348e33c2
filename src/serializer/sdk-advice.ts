/**
 * @module serializer/sdk-advice — what to return instead of a value that cannot be stored and
 * that comes from an LLM SDK or the fetch API (an AI SDK result, a LangChain message, an
 * OpenAI or Anthropic stream, a `Response`). Recognised by class name and shape: no SDK is
 * imported. Registering such a class is not advice one can follow (the SDKs do not export
 * most of them), so each fix names plain fields, an integration, or the stream itself.
 */

/** What the value is, and what to return instead. */
export interface KnownValueAdvice {
  found: string;
  fix: string;
}

const AI_SDK_INTEGRATION =
  "or cache the model calls instead with the integration `beautyspotMiddleware` from `beautyspot/ai` (wrapLanguageModel({ model, middleware: beautyspotMiddleware(spot) }))";

const STREAM_FIX =
  "Streams are cached when the marked function returns the stream itself (a hit replays its chunks); a stream inside a result cannot be stored: return the stream itself, or read it to the end and return what it gave";

/** Per AI SDK result class: the plain fields to return. */
const AI_SDK_RESULTS: Readonly<Record<string, { call: string; fields: string }>> = {
  DefaultGenerateTextResult: {
    call: "generateText",
    fields: "`.text` (or { text: r.text, usage: r.usage, finishReason: r.finishReason })",
  },
  DefaultStepResult: { call: "generateText step", fields: "`.text` and `.toolCalls`" },
  DefaultGenerateObjectResult: {
    call: "generateObject",
    fields: "`.object` (or { object: r.object, usage: r.usage })",
  },
  DefaultStreamTextResult: {
    call: "streamText",
    fields:
      "the stream itself: return r.textStream (streams are cached), or `await r.text` for the whole text",
  },
  DefaultStreamObjectResult: {
    call: "streamObject",
    fields:
      "the stream itself: return r.partialObjectStream (streams are cached), or `await r.object`",
  },
  DefaultEmbedResult: { call: "embed", fields: "`.embedding` (a number array)" },
  DefaultEmbedManyResult: { call: "embedMany", fields: "`.embeddings`" },
  DefaultGenerateImageResult: {
    call: "generateImage",
    fields: "`.image.uint8Array` (bytes) or `.images.map((image) => image.uint8Array)`",
  },
  DefaultGeneratedFile: {
    call: "generated file",
    fields: "`.uint8Array` (bytes) and `.mediaType`",
  },
  DefaultGeneratedFileWithType: {
    call: "generated file",
    fields: "`.uint8Array` (bytes) and `.mediaType`",
  },
  DefaultSpeechResult: { call: "generateSpeech", fields: "`.audio.uint8Array` (bytes)" },
  DefaultTranscriptionResult: { call: "transcribe", fields: "`.text` (and `.segments`)" },
};

/** Fields an AI SDK result class has, for result classes this table does not know yet. */
const AI_SDK_RESULT_FIELDS = ["steps", "totalUsage", "usage", "finishReason", "response"];

/**
 * Advice for `value` when it is a known kind of SDK or fetch-API object, else `undefined`.
 * Only called while explaining a failed encode, never on the hot path.
 */
export function adviseForKnownValue(
  value: object,
  className: string,
): KnownValueAdvice | undefined {
  return (
    adviseForAiSdkResult(value, className) ??
    adviseForLangChainValue(value, className) ??
    adviseForFetchValue(value) ??
    adviseForProviderSdkValue(value, className) ??
    adviseForStream(value, className)
  );
}

function adviseForAiSdkResult(value: object, className: string): KnownValueAdvice | undefined {
  const known = AI_SDK_RESULTS[className];
  if (known === undefined) {
    if (!/^Default\w+Result$/.test(className)) return undefined;
    if (!AI_SDK_RESULT_FIELDS.some((field) => field in value)) return undefined;
  }
  const call = known?.call ?? "result";
  const fields = known?.fields ?? "the plain fields you need (text, object, usage)";
  return {
    found: `an AI SDK ${call} result (class ${className}, which \`ai\` does not export)`,
    fix: `Return ${fields} instead, ${AI_SDK_INTEGRATION}.`,
  };
}

function adviseForLangChainValue(value: object, className: string): KnownValueAdvice | undefined {
  const record = value as Record<string, unknown>;
  const namespace = readSafely(record, "lc_namespace");
  if (Array.isArray(namespace) && "content" in record && /Message(Chunk)?$/.test(className)) {
    return {
      found: `a LangChain message (class ${className})`,
      fix: "Return its `.content` (the text) instead, or store messages as they are: call `await registerLangChainMessages(spot)` from `beautyspot/langchain` once, or cache the model calls with the integration `BeautySpotCache` from `beautyspot/langchain` (new ChatOpenAI({ cache: new BeautySpotCache(spot) })).",
    };
  }
  if (className === "Document" && typeof readSafely(record, "pageContent") === "string") {
    return {
      found: "a LangChain Document",
      fix: "Return { pageContent: doc.pageContent, metadata: doc.metadata } instead.",
    };
  }
  if (Array.isArray(namespace)) {
    return {
      found: `a LangChain object (class ${className})`,
      fix: "Return the plain fields you need instead, or cache the model calls with the integration `BeautySpotCache` from `beautyspot/langchain`.",
    };
  }
  return undefined;
}

function adviseForFetchValue(value: object): KnownValueAdvice | undefined {
  if (typeof Response === "function" && value instanceof Response) {
    return {
      found: `a fetch Response (status ${value.status})`,
      fix: "Read its body inside the function and return that: `await response.json()`, `await response.text()` or `new Uint8Array(await response.arrayBuffer())` (with { status: response.status } if you need it).",
    };
  }
  if (typeof Headers === "function" && value instanceof Headers) {
    return {
      found: "a fetch Headers object",
      fix: "Return `Object.fromEntries(headers)` (a plain object of header names to values) instead.",
    };
  }
  if (typeof Blob === "function" && value instanceof Blob) {
    return {
      found: `a ${value.constructor.name} (${value.size} bytes)`,
      fix: "Return its bytes instead: `new Uint8Array(await blob.arrayBuffer())` (and blob.type if you need it).",
    };
  }
  return undefined;
}

/** OpenAI and Anthropic (Stainless) objects: streams with a final value, pages of a list. */
function adviseForProviderSdkValue(value: object, className: string): KnownValueAdvice | undefined {
  const record = value as Record<string, unknown>;
  const finalReaders: readonly [string, string][] = [
    ["finalChatCompletion", "`wrapOpenAI` from `beautyspot/openai`"],
    ["finalResponse", "`wrapOpenAI` from `beautyspot/openai`"],
    ["finalRunSteps", "`wrapOpenAI` from `beautyspot/openai`"],
    ["finalMessage", "`wrapAnthropic` from `beautyspot/anthropic`"],
  ];
  for (const [method, integration] of finalReaders) {
    if (typeof readSafely(record, method) === "function") {
      return {
        found: `an SDK stream helper (class ${className})`,
        fix: `Return \`await stream.${method}()\` (plain data) instead, or return the stream itself (streams are cached), or wrap the client with the integration ${integration}.`,
      };
    }
  }
  if (
    Array.isArray(readSafely(record, "data")) &&
    typeof readSafely(record, "getPaginatedItems") === "function"
  ) {
    return {
      found: `a page of an SDK list (class ${className})`,
      fix: "Return `page.data` (plain objects) instead, or collect every page: `for await (const item of list) items.push(item)` and return the items.",
    };
  }
  return undefined;
}

function adviseForStream(value: object, className: string): KnownValueAdvice | undefined {
  const isReadableStream = typeof ReadableStream === "function" && value instanceof ReadableStream;
  if (!isReadableStream && typeof readSafely(value, Symbol.asyncIterator) !== "function") {
    return undefined;
  }
  const kind = isReadableStream
    ? "a ReadableStream"
    : `an async iterable stream (class ${className})`;
  const integrations =
    "; for SDK streams, the integrations cache them for you (`beautyspotMiddleware` from `beautyspot/ai`, `wrapOpenAI` from `beautyspot/openai`, `wrapAnthropic` from `beautyspot/anthropic`)";
  return { found: kind, fix: `${STREAM_FIX}${integrations}.` };
}

function readSafely(record: object, name: string | symbol): unknown {
  try {
    return (record as Record<string | symbol, unknown>)[name];
  } catch {
    return undefined;
  }
}
