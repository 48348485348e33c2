/**
 * @module core/explicit — explicit keys (SPEC 7.3): `spot.wrap`, `spot.lookup`, `spot.store` for
 * adapters and for code that is not one function. `keyData` plays the part of the argument list:
 * an array is the arguments, any other value one argument, so `spot.lookup("summarize", ["hello"])`
 * finds the entry of `summarize("hello")` marked under that name (with the default keygen and the
 * same version). Same keys, records, integrity checks and de-duplication as marked functions: the
 * call path is the one of `mark`.
 */

import { ValidationError } from "../errors.js";
import { canonicalize, hashText } from "../keys/canonical.js";
import type { CallRuntime, MarkedFunction, StreamResult } from "./call.js";
import { createMarkedFunction, lookupAsync, saveResult } from "./call.js";
import { type Explanation, explainCall } from "./explain.js";
import type { PlanDefaults } from "./mark.js";
import { createCallPlan } from "./mark.js";
import type { MarkOptions } from "./options.js";
import { describeValue } from "./options.js";
import type { CallPlan } from "./plan.js";
import { computeCacheKey } from "./plan.js";
import { MISS } from "./read.js";
import { isStream } from "./stream.js";
import { measureCall, readTokenCount } from "./write.js";

/** Options of `spot.wrap` and `spot.store`: those of `mark` that apply to one stored value. */
export type ExplicitKeyOptions = Omit<MarkOptions, "name" | "keygen">;

/**
 * Options of `spot.store`: those of `wrap`, plus what the caller measured about the computation
 * it stores (adapters that see the call happen elsewhere, such as a LangChain cache).
 */
export interface StoreOptions extends ExplicitKeyOptions {
  /** How long computing `value` took, in ms, recorded as the entry's duration. @default not recorded */
  durationMs?: number;
  /** Tokens computing `value` used (input + output). @default `tokensOf(value)`, else not recorded */
  tokens?: number;
}

/** Options of `spot.lookup`: what decides which entry is read and how it is decoded. */
export type LookupOptions = Pick<
  MarkOptions,
  "version" | "serializer" | "onDecodeError" | "replay"
>;

/** The input id of `keyData`: the one a marked function gets for the same argument list. */
function computeExplicitInputId(args: readonly unknown[]): string {
  const keyData = args[0];
  return hashText(canonicalize(Array.isArray(keyData) ? keyData : [keyData]));
}

/** Runs the `compute` it is called with (as `this`): the function behind every explicit key. */
function runCompute(this: () => unknown): unknown {
  return this();
}

/** A name's marked function and the plan it was made from (`lookup` reads through the plan). */
interface ExplicitFunction {
  readonly run: MarkedFunction<[keyData: unknown], unknown>;
  readonly plan: CallPlan;
}

/** The tokens of a stored value by the plan's `tokensOf`, or `null`. */
function measureStored(plan: CallPlan, value: unknown, runtime: CallRuntime): number | null {
  if (plan.tokensOf === undefined) return null;
  return measureCall(plan, performance.now(), value, runtime.backends).tokens;
}

/** The explicit keys of one Spot. */
export class ExplicitKeys {
  /** Wrappers for calls without options, by name: most adapters call with the same few names. */
  private readonly plain = new Map<string, ExplicitFunction>();
  /**
   * Functions by options object, then name: an adapter that passes the same options on every call
   * (the integrations do) plans once, so its hits cost what a marked function's cost. Options are
   * read once, as `mark` reads its own; a new object is planned anew.
   */
  private readonly byOptions = new WeakMap<object, Map<string, ExplicitFunction>>();

  constructor(
    private readonly runtime: CallRuntime,
    private readonly defaults: PlanDefaults,
  ) {}

  /** The stored value for (`name`, `keyData`), else `compute()`'s result, stored. */
  wrap<T>(
    name: string,
    keyData: unknown,
    compute: () => T,
    options?: ExplicitKeyOptions,
  ): Promise<StreamResult<Awaited<T>>> {
    if (typeof compute !== "function") {
      throw new ValidationError(
        `spot.wrap("${String(name)}", keyData, compute) needs compute to be a function, got ${describeValue(compute)}. Pass the work to run on a miss: spot.wrap(name, keyData, () => callModel(prompt)).`,
      );
    }
    return this.functionFor(name, options, "spot.wrap").run.call(compute, keyData) as Promise<
      StreamResult<Awaited<T>>
    >;
  }

