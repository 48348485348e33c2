/**
 * @module keys/explain — why a call hits or misses: the nearest stored entries of the same
 * function and what differs from them (version, argument paths with both values, text diffs).
 * Reads only the stored, redacted arguments (see keys/arguments.ts); never a value.
 */

import type { StoredInputs, TaskDB } from "../db/types.js";
import { formatValueShort, readStoredArguments, type StoredArguments } from "./arguments.js";

/** Entries of the function compared at most (the newest ones): bounds the work of one explanation. */
export const EXPLAIN_SCAN_LIMIT = 200;
/** Nearest entries reported. */
const NEAREST_COUNT = 3;
/** Differences listed per entry; the rest are counted. */
const MAX_DIFFERENCES = 12;
/** Strings longer than this (or spanning lines) are compared as texts, with a diff summary. */
const LONG_TEXT_CHARS = 80;

/** One argument path that differs between a stored entry and the call. */
export interface ArgumentDifference {
  /** `opts.temperature`, `messages[1].content`, `prompt`. */
  path: string;
  /** `added`: only the call has it; `removed`: only the stored entry has it. */
  change: "changed" | "added" | "removed";
  /** The stored entry's value, shortened (absent when added). */
  before?: string;
  /** The call's value, shortened (absent when removed). */
  after?: string;
  /** For long texts: where they differ, e.g. `line 3 of 40 changed: "…" → "…"`. */
  textDiff?: string;
}

/** A stored entry of the same function, and how it differs from the call. */
export interface NearestEntry {
  cacheKey: string;
  inputId: string;
  version: string | null;
  /** ISO 8601 UTC. */
  updatedAt: string;
  expired: boolean;
  /** Set when the entry was stored under another version than the call's. */
  versionChange?: { stored: string | null; current: string | null };
  /** `false` when the entry has no stored arguments (too large, older writer): no differences known. */
  argumentsStored: boolean;
  differences: ArgumentDifference[];
  /** Differences beyond those listed. */
  moreDifferences: number;
}

/** Entries of the function per version, among those compared. */
export interface VersionCount {
  version: string | null;
  entries: number;
  /** `true` for versions other than the call's (or the newest entry's, for stored entries). */
  older: boolean;
}

/** Whether a call hits, and for a miss the nearest stored entries with what differs. */
export interface Explanation {
  funcIdentifier: string;
  cacheKey: string;
  inputId: string;
  version: string | null;
  /**
   * `hit`: stored and fresh (or waiting to be written); `expired`: stored but expired (runs
   * again); `miss`: nothing stored under this key; `stored`: an entry explained from the database
   * (`beautyspot why`), compared with the other entries of its function.
   */
  status: "hit" | "miss" | "expired" | "stored";
  hit: boolean;
  /** Preview of the call's arguments, redacted. */
  inputPreview?: string;
  /** Nearest first (fewest differences, then newest). Empty on a hit. */
  nearest: NearestEntry[];
  /** How many entries of the function were compared (at most `EXPLAIN_SCAN_LIMIT`). */
  compared: number;
  versions: VersionCount[];
  /** The explanation as text, several lines. */
  summary: string;
}

/** What `explainMiss` needs about the call (or the stored entry) to explain. */
export interface ExplainSubject {
  funcName: string;
  funcIdentifier: string;
  version: string | null;
  cacheKey: string;
  inputId: string;
  /** The call's redacted arguments; `undefined` when they cannot be shown. */
  arguments: StoredArguments | undefined;
  inputPreview?: string;
  status: Explanation["status"];
}

/**
 * Explains a call by comparing it with the newest stored entries of its function. Works on any
 * TaskDB; one without `recentInputs` gives an explanation without nearest entries.
 * This is what a replay miss (`CacheMissError`) uses for its message: `describeMiss(await
 * explainMiss(db, subject))`.
 */
export async function explainMiss(
  db: TaskDB,
  subject: ExplainSubject,
  now: number = Date.now(),
): Promise<Explanation> {
  const candidates =
    typeof db.recentInputs === "function"
      ? await db.recentInputs(subject.funcName, subject.funcIdentifier, EXPLAIN_SCAN_LIMIT + 1)
      : [];
  return buildExplanation(subject, candidates, now);
}

/**
 * `explainMiss` for a synchronous TaskDB (`db.synchronous`), for synchronous call paths
 * (`markSync`).
 */
