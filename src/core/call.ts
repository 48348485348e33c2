/**
 * @module core/call — the call path of a marked function, top to bottom:
 * key → pending write or stored entry (hit) → in-flight call → run → save → hooks.
 * Rejections are never stored; concurrent identical calls share one run.
 */

import { describeError, SerializationError } from "../errors.js";
import { createHookContext, createHookResultContext, runHooks } from "../hooks/dispatch.js";
import type { HookContext } from "../hooks/types.js";
import { releaseBlob, releaseBlobSync } from "../storage/release.js";
import type { Backends } from "./backends.js";
import type { BackgroundSaves } from "./background-saves.js";
import { type Explanation, explainCall } from "./explain.js";
import { MARKED_IDENTITY } from "./identities.js";
import type { CallPlan } from "./plan.js";
import { computeCacheKey } from "./plan.js";
import { decodeStored, MISS, readEntryAsync, readEntrySync } from "./read.js";
import { createReplayMissError, createReplayMissErrorSync } from "./replay-miss.js";
import { runOncePerMachine, supportsLeases } from "./single-flight.js";
import {
  type ChunkCopier,
  chunksForHooks,
  DeferredStream,
  type FinishedStream,
  isAsyncGeneratorFunction,
  isStream,
  joinRun,
  recordStream,
  streamPlanOf,
} from "./stream.js";
import type { CallMeasures, PreparedEntry } from "./write.js";
import { measureCall, prepareEntry, writeEntriesAsync, writeEntriesSync } from "./write.js";

/** What the call path needs from its Spot. */
export interface CallRuntime {
  readonly backends: Backends;
  readonly writer: BackgroundSaves;
  /** Runs in progress by cache key, shared by every function of the Spot. */
  readonly inflight: Map<string, Promise<unknown>>;
  /** Throws when the Spot was shut down. */
  assertOpen(): void;
  /** Called after every call (hit or miss): gives eviction its chance. */
  afterCall(): void;
  /** Counts a hit served from the cache (a Map increment; written in batches by core/hit-counter.ts). */
  countHit(cacheKey: string): void;
}

/** The extra methods of a marked function. */
export interface MarkedMethods<A extends readonly unknown[], R> {
  /** Deletes the stored entry for these arguments; resolves `true` if one existed. */
  invalidate(...args: A): Promise<boolean>;
  /** The stored value for these arguments, or `undefined`; never runs the function. */
  peek(...args: A): Promise<R | undefined>;
  /** The cache key for these arguments. */
  key(...args: A): string;
  /**
   * Whether these arguments hit, their key, and for a miss the nearest stored entries of this
   * function with what differs (version, argument paths with both values). Never runs the function.
   */
  explain(...args: A): Promise<Explanation>;
  /** The function identity used in keys and records. */
  readonly identity: string;
}

/**
 * What a marked function returns for a result of type `R`. An `async function*` gives an async
 * iterable at once (`for await (const chunk of marked(x))` works unchanged); any other function a
 * promise of its result, a stream coming back as the same kind (an SDK stream object as a plain
 * async iterable of its chunks: its other members cannot be replayed).
 */
export type MarkedResult<R> = [R] extends [AsyncGenerator<infer T, unknown, unknown>]
  ? AsyncGenerator<T, void, unknown>
  : Promise<StreamResult<Awaited<R>>>;

/** A stream result as the caller receives it, live or replayed; any other value unchanged. */
export type StreamResult<V> =
  V extends ReadableStream<infer T>
    ? ReadableStream<T>
    : V extends AsyncIterable<infer T>
      ? AsyncIterable<T>
      : V;

/** A marked asynchronous function: same parameters, result always a promise (or a stream). */
export type MarkedFunction<A extends readonly unknown[], R> = ((...args: A) => MarkedResult<R>) &
  MarkedMethods<A, Awaited<StreamResultOf<R>>>;

