/**
 * @module core/stream — streams are cached: a stream result is recorded while its chunks reach
 * the caller live, stored once it completes normally, and replayed on a hit as the same kind of
 * thing (an async iterable, or a web ReadableStream). The call path (call.ts) hands a miss's
 * result here only when `isStream` says so; a hit is recognised by the row's content type.
 */

import { setTimeout as sleep } from "node:timers/promises";
import { STREAM_CONTENT_TYPE } from "../content-type.js";
import { ValidationError } from "../errors.js";
import type { ReplayOptions, ReplayPace } from "./options.js";
import { describeValue } from "./options.js";
import type { CallPlan } from "./plan.js";

export { STREAM_CONTENT_TYPE };

/** The kind of stream a function returned; a hit gives back the same kind. */
export type StreamKind = "iterable" | "readable";

/**
 * What is stored for a stream: plain data, readable by any MessagePack reader.
 * `at[i]` is when chunk `i` arrived, in whole ms after the function returned its stream.
 */
export interface StreamRecording {
  readonly stream: StreamKind;
  readonly chunks: unknown[];
  readonly at: number[];
}

/** Where the recording of a live stream is kept, on the object the caller holds. */
const LIVE_RECORDING: unique symbol = Symbol("beautyspot.liveRecording");
/** The stored recording behind a replay (for hooks). */
const REPLAYED_RECORDING: unique symbol = Symbol("beautyspot.replayedRecording");

/** Validates the `replay` option of a mark; returns its pace. */
export function resolveReplayPace(replay: unknown, where: string): ReplayPace {
  if (replay === undefined) return "none";
  const pace = (replay as ReplayOptions | null)?.pace;
  if (
    replay === null ||
    typeof replay !== "object" ||
    !(
      pace === undefined ||
      pace === "none" ||
      pace === "original" ||
      (typeof pace === "number" && Number.isFinite(pace) && pace >= 0)
    )
  ) {
    throw new ValidationError(
      `Option \`replay\` of ${where} must be { pace: "none" | "original" | <ms between chunks, >= 0> }, got ${replay !== null && typeof replay === "object" ? `pace ${describeValue(pace)}` : describeValue(replay)}.`,
    );
  }
  return pace ?? "none";
}

/** Whether a result is a stream: an async iterable or a web ReadableStream (one check per miss). */
export function isStream(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (typeof (value as { getReader?: unknown }).getReader === "function" ||
      typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function")
  );
}

/** Whether `fn` is an `async function*`: its wrapper returns an async iterable synchronously. */
export function isAsyncGeneratorFunction(fn: Function): boolean {
  return fn.constructor?.name === "AsyncGeneratorFunction";
}

/** The plan used to store recordings of `plan`'s streams: the same, with the stream content type. */
const streamPlans = new WeakMap<CallPlan, CallPlan>();
export function streamPlanOf(plan: CallPlan): CallPlan {
  let streamPlan = streamPlans.get(plan);
  if (streamPlan === undefined) {
    streamPlan = { ...plan, contentType: STREAM_CONTENT_TYPE };
    streamPlans.set(plan, streamPlan);
  }
  return streamPlan;
}

/**
 * Whole ms since the epoch, for the arrival times of chunks. Read from the system clock once per
 * uninterrupted run of code (a chunk that arrives from the network comes in a task of its own and
 * gets a fresh reading) and at least every 64 readings: reading `Date.now()` for every chunk cost
 * a fifth of a plain pass-through of chunks that were already in memory.
 */
let clockReading = 0;
let clockReadsLeft = 0;
let clockExpiry = false;
const expireClock = (): void => {
  clockReadsLeft = 0;
  clockExpiry = false;
};
function coarseNow(): number {
  if (clockReadsLeft === 0) {
    clockReading = Date.now();
    clockReadsLeft = 64;
    if (!clockExpiry) {
      clockExpiry = true;
      process.nextTick(expireClock);
    }
  }
  clockReadsLeft -= 1;
  return clockReading;
}

/**
 * Takes a copy of a chunk that the caller could change after receiving it (an object, an array, a
 * binary chunk), as encoded bytes. Strings, numbers and the other primitives cannot change and are
 * kept as they are.
 */
