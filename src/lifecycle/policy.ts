/** @module lifecycle/policy — retention rules matched on function identities by glob pattern. */

import { ValidationError } from "../errors.js";
import { parseRetention, type RetentionSpec } from "./retention.js";

/** How long entries live when nothing else is configured: 30 days, as in the Python library. */
export const DEFAULT_RETENTION_MS = 30 * 86_400_000;

/** One retention rule. */
export interface LifecycleRule {
  /**
   * Glob matched against the function identity, then against its short name: `*` any run
   * of characters (`**` the same, identities have no folders), `?` one character,
   * `[abc]` / `[a-z]` one of a set, `[!abc]` none of it.
   */
  pattern: string;
  /** How long matching entries are kept (see `parseRetention`). */
  retention: RetentionSpec;
}

/** Options of {@link LifecyclePolicy}. */
export interface LifecyclePolicyOptions {
  /** Checked in order; the first match wins. @default [] */
  rules?: readonly LifecycleRule[];
  /** Retention of functions no rule matches. @default "30d" */
  defaultRetention?: RetentionSpec;
}

interface CompiledRule {
  readonly matcher: RegExp;
  readonly retentionMs: number | null;
}

/**
 * Decides how long each function's entries are kept. Rules are validated and compiled
 * once at construction; `resolve` is a pure lookup.
 */
export class LifecyclePolicy {
  /** Retention, in milliseconds (`null` = forever), of functions no rule matches. */
  readonly defaultRetentionMs: number | null;
  readonly #rules: readonly CompiledRule[];

  constructor(options: LifecyclePolicyOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new ValidationError(
        "LifecyclePolicy options must be an object; pass { rules: [{ pattern, retention }], defaultRetention }.",
      );
    }
    const rules = options.rules ?? [];
    if (!Array.isArray(rules)) {
      throw new ValidationError(
        'LifecyclePolicy rules must be an array; pass for example rules: [{ pattern: "fetch_*", retention: "1d" }].',
      );
    }
    this.#rules = rules.map((rule: unknown, index) => compileRule(rule, index));
    this.defaultRetentionMs =
      options.defaultRetention === undefined
        ? DEFAULT_RETENTION_MS
        : parseRetention(options.defaultRetention, "defaultRetention of LifecyclePolicy");
  }

  /**
   * Retention in milliseconds (`null` = forever) for a function. The first rule matching
   * the full identity wins; failing that, the first rule matching the short name;
   * failing that, the default.
   */
  resolve(identity: string, shortName: string): number | null {
    for (const rule of this.#rules) {
      if (rule.matcher.test(identity)) return rule.retentionMs;
    }
    if (shortName !== identity) {
      for (const rule of this.#rules) {
        if (rule.matcher.test(shortName)) return rule.retentionMs;
      }
    }
    return this.defaultRetentionMs;
  }
}

/** The policy a Spot uses when none is given: every entry is kept 30 days. */
export function createDefaultLifecyclePolicy(): LifecyclePolicy {
  return new LifecyclePolicy({ defaultRetention: "30d" });
}

function compileRule(rule: unknown, index: number): CompiledRule {
  const where = `rule ${index} of LifecyclePolicy`;
  if (rule === null || typeof rule !== "object") {
    throw new ValidationError(
      `${where} must be an object { pattern, retention }, got ${rule === null ? "null" : typeof rule}.`,
    );
  }
  const { pattern, retention } = rule as Partial<LifecycleRule>;
  if (typeof pattern !== "string" || pattern === "") {
    throw new ValidationError(
      `${where} needs a non-empty glob pattern string, got ${JSON.stringify(pattern) ?? "undefined"}; write for example pattern: "summarize*".`,
    );
  }
  return {
    matcher: compileGlob(pattern),
    retentionMs: parseRetention(retention, `retention of ${where} (${JSON.stringify(pattern)})`),
  };
}

const REGEX_SPECIALS = /[\\^$.*+?()[\]{}|/]/g;

/** Compiles a glob into an anchored regular expression. */
export function compileGlob(pattern: string): RegExp {
  let source = "";
  let index = 0;
  while (index < pattern.length) {
    const char = pattern[index]!;
    if (char === "*") {
      // `**` means the same as `*`: identities are flat names, not paths.
      while (pattern[index + 1] === "*") index++;
      source += "[\\s\\S]*";
    } else if (char === "?") {
      source += "[\\s\\S]";
    } else if (char === "[") {
      const end = findClassEnd(pattern, index);
      if (end === -1) {
        // An unclosed bracket is an ordinary character, as in shell globs.
        source += "\\[";
      } else {
        source += compileClass(pattern.slice(index + 1, end));
        index = end;
      }
    } else {
      source += char.replace(REGEX_SPECIALS, "\\$&");
    }
    index++;
  }
  try {
    return new RegExp(`^${source}$`, "u");
  } catch (error) {
    throw new ValidationError(
      `The glob pattern ${JSON.stringify(pattern)} is not valid (a range such as [z-a] runs backwards?); fix the bracket expression.`,
      { cause: error },
    );
  }
}

/** Index of the `]` closing the class opened at `open`, or -1. A `]` first in the class is literal. */
function findClassEnd(pattern: string, open: number): number {
  let index = open + 1;
  if (pattern[index] === "!") index++;
  if (pattern[index] === "]") index++;
  const end = pattern.indexOf("]", index);
  return end;
}

function compileClass(body: string): string {
  const negated = body.startsWith("!");
  const members = (negated ? body.slice(1) : body).replace(/[\\^\]/[]/g, "\\$&");
  return `[${negated ? "^" : ""}${members}]`;
}
