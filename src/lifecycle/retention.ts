/** @module lifecycle/retention — how long an entry is kept, parsed from user-friendly forms. */

import { ValidationError } from "../errors.js";

/** Special retention values. */
export const Retention = {
  /**
   * Keep the entry until it is deleted by hand. Stored as a NULL `expires_at`, and it
   * bypasses any `LifecyclePolicy`: an explicit FOREVER is never shortened by a rule.
   */
  FOREVER: "forever",
} as const;

/** The units of a duration text: seconds, minutes, hours, days, weeks. */
export type RetentionUnit = "s" | "m" | "h" | "d" | "w";

/**
 * A duration text: one number, then a unit (`"7d"`, `"12h"`, `"1.5h"`; a space between is
 * allowed). `"7 days"` is a type error here rather than a ValidationError when marking. A text
 * read from configuration is a plain `string`: check it with `parseRetention` or cast it.
 */
export type RetentionDuration = `${number}${RetentionUnit}` | `${number} ${RetentionUnit}`;

/**
 * A retention as users write it: a duration text such as `"7d"`, a number of seconds,
 * or `Retention.FOREVER`.
 */
export type RetentionSpec = RetentionDuration | number | typeof Retention.FOREVER;

const MILLISECONDS_PER_UNIT: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** One number (integer or decimal) followed by one unit letter. */
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*([smhdw])$/;

/** Far beyond any useful cache lifetime, and still far inside what a Date can hold. */
const MAX_RETENTION_MS = 1000 * 365.25 * 86_400_000;

const ACCEPTED_FORMS =
  'a duration such as "10s", "30m", "12h", "7d" or "2w" (one number, decimals allowed, then s/m/h/d/w), a positive number of seconds, or Retention.FOREVER';

/**
 * Turns a retention into milliseconds, or `null` for forever. `where` names what is
 * being configured (for example `retention of summarize`) so errors point at it.
 * Pure: no IO, no clock.
 */
export function parseRetention(spec: unknown, where: string): number | null {
  if (spec === Retention.FOREVER) return null;
  let milliseconds: number;
  if (typeof spec === "number") {
    if (!Number.isFinite(spec) || spec <= 0) {
      throw new ValidationError(
        `${where} is ${String(spec)} seconds, which is not a positive finite number; use ${ACCEPTED_FORMS}.`,
      );
    }
    milliseconds = spec * 1_000;
  } else if (typeof spec === "string") {
    const match = DURATION_PATTERN.exec(spec.trim());
    const amount = match === null ? Number.NaN : Number(match[1]);
    const unit = match?.[2];
    if (unit === undefined || !(amount > 0)) {
      throw new ValidationError(
        `${where} is ${JSON.stringify(spec)}, which is not understood; use ${ACCEPTED_FORMS}.`,
      );
    }
    milliseconds = amount * (MILLISECONDS_PER_UNIT[unit] ?? Number.NaN);
  } else {
    throw new ValidationError(
      `${where} must be a string, a number or Retention.FOREVER, got ${spec === null ? "null" : typeof spec}; use ${ACCEPTED_FORMS}.`,
    );
  }
  if (milliseconds > MAX_RETENTION_MS) {
    throw new ValidationError(
      `${where} is longer than 1000 years; use Retention.FOREVER to keep entries until they are deleted.`,
    );
  }
  // Sub-millisecond fractions ("0.0001s") would round to nothing; keep at least 1 ms.
  return Math.max(1, Math.round(milliseconds));
}
