/** @module core/plan — everything about a marked function that is decided once, at mark time. */

import { hash } from "node:crypto";
import type { Hook } from "../hooks/types.js";
import type { CapturedArguments, RecordedArguments } from "../keys/arguments.js";
import type { DecodeErrorMode, Serializer } from "../serializer/types.js";
import type { ModeRules } from "./modes.js";
import type { ReplayPace, SaveErrorMode, SingleFlightMode } from "./options.js";

/** A marked function's fixed settings; the call path only reads it. */
export interface CallPlan {
  /** Full identity (`func_identifier`), e.g. `Pipeline.summarize`. */
  readonly identity: string;
  /** Short name (`func_name`), e.g. `summarize`. */
  readonly funcName: string;
  readonly version: string | null;
  /** Appended to `${identity}:${inputId}` before hashing: `:${version}` or empty. */
  readonly keySuffix: string;
  readonly computeInputId: (args: readonly unknown[]) => string;
  readonly contentType: string | null;
  readonly serializer: Serializer;
  /** `true` forces a blob; `undefined` lets the storage policy decide. */
  readonly saveBlob: boolean | undefined;
  readonly saveSync: boolean;
  /** Retention in ms, `null` for forever. */
  readonly retentionMs: number | null;
  readonly hooks: readonly Hook[];
  readonly onDecodeError: DecodeErrorMode;
  /** `"throw"`: a result that cannot be stored rejects the call (result on `error.result`). */
  readonly onSaveError: SaveErrorMode;
  /** How a stored stream is replayed on a hit. */
  readonly replayPace: ReplayPace;
  /** What calls may do with the cache (read, run, write), from the function's or the Spot's mode. */
  readonly modeRules: ModeRules;
  /** `"machine"`: a miss takes the key's lease or waits for the process holding it. */
  readonly singleFlight: SingleFlightMode;
  /** The redacted, size-capped arguments of a call, as stored and as explanations show them. */
  readonly describeArguments: (args: readonly unknown[]) => RecordedArguments;
  /**
   * The arguments of a call captured at call time, recorded (`record()`) later: by the writer
   * for a background save, at once otherwise.
   */
  readonly captureArguments: (args: readonly unknown[]) => CapturedArguments;
  /** Whether a miss stores `describeArguments(args)` beside its result (`storeArguments`). */
  readonly storeArguments: boolean;
  /** The tokens a result used (`tokensOf`; a stream's: its chunks), read once per miss. */
  readonly tokensOf: ((result: unknown) => unknown) | undefined;
}

/** The cache key of one call: sha256 hex of `${identity}:${inputId}[:${version}]`. */
export function computeCacheKey(plan: CallPlan, inputId: string): string {
  return hash("sha256", `${plan.identity}:${inputId}${plan.keySuffix}`, "hex");
}
