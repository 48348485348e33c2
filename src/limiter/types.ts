/** @module limiter/types — the rate limiter contract. */

/** Anything that can make a caller wait until `cost` tokens are available. */
export interface RateLimiter {
  /** Resolves when `cost` tokens have been spent; rejects when the cost can never be met. */
  consume(cost: number): Promise<void>;
}