export type ChunkCopier = (chunk: unknown) => Uint8Array;

/** Whether a chunk can change after the caller received it (or cannot be kept by reference). */
function needsCopy(chunk: unknown): boolean {
  return typeof chunk === "object"
    ? chunk !== null
    : typeof chunk === "function" || typeof chunk === "symbol";
}

/** A stream that completed normally, as the call path stores it. */
export interface FinishedStream {
  readonly stream: StreamKind;
  /** The chunks as the callers received them (what hooks see). */
  readonly chunks: readonly unknown[];
  /** When each chunk arrived (as stored: `at[i]` for chunk `i`). */
  arrivals(): number[];
  /** Why the recording cannot be stored (a chunk could not be copied), if it cannot. */
  readonly unstorable: unknown;
  /** The index of the chunk that could not be copied (-1 when every chunk could). */
  readonly unstorableChunk: number;
  /**
   * What to store: the chunks as they were when they arrived (copied chunks decoded with
   * `loads`). Cheap to call later, in a background writer: nothing a caller did since changes it.
   */
  recording(loads: (bytes: Uint8Array) => unknown): StreamRecording;
}

/** What a live recording reports to the call path. */
export interface RecordingEvents {
  /**
   * Whether `complete` finishes before it returns and never throws (a background save without
   * hooks): then the callers need not wait for it, and get the source's results as they are.
   */
  readonly completesAtOnce: boolean;
  /** The stream completed normally: store it. A rejection reaches the callers still reading. */
  complete(finished: FinishedStream): Promise<void> | undefined;
  /** The stream failed, or every caller stopped early: nothing is stored. */
  abandon(): void;
}

interface SourceReader {
  next(): Promise<IteratorResult<unknown>>;
  cancel(): void;
}

function readerOf(stream: object): { kind: StreamKind; reader: SourceReader } {
  if (typeof (stream as { getReader?: unknown }).getReader === "function") {
    const reader = (stream as ReadableStream<unknown>).getReader();
    return {
      kind: "readable",
      reader: {
        next: () => reader.read() as Promise<IteratorResult<unknown>>,
        cancel: () => {
          reader.cancel().catch(() => {});
        },
      },
    };
  }
  const iterator = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  return {
    kind: "iterable",
    reader: {
      next: () => iterator.next(),
      cancel: () => {
        try {
          iterator.return?.()?.catch?.(() => {});
        } catch {
          // The source refused to stop: it is dropped all the same.
        }
      },
    },
  };
}

/**
 * One run of a stream, shared by every caller of the same key. The source is pulled only as fast
 * as the callers read; every chunk is kept, so a caller who joins late gets the earlier ones too.
 */
class LiveRecording {
  readonly kind: StreamKind;
  readonly chunks: unknown[] = [];
  /**
   * Arrival times as steps: pairs of (first chunk index, ms), one pair per change of time. Chunks
   * that arrive in the same ms (a source that has them in memory) cost one pair, not one each.
   */
  private readonly atSteps: number[] = [];
  private lastAt = -1;
  private readonly reader: SourceReader;
  /** `events.completesAtOnce`, read once. */
  private readonly atOnce: boolean;
  /** Whole ms are enough to pace a replay, and cheaper to take and to store than fractions. */
  private readonly startedAt = coarseNow();
  /** Encoded copies of the chunks that could change, by index (made on the first such chunk). */
  private copies: Map<number, Uint8Array> | null = null;
  /** Why a chunk could not be copied: the recording will not be stored. */
  private unstorable: unknown;
  private unstorableChunk = -1;
  private state: "running" | "done" | "failed" = "running";
  private error: unknown;
  /** The pull in progress: a caller that reached the end meanwhile waits for it. */
  private pulling: Promise<IteratorResult<unknown>> | null = null;
  private readers = 0;

  constructor(
    stream: object,
    private readonly events: RecordingEvents,
    private readonly copier: ChunkCopier | null,
  ) {
    const { kind, reader } = readerOf(stream);
    this.kind = kind;
    this.reader = reader;
    this.atOnce = events.completesAtOnce;
  }