export function explainMissSync(
  db: TaskDB,
  subject: ExplainSubject,
  now: number = Date.now(),
): Explanation {
  const candidates =
    typeof db.recentInputs === "function"
      ? (db.recentInputs(
          subject.funcName,
          subject.funcIdentifier,
          EXPLAIN_SCAN_LIMIT + 1,
        ) as StoredInputs[])
      : [];
  return buildExplanation(subject, candidates, now);
}

/** The pure part of `explainMiss`: ranks `candidates` (newest first) against the subject. */
export function buildExplanation(
  subject: ExplainSubject,
  candidates: readonly StoredInputs[],
  now: number = Date.now(),
): Explanation {
  const others = candidates
    .filter((candidate) => candidate.cacheKey !== subject.cacheKey)
    .slice(0, EXPLAIN_SCAN_LIMIT);
  const hit = subject.status === "hit";
  const versions = countVersions(others, subject.version);
  let nearest: NearestEntry[] = [];
  if (!hit) {
    const scored = others.map((candidate, order) => {
      const entry = compareEntry(subject, candidate, now);
      const score = entry.argumentsStored
        ? entry.differences.length + entry.moreDifferences + (entry.versionChange ? 1 : 0)
        : Number.POSITIVE_INFINITY;
      return { entry, score, order };
    });
    scored.sort((a, b) => a.score - b.score || a.order - b.order);
    nearest = scored.slice(0, NEAREST_COUNT).map(({ entry }) => entry);
  }
  const explanation: Explanation = {
    funcIdentifier: subject.funcIdentifier,
    cacheKey: subject.cacheKey,
    inputId: subject.inputId,
    version: subject.version,
    status: subject.status,
    hit,
    nearest,
    compared: others.length,
    versions,
    summary: "",
  };
  if (subject.inputPreview !== undefined) explanation.inputPreview = subject.inputPreview;
  explanation.summary = formatExplanation(explanation);
  return explanation;
}

function countVersions(entries: readonly StoredInputs[], current: string | null): VersionCount[] {
  const counts = new Map<string | null, number>();
  for (const entry of entries) counts.set(entry.version, (counts.get(entry.version) ?? 0) + 1);
  return [...counts].map(([version, count]) => ({
    version,
    entries: count,
    older: version !== current,
  }));
}

function compareEntry(subject: ExplainSubject, candidate: StoredInputs, now: number): NearestEntry {
  const stored = readStoredArguments(candidate.arguments);
  const entry: NearestEntry = {
    cacheKey: candidate.cacheKey,
    inputId: candidate.inputId,
    version: candidate.version,
    updatedAt: new Date(candidate.updatedAt).toISOString(),
    expired: candidate.expiresAt !== null && candidate.expiresAt <= now,
    argumentsStored: stored !== undefined && subject.arguments !== undefined,
    differences: [],
    moreDifferences: 0,
  };
  if (candidate.version !== subject.version) {
    entry.versionChange = { stored: candidate.version, current: subject.version };
  }
  if (stored !== undefined && subject.arguments !== undefined) {
    const differences = diffArguments(stored, subject.arguments);
    entry.differences = differences.slice(0, MAX_DIFFERENCES);
    entry.moreDifferences = Math.max(0, differences.length - MAX_DIFFERENCES);
  }
  return entry;
}

/** Every path whose value differs between two stored argument lists (`before` → `after`). */
export function diffArguments(
  before: StoredArguments,
  after: StoredArguments,
): ArgumentDifference[] {
  const differences: ArgumentDifference[] = [];
  const count = Math.max(before.values.length, after.values.length);
  for (let index = 0; index < count; index++) {
    const label = after.names[index] ?? before.names[index] ?? `args[${index}]`;
    const inBefore = index < before.values.length;
    const inAfter = index < after.values.length;
    diffValues(before.values[index], after.values[index], label, inBefore, inAfter, differences);
  }
  return differences;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Map) return "map";
  if (value instanceof Set) return "set";
  if (value instanceof Date) return "date";
  if (ArrayBuffer.isView(value)) return "bytes";
  return typeof value;
}