/** What `peek` gives for a result of type `R`: the value, or for a stream its replay. */
type StreamResultOf<R> = [R] extends [AsyncGenerator<infer T, unknown, unknown>]
  ? AsyncIterable<T>
  : StreamResult<Awaited<R>>;

/** A marked synchronous function. */
export type MarkedSyncFunction<A extends readonly unknown[], R> = ((...args: A) => R) & {
  invalidate(...args: A): boolean;
  peek(...args: A): R | undefined;
  key(...args: A): string;
  explain(...args: A): Promise<Explanation>;
  readonly identity: string;
};

/** Looks up a key: a pending background write first, then the stored entry. */
export function lookupSync(plan: CallPlan, cacheKey: string, runtime: CallRuntime): unknown {
  const pending =
    runtime.writer.pending.size === 0 ? undefined : runtime.writer.pendingEntry(cacheKey);
  if (pending !== undefined) return decodePending(plan, pending, runtime);
  return readEntrySync(plan, cacheKey, runtime.backends);
}

export async function lookupAsync(
  plan: CallPlan,
  cacheKey: string,
  runtime: CallRuntime,
): Promise<unknown> {
  const pending =
    runtime.writer.pending.size === 0 ? undefined : runtime.writer.pendingEntry(cacheKey);
  if (pending !== undefined) return decodePending(plan, pending, runtime);
  return readEntryAsync(plan, cacheKey, runtime.backends);
}

function decodePending(plan: CallPlan, pending: PreparedEntry, runtime: CallRuntime): unknown {
  return decodeStored(
    plan,
    {
      ...pending.row,
      resultValue: null,
      resultData: pending.bytes,
      digest: null,
      resultType: "DIRECT_BLOB",
    },
    pending.bytes,
    runtime.backends,
  );
}

/**
 * A result that could not be stored. The call was made (and perhaps paid for): by default the
 * caller still gets the result and the failure is reported; with `onSaveError: "throw"` the
 * call rejects with the error, the result kept on it as `error.result`.
 */
function handleSaveFailure(
  plan: CallPlan,
  cacheKey: string,
  result: unknown,
  error: unknown,
  runtime: CallRuntime,
): void {
  if (plan.onSaveError === "throw") {
    if (error !== null && (typeof error === "object" || typeof error === "function")) {
      // Not enumerable: printing the error must not print a result that may be large.
      Object.defineProperty(error, "result", {
        value: result,
        configurable: true,
        writable: true,
        enumerable: false,
      });
    }
    throw error;
  }
  runtime.backends.reportBackgroundError(error, {
    operation: "save",
    funcName: plan.identity,
    cacheKey,
  });
}

/**
 * Stores a fresh result: now (saveSync) or in the background. A failure that is known before the
 * call returns goes to `handleSaveFailure`; a background write that fails later is reported.
 */
export async function saveResult(
  plan: CallPlan,
  cacheKey: string,
  inputId: string,
  result: unknown,
  runtime: CallRuntime,
  args: readonly unknown[],
  measures?: CallMeasures,
): Promise<void> {
  // A background write, or a write to synchronous backends, is decided before this returns.
  if (!plan.saveSync || runtime.backends.synchronous) {
    saveResultSync(plan, cacheKey, inputId, result, runtime, args, measures);
    return;
  }
  try {
    const entry = prepareEntry(
      plan,
      cacheKey,
      inputId,
      result,
      runtime.backends,
      false,
      args,
      measures,
    );
    const failures = await writeEntriesAsync([entry], runtime.backends);
    if (failures.length > 0) throw failures[0]?.error;
  } catch (error) {
    handleSaveFailure(plan, cacheKey, result, error, runtime);
  }
}