  /** A new caller's view of the stream, of the kind the function returned. */
  follow(): object {
    this.readers += 1;
    const view = new LiveView(this);
    const result: object = this.kind === "readable" ? toReadableStream(view) : view;
    Object.defineProperty(result, LIVE_RECORDING, { value: this });
    return result;
  }

  /**
   * The next chunk for `view`, which has read every chunk so far: pulled from the source (the
   * promise goes straight to the caller: this runs once per chunk of every live stream).
   */
  advance(view: LiveView): Promise<IteratorResult<unknown>> {
    if (this.state === "done") {
      view.finish();
      return Promise.resolve({ done: true, value: undefined });
    }
    if (this.state === "failed") {
      view.finish();
      return Promise.reject(this.error);
    }
    if (this.pulling !== null) {
      const retry = () => view.next();
      return this.pulling.then(retry, retry);
    }
    this.puller = view;
    const pulled = this.reader.next();
    if (this.atOnce && pulled instanceof Promise) {
      // The chunk is recorded by a reaction that runs before the caller's (registered first),
      // and the end is stored at once: the caller waits for nothing more than the source.
      pulled.then(this.onPulledAside, this.onPullFailedAside);
      this.pulling = pulled;
      return pulled;
    }
    const pulling = Promise.resolve(pulled).then(this.onPulled, this.onPullFailed);
    this.pulling = pulling;
    return pulling;
  }

  /** Records a chunk of the pull in progress (when the caller reads the source's own promise). */
  private readonly onPulledAside = (result: IteratorResult<unknown>): void => {
    const view = this.puller as LiveView;
    this.pulling = null;
    this.puller = null;
    if (this.state !== "running") return;
    if (result.done !== true) {
      this.record(result.value);
      view.index = this.chunks.length;
      return;
    }
    this.state = "done";
    try {
      void this.events.complete(this.finished());
    } catch {
      // `completesAtOnce` promised no throw; the stream has ended for its callers all the same.
    }
  };

  private readonly onPullFailedAside = (error: unknown): void => {
    this.pulling = null;
    this.puller = null;
    this.fail(error);
  };

  private record(chunk: unknown): void {
    if (this.copier !== null && needsCopy(chunk)) this.copy(chunk);
    this.chunks.push(chunk);
    const at = coarseNow() - this.startedAt;
    if (at !== this.lastAt) {
      this.lastAt = at;
      this.atSteps.push(this.chunks.length - 1, at);
    }
  }

  /** The view whose `next()` started the pull in progress. */
  private puller: LiveView | null = null;

  // Bound once: a pull allocates no closures.
  private readonly onPulled = (
    result: IteratorResult<unknown>,
  ): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    const view = this.puller as LiveView;
    this.pulling = null;
    this.puller = null;
    if (this.state !== "running") return view.next();
    if (result.done !== true) {
      this.record(result.value);
      view.index = this.chunks.length;
      return result;
    }
    return this.complete().then(() => view.next());
  };

  private readonly onPullFailed = (error: unknown): Promise<IteratorResult<unknown>> => {
    const view = this.puller as LiveView;
    this.pulling = null;
    this.puller = null;
    this.fail(error);
    return view.next();
  };

  /** Copies a chunk that could change before the recording is stored; one that cannot be encoded makes it unstorable. */
  private copy(chunk: unknown): void {
    if (this.unstorable !== undefined) return;
    try {
      const copy = (this.copier as ChunkCopier)(chunk);
      this.copies ??= new Map();
      this.copies.set(this.chunks.length, copy);
    } catch (error) {
      this.unstorable = error ?? new Error("it threw without a reason");
      this.unstorableChunk = this.chunks.length;
      this.copies = null;
    }
  }

  /** The stream as it completed, for the call path to store. */
  private finished(): FinishedStream {
    const { kind, chunks, atSteps, copies, unstorable, unstorableChunk } = this;
    let at: number[] | undefined;
    const arrivals = (): number[] => {
      at ??= expandSteps(atSteps, chunks.length);
      return at;
    };
    return {
      stream: kind,
      chunks,
      arrivals,
      unstorable,
      unstorableChunk,
      recording(loads) {
        if (copies === null || copies.size === 0) return { stream: kind, chunks, at: arrivals() };
        const stored = chunks.slice();
        for (const [index, bytes] of copies) stored[index] = loads(bytes);
        return { stream: kind, chunks: stored, at: arrivals() };
      },
    };
  }

  private async complete(): Promise<void> {
    try {
      await this.events.complete(this.finished());
      this.state = "done";
    } catch (error) {
      this.state = "failed";
      this.error = error;
    }
  }

  isDone(index: number): boolean {
    return index >= this.chunks.length && this.state === "done";
  }

  /** A caller stopped reading. When none is left before the end, the source is stopped. */
  leave(early: boolean): void {
    this.readers -= 1;
    if (early && this.readers === 0 && this.state === "running") {
      this.state = "failed";
      this.error = new Error(
        "This stream was stopped early by every caller that shared it, so it was not stored. Call the function again to start a new run.",
      );
      this.reader.cancel();
      this.events.abandon();
    }
  }

  private fail(error: unknown): void {
    if (this.state !== "running") return;
    this.state = "failed";
    this.error = error;
    this.events.abandon();
  }
}

