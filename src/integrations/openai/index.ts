/**
 * @module beautyspot/openai — `wrapOpenAI(client, spot, options?)`: an OpenAI client whose
 * `chat.completions.create`, `responses.create` and `embeddings.create` are cached, streams
 * (`stream: true`) included. Only the SDK's types are imported: the client the user made is
 * wrapped, so this module loads no SDK code and works with whichever `openai` is installed.
 */

import type { OpenAI } from "openai";
import type { Spot } from "../../index.js";
import type { CachedClientOptions, CachedEndpoint } from "../sdk-client.js";
import { wrapSdkClient } from "../sdk-client.js";
import { lastChunkUsageTokens, usageTokensOf } from "../usage.js";

/** Options of `wrapOpenAI`; `name` defaults to `"openai"`. */
export type WrapOpenAIOptions = CachedClientOptions;

/** The methods that are cached; everything else on the client is passed through. */
const CACHED_ENDPOINTS: readonly CachedEndpoint[] = [
  {
    path: "chat.completions.create",
    // A complete stream gives every choice a finish_reason (a usage chunk may follow).
    isFinalChunk: (chunk) =>
      (chunk as { choices?: { finish_reason?: unknown }[] } | null)?.choices?.some(
        (choice) => choice.finish_reason != null,
      ) === true,
    // A stream reports usage in its last chunk only with stream_options: { include_usage: true }.
    tokensOf: (result) =>
      Array.isArray(result) ? lastChunkUsageTokens(result) : usageTokensOf(result),
  },
  {
    path: "responses.create",
    isFinalChunk: (chunk) => {
      const type = (chunk as { type?: unknown } | null)?.type;
      return type === "response.completed" || type === "response.incomplete";
    },
    tokensOf: (result) =>
      Array.isArray(result)
        ? lastChunkUsageTokens(
            result.map((chunk) => (chunk as { response?: unknown } | null)?.response),
          )
        : usageTokensOf(result),
  },
  { path: "embeddings.create", isFinalChunk: () => true, tokensOf: usageTokensOf },
];

/**
 * The same client, with `chat.completions.create`, `responses.create` and `embeddings.create`
 * cached in `spot` (identities `openai.chat.completions.create`, …). Keyed by the request body
 * and the client's kind and baseURL (never its API key); request options (signal, headers,
 * idempotency key) are used but not keyed. With `stream: true` the result is an async iterable
 * of the chunks, live on a miss and replayed on a hit; it is not the SDK's `Stream` object (no
 * `controller`, no `toReadableStream()`), and no result has `.withResponse()`.
 *
 * @example
 * const openai = wrapOpenAI(new OpenAI(), spot, { version: "v1" });
 * const completion = await openai.chat.completions.create({ model, messages });
 */
export function wrapOpenAI<C extends OpenAI>(
  client: C,
  spot: Spot,
  options?: WrapOpenAIOptions,
): C {
  return wrapSdkClient(client, spot, CACHED_ENDPOINTS, "openai", "wrapOpenAI", options);
}

export type { CachedClientOptions };
