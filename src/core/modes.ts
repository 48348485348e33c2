/**
 * @module core/modes — normal / replay / record / bypass: what a call may do with the cache.
 * A mode is resolved once per call plan (mark time) into three flags the call path asks; the
 * `BEAUTYSPOT_MODE` environment variable is read once, when a Spot is constructed.
 */

import { ValidationError } from "../errors.js";

/**
 * What a marked function does with the cache:
 * - `"normal"`: read; on a miss run and write (the default).
 * - `"replay"`: read only; never run; a miss throws `CacheMissError` (offline tests, CI).
 * - `"record"`: always run and overwrite the stored entry (refreshes recordings).
 * - `"bypass"`: run; neither read nor write.
 */
export type SpotMode = "normal" | "replay" | "record" | "bypass";

/** Every valid mode, in the order messages list them. */
export const SPOT_MODES: readonly SpotMode[] = ["normal", "replay", "record", "bypass"];

/** The environment variable that overrides the Spot option `mode` (read at Spot construction). */
export const MODE_ENVIRONMENT_VARIABLE = "BEAUTYSPOT_MODE";

/** What a call plan may do, decided once from its mode. */
export interface ModeRules {
  readonly mode: SpotMode;
  /** Look the key up (stored entries, pending writes, runs in flight). */
  readonly mayRead: boolean;
  /** Run the function when nothing usable is stored. */
  readonly mayRun: boolean;
  /** Store a fresh result. */
  readonly mayWrite: boolean;
}

const RULES: Readonly<Record<SpotMode, ModeRules>> = {
  normal: { mode: "normal", mayRead: true, mayRun: true, mayWrite: true },
  replay: { mode: "replay", mayRead: true, mayRun: false, mayWrite: false },
  record: { mode: "record", mayRead: false, mayRun: true, mayWrite: true },
  bypass: { mode: "bypass", mayRead: false, mayRun: true, mayWrite: false },
};

/** The rules of a mode (frozen, shared). */
export function rulesOf(mode: SpotMode): ModeRules {
  return RULES[mode];
}

/** Throws a ValidationError naming the valid modes unless `value` is one. */
export function requireMode(value: unknown, where: string): SpotMode {
  if (typeof value === "string" && (SPOT_MODES as readonly string[]).includes(value)) {
    return value as SpotMode;
  }
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new ValidationError(
    `${where} must be one of ${SPOT_MODES.map((mode) => `"${mode}"`).join(", ")}, got ${shown}. Fix the value or leave it out for "normal".`,
  );
}

/**
 * The Spot-wide mode: `BEAUTYSPOT_MODE` when set (so CI can switch to replay without code
 * changes), else the Spot option, else `"normal"`. An empty variable counts as unset.
 */
export function resolveSpotMode(
  option: unknown,
  environment: NodeJS.ProcessEnv = process.env,
): SpotMode {
  const fromEnvironment = environment[MODE_ENVIRONMENT_VARIABLE];
  if (fromEnvironment !== undefined && fromEnvironment !== "") {
    return requireMode(
      fromEnvironment.trim(),
      `The environment variable ${MODE_ENVIRONMENT_VARIABLE}`,
    );
  }
  return option === undefined ? "normal" : requireMode(option, "Option `mode`");
}

/**
 * The mode of one marked function: its own `mode` option when given (the most specific
 * choice: a function marked `mode: "bypass"` is never cached, whatever CI sets), else the Spot's.
 */
export function resolvePlanMode(option: unknown, spotMode: SpotMode, where: string): ModeRules {
  return rulesOf(
    option === undefined ? spotMode : requireMode(option, `Option \`mode\` of ${where}`),
  );
}