/** One arrival time per chunk, from (first chunk index, ms) steps. */
function expandSteps(steps: readonly number[], count: number): number[] {
  const at = new Array<number>(count);
  for (let step = 0; step < steps.length; step += 2) {
    const end = step + 2 < steps.length ? (steps[step + 2] as number) : count;
    at.fill(steps[step + 1] as number, steps[step] as number, end);
  }
  return at;
}

/** One caller's position in a live recording. */
class LiveView implements AsyncIterableIterator<unknown> {
  index = 0;
  private left = false;

  constructor(private readonly recording: LiveRecording) {}

  next(): Promise<IteratorResult<unknown>> {
    const { recording } = this;
    if (this.left) return Promise.resolve({ done: true, value: undefined });
    if (this.index < recording.chunks.length) {
      return Promise.resolve({ done: false, value: recording.chunks[this.index++] });
    }
    return recording.advance(this);
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.leaveOnce(true);
    return Promise.resolve({ done: true, value });
  }

  /** The stream ended or failed for this caller. */
  finish(): void {
    this.leaveOnce(false);
  }

  private leaveOnce(early: boolean): void {
    if (this.left) return;
    this.left = true;
    this.recording.leave(early && !this.recording.isDone(this.index));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }
}

/**
 * Starts recording a stream a function returned; the caller gets its live view. `copier` copies
 * the chunks that could change (null when the recording will not be stored).
 */
export function recordStream(
  stream: object,
  events: RecordingEvents,
  copier: ChunkCopier | null,
): object {
  return new LiveRecording(stream, events, copier).follow();
}

/**
 * Another caller of the same run: the view it gets from the first caller's result. Values that
 * are not live streams pass unchanged (concurrent calls of ordinary functions share the value).
 */
export function joinRun(result: unknown): unknown {
  const recording =
    typeof result === "object" && result !== null
      ? (result as { [LIVE_RECORDING]?: LiveRecording })[LIVE_RECORDING]
      : undefined;
  return recording === undefined ? result : recording.follow();
}

