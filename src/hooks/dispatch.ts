/** @module hooks/dispatch — validates hooks and calls them without ever breaking the call. */

import { describeError, ValidationError } from "../errors.js";
import type { Logger } from "../types.js";
import { HookBase } from "./base.js";
import type { Hook, HookContext, HookResultContext } from "./types.js";

/** The moments a hook can observe. */
export type HookEvent = "preExecute" | "onCacheHit" | "onCacheMiss";

/** The context each event receives. */
export interface HookEventContexts {
  preExecute: HookContext;
  onCacheHit: HookResultContext;
  onCacheMiss: HookResultContext;
}

const HOOK_EVENTS: readonly HookEvent[] = ["preExecute", "onCacheHit", "onCacheMiss"];

/** The fields a hook context is built from. */
export interface HookContextFields {
  funcName: string;
  inputId: string;
  cacheKey: string;
  args: readonly unknown[];
  version: string | null;
}

/**
 * Checks the `hooks` option and returns a private copy: `undefined` means no hooks; an
 * array must hold objects with at least one hook method. `where` names the owner
 * (for example `hooks of summarize`) for error messages.
 */
export function normalizeHooks(hooks: unknown, where: string): Hook[] {
  if (hooks === undefined || hooks === null) return [];
  if (!Array.isArray(hooks)) {
    throw new ValidationError(
      `${where} must be an array of hooks, got ${typeof hooks}; wrap a single hook in brackets: hooks: [myHook].`,
    );
  }
  return hooks.map((hook: unknown, index) => {
    if (hook === null || typeof hook !== "object") {
      throw new ValidationError(
        `${where}[${index}] is ${hook === null ? "null" : typeof hook}, not a hook; pass an object with preExecute, onCacheHit or onCacheMiss methods, or an instance of a HookBase subclass.`,
      );
    }
    let methods = 0;
    for (const event of HOOK_EVENTS) {
      const method = (hook as Record<string, unknown>)[event];
      if (method === undefined) continue;
      if (typeof method !== "function") {
        throw new ValidationError(
          `${where}[${index}].${event} is ${typeof method}, not a function; make it a method or remove it.`,
        );
      }
      methods++;
    }
    if (methods === 0) {
      throw new ValidationError(
        `${where}[${index}] has none of the hook methods preExecute, onCacheHit, onCacheMiss; add at least one, or remove it from the list.`,
      );
    }
    return hook as Hook;
  });
}

/**
 * Builds the frozen context hooks see. `args` is copied before freezing so the caller's
 * own array stays untouched; the argument values themselves are shared, not cloned.
 */
export function createHookContext(fields: HookContextFields): HookContext {
  return Object.freeze({
    funcName: fields.funcName,
    inputId: fields.inputId,
    cacheKey: fields.cacheKey,
    args: Object.freeze(fields.args.slice()),
    version: fields.version,
  });
}

/** Extends a hook context with the call's result, reusing its already frozen arguments. */
export function createHookResultContext(context: HookContext, result: unknown): HookResultContext {
  return Object.freeze({
    funcName: context.funcName,
    inputId: context.inputId,
    cacheKey: context.cacheKey,
    args: context.args,
    version: context.version,
    result,
  });
}

/**
 * Calls `event` on each hook that implements it, one after another in list order,
 * awaiting async ones. A throw or rejection is logged as a warning and dispatch goes
 * on with the next hook: observers never break the call they observe.
 */
export async function runHooks<E extends HookEvent>(
  hooks: readonly Hook[],
  event: E,
  context: HookEventContexts[E],
  logger: Logger,
): Promise<void> {
  for (const hook of hooks) {
    const method = hook[event] as ((context: HookEventContexts[E]) => unknown) | undefined;
    if (method === undefined || method === HookBase.prototype[event]) continue;
    try {
      const outcome = method.call(hook, context);
      // Only thenables are awaited so synchronous hooks add no microtask turn.
      if (isThenable(outcome)) await outcome;
    } catch (error) {
      reportHookFailure(logger, hook, event, context.funcName, error);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function reportHookFailure(
  logger: Logger,
  hook: Hook,
  event: HookEvent,
  funcName: string,
  error: unknown,
): void {
  try {
    logger.warn(
      `beautyspot: hook ${describeHook(hook)}.${event} failed for ${funcName}: ${describeError(error)}. The call went on unaffected; fix the hook to stop this warning.`,
      error,
    );
  } catch {
    // A broken logger must not turn a hook failure into a failed call either.
  }
}

/** A readable name for a hook: its class, or its `name` field for plain objects. */
function describeHook(hook: Hook): string {
  const className = (hook as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof className === "string" && className !== "" && className !== "Object") {
    return className;
  }
  const ownName = (hook as { name?: unknown }).name;
  return typeof ownName === "string" && ownName !== "" ? ownName : "(anonymous hook)";
}
