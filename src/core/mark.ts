/** @module core/mark — resolving `mark` options into a CallPlan, once, at mark time. */

import { validateContentType } from "../content-type.js";
import { ConfigurationError, ValidationError } from "../errors.js";
import { normalizeHooks } from "../hooks/dispatch.js";
import { captureArguments, createArgumentLabeler, recordArguments } from "../keys/arguments.js";
import { shortNameOf } from "../keys/identity.js";
import { createInputIdFunction } from "../keys/keygen.js";
import { createRedactor, type RedactOption } from "../keys/redact.js";
import { AUTO_VERSION, deriveSourceVersion } from "../keys/source-version.js";
import type { LifecyclePolicy } from "../lifecycle/policy.js";
import { parseRetention } from "../lifecycle/retention.js";
import { unwrapFunction } from "../limiter/consume.js";
import type { Serializer } from "../serializer/types.js";
import { MARKED_IDENTITY } from "./identities.js";
import { resolvePlanMode, type SpotMode } from "./modes.js";
import type { MarkOptions, SaveErrorMode, SingleFlightMode } from "./options.js";
import {
  requireBoolean,
  requireDecodeErrorMode,
  requireMethods,
  requireSaveErrorMode,
  requireSingleFlightMode,
} from "./options.js";
import type { CallPlan } from "./plan.js";
import { resolveReplayPace } from "./stream.js";

/** Spot-level defaults a plan falls back to. */
export interface PlanDefaults {
  readonly serializer: Serializer;
  readonly saveBlob: boolean;
  readonly saveSync: boolean;
  readonly onSaveError: SaveErrorMode;
  readonly lifecyclePolicy: LifecyclePolicy;
  /** The Spot-wide mode (option or `BEAUTYSPOT_MODE`, resolved at construction). */
  readonly mode: SpotMode;
  /** Told the identity of every plan in record mode (its results go to the recording file). */
  readonly trackRecording?: (identity: string) => void;
  readonly singleFlight: SingleFlightMode;
  /** Throws when `singleFlight: "machine"` cannot work over the Spot's database. */
  readonly assertLeaseSupport: (where: string) => void;
  readonly redact?: RedactOption | undefined;
  readonly storeArguments: boolean;
}

const MARK_OPTION_NAMES = new Set([
  "name",
  "version",
  "keygen",
  "contentType",
  "serializer",
  "saveBlob",
  "saveSync",
  "retention",
  "hooks",
  "onDecodeError",
  "onSaveError",
  "replay",
  "mode",
  "singleFlight",
  "redact",
  "dependsOn",
  "storeArguments",
  "tokensOf",
]);

/**
 * Refuses what cannot be cached: non-functions, synchronous generators, wrappers already marked,
 * and for markSync async generators (their streams are cached by `mark`).
 */
export function assertMarkable(fn: unknown, how: string): asserts fn is Function {
  if (typeof fn !== "function") {
    throw new ConfigurationError(
      `${how} expects a function, got ${fn === null ? "null" : typeof fn}. Pass the function to cache: ${how}(async function name(...) { ... }).`,
    );
  }
  const kind = fn.constructor?.name;
  if (kind === "GeneratorFunction") {
    throw new ConfigurationError(
      `${fn.name || "This function"} is a synchronous generator (function*), which cannot be cached. Make it an async generator (async function*) and mark it with spot.mark (its chunks are recorded and replayed), or collect the items into an array in a regular function and mark that one.`,
    );
  }
  if (kind === "AsyncGeneratorFunction" && how === "spot.markSync") {
    throw new ConfigurationError(
      `${fn.name || "This function"} is an async generator (async function*); markSync is for synchronous functions. Use spot.mark: it records the stream while it runs and replays it on a hit.`,
    );
  }
  const marked = (unwrapFunction(fn) as { [MARKED_IDENTITY]?: unknown })[MARKED_IDENTITY];
  if (typeof marked === "string") {
    throw new ConfigurationError(
      `${how} was given a function that is already marked (identity "${marked}"). Call that wrapper directly, or mark the original function (options such as version or saveSync go in that one mark).`,
    );
  }
}