/** `saveResult` where everything is decided at once: a background write, or synchronous backends. */
function saveResultSync(
  plan: CallPlan,
  cacheKey: string,
  inputId: string,
  result: unknown,
  runtime: CallRuntime,
  args: readonly unknown[],
  measures?: CallMeasures,
): void {
  try {
    if (!plan.saveSync) {
      runtime.writer.enqueue(
        prepareEntry(plan, cacheKey, inputId, result, runtime.backends, true, args, measures),
      );
      return;
    }
    const failures = writeEntriesSync(
      [prepareEntry(plan, cacheKey, inputId, result, runtime.backends, false, args, measures)],
      runtime.backends,
    );
    if (failures.length > 0) throw failures[0]?.error;
  } catch (error) {
    handleSaveFailure(plan, cacheKey, result, error, runtime);
  }
}

/** Copies chunks with the plan's serializer (bound once per plan). */
const copiers = new WeakMap<CallPlan, ChunkCopier>();
function copierOf(plan: CallPlan): ChunkCopier {
  let copier = copiers.get(plan);
  if (copier === undefined) {
    const { serializer } = plan;
    copier = (chunk) => serializer.dumps(chunk);
    copiers.set(plan, copier);
  }
  return copier;
}

/**
 * Stores a stream that completed normally. Its chunks that could change were copied as they
 * arrived, so a background save leaves the whole encoding to the writer, off the caller's time;
 * a save made now (saveSync) encodes it before the stream ends for the caller.
 */
async function saveStream(
  plan: CallPlan,
  cacheKey: string,
  inputId: string,
  finished: FinishedStream,
  runtime: CallRuntime,
  args: readonly unknown[],
  measures: CallMeasures,
): Promise<void> {
  if (!plan.saveSync) {
    saveStreamInBackground(plan, cacheKey, inputId, finished, runtime, args, measures);
    return;
  }
  if (finished.unstorable !== undefined) {
    reportUnstorable(plan, cacheKey, finished, runtime);
    return;
  }
  const { serializer } = plan;
  const recording = finished.recording((bytes) => serializer.loads(bytes));
  await saveResult(streamPlanOf(plan), cacheKey, inputId, recording, runtime, args, measures);
}

/**
 * `saveStream` for a background save: queued for the writer, which encodes it (its chunks that
 * could change were copied as they arrived). Decided before it returns.
 */
function saveStreamInBackground(
  plan: CallPlan,
  cacheKey: string,
  inputId: string,
  finished: FinishedStream,
  runtime: CallRuntime,
  args: readonly unknown[],
  measures: CallMeasures,
): void {
  if (finished.unstorable !== undefined) {
    reportUnstorable(plan, cacheKey, finished, runtime);
    return;
  }
  const streamPlan = streamPlanOf(plan);
  const { backends } = runtime;
  const { serializer } = plan;
  runtime.writer.enqueue({
    cacheKey,
    funcName: plan.identity,
    prepare: () =>
      prepareEntry(
        streamPlan,
        cacheKey,
        inputId,
        finished.recording((bytes) => serializer.loads(bytes)),
        backends,
        true,
        args,
        measures,
      ),
  });
}

/** A stream with a chunk that cannot be encoded: delivered, not stored, reported (or thrown). */
function reportUnstorable(
  plan: CallPlan,
  cacheKey: string,
  finished: FinishedStream,
  runtime: CallRuntime,
): void {
  const { unstorable } = finished;
  const advice =
    unstorable instanceof SerializationError
      ? ""
      : " Yield plain data, or register the type with spot.register(Class, { code, encode, decode }).";
  const error = new SerializationError(
    `The stream returned by ${plan.identity} reached the caller but was not stored: its chunk ${finished.unstorableChunk} cannot be encoded. ${describeError(unstorable)}${advice}`,
    { cause: unstorable },
  );
  handleSaveFailure(
    streamPlanOf(plan),
    cacheKey,
    { stream: finished.stream, chunks: finished.chunks, at: finished.arrivals() },
    error,
    runtime,
  );
}

