/** @module hooks/types — the hook contract: observe calls without changing them. */

import type { Awaitable } from "../types.js";

/** What every hook sees. Frozen: hooks observe, they never change the call. */
export interface HookContext {
  readonly funcName: string;
  readonly inputId: string;
  readonly cacheKey: string;
  readonly args: readonly unknown[];
  readonly version: string | null;
}

/** What hit and miss hooks see: the context plus the result returned to the caller. */
export interface HookResultContext extends HookContext {
  readonly result: unknown;
}

/** Observers of a marked function. Every method is optional; errors in them are logged, never thrown. */
export interface Hook {
  /** Before the cache is consulted. */
  preExecute?(context: HookContext): Awaitable<void>;
  /** The stored result was returned; the function did not run. */
  onCacheHit?(context: HookResultContext): Awaitable<void>;
  /** The function ran; `result` is what it returned. */
  onCacheMiss?(context: HookResultContext): Awaitable<void>;
}
