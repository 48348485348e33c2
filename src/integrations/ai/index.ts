/**
 * @module integrations/ai — `beautyspot/ai`: a Vercel AI SDK (`ai` 7.x) language model
 * middleware that caches `doGenerate` and `doStream`, so `generateText`, `generateObject`,
 * `streamText` and `streamObject` of a wrapped model answer from the Spot on a hit. Only types
 * come from `ai`: importing this module loads no SDK.
 */

import type { LanguageModelMiddleware } from "ai";
import type { ExplicitKeyOptions, Spot } from "../../index.js";
import { usageTokensOf } from "../usage.js";

type WrapGenerateOptions = Parameters<NonNullable<LanguageModelMiddleware["wrapGenerate"]>>[0];
type WrapStreamOptions = Parameters<NonNullable<LanguageModelMiddleware["wrapStream"]>>[0];
type GenerateResult = Awaited<ReturnType<WrapGenerateOptions["doGenerate"]>>;
type StreamResult = Awaited<ReturnType<WrapStreamOptions["doStream"]>>;
type StreamPart = StreamResult["stream"] extends ReadableStream<infer P> ? P : never;

/** Options of `beautyspotMiddleware`: those of `spot.wrap`, plus the name entries are stored under. */
export interface BeautySpotMiddlewareOptions extends ExplicitKeyOptions {
  /**
   * Prefix of the identities entries are stored under: `<name>.generate` and `<name>.stream`.
   * Give two middlewares of one Spot different names when their entries must not be shared.
   * @default "ai"
   */
  name?: string;
}

/**
 * The first chunk of a stored stream: what `doStream` returned beside the stream (request and
 * response metadata), so a replay gives back the same result shape.
 */
interface StreamMetadataChunk {
  readonly type: "beautyspot-stream-metadata";
  readonly request?: unknown;
  readonly response?: unknown;
}

/**
 * A middleware for `wrapLanguageModel({ model, middleware })` that caches the model's answers in
 * `spot`: generated results as they are, streams as their parts (replayed as a ReadableStream of
 * the same parts). Keyed by the model's provider and id and the call parameters (prompt,
 * settings, tools, provider options), never by abort signals or headers. A stream is stored only
 * when it completes without an error part; an aborted stream stores nothing.
 * @example const model = wrapLanguageModel({ model: openai("gpt-4o-mini"), middleware: beautyspotMiddleware(spot) });
 */
export function beautyspotMiddleware(
  spot: Spot,
  options: BeautySpotMiddlewareOptions = {},
): LanguageModelMiddleware {
  const { name = "ai", ...wrapOptions } = options;
  // One options object per middleware, so spot.wrap plans each identity once.
  const explicit: ExplicitKeyOptions = {
    ...wrapOptions,
    tokensOf: wrapOptions.tokensOf ?? tokensOfModelResult,
  };
  return {
    specificationVersion: "v4",
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const stored = await spot.wrap(
        `${name}.generate`,
        keyDataOf(model, params),
        async () => keepStorable(await doGenerate()) as GenerateResult,
        explicit,
      );
      return stored as GenerateResult;
    },
    wrapStream: async ({ doStream, params, model }) => {
      const recorded = (await spot.wrap(
        `${name}.stream`,
        keyDataOf(model, params),
        async () => recordableStream(await doStream()),
        explicit,
      )) as ReadableStream<StreamPart | StreamMetadataChunk>;
      return splitMetadata(recorded);
    },
  };
}

/**
 * The tokens of a model result: `usage` of a generated result, or of the `finish` part of a
 * recorded stream (an array of its parts).
 */
function tokensOfModelResult(result: unknown): number | undefined {
  if (!Array.isArray(result)) return usageTokensOf(result);
  for (let index = result.length - 1; index >= 0; index--) {
    const part = result[index] as { type?: unknown } | null;
    if (part?.type === "finish") return usageTokensOf(part);
  }
  return undefined;
}

/** What identifies a call: the model, and its parameters without transport details. */
function keyDataOf(
  model: WrapGenerateOptions["model"],
  params: WrapGenerateOptions["params"],
): unknown {
  const { abortSignal: _signal, headers: _headers, ...call } = params;
  return { provider: model.provider, modelId: model.modelId, params: call };
}

/**
 * The stream to record: the metadata chunk, then the model's parts. An error part ends the
 * stream with that error, so a failed answer is never stored and the caller still sees it.
 */
function recordableStream(result: StreamResult): ReadableStream<StreamPart | StreamMetadataChunk> {
  const { stream, ...rest } = result;
  const metadata = keepStorable(rest) as Omit<StreamResult, "stream">;
  const reader = stream.getReader();
  let sentMetadata = false;
  return new ReadableStream<StreamPart | StreamMetadataChunk>({
    async pull(controller) {
      if (!sentMetadata) {
        sentMetadata = true;
        controller.enqueue({ type: "beautyspot-stream-metadata", ...metadata });
        return;
      }
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
      } else if (value.type === "error") {
        controller.error(value.error);
        void reader.cancel(value.error).catch(() => {});
      } else {
        controller.enqueue(keepPlain(value) as StreamPart);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** The result of `doStream` from a recorded (or replayed) stream: its metadata, then its parts. */
async function splitMetadata(
  recorded: ReadableStream<StreamPart | StreamMetadataChunk>,
): Promise<StreamResult> {
  const reader = recorded.getReader();
  const first = await reader.read();
  const head = first.done ? undefined : first.value;
  const isMetadata = head?.type === "beautyspot-stream-metadata";
  const { type: _type, ...metadata } = (isMetadata ? head : { type: "" }) as StreamMetadataChunk;
  let pending = isMetadata || head === undefined ? undefined : head;
  const stream = new ReadableStream<StreamPart>({
    async pull(controller) {
      if (pending !== undefined) {
        controller.enqueue(pending as StreamPart);
        pending = undefined;
        return;
      }
      if (first.done) {
        controller.close();
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value as StreamPart);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { ...(metadata as Omit<StreamResult, "stream">), stream };
}

/**
 * What is stored of a model's result: its plain data, without the HTTP response headers (they
 * may carry cookies and account details, and describe the transport, not the answer).
 */
function keepStorable(result: { response?: unknown }): unknown {
  const plain = keepPlain(result) as { response?: { headers?: unknown } };
  if (plain.response !== undefined) delete plain.response.headers;
  return plain;
}

/**
 * `value` with only what can be stored and means the same when read back: primitives, dates,
 * byte arrays, arrays and plain objects. Functions, class instances (a `Headers`, a socket, an
 * abort signal) and symbols are left out, as JSON would.
 */
function keepPlain(value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    return typeof value === "function" || typeof value === "symbol" ? undefined : value;
  }
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(keepPlain);
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  const plain: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const kept = keepPlain(field);
    if (kept !== undefined) plain[key] = kept;
  }
  return plain;
}