/** Builds the asynchronous wrapper of `fn` following `plan`. */
export function createMarkedFunction<A extends unknown[], R>(
  fn: (...args: A) => R,
  plan: CallPlan,
  runtime: CallRuntime,
): MarkedFunction<A, R> {
  const { backends, inflight } = runtime;
  const hasHooks = plan.hooks.length > 0;
  // Decided once per plan: a hit in normal mode pays nothing for modes.
  const { mayRead, mayRun, mayWrite } = plan.modeRules;
  /**
   * Streams still running, by key, with `singleFlight: "machine"`: the lease is released when
   * one ends (stored or not), not when it starts, or other processes would run it again.
   */
  const streamEnds = plan.singleFlight === "machine" ? new Map<string, Promise<void>>() : null;

  /**
   * Runs `fn` and registers the run as in flight. A synchronous throw is returned as a rejection
   * before anything is registered: a run that already ended must never be found by later calls.
   * A run that will not be stored (bypass) is not registered: sharing it would be a read of a
   * result the cache never holds, and calls of the same key in other modes run their own.
   */
  function start(
    thisArg: unknown,
    args: A,
    inputId: string,
    cacheKey: string,
    context: HookContext | null,
  ): Promise<Awaited<R>> {
    let returned: R;
    // The original call's duration, recorded with its entry (one clock read on each side).
    const startedAt = performance.now();
    try {
      returned = fn.apply(thisArg, args);
    } catch (error) {
      return Promise.reject(error);
    }
    const running = finish(returned, args, inputId, cacheKey, context, startedAt);
    if (mayWrite) inflight.set(cacheKey, running);
    return running;
  }

  /** Awaits the run, stores its result and reports the miss; the entry leaves `inflight` at the end. */
  async function finish(
    returned: R,
    args: A,
    inputId: string,
    cacheKey: string,
    context: HookContext | null,
    startedAt: number,
  ): Promise<Awaited<R>> {
    let streaming = false;
    try {
      const result = await returned;
      if (isStream(result)) {
        const view = recordRun(result as object, args, inputId, cacheKey, context, startedAt);
        // Still in flight until the stream ends: later callers join it.
        streaming = true;
        return view as Awaited<R>;
      }
      if (mayWrite) {
        const measures = measureCall(plan, startedAt, result, backends);
        await saveResult(plan, cacheKey, inputId, result, runtime, args, measures);
      }
      if (context !== null)
        await runHooks(
          plan.hooks,
          "onCacheMiss",
          createHookResultContext(context, result),
          backends.logger,
        );
      return result;
    } finally {
      if (!streaming && mayWrite) inflight.delete(cacheKey);
    }
  }

  /**
   * Records a stream while its chunks reach the callers; stores it when it completes normally,
   * then reports the miss. A failed or abandoned stream stores nothing.
   */
  function recordRun(
    stream: object,
    args: readonly unknown[],
    inputId: string,
    cacheKey: string,
    context: HookContext | null,
    startedAt: number,
  ): object {
    let ended: (() => void) | undefined;
    if (streamEnds !== null) {
      streamEnds.set(
        cacheKey,
        new Promise<void>((resolve) => {
          ended = () => {
            streamEnds.delete(cacheKey);
            resolve();
          };
        }),
      );
    }
    // A background save without hooks is decided at once: the callers need not wait for it.
    const completesAtOnce =
      context === null && (!mayWrite || (!plan.saveSync && plan.onSaveError !== "throw"));
    if (completesAtOnce) {
      return recordStream(
        stream,
        {
          completesAtOnce,
          complete(finished) {
            try {
              if (mayWrite) {
                // A stream's call lasts until its last chunk; its tokens are read from its chunks.
                const measures = measureCall(plan, startedAt, finished.chunks, backends);
                saveStreamInBackground(plan, cacheKey, inputId, finished, runtime, args, measures);
              }
            } catch (error) {
              runtime.backends.reportBackgroundError(error, {
                operation: "save",
                funcName: plan.identity,
                cacheKey,
              });
            } finally {
              if (mayWrite) inflight.delete(cacheKey);
              ended?.();
            }
            return undefined;
          },
          abandon() {
            if (mayWrite) inflight.delete(cacheKey);
            ended?.();
          },
        },
        mayWrite ? copierOf(plan) : null,
      );
    }
    return recordStream(
      stream,
      {
        completesAtOnce,
        async complete(finished) {
          try {
            if (mayWrite) {
              const measures = measureCall(plan, startedAt, finished.chunks, backends);
              await saveStream(plan, cacheKey, inputId, finished, runtime, args, measures);
            }
            if (context !== null)
              await runHooks(
                plan.hooks,
                "onCacheMiss",
                createHookResultContext(context, finished.chunks),
                backends.logger,
              );
          } finally {
            if (mayWrite) inflight.delete(cacheKey);
            ended?.();
          }
        },
        abandon() {
          if (mayWrite) inflight.delete(cacheKey);
          ended?.();
        },
      },
      mayWrite ? copierOf(plan) : null,
    );
  }

  async function marked(this: unknown, ...args: A): Promise<Awaited<R>> {
    runtime.assertOpen();
    const inputId = plan.computeInputId(args);
    const cacheKey = computeCacheKey(plan, inputId);
    let context: HookContext | null = null;
    if (hasHooks) {
      context = createHookContext({
        funcName: plan.identity,
        inputId,
        cacheKey,
        args,
        version: plan.version,
      });
      await runHooks(plan.hooks, "preExecute", context, backends.logger);
    }
    runtime.afterCall();
    if (mayRead) {
      const stored = backends.synchronous
        ? lookupSync(plan, cacheKey, runtime)
        : await lookupAsync(plan, cacheKey, runtime);
      if (stored !== MISS) {
        runtime.countHit(cacheKey);
        if (context !== null)
          await runHooks(
            plan.hooks,
            "onCacheHit",
            createHookResultContext(context, chunksForHooks(stored)),
            backends.logger,
          );
        return stored as Awaited<R>;
      }
    }
    // Sharing a run in flight is a read of its result: bypass neither reads nor writes.
    if (mayWrite) {
      const running = inflight.get(cacheKey);
      // A shared stream gives each caller its own view (with every chunk from the start).
      if (running !== undefined) return running.then(joinRun) as Promise<Awaited<R>>;
    }
    if (!mayRun) {
      throw await createReplayMissError(plan, cacheKey, inputId, backends, args);
    }
    // One run across the processes sharing the database (core/single-flight.ts): only where a
    // stored result may be read and written (not in record or bypass mode).
    if (mayRead && mayWrite && plan.singleFlight === "machine" && supportsLeases(backends.db)) {
      return runOncePerMachine(backends.db, inflight, cacheKey, {
        lookup: () => lookupAsync(plan, cacheKey, runtime),
        run: () => start(this, args, inputId, cacheKey, context),
        whenSaved: () => {
          const saved = () => (plan.saveSync ? Promise.resolve() : runtime.writer.whenIdle());
          const end = streamEnds?.get(cacheKey);
          return end === undefined ? saved() : end.then(saved);
        },
        assertOpen: runtime.assertOpen,
      });
    }
    return start(this, args, inputId, cacheKey, context);
  }

  // An `async function*` returns its iterable at once, as the function itself would.
  const wrapper = isAsyncGeneratorFunction(fn)
    ? function (this: unknown, ...args: A) {
        return new DeferredStream(() => marked.apply(this, args));
      }
    : marked;

  return Object.assign(wrapper, {
    identity: plan.identity,
    [MARKED_IDENTITY]: plan.identity,
    key: (...args: A) => computeCacheKey(plan, plan.computeInputId(args)),
    explain: (...args: A) => explainCall(plan, args, runtime),
    async peek(...args: A) {
      runtime.assertOpen();
      const value = await lookupAsync(
        plan,
        computeCacheKey(plan, plan.computeInputId(args)),
        runtime,
      );
      return value === MISS ? undefined : (value as Awaited<R>);
    },
    async invalidate(...args: A) {
      runtime.assertOpen();
      return deleteEntry(computeCacheKey(plan, plan.computeInputId(args)), runtime);
    },
  }) as unknown as MarkedFunction<A, R>;
}

