/**
 * @module integrations/usage — reading token usage from what the SDKs return, for `tokensOf`:
 * the tokens a call used (input + output) are stored with its entry, so `stats` can say how many
 * tokens the cache saved. Every reader returns `undefined` when no usage is reported.
 */

/** A count field: a number, or the AI SDK's `{ total }`. */
function readCount(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === "object" && value !== null) {
    return readCount((value as { total?: unknown }).total);
  }
  return undefined;
}

/**
 * Tokens in a usage object of any of the shapes the SDKs report: OpenAI chat and embeddings
 * (`prompt_tokens`, `completion_tokens`, `total_tokens`), OpenAI responses, Anthropic and
 * LangChain (`input_tokens`, `output_tokens`; Anthropic's cache reads and writes are input
 * too), the AI SDK (`inputTokens` / `outputTokens`, numbers or `{ total }`). Input + output
 * when either is reported, else the total.
 */
export function countUsageTokens(usage: unknown): number | undefined {
  if (typeof usage !== "object" || usage === null) return undefined;
  const fields = usage as Record<string, unknown>;
  const parts = [
    fields.input_tokens,
    fields.cache_creation_input_tokens,
    fields.cache_read_input_tokens,
    fields.output_tokens,
    fields.prompt_tokens,
    fields.completion_tokens,
    fields.inputTokens,
    fields.outputTokens,
  ].map(readCount);
  if (parts.some((part) => part !== undefined)) {
    return parts.reduce<number>((sum, part) => sum + (part ?? 0), 0);
  }
  return readCount(fields.total_tokens) ?? readCount(fields.totalTokens);
}

/** The `usage` of a result object, if it has one. */
export function usageTokensOf(result: unknown): number | undefined {
  return typeof result === "object" && result !== null
    ? countUsageTokens((result as { usage?: unknown }).usage)
    : undefined;
}

/** The usage of the last chunk that reports one (OpenAI chat streams with `include_usage`). */
export function lastChunkUsageTokens(chunks: readonly unknown[]): number | undefined {
  for (let index = chunks.length - 1; index >= 0; index--) {
    const tokens = usageTokensOf(chunks[index]);
    if (tokens !== undefined) return tokens;
  }
  return undefined;
}