function diffValues(
  before: unknown,
  after: unknown,
  path: string,
  inBefore: boolean,
  inAfter: boolean,
  out: ArgumentDifference[],
): void {
  if (!inBefore) {
    out.push({ path, change: "added", after: formatValueShort(after) });
    return;
  }
  if (!inAfter) {
    out.push({ path, change: "removed", before: formatValueShort(before) });
    return;
  }
  const kind = kindOf(before);
  if (kind !== kindOf(after)) {
    out.push(changed(path, before, after));
    return;
  }
  switch (kind) {
    case "string":
      if (before !== after) out.push(diffStrings(before as string, after as string, path));
      return;
    case "array": {
      const a = before as unknown[];
      const b = after as unknown[];
      for (let index = 0; index < Math.max(a.length, b.length); index++) {
        diffValues(
          a[index],
          b[index],
          `${path}[${index}]`,
          index < a.length,
          index < b.length,
          out,
        );
      }
      return;
    }
    case "set": {
      diffValues(
        [...(before as Set<unknown>)],
        [...(after as Set<unknown>)],
        path,
        true,
        true,
        out,
      );
      return;
    }
    case "map":
    case "object": {
      const a = toEntries(before);
      const b = toEntries(after);
      const keys = new Set([...a.keys(), ...b.keys()]);
      for (const key of keys) {
        diffValues(a.get(key), b.get(key), `${path}.${key}`, a.has(key), b.has(key), out);
      }
      return;
    }
    case "date":
      if ((before as Date).getTime() !== (after as Date).getTime()) {
        out.push(changed(path, before, after));
      }
      return;
    case "bytes": {
      const a = before as ArrayBufferView;
      const b = after as ArrayBufferView;
      const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      if (x.length !== y.length || x.some((byte, index) => byte !== y[index])) {
        out.push(changed(path, before, after));
      }
      return;
    }
    default:
      if (!Object.is(before, after)) {
        out.push(changed(path, before, after));
      }
  }
}

function toEntries(value: unknown): Map<string, unknown> {
  if (value instanceof Map) {
    return new Map([...value].map(([key, item]) => [String(key), item] as [string, unknown]));
  }
  return new Map(Object.entries(value as object));
}

/** `before` became `after` at `path`, both shown short. */
function changed(path: string, before: unknown, after: unknown): ArgumentDifference {
  return {
    path,
    change: "changed",
    before: formatValueShort(before),
    after: formatValueShort(after),
  };
}

/** A difference of two strings; long or multi-line ones get a text diff summary. */
function diffStrings(before: string, after: string, path: string): ArgumentDifference {
  const difference = changed(path, before, after);
  if (
    before.length > LONG_TEXT_CHARS ||
    after.length > LONG_TEXT_CHARS ||
    before.includes("\n") ||
    after.includes("\n")
  ) {
    difference.textDiff = summarizeTextDiff(before, after);
  }
  return difference;
}

/** Where two texts differ: by line when they span lines, else by character, with context. */
export function summarizeTextDiff(before: string, after: string): string {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length > 1 || b.length > 1) {
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
      endA--;
      endB--;
    }
    const removed = endA - start;
    const added = endB - start;
    const where =
      removed === 0
        ? `${added} line${added === 1 ? "" : "s"} inserted after line ${start}`
        : added === 0
          ? `line${removed === 1 ? "" : "s"} ${describeRange(start, endA)} removed`
          : `line${removed === 1 ? "" : "s"} ${describeRange(start, endA)} of ${a.length} changed${removed === added ? "" : ` (${removed} → ${added} lines)`}`;
    const first = start < endA ? clip(a[start] ?? "") : "";
    const second = start < endB ? clip(b[start] ?? "") : "";
    return `${where}: ${JSON.stringify(first)} → ${JSON.stringify(second)}`;
  }
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endA = before.length;
  let endB = after.length;
  while (endA > start && endB > start && before[endA - 1] === after[endB - 1]) {
    endA--;
    endB--;
  }
  const context = 20;
  const show = (text: string, end: number) =>
    `${start > context ? "…" : ""}${text.slice(Math.max(0, start - context), Math.min(text.length, end + context))}${end + context < text.length ? "…" : ""}`;
  return `differs at character ${start + 1} of ${before.length} (now ${after.length}): ${JSON.stringify(show(before, endA))} → ${JSON.stringify(show(after, endB))}`;
}

function describeRange(start: number, end: number): string {
  return end - start <= 1 ? `${start + 1}` : `${start + 1}–${end}`;
}

