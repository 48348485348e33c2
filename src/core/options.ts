/** @module core/options — the options of `new Spot()` and `spot.mark()`, and their validation. */

import { resolve as resolvePath } from "node:path";
import type { ContentTypeOption } from "../content-type.js";
import type { TaskDB } from "../db/types.js";
import { type Durability, requireDurability } from "../durability.js";
import { ValidationError } from "../errors.js";
import type { Hook } from "../hooks/types.js";
import type { KeyGenOption } from "../keys/keygen.js";
import { createRedactor, type RedactOption } from "../keys/redact.js";
import { LifecyclePolicy } from "../lifecycle/policy.js";
import type { RetentionSpec } from "../lifecycle/retention.js";
import type { RateLimiter } from "../limiter/types.js";
import type { DecodeErrorMode, Serializer } from "../serializer/types.js";
import type { BlobStorage, StoragePolicy } from "../storage/types.js";
import type { Logger } from "../types.js";
import { resolveSpotMode, type SpotMode } from "./modes.js";
import { DEFAULT_WORKSPACE } from "./workspace.js";

/**
 * What happens when a computed result cannot be stored (it cannot be encoded, the disk is full,
 * the database is locked): `"warn"` returns the result to the caller and reports the failure
 * (logger / `onBackgroundError`); `"throw"` makes the call reject with the error, which carries
 * the result as `error.result`.
 */
export type SaveErrorMode = "warn" | "throw";

/**
 * How a stored stream is replayed on a hit: `"none"` (every chunk at once), `"original"` (with
 * the gaps measured while it was recorded), or a fixed number of ms between chunks.
 */
export type ReplayPace = "none" | "original" | number;

/** The `replay` option of `mark`, for functions that return streams. */
export interface ReplayOptions {
  /** @default "none" */
  pace?: ReplayPace;
}

/**
 * Who shares one run of concurrent identical calls: `"process"` (the calls of one process) or
 * `"machine"` (the calls of every process sharing the database, through a lease).
 */
export type SingleFlightMode = "process" | "machine";

/** What a failed save or clean-up reports to `onBackgroundError`. */
export interface BackgroundErrorContext {
  /** What failed: storing a result (in the background or during the call), or the periodic clean-up. */
  operation: "save" | "eviction";
  funcName?: string;
  cacheKey?: string;
  resultType?: "DIRECT_BLOB" | "FILE";
  /** Encoded size in bytes. */
  size?: number;
}