/** Builds the synchronous wrapper of `fn`; the Spot checked that its backends are synchronous. */
export function createMarkedSyncFunction<A extends unknown[], R>(
  fn: (...args: A) => R,
  plan: CallPlan,
  runtime: CallRuntime,
): MarkedSyncFunction<A, R> {
  const { backends } = runtime;
  const hasHooks = plan.hooks.length > 0;
  const { mayRead, mayRun, mayWrite } = plan.modeRules;

  function marked(this: unknown, ...args: A): R {
    runtime.assertOpen();
    const inputId = plan.computeInputId(args);
    const cacheKey = computeCacheKey(plan, inputId);
    // Hooks of a synchronous function cannot be awaited: they run in order, detached.
    const context = hasHooks
      ? createHookContext({
          funcName: plan.identity,
          inputId,
          cacheKey,
          args,
          version: plan.version,
        })
      : null;
    if (context !== null) void runHooks(plan.hooks, "preExecute", context, backends.logger);
    runtime.afterCall();
    const stored = mayRead ? lookupSync(plan, cacheKey, runtime) : MISS;
    if (stored !== MISS) {
      runtime.countHit(cacheKey);
      if (context !== null)
        void runHooks(
          plan.hooks,
          "onCacheHit",
          createHookResultContext(context, stored),
          backends.logger,
        );
      return stored as R;
    }
    if (!mayRun) {
      throw createReplayMissErrorSync(plan, cacheKey, inputId, backends, args);
    }
    const startedAt = performance.now();
    const result = fn.apply(this, args);
    if (mayWrite) {
      const measures = measureCall(plan, startedAt, result, backends);
      saveResultSync(plan, cacheKey, inputId, result, runtime, args, measures);
    }
    if (context !== null)
      void runHooks(
        plan.hooks,
        "onCacheMiss",
        createHookResultContext(context, result),
        backends.logger,
      );
    return result;
  }

  return Object.assign(marked, {
    identity: plan.identity,
    [MARKED_IDENTITY]: plan.identity,
    key: (...args: A) => computeCacheKey(plan, plan.computeInputId(args)),
    explain: (...args: A) => explainCall(plan, args, runtime),
    peek(...args: A) {
      runtime.assertOpen();
      const value = lookupSync(plan, computeCacheKey(plan, plan.computeInputId(args)), runtime);
      return value === MISS ? undefined : (value as R);
    },
    invalidate(...args: A) {
      runtime.assertOpen();
      return deleteEntrySync(computeCacheKey(plan, plan.computeInputId(args)), runtime);
    },
  }) as unknown as MarkedSyncFunction<A, R>;
}

/** Removes an entry: any pending write, the row, then its blob. Resolves whether one existed. */
export async function deleteEntry(cacheKey: string, runtime: CallRuntime): Promise<boolean> {
  const wasPending = runtime.writer.pending.has(cacheKey);
  runtime.writer.cancel(cacheKey);
  const { db, storage } = runtime.backends;
  const removed = await db.delete(cacheKey);
  // Another process may be saving the same key (same blob location): see storage/release.ts.
  if (removed?.resultType === "FILE" && removed.resultValue !== null) {
    await releaseBlob(db, storage, removed.resultValue, cacheKey);
  }
  return wasPending || removed !== undefined;
}

/** `deleteEntry` for synchronous backends. */
export function deleteEntrySync(cacheKey: string, runtime: CallRuntime): boolean {
  const wasPending = runtime.writer.pending.has(cacheKey);
  runtime.writer.cancel(cacheKey);
  const { db, storage } = runtime.backends;
  const removed = db.delete(cacheKey) as Awaited<ReturnType<typeof db.delete>>;
  if (removed?.resultType === "FILE" && removed.resultValue !== null) {
    releaseBlobSync(db, storage, removed.resultValue, cacheKey);
  }
  return wasPending || removed !== undefined;
}
