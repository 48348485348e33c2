/** @module hooks/base — a base class for hooks: override only the events you care about. */

import type { Hook, HookContext, HookResultContext } from "./types.js";

/**
 * Every hook method as a no-op. Extend it and override what you need; the dispatcher
 * skips the methods left as they are, so an unused event costs nothing.
 *
 * @example
 * class CountHits extends HookBase {
 *   hits = 0;
 *   override onCacheHit() { this.hits++; }
 * }
 */
export class HookBase implements Hook {
  /** Before the cache is consulted. */
  preExecute(_context: HookContext): void | Promise<void> {}
  /** The stored result was returned; the function did not run. */
  onCacheHit(_context: HookResultContext): void | Promise<void> {}
  /** The function ran; `context.result` is what it returned. */
  onCacheMiss(_context: HookResultContext): void | Promise<void> {}
}