/** Options of `new Spot(name, options)`. All optional. */
export interface SpotOptions {
  /**
   * A TaskDB, a SQLite file path, or a `postgres://` URI (a `PostgresTaskDB`, which needs the
   * optional `pg` package). @default `<workspace>/<name>.db`
   */
  db?: TaskDB | string;
  /** Encodes values. @default a new `MsgpackSerializer` per Spot */
  serializer?: Serializer;
  /** A BlobStorage, a folder path, or an `s3://` / `gs://` URI. @default `<workspace>/blobs/<name>/` */
  storage?: BlobStorage | string;
  /** Decides row vs blob per value. @default `WarningOnlyPolicy` with `blobWarningThreshold` */
  storagePolicy?: StoragePolicy;
  /** Used by `spot.consume`. @default `TokenBucket({ tokensPerMinute: tpm })` */
  limiter?: RateLimiter;
  /** Retention by function identity. @default 30 days for everything */
  lifecyclePolicy?: LifecyclePolicy;
  /** Folder for the default database and blobs. @default `.beautyspot` in the current directory */
  workspace?: string;
  /** Probability (0..1) that a call triggers a background clean-up, at most once a minute. @default 0 */
  evictionRate?: number;
  /** Values larger than this (bytes) log a warning under the default policy. @default 1 MiB */
  blobWarningThreshold?: number;
  /** Store every value as a blob. @default false */
  saveBlob?: boolean;
  /** Tokens per minute of the default limiter. @default 10000 */
  tpm?: number;
  /**
   * Write before returning (`true`), or return at once and write in the background (`false`,
   * faster for the caller; pending writes are drained by `flush`, `shutdown` and on exit).
   * @default true
   */
  saveSync?: boolean;
  /** How long `flush()` and `shutdown()` wait for pending writes by default (ms). @default 5000 */
  drainTimeout?: number;
  /**
   * Called with every failed save (a result that could not be stored: the caller still got it)
   * and every failed clean-up. @default logs a warning, once per function and kind of failure
   */
  onBackgroundError?: (error: unknown, context: BackgroundErrorContext) => void;
  /**
   * When a computed result cannot be stored: `"warn"` returns it and reports the failure;
   * `"throw"` rejects the call with the error, the result on `error.result` (a background save
   * that fails after the call returned is still reported). @default "warn"
   */
  onSaveError?: SaveErrorMode;
  /** Where warnings go. @default `console` with a `[beautyspot]` prefix */
  logger?: Logger;
  /**
   * What marked functions do with the cache: `"normal"` (read, run on a miss, write),
   * `"replay"` (never run: a miss throws `CacheMissError`), `"record"` (always run and
   * overwrite) or `"bypass"` (run, neither read nor write). The environment variable
   * `BEAUTYSPOT_MODE` overrides it (read once, when the Spot is constructed); a mark option
   * `mode` overrides both for one function. @default "normal"
   */
  mode?: SpotMode;
  /**
   * Recording files (`beautyspot export`) read before the database, as a read-only layer: a
   * path or a list (searched in order). In `"record"` mode new results are also written to the
   * first one, rewritten deterministically at `flush()` / `shutdown()`. @default none
   */
  fixtures?: string | readonly string[];
  /**
   * Who shares one run of concurrent identical calls. `"process"`: the calls of this process.
   * `"machine"`: the calls of every process using this database (workers of one server), through
   * a lease in the SQLite file; costs two small writes per miss, nothing per hit. See
   * docs/multi-process.md. Needs a TaskDB with lease methods (the SQLite one has them).
   * @default "process"
   */
  singleFlight?: SingleFlightMode;
  /**
   * More argument fields to redact before arguments are stored or shown (explain, `beautyspot
   * why`), on top of the built-in rule (apiKey, authorization, token, password, secret, … and
   * secret-looking values such as `sk-…`): field names, dotted paths, regular expressions, or a
   * function `(field) => boolean`. Keys are never affected. @default none
   * @example redact: ["email", "opts.user.phone"]
   */
  redact?: RedactOption;
  /**
   * Store each call's arguments (redacted, at most 64 KiB) beside its result, for `explain`,
   * `beautyspot why` and the dashboard. Costs a miss the bytes of its arguments: with 1 KB
   * arguments and 1 KB results a synchronous miss takes about 1.3× as long. `false` stores none
   * (explain then shows only version differences). @default true
   */
  storeArguments?: boolean;
  /**
   * What a stored result survives. `"normal"`: a crash of the process (rows committed with
   * SQLite's `synchronous = NORMAL`, blobs renamed into place without an fsync); after a power
   * loss the newest entries may be gone or torn, and a torn one is caught by its size and digest
   * and recomputed, never returned. `"full"`: a power loss too (every commit and blob fsynced;
   * slower). Applies to the database and blob folder the Spot opens itself (defaults, paths,
   * `file://`), not to a TaskDB or BlobStorage passed in. @default "normal"
   */
  durability?: Durability;
}