  /**
   * The stored value for (`name`, `keyData`), or `undefined`; never computes anything. A value
   * found counts as a hit of its entry: adapters serve calls this way.
   */
  async lookup(name: string, keyData: unknown, options?: LookupOptions): Promise<unknown> {
    const { plan } = this.functionFor(name, options, "spot.lookup");
    this.runtime.assertOpen();
    // The key is computed once: it is both read and counted.
    const cacheKey = computeCacheKey(plan, plan.computeInputId([keyData]));
    const value = await lookupAsync(plan, cacheKey, this.runtime);
    if (value === MISS) return undefined;
    this.runtime.countHit(cacheKey);
    return value;
  }

  /** Stores `value` for (`name`, `keyData`), replacing any entry there. */
  async store(
    name: string,
    keyData: unknown,
    value: unknown,
    options?: StoreOptions,
  ): Promise<void> {
    const { durationMs, tokens, ...planOptions } = options ?? {};
    const plan = this.planFor(name, options === undefined ? undefined : planOptions, "spot.store");
    for (const [option, figure] of [
      ["durationMs", durationMs],
      ["tokens", tokens],
    ] as const) {
      if (figure !== undefined && (typeof figure !== "number" || !(figure >= 0))) {
        throw new ValidationError(
          `Option \`${option}\` of spot.store("${name}", …) must be a number >= 0, got ${describeValue(figure)}. Leave it out when it is not known.`,
        );
      }
    }
    if (isStream(value)) {
      throw new ValidationError(
        `spot.store("${name}", …) was given a stream: its chunks would have to be read to store them. Use spot.wrap(name, keyData, () => stream), which records the chunks while they are read.`,
      );
    }
    this.runtime.assertOpen();
    // Replay and bypass never write (core/modes.ts): a store is then a no-op, like a run's save.
    if (!plan.modeRules.mayWrite) return;
    const inputId = plan.computeInputId([keyData]);
    const measured = measureStored(plan, value, this.runtime);
    await saveResult(
      plan,
      computeCacheKey(plan, inputId),
      inputId,
      value,
      this.runtime,
      [keyData],
      {
        durationMs: durationMs ?? null,
        tokens: tokens === undefined ? measured : readTokenCount(tokens),
      },
    );
  }

  /** Explains the entry of (`name`, `keyData`) as `wrap` and `lookup` find it. */
  explain(name: string, keyData: unknown): Promise<Explanation> {
    return explainCall(this.planFor(name, undefined, "spot.explain"), [keyData], this.runtime);
  }

  private functionFor(
    name: string,
    options: ExplicitKeyOptions | undefined,
    how: string,
  ): ExplicitFunction {
    const known = this.knownFunctions(options);
    const found = known?.get(name);
    if (found !== undefined) return found;
    const plan = this.planFor(name, options, how);
    const created = {
      run: createMarkedFunction(runCompute as (keyData: unknown) => unknown, plan, this.runtime),
      plan,
    };
    known?.set(name, created);
    return created;
  }

  /** The remembered functions for these options; `undefined` for options that are not an object. */
  private knownFunctions(
    options: ExplicitKeyOptions | undefined,
  ): Map<string, ExplicitFunction> | undefined {
    if (options === undefined) return this.plain;
    if (options === null || typeof options !== "object") return undefined;
    let known = this.byOptions.get(options);
    if (known === undefined) {
      known = new Map();
      this.byOptions.set(options, known);
    }
    return known;
  }

  private planFor(name: string, options: ExplicitKeyOptions | undefined, how: string): CallPlan {
    this.runtime.assertOpen();
    if (typeof name !== "string" || name.trim() === "") {
      throw new ValidationError(
        `${how} needs a name (the identity its entries are stored under, as for a marked function), got ${describeValue(name)}.`,
      );
    }
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw new ValidationError(
        `The options of ${how}("${name}", …) must be an object, got ${describeValue(options)}.`,
      );
    }
    for (const refused of ["name", "keygen"] as const) {
      if (options !== undefined && refused in options) {
        throw new ValidationError(
          `${how}("${name}", …) takes no \`${refused}\` option: the name is its first argument and keyData is the key. Pass what identifies the call as keyData.`,
        );
      }
    }
    const plan = createCallPlan(runCompute, name, options ?? {}, this.defaults);
    return { ...plan, computeInputId: computeExplicitInputId };
  }
}
