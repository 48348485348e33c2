/**
 * @module cli/number-options — the one validator of numeric command-line options, so that every
 * option states its bounds the same way ("Expected a whole number >= 1, got abc.").
 */

import { InvalidArgumentError } from "commander";

/** What a numeric option accepts. */
export interface NumberOptionRule {
  /** Only whole numbers (no fraction, no exponent). */
  integer: boolean;
  /** Smallest accepted value. */
  min: number;
  /** Largest accepted value. @default Number.MAX_SAFE_INTEGER for whole numbers, else none */
  max?: number;
  /** What the number counts, such as `"days"`: "a number of days". */
  unit?: string;
  /** Names the number instead of "a (whole) number of <unit>", such as `"a port number"`. */
  noun?: string;
  /** Added after the bounds, such as `"such as 30 or 0.5"`. */
  example?: string;
  /** Added when the value is a number below `min`: what to pass instead. */
  belowMinimumHint?: string;
}

/** Plain decimal notation: what people type, and nothing `Number()` would also take (`0x1f`, ` `). */
const WHOLE_NUMBER = /^\+?\d+$/;
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const NEGATIVE_WHOLE_NUMBER = /^-\d+$/;

/** "a whole number of seconds >= 0", "a port number from 0 to 65535". */
export function describeNumberRule(rule: NumberOptionRule): string {
  const kind = rule.integer ? "a whole number" : "a number";
  const what = rule.noun ?? (rule.unit === undefined ? kind : `${kind} of ${rule.unit}`);
  const range = rule.max === undefined ? `>= ${rule.min}` : `from ${rule.min} to ${rule.max}`;
  return `${what} ${range}${rule.example === undefined ? "" : `, such as ${rule.example}`}`;
}

/**
 * A commander argument parser for a numeric option: the number, or an InvalidArgumentError that
 * states the bounds and what was typed. Commander puts the option name in front of it.
 */
export function parseNumberOption(rule: NumberOptionRule): (value: string) => number {
  const max = rule.max ?? (rule.integer ? Number.MAX_SAFE_INTEGER : Number.POSITIVE_INFINITY);
  return (value: string) => {
    const text = value.trim();
    const syntax = rule.integer ? WHOLE_NUMBER : DECIMAL_NUMBER;
    const parsed = Number(text);
    const wellFormed = syntax.test(text) || (rule.integer && NEGATIVE_WHOLE_NUMBER.test(text));
    if (wellFormed && Number.isFinite(parsed) && parsed >= rule.min && parsed <= max) {
      return parsed;
    }
    const typed = text === "" ? "nothing" : value;
    const hint =
      wellFormed && parsed < rule.min && rule.belowMinimumHint !== undefined
        ? ` ${rule.belowMinimumHint}`
        : "";
    throw new InvalidArgumentError(`Expected ${describeNumberRule(rule)}, got ${typed}.${hint}`);
  };
}

/** `--limit`: entries per page; a page of none would show nothing. */
export const parseLimit = parseNumberOption({ integer: true, min: 1 });

/** `--offset`: entries to skip. */
export const parseOffset = parseNumberOption({ integer: true, min: 0 });

/** `--days`: an age; fractions allowed. */
export const parseDays = parseNumberOption({
  integer: false,
  min: 0,
  unit: "days",
  example: "30 or 0.5",
  belowMinimumHint: "Pass 0 to remove everything written before now.",
});

/** `--grace`: seconds a file must have been left alone before it counts as garbage. */
export const parseGraceSeconds = parseNumberOption({ integer: true, min: 0, unit: "seconds" });

/** `--port`: 0 lets the system pick a free port. */
export const parsePort = parseNumberOption({
  integer: true,
  min: 0,
  max: 65_535,
  noun: "a port number",
});