/** Options of `spot.mark(fn, options)`. All optional. */
export interface MarkOptions<A extends readonly unknown[] = unknown[]> {
  /** Function identity in keys and records. @default `fn.name`; `Class.method` for methods */
  name?: string;
  /**
   * Part of the key: bump it when the function's behaviour changes. `"auto"` derives it from the
   * function's source text (and `dependsOn`), so editing the function makes new entries
   * (see README, "Version from the source"). @default none
   */
  version?: string;
  /** How arguments become the input id. @default canonical form of all arguments */
  keygen?: KeyGenOption<A>;
  /** Content type recorded for the dashboard: a `ContentType` member or any `type/subtype`. @default none */
  contentType?: ContentTypeOption;
  /** Overrides the Spot's serializer for this function. */
  serializer?: Serializer;
  /** Overrides the Spot's `saveBlob`. */
  saveBlob?: boolean;
  /** Overrides the Spot's `saveSync`. */
  saveSync?: boolean;
  /** How long entries live: `"7d"`, `"12h"`, `"30m"`, `"10s"`, seconds, or `Retention.FOREVER`. @default the lifecycle policy's */
  retention?: RetentionSpec;
  /** Observers of this function's calls. */
  hooks?: readonly Hook[];
  /** What to do when a stored value no longer decodes. @default "recompute" */
  onDecodeError?: DecodeErrorMode;
  /** Overrides the Spot's `onSaveError`: `"warn"` or `"throw"` when a result cannot be stored. */
  onSaveError?: SaveErrorMode;
  /**
   * How a stored stream is replayed on a hit (UI work): `{ pace: "original" }` keeps the recorded
   * gaps, `{ pace: 20 }` waits 20 ms between chunks. @default { pace: "none" }: all at once
   */
  replay?: ReplayOptions;
  /** Overrides the Spot's mode (and `BEAUTYSPOT_MODE`) for this function; see `SpotOptions.mode`. */
  mode?: SpotMode;
  /** Overrides the Spot's `singleFlight`: `"process"` or `"machine"` (not for `markSync`). */
  singleFlight?: SingleFlightMode;
  /** More fields to redact from this function's stored arguments, added to the Spot's `redact`. */
  redact?: RedactOption;
  /** Overrides the Spot's `storeArguments`. */
  storeArguments?: boolean;
  /**
   * With `version: "auto"`: more things the version depends on — other functions (their source
   * text) and strings (a prompt kept in a constant, a model name). @default none
   */
  dependsOn?: readonly unknown[];
  /**
   * How many tokens a result used (input + output), recorded with its entry so `stats` and the
   * dashboard can say how many tokens the cache saved. Called once per miss with the result (a
   * stream: the array of its chunks); return `undefined` when the result reports no usage. The
   * OpenAI, Anthropic, AI SDK and LangChain integrations set it themselves. @default none
   * @example tokensOf: (response) => response.usage?.total_tokens
   */
  tokensOf?(result: unknown): number | null | undefined;
}

const DECODE_ERROR_MODES: readonly DecodeErrorMode[] = ["recompute", "raw", "throw"];
const SAVE_ERROR_MODES: readonly SaveErrorMode[] = ["warn", "throw"];
const SINGLE_FLIGHT_MODES: readonly SingleFlightMode[] = ["process", "machine"];

/**
 * Throws a ValidationError unless `value` is a finite number within [min, max], or within
 * (min, max] with `exclusiveMin` (an option that must be positive says "> 0", not the smallest
 * double).
 */
export function requireNumberInRange(
  value: unknown,
  option: string,
  min: number,
  max: number,
  { exclusiveMin = false }: { exclusiveMin?: boolean } = {},
): number {
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    (exclusiveMin ? value <= min : value < min) ||
    value > max
  ) {
    const range =
      max === Number.POSITIVE_INFINITY
        ? `${exclusiveMin ? ">" : ">="} ${min}`
        : `${exclusiveMin ? `> ${min} and <=` : `between ${min} and`} ${max}`;
    // Infinity is a number, so "a number > 0, got Infinity" would read as a contradiction.
    const kind = value === Number.POSITIVE_INFINITY ? "a finite number" : "a number";
    throw new ValidationError(
      `Option \`${option}\` must be ${kind} ${range}, got ${describeValue(value)}. Fix the value or leave it out to use the default.`,
    );
  }
  return value;
}

/** Throws a ValidationError unless `value` is a boolean. */
export function requireBoolean(value: unknown, option: string): boolean {
  if (typeof value !== "boolean") {
    throw new ValidationError(
      `Option \`${option}\` must be true or false, got ${describeValue(value)}.`,
    );
  }
  return value;
}