function toReadableStream(iterator: AsyncIterator<unknown>): ReadableStream<unknown> {
  return new ReadableStream<unknown>(
    {
      async pull(controller) {
        const result = await iterator.next();
        if (result.done === true) controller.close();
        else controller.enqueue(result.value);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Whether a decoded value has the shape of a stored recording. */
function isRecording(value: unknown): value is StreamRecording {
  const recording = value as Partial<StreamRecording> | null;
  return (
    typeof recording === "object" &&
    recording !== null &&
    (recording.stream === "iterable" || recording.stream === "readable") &&
    Array.isArray(recording.chunks) &&
    Array.isArray(recording.at)
  );
}

/** Replays the chunks of a recording, paced as asked; re-iterable (each iteration starts over). */
class Replay implements AsyncIterable<unknown> {
  constructor(
    private readonly recording: StreamRecording,
    private readonly pace: ReplayPace,
  ) {
    Object.defineProperty(this, REPLAYED_RECORDING, { value: recording });
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this.pace === "none"
      ? new ImmediateReplay(this.recording.chunks)
      : pacedReplay(this.recording, this.pace);
  }
}

class ImmediateReplay implements AsyncIterableIterator<unknown> {
  private index = 0;
  constructor(private readonly chunks: readonly unknown[]) {}

  next(): Promise<IteratorResult<unknown>> {
    const { chunks } = this;
    return Promise.resolve(
      this.index < chunks.length
        ? { done: false, value: chunks[this.index++] }
        : { done: true, value: undefined },
    );
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.index = this.chunks.length;
    return Promise.resolve({ done: true, value });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }
}

async function* pacedReplay(
  recording: StreamRecording,
  pace: "original" | number,
): AsyncGenerator<unknown> {
  const { chunks, at } = recording;
  for (let index = 0; index < chunks.length; index++) {
    // "original" waits before the first chunk too (the time to the first chunk); a fixed pace
    // is the time between chunks.
    const gap =
      pace === "original"
        ? (at[index] ?? 0) - (index === 0 ? 0 : (at[index - 1] ?? 0))
        : index === 0
          ? 0
          : pace;
    if (gap > 0) await sleep(gap);
    yield chunks[index];
  }
}

/**
 * What a hit on a stored recording returns: a replay of the kind that was recorded. Called by the
 * read path only for rows with the stream content type.
 */
export function createReplay(value: unknown, pace: ReplayPace): unknown {
  if (!isRecording(value)) return value;
  const replay = new Replay(value, pace);
  if (value.stream === "iterable") return replay;
  const stream = toReadableStream(replay[Symbol.asyncIterator]());
  Object.defineProperty(stream, REPLAYED_RECORDING, { value });
  return stream;
}

/** The chunks behind a replay or a live view (what hooks see as `result`), else the value itself. */
export function chunksForHooks(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const replayed = (value as { [REPLAYED_RECORDING]?: StreamRecording })[REPLAYED_RECORDING];
  return replayed === undefined ? value : replayed.chunks;
}

/**
 * The iterable an `async function*`'s wrapper returns at once. Like a generator, it starts only
 * when first read: the lookup (and on a miss the run) happens then; a `return()` before that
 * starts nothing.
 */
export class DeferredStream implements AsyncGenerator<unknown, unknown, unknown> {
  private iterator: AsyncIterator<unknown> | null = null;
  private opening: Promise<AsyncIterator<unknown>> | null = null;
  private closed = false;

  constructor(private readonly start: () => Promise<unknown>) {}

  next(): Promise<IteratorResult<unknown>> {
    if (this.iterator !== null) return this.iterator.next();
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    return this.open().then((iterator) => iterator.next());
  }

  async return(value?: unknown): Promise<IteratorResult<unknown>> {
    this.closed = true;
    const iterator = this.iterator ?? (this.opening === null ? null : await this.opening);
    if (iterator?.return !== undefined) await iterator.return(value);
    return { done: true, value };
  }

  /**
   * What a generator's `throw` does when nothing inside catches: the stream stops (a live run is
   * not stored) and the error comes back. A cached stream has no code to throw into.
   */
  async throw(error: unknown): Promise<IteratorResult<unknown>> {
    await this.return();
    throw error;
  }

  /** `await using stream = marked()` stops the stream at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  private open(): Promise<AsyncIterator<unknown>> {
    this.opening ??= this.start().then((value) => {
      if (!isStream(value)) {
        throw new TypeError(
          `Expected the stored result of a generator function to be a stream, got ${describeValue(value)}. An entry stored under the same identity by spot.store or another function is not a recording: invalidate it, or give the generator its own name.`,
        );
      }
      const iterate = (value as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown> })[
        Symbol.asyncIterator
      ];
      this.iterator =
        typeof iterate === "function"
          ? iterate.call(value)
          : readerAsIterator((value as ReadableStream<unknown>).getReader());
      return this.iterator;
    });
    return this.opening;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function readerAsIterator(reader: ReadableStreamDefaultReader<unknown>): AsyncIterator<unknown> {
  return {
    next: () => reader.read() as Promise<IteratorResult<unknown>>,
    return: async (value?: unknown) => {
      await reader.cancel();
      return { done: true, value };
    },
  };
}