function clip(line: string): string {
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}

function describeVersion(version: string | null): string {
  return version === null ? "(no version)" : version;
}

/** One difference as a line: `opts.temperature: 0.2 → 0.7`, `prompt: text diff …`. */
export function formatDifference(difference: ArgumentDifference): string {
  if (difference.change === "added") return `${difference.path}: added (${difference.after})`;
  if (difference.change === "removed")
    return `${difference.path}: removed (was ${difference.before})`;
  if (difference.textDiff !== undefined) return `${difference.path}: text ${difference.textDiff}`;
  return `${difference.path}: ${difference.before} → ${difference.after}`;
}

/** What differs from one nearest entry, as lines (without the entry's heading). */
function describeEntryDifferences(entry: NearestEntry): string[] {
  const lines: string[] = [];
  if (entry.versionChange !== undefined) {
    const { stored, current } = entry.versionChange;
    const source =
      stored?.startsWith("auto:") && current?.startsWith("auto:")
        ? " (the function's source changed)"
        : "";
    lines.push(`version: ${describeVersion(stored)} → ${describeVersion(current)}${source}`);
  }
  if (!entry.argumentsStored) {
    lines.push(
      "arguments: not stored for this entry (too large, or written by an older version); only the input ids differ",
    );
  } else {
    for (const difference of entry.differences) lines.push(formatDifference(difference));
    if (entry.moreDifferences > 0) lines.push(`… and ${entry.moreDifferences} more differences`);
    if (entry.differences.length === 0 && entry.versionChange === undefined) {
      lines.push(
        "no visible difference in the stored arguments: the difference is in a redacted field, an input the keygen reads (file content, custom keygen), or a value shown the same way",
      );
    }
  }
  return lines;
}

/**
 * The nearest-entry part of a miss message, for `CacheMissError` (replay mode) and explanations:
 * `Nearest stored entry (1 of 14 compared, key 3fa2c1d0…): opts.temperature: 0.2 → 0.7`.
 * Empty when the function has no stored entries.
 */
export function describeMiss(explanation: Explanation): string {
  const [nearest] = explanation.nearest;
  if (nearest === undefined) {
    return explanation.compared === 0 ? `No entry of ${explanation.funcIdentifier} is stored.` : "";
  }
  const lines = describeEntryDifferences(nearest);
  return `Nearest stored entry (of ${explanation.compared} compared, key ${nearest.cacheKey.slice(0, 12)}…): ${lines.join("; ")}.`;
}

/** The whole explanation as text. */
export function formatExplanation(explanation: Explanation): string {
  const key = explanation.cacheKey;
  const lines: string[] = [];
  const heading: Record<Explanation["status"], string> = {
    hit: `hit: ${explanation.funcIdentifier} has a stored result for key ${key}.`,
    expired: `miss: the entry of ${explanation.funcIdentifier} for key ${key} has expired, so the function runs again.`,
    miss: `miss: ${explanation.funcIdentifier} has no stored result for key ${key}.`,
    stored: `entry ${key} of ${explanation.funcIdentifier}, version ${describeVersion(explanation.version)}.`,
  };
  lines.push(heading[explanation.status]);
  if (explanation.inputPreview !== undefined)
    lines.push(`  arguments: ${explanation.inputPreview}`);
  const older = explanation.versions.filter((count) => count.older);
  if (older.length > 0) {
    const what = explanation.status === "stored" ? "other versions" : "older versions / sources";
    lines.push(
      `  stored under ${what}: ${older.map((count) => `${describeVersion(count.version)} (${count.entries})`).join(", ")}`,
    );
  }
  if (explanation.status !== "hit") {
    if (explanation.nearest.length === 0) {
      lines.push(`  no other entry of ${explanation.funcIdentifier} is stored.`);
    } else {
      lines.push(
        `  nearest ${explanation.status === "stored" ? "other " : ""}entries (of ${explanation.compared} compared):`,
      );
      explanation.nearest.forEach((entry, index) => {
        lines.push(
          `  ${index + 1}. ${entry.cacheKey.slice(0, 12)}… stored ${entry.updatedAt}${entry.expired ? " (expired)" : ""}`,
        );
        for (const line of describeEntryDifferences(entry)) lines.push(`       ${line}`);
      });
    }
  }
  return lines.join("\n");
}