/** Throws a ValidationError unless `value` is a valid `onDecodeError` mode. */
export function requireDecodeErrorMode(value: unknown, where: string): DecodeErrorMode {
  if (!DECODE_ERROR_MODES.includes(value as DecodeErrorMode)) {
    throw new ValidationError(
      `Option \`onDecodeError\` of ${where} must be one of ${DECODE_ERROR_MODES.map((mode) => `"${mode}"`).join(", ")}, got ${describeValue(value)}.`,
    );
  }
  return value as DecodeErrorMode;
}

/** Throws a ValidationError unless `value` is a valid `onSaveError` mode. */
export function requireSaveErrorMode(value: unknown, where: string): SaveErrorMode {
  if (!SAVE_ERROR_MODES.includes(value as SaveErrorMode)) {
    throw new ValidationError(
      `Option \`onSaveError\`${where === "" ? "" : ` of ${where}`} must be ${SAVE_ERROR_MODES.map((mode) => `"${mode}"`).join(" or ")}, got ${describeValue(value)}.`,
    );
  }
  return value as SaveErrorMode;
}

/** Throws a ValidationError unless `value` is a valid `singleFlight` mode. */
export function requireSingleFlightMode(value: unknown, where: string): SingleFlightMode {
  if (!SINGLE_FLIGHT_MODES.includes(value as SingleFlightMode)) {
    throw new ValidationError(
      `Option \`singleFlight\`${where === "" ? "" : ` of ${where}`} must be ${SINGLE_FLIGHT_MODES.map((mode) => `"${mode}"`).join(" or ")}, got ${describeValue(value)}.`,
    );
  }
  return value as SingleFlightMode;
}

/** Throws a ValidationError unless `value` has every listed method. */
export function requireMethods(value: unknown, option: string, methods: readonly string[]): void {
  const missing =
    value === null || typeof value !== "object"
      ? methods
      : methods.filter(
          (method) => typeof (value as Record<string, unknown>)[method] !== "function",
        );
  if (missing.length > 0) {
    throw new ValidationError(
      `Option \`${option}\` must be an object with ${methods.map((method) => `\`${method}()\``).join(" and ")}; ${describeValue(value)} lacks ${missing.join(", ")}.`,
    );
  }
}

/** A short, safe description of any value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === "function") return `a function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") {
    const constructorName = (value as object).constructor?.name;
    return constructorName && constructorName !== "Object"
      ? `an instance of ${constructorName}`
      : "an object";
  }
  return String(value);
}

/** Checks the `fixtures` option: a recording file path or a non-empty list of them. */
export function requireFixtureFiles(fixtures: unknown): string[] {
  const list = typeof fixtures === "string" ? [fixtures] : fixtures;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((file) => typeof file !== "string" || file === "")
  ) {
    throw new ValidationError(
      `Option \`fixtures\` must be a recording file path or a non-empty list of them, got ${describeValue(fixtures)}. Example: fixtures: "test/fixtures/llm.spot".`,
    );
  }
  return [...(list as string[])];
}

/** Defaults of the Spot options that have one. */
export const DEFAULT_BLOB_WARNING_THRESHOLD = 1024 * 1024;
export const DEFAULT_TOKENS_PER_MINUTE = 10_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;

const SPOT_OPTION_NAMES = new Set([
  "db",
  "serializer",
  "storage",
  "storagePolicy",
  "limiter",
  "lifecyclePolicy",
  "workspace",
  "evictionRate",
  "blobWarningThreshold",
  "saveBlob",
  "tpm",
  "saveSync",
  "drainTimeout",
  "onBackgroundError",
  "onSaveError",
  "logger",
  "mode",
  "fixtures",
  "singleFlight",
  "redact",
  "storeArguments",
  "durability",
]);

/** Spot options checked and with their defaults applied; the objects passed in are checked in place. */
export interface SpotSettings {
  workspace: string;
  logger: Logger;
  evictionRate: number;
  drainTimeout: number;
  blobWarningThreshold: number;
  saveBlob: boolean;
  saveSync: boolean;
  onSaveError: SaveErrorMode;
  /** From `BEAUTYSPOT_MODE` when set, else the option, else `"normal"`. */
  mode: SpotMode;
  /** Recording files read before the database, in order; `undefined` without `fixtures`. */
  fixtures: string[] | undefined;
  singleFlight: SingleFlightMode;
  storeArguments: boolean;
  durability: Durability;
}