/** Builds the plan of a marked function. `identity` is the resolved function identity. */
export function createCallPlan(
  fn: Function,
  identity: string,
  options: MarkOptions<never[]>,
  defaults: PlanDefaults,
): CallPlan {
  for (const key of Object.keys(options)) {
    if (!MARK_OPTION_NAMES.has(key)) {
      throw new ValidationError(
        `Unknown mark option \`${key}\` for ${identity}. Known options: ${[...MARK_OPTION_NAMES].join(", ")}.`,
      );
    }
  }
  const where = `mark(${identity})`;
  let version = options.version ?? null;
  if (version !== null && (typeof version !== "string" || version === "")) {
    throw new ValidationError(`Option \`version\` of ${where} must be a non-empty string.`);
  }
  if (options.dependsOn !== undefined && version !== AUTO_VERSION) {
    throw new ValidationError(
      `Option \`dependsOn\` of ${where} only applies with version: "auto". Add version: "auto", or remove dependsOn.`,
    );
  }
  if (version === AUTO_VERSION) {
    version = deriveSourceVersion(unwrapFunction(fn), options.dependsOn ?? [], where);
  }
  const redactor = createRedactor([defaults.redact, options.redact], where);
  const labelArgument = createArgumentLabeler(unwrapFunction(fn));
  const contentType =
    options.contentType === undefined
      ? null
      : validateContentType(options.contentType, `contentType of ${where}`);
  if (options.serializer !== undefined) {
    requireMethods(options.serializer, `serializer of ${where}`, ["dumps", "loads"]);
  }
  const singleFlight =
    options.singleFlight === undefined
      ? defaults.singleFlight
      : requireSingleFlightMode(options.singleFlight, where);
  if (singleFlight === "machine") defaults.assertLeaseSupport(where);
  const funcName = shortNameOf(identity);
  const retentionMs =
    options.retention === undefined
      ? defaults.lifecyclePolicy.resolve(identity, funcName)
      : parseRetention(options.retention, `retention of ${identity}`);
  if (options.tokensOf !== undefined && typeof options.tokensOf !== "function") {
    throw new ValidationError(
      `Option \`tokensOf\` of ${where} must be a function (result) => number | undefined, got ${typeof options.tokensOf}.`,
    );
  }
  const modeRules = resolvePlanMode(options.mode, defaults.mode, where);
  if (modeRules.mode === "record") defaults.trackRecording?.(identity);
  return {
    identity,
    funcName,
    version,
    keySuffix: version === null ? "" : `:${version}`,
    computeInputId: createInputIdFunction(unwrapFunction(fn), options.keygen as never, identity),
    contentType,
    serializer: options.serializer ?? defaults.serializer,
    saveBlob:
      options.saveBlob !== undefined
        ? requireBoolean(options.saveBlob, `saveBlob of ${where}`) || undefined
        : defaults.saveBlob || undefined,
    saveSync:
      options.saveSync !== undefined
        ? requireBoolean(options.saveSync, `saveSync of ${where}`)
        : defaults.saveSync,
    retentionMs,
    hooks: options.hooks === undefined ? [] : normalizeHooks(options.hooks, where),
    onDecodeError:
      options.onDecodeError === undefined
        ? "recompute"
        : requireDecodeErrorMode(options.onDecodeError, where),
    onSaveError:
      options.onSaveError === undefined
        ? defaults.onSaveError
        : requireSaveErrorMode(options.onSaveError, where),
    replayPace: resolveReplayPace(options.replay, where),
    modeRules,
    singleFlight,
    describeArguments: (args) => recordArguments(args, labelArgument, redactor),
    captureArguments: (args) => captureArguments(args, labelArgument, redactor),
    storeArguments:
      options.storeArguments !== undefined
        ? requireBoolean(options.storeArguments, `storeArguments of ${where}`)
        : defaults.storeArguments,
    tokensOf: options.tokensOf,
  };
}

/**
 * The identity of a plain function: the `name` option, else the function's own name. Names that
 * cannot identify a function — anonymous, or `bound …` (every `.bind()` gives its copy the same
 * name) — need the `name` option.
 */
export function resolveFunctionIdentity(fn: Function, name: unknown): string {
  if (name !== undefined) {
    if (typeof name !== "string" || name.trim() === "") {
      throw new ValidationError(
        `Option \`name\` must be a non-empty string, got ${JSON.stringify(name)}.`,
      );
    }
    return name;
  }
  const own = unwrapFunction(fn).name || fn.name;
  if (own === "" || own === "anonymous") {
    throw new ConfigurationError(
      'Cannot mark an anonymous function: its name is part of every cache key. Give it a name (`async function summarize(...) {}`) or pass `{ name: "summarize" }`.',
    );
  }
  if (own.startsWith("bound ")) {
    throw new ConfigurationError(
      `Cannot mark "${own}" by its name: every .bind() of ${own.slice(6) || "a function"} is named "${own}", whatever it is bound to, so bound copies would share stored results. Pass a name that says what this one does: spot.mark(fn.bind(target), { name: "embeddings.create" }).`,
    );
  }
  return own;
}
