/**
 * @module integrations/langchain — `beautyspot/langchain`: `BeautySpotCache`, a LangChain.js
 * model cache kept in a Spot, and `registerLangChainMessages(spot)`, so marked functions can
 * return LangChain messages. `@langchain/core` is imported on first use, never by importing
 * `beautyspot`; when it is missing the error names the install.
 */

import type { BaseCache } from "@langchain/core/caches";
import type { BaseMessage } from "@langchain/core/messages";
import type { Generation } from "@langchain/core/outputs";
import { ConfigurationError, type ExplicitKeyOptions, type Spot } from "../../index.js";
import { countUsageTokens } from "../usage.js";

type CachesModule = typeof import("@langchain/core/caches");
type MessagesModule = typeof import("@langchain/core/messages");

let caches: Promise<CachesModule> | undefined;
let messages: Promise<MessagesModule> | undefined;

/** Imports `specifier` of `@langchain/core`; a missing package is a ConfigurationError naming the fix. */
async function importLangChain<M>(load: () => Promise<M>): Promise<M> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new ConfigurationError(
        "beautyspot/langchain needs the package @langchain/core, which is not installed. Run `npm install @langchain/core`.",
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Loads `@langchain/core/<entry>` the way the caller's module system does: `require` in the
 * CommonJS build (so messages are the classes a CommonJS program's models use), `import` in
 * the ES build.
 */
function loadEntry<M>(entry: "caches" | "messages"): Promise<M> {
  if (typeof __filename === "string") {
    return importLangChain(async () => require(`@langchain/core/${entry}`) as M);
  }
  return importLangChain(() => import(`@langchain/core/${entry}`) as Promise<M>);
}

function loadCaches(): Promise<CachesModule> {
  caches ??= loadEntry<CachesModule>("caches");
  return caches;
}

function loadMessages(): Promise<MessagesModule> {
  messages ??= loadEntry<MessagesModule>("messages");
  return messages;
}

/** Options of `BeautySpotCache`: those of `spot.store`, plus the name entries are stored under. */
export interface BeautySpotCacheOptions extends ExplicitKeyOptions {
  /**
   * The identity entries are stored under. Give two caches of one Spot different names when
   * their entries must not be shared.
   * @default "langchain.cache"
   */
  name?: string;
}

/** A LangChain model cache kept in a Spot (see `BeautySpotCache`). */
export type BeautySpotCache = BaseCache<Generation[]> & {
  /** The Spot the generations are stored in. */
  readonly spot: Spot;
};

/** Creates a `BeautySpotCache`. */
export interface BeautySpotCacheConstructor {
  new (spot: Spot, options?: BeautySpotCacheOptions): BeautySpotCache;
}

/**
 * The cache behind `BeautySpotCache`. LangChain calls a model's `cache` by its methods
 * (`lookup`, `update`), so this class needs no runtime base class: `@langchain/core` is loaded
 * on the first lookup instead of when this module is imported.
 */
class SpotGenerationCache {
  private readonly name: string;
  private readonly storeOptions: ExplicitKeyOptions | undefined;
  /**
   * When each missed lookup happened (`performance.now()`), by prompt and model: LangChain runs
   * the model between `lookup` and `update`, so their gap is the call's duration. Bounded, so
   * lookups never followed by an update (a failed call) cannot pile up.
   */
  private readonly missedAt = new Map<string, number>();

  constructor(
    readonly spot: Spot,
    options: BeautySpotCacheOptions = {},
  ) {
    const { name = "langchain.cache", ...storeOptions } = options;
    this.name = name;
    this.storeOptions = Object.keys(storeOptions).length > 0 ? storeOptions : undefined;
  }

  /** The generations stored for (`prompt`, `llmKey`), as real messages, or `null`. */
  async lookup(prompt: string, llmKey: string): Promise<Generation[] | null> {
    const { deserializeStoredGeneration } = await loadCaches();
    const stored = await this.spot.lookup<unknown[]>(
      this.name,
      [prompt, llmKey],
      this.storeOptions,
    );
    if (!Array.isArray(stored)) {
      const key = `${prompt}\u0000${llmKey}`;
      this.missedAt.delete(key);
      this.missedAt.set(key, performance.now());
      if (this.missedAt.size > MAX_PENDING_MISSES) {
        const oldest = this.missedAt.keys().next().value;
        if (oldest !== undefined) this.missedAt.delete(oldest);
      }
      return null;
    }
    return stored.map((generation) =>
      deserializeStoredGeneration(generation as Parameters<typeof deserializeStoredGeneration>[0]),
    );
  }

  /** Stores `generations` for (`prompt`, `llmKey`) as plain data (messages by `toDict()`). */
  async update(prompt: string, llmKey: string, generations: Generation[]): Promise<void> {
    const { serializeGeneration } = await loadCaches();
    const key = `${prompt}\u0000${llmKey}`;
    const missedAt = this.missedAt.get(key);
    this.missedAt.delete(key);
    const tokens = tokensOfGenerations(generations);
    await this.spot.store(
      this.name,
      [prompt, llmKey],
      generations.map((generation) => serializeGeneration(generation)),
      {
        ...this.storeOptions,
        ...(missedAt === undefined ? {} : { durationMs: performance.now() - missedAt }),
        ...(tokens === undefined ? {} : { tokens }),
      },
    );
  }

  /** LangChain's hook for custom key encoders: the Spot's key is used instead, so it is ignored. */
  makeDefaultKeyEncoder(): void {}
}

/** Missed lookups remembered for their duration; beyond, the oldest is forgotten. */
const MAX_PENDING_MISSES = 1_000;

/** The tokens the generations' messages report (`usage_metadata`), summed; `undefined` if none does. */
function tokensOfGenerations(generations: readonly Generation[]): number | undefined {
  let total: number | undefined;
  for (const generation of generations) {
    const message = (generation as { message?: { usage_metadata?: unknown } }).message;
    const tokens = countUsageTokens(message?.usage_metadata);
    if (tokens !== undefined) total = (total ?? 0) + tokens;
  }
  return total;
}

/**
 * A LangChain.js model cache kept in `spot`: pass it as `cache` to any chat model or LLM
 * (`new ChatOpenAI({ model, cache: new BeautySpotCache(spot) })`). Entries are keyed by the
 * prompt and LangChain's description of the model and its settings; a hit gives back real
 * message instances (`AIMessage` with its tool calls and usage).
 */
export const BeautySpotCache = SpotGenerationCache as unknown as BeautySpotCacheConstructor;

/** The MessagePack extension codes `registerLangChainMessages` registers, by class name. */
export const LANGCHAIN_MESSAGE_CODES = {
  AIMessage: 40,
  HumanMessage: 41,
  SystemMessage: 42,
  ToolMessage: 43,
  ChatMessage: 44,
  FunctionMessage: 45,
  AIMessageChunk: 46,
  HumanMessageChunk: 47,
  SystemMessageChunk: 48,
  ToolMessageChunk: 49,
} as const;

/**
 * Registers LangChain's message classes with `spot`'s serializer, so marked functions can return
 * `AIMessage` and friends: each is stored as its plain fields (`toDict().data`) under the
 * extension code of `LANGCHAIN_MESSAGE_CODES` (40–49; keep these free for your own classes), and
 * a hit gives back a real instance of the same class, usable in a conversation.
 * @example await registerLangChainMessages(spot);
 */
export async function registerLangChainMessages(spot: Spot): Promise<void> {
  const module = await loadMessages();
  for (const [className, code] of Object.entries(LANGCHAIN_MESSAGE_CODES)) {
    const cls = module[className as keyof typeof LANGCHAIN_MESSAGE_CODES] as unknown as new (
      fields: Record<string, unknown>,
    ) => BaseMessage;
    spot.register(cls, {
      code,
      encode: (message: BaseMessage) => message.toDict().data as unknown as Record<string, unknown>,
      decode: (fields: Record<string, unknown>) => new cls(fields),
    });
  }
}