/**
 * Checks every Spot option at construction (ValidationError naming the option and the allowed
 * values) and applies the defaults. Backends given as objects are checked for their methods.
 */
export function resolveSpotSettings(options: SpotOptions, fallbackLogger: Logger): SpotSettings {
  if (options === null || typeof options !== "object") {
    throw new ValidationError(`Spot options must be an object, got ${describeValue(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!SPOT_OPTION_NAMES.has(key)) {
      throw new ValidationError(
        `Unknown Spot option \`${key}\`. Known options: ${[...SPOT_OPTION_NAMES].join(", ")}.`,
      );
    }
  }
  if (options.logger !== undefined) requireMethods(options.logger, "logger", ["warn", "error"]);
  if (
    options.workspace !== undefined &&
    (typeof options.workspace !== "string" || options.workspace === "")
  ) {
    throw new ValidationError(
      `Option \`workspace\` must be a folder path, got ${describeValue(options.workspace)}.`,
    );
  }
  if (options.tpm !== undefined) {
    requireNumberInRange(options.tpm, "tpm", 0, Number.POSITIVE_INFINITY, { exclusiveMin: true });
  }
  if (options.serializer !== undefined) {
    requireMethods(options.serializer, "serializer", ["dumps", "loads"]);
  }
  if (options.storagePolicy !== undefined) {
    requireMethods(options.storagePolicy, "storagePolicy", ["shouldUseBlob"]);
  }
  if (options.limiter !== undefined) requireMethods(options.limiter, "limiter", ["consume"]);
  if (options.redact !== undefined) createRedactor([options.redact], "the Spot");
  if (options.onBackgroundError !== undefined && typeof options.onBackgroundError !== "function") {
    throw new ValidationError(
      "Option `onBackgroundError` must be a function (error, context) => void.",
    );
  }
  if (
    options.lifecyclePolicy !== undefined &&
    !(options.lifecyclePolicy instanceof LifecyclePolicy)
  ) {
    throw new ValidationError(
      "Option `lifecyclePolicy` must be a LifecyclePolicy: new LifecyclePolicy({ rules, defaultRetention }).",
    );
  }
  return {
    workspace: resolvePath(options.workspace ?? DEFAULT_WORKSPACE),
    logger: options.logger ?? fallbackLogger,
    evictionRate:
      options.evictionRate === undefined
        ? 0
        : requireNumberInRange(options.evictionRate, "evictionRate", 0, 1),
    drainTimeout:
      options.drainTimeout === undefined
        ? DEFAULT_DRAIN_TIMEOUT_MS
        : requireNumberInRange(options.drainTimeout, "drainTimeout", 0, Number.POSITIVE_INFINITY),
    blobWarningThreshold:
      options.blobWarningThreshold === undefined
        ? DEFAULT_BLOB_WARNING_THRESHOLD
        : requireNumberInRange(
            options.blobWarningThreshold,
            "blobWarningThreshold",
            0,
            Number.POSITIVE_INFINITY,
          ),
    saveBlob: options.saveBlob === undefined ? false : requireBoolean(options.saveBlob, "saveBlob"),
    saveSync: options.saveSync === undefined ? true : requireBoolean(options.saveSync, "saveSync"),
    onSaveError:
      options.onSaveError === undefined ? "warn" : requireSaveErrorMode(options.onSaveError, ""),
    mode: resolveSpotMode(options.mode),
    fixtures: options.fixtures === undefined ? undefined : requireFixtureFiles(options.fixtures),
    singleFlight:
      options.singleFlight === undefined
        ? "process"
        : requireSingleFlightMode(options.singleFlight, ""),
    storeArguments:
      options.storeArguments === undefined
        ? true
        : requireBoolean(options.storeArguments, "storeArguments"),
    durability:
      options.durability === undefined
        ? "normal"
        : requireDurability(options.durability, "durability"),
  };
}
