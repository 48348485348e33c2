/**
 * @module beautyspot/anthropic — `wrapAnthropic(client, spot, options?)`: an Anthropic client
 * whose `messages.create` is cached, streams (`stream: true`) included. Only the SDK's types are
 * imported: the client the user made is wrapped, so this module loads no SDK code and works with
 * whichever `@anthropic-ai/sdk` is installed.
 */

import type Anthropic from "@anthropic-ai/sdk";
import type { Spot } from "../../index.js";
import type { CachedClientOptions, CachedEndpoint } from "../sdk-client.js";
import { wrapSdkClient } from "../sdk-client.js";
import { countUsageTokens, usageTokensOf } from "../usage.js";

/** Options of `wrapAnthropic`; `name` defaults to `"anthropic"`. */
export type WrapAnthropicOptions = CachedClientOptions;

/** The methods that are cached; everything else on the client is passed through. */
const CACHED_ENDPOINTS: readonly CachedEndpoint[] = [
  {
    path: "messages.create",
    isFinalChunk: (chunk) => (chunk as { type?: unknown } | null)?.type === "message_stop",
    tokensOf: (result) =>
      Array.isArray(result) ? streamUsageTokens(result) : usageTokensOf(result),
  },
];

/**
 * The tokens of a message stream: `message_start` carries the input (and the first output)
 * counts, each `message_delta` the output count so far; the last one reported wins per field.
 */
function streamUsageTokens(events: readonly unknown[]): number | undefined {
  const usage: Record<string, unknown> = {};
  for (const event of events) {
    const {
      type,
      message,
      usage: delta,
    } = (event ?? {}) as {
      type?: unknown;
      message?: { usage?: Record<string, unknown> };
      usage?: Record<string, unknown>;
    };
    const reported =
      type === "message_start" ? message?.usage : type === "message_delta" ? delta : undefined;
    if (reported === undefined || reported === null) continue;
    for (const [field, value] of Object.entries(reported)) {
      if (value != null) usage[field] = value;
    }
  }
  return countUsageTokens(usage);
}

/**
 * The same client, with `messages.create` cached in `spot` (identity
 * `anthropic.messages.create`). Keyed by the request body and the client's kind and baseURL
 * (never its API key); request options (signal, headers, idempotency key) are used but not
 * keyed. With `stream: true` the result is an async iterable of the events, live on a miss and
 * replayed on a hit; it is not the SDK's `Stream` object (no `controller`, no
 * `toReadableStream()`), and no result has `.withResponse()`. `messages.stream(…)` and every
 * other method pass through uncached.
 *
 * @example
 * const anthropic = wrapAnthropic(new Anthropic(), spot, { version: "v1" });
 * const message = await anthropic.messages.create({ model, max_tokens: 256, messages });
 */
export function wrapAnthropic<C extends Anthropic>(
  client: C,
  spot: Spot,
  options?: WrapAnthropicOptions,
): C {
  return wrapSdkClient(client, spot, CACHED_ENDPOINTS, "anthropic", "wrapAnthropic", options);
}

export type { CachedClientOptions };
