/** @module core/options — the options of `new Spot()` and `spot.mark()`, and their validation. */

import type { TaskDB } from "../db/types.js";
import { ValidationError } from "../errors.js";
import type { Hook } from "../hooks/types.js";
import type { KeyGenOption } from "../keys/keygen.js";
import type { LifecyclePolicy } from "../lifecycle/policy.js";
import type { RetentionSpec } from "../lifecycle/retention.js";
import type { RateLimiter } from "../limiter/types.js";
import type { DecodeErrorMode, Serializer } from "../serializer/types.js";
import type { BlobStorage, StoragePolicy } from "../storage/types.js";
import type { Logger } from "../types.js";

/** What a failed background save reports to `onBackgroundError`. */
export interface BackgroundErrorContext {
  /** What failed: writing the value, or the periodic clean-up. */
  operation: "save" | "eviction";
  funcName?: string;
  cacheKey?: string;
  resultType?: "DIRECT_BLOB" | "FILE";
  /** Encoded size in bytes. */
  size?: number;
}

/** Options of `new Spot(name, options)`. All optional. */
export interface SpotOptions {
  /** A TaskDB, or a SQLite file path. @default `<workspace>/<name>.db` */
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
  /** Called when a background save or clean-up fails. @default logs the error */
  onBackgroundError?: (error: unknown, context: BackgroundErrorContext) => void;
  /** Where warnings go. @default `console` with a `[beautyspot]` prefix */
  logger?: Logger;
}

/** Options of `spot.mark(fn, options)`. All optional. */
export interface MarkOptions<A extends readonly unknown[] = unknown[]> {
  /** Function identity in keys and records. @default `fn.name`; `Class.method` for methods */
  name?: string;
  /** Part of the key: bump it when the function's behaviour changes. @default none */
  version?: string;
  /** How arguments become the input id. @default canonical form of all arguments */
  keygen?: KeyGenOption<A>;
  /** Content type recorded for the dashboard (see `ContentType`). @default none */
  contentType?: string;
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
}

const DECODE_ERROR_MODES: readonly DecodeErrorMode[] = ["recompute", "raw", "throw"];

/** Throws a ValidationError unless `value` is a finite number within [min, max]. */
export function requireNumberInRange(
  value: unknown,
  option: string,
  min: number,
  max: number,
): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ValidationError(
      `Option \`${option}\` must be a number ${range}, got ${describeValue(value)}. Fix the value or leave it out to use the default.`,
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
