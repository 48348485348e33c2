/** @module limiter/token-bucket — a GCRA rate limiter: smooth pacing, no burst after idle. */

import { ValidationError } from "../errors.js";
import type { RateLimiter } from "./types.js";

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Long-run rate: how many tokens may be spent per minute. Also the largest single cost. */
  tokensPerMinute: number;
  /**
   * A monotonic clock in milliseconds. Only read, never advanced by the limiter, so a
   * replacement must move forward with real time (waits are real timers).
   * @default performance.now
   */
  clock?: () => number;
}

/** One caller waiting for its reserved slot. */
interface Waiter {
  readonly startAt: number;
  readonly resolve: () => void;
}

/** Node timers have millisecond resolution; a slot this close is due now. */
const TIMER_RESOLUTION_MS = 1;

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A rate limiter built on the Generic Cell Rate Algorithm. It keeps one number, the
 * theoretical arrival time (TAT): the moment the next request may start. A request of
 * cost `c` starts at `max(now, TAT)` and pushes the TAT `c` emission intervals further,
 * so the first request never waits, requests are evenly spaced, and idle time is not
 * saved up into a burst.
 *
 * Concurrent callers reserve their slots synchronously in call order and are released
 * in that same order by a single timer, which exists only while someone is waiting.
 */
export class TokenBucket implements RateLimiter {
  /** The configured rate, as given. */
  readonly tokensPerMinute: number;
  readonly #intervalMs: number;
  readonly #clock: () => number;
  #theoreticalArrival = Number.NEGATIVE_INFINITY;
  readonly #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: TokenBucketOptions) {
    const tokensPerMinute = requireTokensPerMinute(options?.tokensPerMinute, "TokenBucket");
    const clock = options.clock ?? (() => performance.now());
    if (typeof clock !== "function") {
      throw new ValidationError(
        "clock must be a function returning milliseconds; leave it out to use performance.now.",
      );
    }
    this.tokensPerMinute = tokensPerMinute;
    this.#intervalMs = 60_000 / tokensPerMinute;
    this.#clock = clock;
  }

  /**
   * Resolves when `cost` tokens have been spent. Rejects at once with a
   * `ValidationError` when the cost is not a positive finite number or exceeds
   * `tokensPerMinute` (it could never be met).
   */
  consume(cost = 1): Promise<void> {
    const problem = describeInvalidCost(cost, this.tokensPerMinute);
    if (problem !== undefined) return Promise.reject(new ValidationError(problem));
    const now = this.#clock();
    const startAt = this.#reserve(now, cost);
    if (startAt - now < TIMER_RESOLUTION_MS && this.#waiters.length === 0) return RESOLVED;
    return new Promise<void>((resolve) => {
      this.#waiters.push({ startAt, resolve });
      if (this.#timer === undefined) this.#schedule(startAt - now);
    });
  }

  /**
   * Spends `cost` tokens if that needs no wait and returns true; otherwise spends
   * nothing and returns false. Throws `ValidationError` for a cost that is invalid.
   */
  tryConsume(cost = 1): boolean {
    const problem = describeInvalidCost(cost, this.tokensPerMinute);
    if (problem !== undefined) throw new ValidationError(problem);
    const now = this.#clock();
    if (this.#waiters.length > 0 || this.#theoreticalArrival - now >= TIMER_RESOLUTION_MS) {
      return false;
    }
    this.#reserve(now, cost);
    return true;
  }

  /** Books the next slot and returns when it starts. */
  #reserve(now: number, cost: number): number {
    // max(now, TAT): time spent idle is not banked, which is what prevents bursts.
    const startAt = Math.max(this.#theoreticalArrival, now);
    this.#theoreticalArrival = startAt + cost * this.#intervalMs;
    return startAt;
  }

  #schedule(delayMs: number): void {
    // Rounded up so the timer does not fire before the slot; the timer stays referenced
    // because a waiting caller is real work the process should finish.
    this.#timer = setTimeout(this.#release, Math.max(TIMER_RESOLUTION_MS, Math.ceil(delayMs)));
  }

  /** Releases every waiter whose slot has come, in reservation order, then re-arms. */
  readonly #release = (): void => {
    this.#timer = undefined;
    const now = this.#clock();
    let released = 0;
    for (const waiter of this.#waiters) {
      if (waiter.startAt - now >= TIMER_RESOLUTION_MS) break;
      waiter.resolve();
      released++;
    }
    this.#waiters.splice(0, released);
    const next = this.#waiters[0];
    if (next !== undefined) this.#schedule(next.startAt - now);
  };
}

/** The `tokensPerMinute` of a limiter, or a ValidationError that shows a working construction. */
export function requireTokensPerMinute(value: unknown, limiterClass: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(
      `tokensPerMinute must be a positive finite number, got ${String(value)}; pass for example new ${limiterClass}({ tokensPerMinute: 600 }).`,
    );
  }
  return value;
}

/** Why `cost` cannot be spent from a limiter of `tokensPerMinute`, or `undefined` when it can. */
export function describeInvalidCost(cost: unknown, tokensPerMinute: number): string | undefined {
  if (typeof cost !== "number" || !Number.isFinite(cost) || cost <= 0) {
    return `A rate-limit cost must be a positive finite number of tokens, got ${String(cost)}; pass a cost such as 1.`;
  }
  if (cost > tokensPerMinute) {
    return `A cost of ${cost} tokens exceeds the limit of ${tokensPerMinute} tokens per minute and could never be met; raise tokensPerMinute or split the work into smaller calls.`;
  }
  return undefined;
}
