/** @module limiter/consume — wraps a function so every call first waits for rate-limit tokens. */

import { ValidationError } from "../errors.js";
import type { RateLimiter } from "./types.js";

/**
 * Key of the hidden property that points from a wrapper to the function it wraps, so
 * later wrapping (for example `spot.mark`) can read the original's parameter list.
 */
export const WRAPPED_FUNCTION: unique symbol = Symbol.for("beautyspot.wrappedFunction");

/** Options of {@link wrapWithLimiter}. */
export interface LimitedFunctionOptions<A extends unknown[]> {
  /**
   * Tokens each call spends: a fixed number, or a function of the call's arguments
   * (for example the prompt length) evaluated before every call.
   * @default 1
   */
  cost?: number | ((...args: A) => number);
}

/** Follows wrapper links back to the function the user wrote. */
export function unwrapFunction(fn: Function): Function {
  let current = fn;
  for (;;) {
    const inner = (current as { [WRAPPED_FUNCTION]?: unknown })[WRAPPED_FUNCTION];
    if (typeof inner !== "function" || inner === current) return current;
    current = inner;
  }
}

/**
 * Copies what makes `wrapper` look like `original` to tools that inspect functions: its
 * name, its parameter count, and a hidden link to the original for parameter parsing.
 */
export function copyFunctionIdentity(wrapper: Function, original: Function): void {
  Object.defineProperty(wrapper, "name", { value: original.name, configurable: true });
  Object.defineProperty(wrapper, "length", { value: original.length, configurable: true });
  Object.defineProperty(wrapper, WRAPPED_FUNCTION, {
    value: unwrapFunction(original),
    configurable: true,
  });
}

/**
 * Returns a function that waits for `cost` tokens from `limiter` before each call to
 * `fn`, then returns `fn`'s (awaited) result. `this` and the arguments pass through.
 */
export function wrapWithLimiter<A extends unknown[], R>(
  limiter: RateLimiter,
  fn: (...args: A) => R,
  // NoInfer: the parameter types come from `fn`; a cost function must fit them, not shape them.
  options: LimitedFunctionOptions<NoInfer<A>> = {},
): (...args: A) => Promise<Awaited<R>> {
  if (limiter === null || typeof limiter !== "object" || typeof limiter.consume !== "function") {
    throw new ValidationError(
      "limiter must be an object with consume(cost): Promise<void>; pass a TokenBucket or your own limiter.",
    );
  }
  if (typeof fn !== "function") {
    throw new ValidationError(
      `Only a function can be rate limited, got ${typeof fn}; pass the function itself.`,
    );
  }
  const label = fn.name === "" ? "an anonymous function" : fn.name;
  const cost = options?.cost ?? 1;
  let wrapper: (this: unknown, ...args: A) => Promise<Awaited<R>>;

  if (typeof cost === "function") {
    wrapper = async function (this: unknown, ...args: A): Promise<Awaited<R>> {
      const tokens = cost(...args);
      if (!isPositiveFinite(tokens)) {
        throw new ValidationError(
          `The cost function of ${label} returned ${String(tokens)}; it must return a positive finite number of tokens for every call.`,
        );
      }
      await limiter.consume(tokens);
      return await fn.apply(this, args);
    };
  } else if (isPositiveFinite(cost)) {
    wrapper = async function (this: unknown, ...args: A): Promise<Awaited<R>> {
      await limiter.consume(cost);
      return await fn.apply(this, args);
    };
  } else {
    throw new ValidationError(
      `The cost of ${label} must be a positive finite number or a function of the arguments, got ${String(cost)}; pass for example { cost: 1 }.`,
    );
  }

  copyFunctionIdentity(wrapper, fn);
  return wrapper;
}

function isPositiveFinite(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}
