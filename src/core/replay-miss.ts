/**
 * @module core/replay-miss — the `CacheMissError` of a replay call: which function, which key,
 * and what is stored for that function instead. The facts are gathered in one place and the
 * message is built in one function (`describeReplayMiss`), so explanations can grow there.
 */

import type { StoredInputs, StoredTask, TaskDB, TaskRecord } from "../db/types.js";
import { CacheMissError } from "../errors.js";
import {
  buildExplanation,
  describeMiss,
  EXPLAIN_SCAN_LIMIT,
  type Explanation,
} from "../keys/explain.js";
import type { Backends } from "./backends.js";
import { describeCall, readStatus } from "./explain.js";
import type { CallPlan } from "./plan.js";

/** How to make a recording, said by every replay miss. */
const RECORD_HINT =
  'run once with BEAUTYSPOT_MODE=record (or mode: "record"), then commit the recording.';

/** What is known about a replay miss, gathered from the database. */
export interface ReplayMissFacts {
  readonly identity: string;
  readonly cacheKey: string;
  readonly inputId: string;
  readonly version: string | null;
  /** Entries of this function in the database (and recordings), any version. */
  readonly entriesOfFunction: number;
  /** Stored entries of this function per version, from its newest entries (`null`: no version). */
  readonly versions: ReadonlyMap<string | null, number>;
  /** The row stored under this very key, when there is one that could not be used (expired). */
  readonly expiredAt: number | null;
  /** Whether the facts are incomplete because the database could not be asked. */
  readonly lookupFailed: string | null;
}

function describeVersion(version: string | null): string {
  return version === null ? "no version" : `version ${JSON.stringify(version)}`;
}

/** The message of a replay miss: what happened, why (as far as known), and what to do next. */
export function describeReplayMiss(facts: ReplayMissFacts): string {
  const name = facts.identity;
  const head = `Replay mode: no stored result for ${name} (key ${facts.cacheKey}, input id ${facts.inputId}, ${describeVersion(facts.version)}), and replay never runs the function.`;
  const record = `Record it: ${RECORD_HINT}`;
  if (facts.lookupFailed !== null) {
    return `${head} What is stored could not be read (${facts.lookupFailed}). ${record}`;
  }
  if (facts.expiredAt !== null) {
    return `${head} An entry for these arguments exists but expired at ${new Date(facts.expiredAt).toISOString()}: give ${name} a longer \`retention\` (or Retention.FOREVER for recordings) and record it again.`;
  }
  if (facts.entriesOfFunction === 0) {
    return `${head} Nothing at all is stored for ${name}: check the function's name (its identity) and the \`fixtures\` and \`db\` options. ${record}`;
  }
  const sameVersion = facts.versions.get(facts.version) ?? 0;
  const others = [...facts.versions]
    .filter(([version]) => version !== facts.version)
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([version, count]) => `${count} under ${describeVersion(version)}`);
  const stored = `${name} has ${facts.entriesOfFunction} stored ${facts.entriesOfFunction === 1 ? "entry" : "entries"}`;
  if (sameVersion === 0 && others.length > 0) {
    return `${head} ${stored}, none under ${describeVersion(facts.version)} (${others.join(", ")}): the version changed since the recording. Restore the version, or record again: ${RECORD_HINT}`;
  }
  return `${head} ${stored}${others.length > 0 ? ` (${others.join(", ")} among the newest)` : ""}, but none for these arguments: an argument differs from every recorded call. Restore the arguments the recording was made with, or record the new call: ${RECORD_HINT}`;
}

function collectFacts(
  plan: CallPlan,
  cacheKey: string,
  inputId: string,
  row: StoredTask | undefined,
  count: number,
  records: readonly TaskRecord[],
): ReplayMissFacts {
  const versions = new Map<string | null, number>();
  for (const record of records) {
    if (record.funcIdentifier !== plan.identity) continue;
    versions.set(record.version, (versions.get(record.version) ?? 0) + 1);
  }
  return {
    identity: plan.identity,
    cacheKey,
    inputId,
    version: plan.version,
    entriesOfFunction: count,
    versions,
    expiredAt: row?.expiresAt !== undefined && row.expiresAt !== null ? row.expiresAt : null,
    lookupFailed: null,
  };
}

function failedFacts(plan: CallPlan, cacheKey: string, inputId: string, error: unknown) {
  return {
    identity: plan.identity,
    cacheKey,
    inputId,
    version: plan.version,
    entriesOfFunction: 0,
    versions: new Map(),
    expiredAt: null,
    lookupFailed: error instanceof Error ? error.message : String(error),
  } satisfies ReplayMissFacts;
}

function createError(facts: ReplayMissFacts): CacheMissError {
  return new CacheMissError(describeReplayMiss(facts), {
    funcName: facts.identity,
    cacheKey: facts.cacheKey,
  });
}

/**
 * The error of a replay miss, with synchronous backends (markSync): what is stored for the
 * function, then what differs from the nearest entry. Each stored thing is read once.
 */
export function createReplayMissErrorSync(
  plan: CallPlan,
  cacheKey: string,
  inputId: string,
  backends: Backends,
  args: readonly unknown[],
): CacheMissError {
  const db = backends.db as SyncTaskDB;
  let row: StoredTask | undefined;
  let error: CacheMissError;
  try {
    const filter = { func: plan.identity };
    const records = db.list({ ...filter, limit: EXPLAIN_SCAN_LIMIT });
    const count = db.count(filter);
    row = db.get(cacheKey);
    error = createError(collectFacts(plan, cacheKey, inputId, row, count, records));
  } catch (cause) {
    return createError(failedFacts(plan, cacheKey, inputId, cause));
  }
  try {
    const candidates =
      typeof db.recentInputs === "function"
        ? db.recentInputs(plan.funcName, plan.identity, EXPLAIN_SCAN_LIMIT + 1)
        : [];
    return withExplanation(error, explainFrom(plan, args, cacheKey, inputId, row, candidates));
  } catch {
    return error;
  }
}

/** The error of a replay miss, with any backends; as `createReplayMissErrorSync`. */
export async function createReplayMissError(
  plan: CallPlan,
  cacheKey: string,
  inputId: string,
  backends: Backends,
  args: readonly unknown[],
): Promise<CacheMissError> {
  const { db } = backends;
  const filter = { func: plan.identity };
  // The explanation is a bonus: its read failing leaves the message as it is.
  const recent: Promise<StoredInputs[] | undefined> =
    typeof db.recentInputs === "function"
      ? Promise.resolve()
          .then(() => db.recentInputs?.(plan.funcName, plan.identity, EXPLAIN_SCAN_LIMIT + 1))
          .catch(() => undefined)
      : Promise.resolve([]);
  let row: StoredTask | undefined;
  let error: CacheMissError;
  try {
    const [records, count, stored] = await Promise.all([
      db.list({ ...filter, limit: EXPLAIN_SCAN_LIMIT }),
      db.count(filter),
      db.get(cacheKey),
    ]);
    row = stored;
    error = createError(collectFacts(plan, cacheKey, inputId, row, count, records));
  } catch (cause) {
    await recent;
    return createError(failedFacts(plan, cacheKey, inputId, cause));
  }
  const candidates = await recent;
  if (candidates === undefined) return error;
  try {
    return withExplanation(error, explainFrom(plan, args, cacheKey, inputId, row, candidates));
  } catch {
    return error;
  }
}

/** The explanation of a replay miss from what was read for its message. */
function explainFrom(
  plan: CallPlan,
  args: readonly unknown[],
  cacheKey: string,
  inputId: string,
  row: StoredTask | undefined,
  candidates: readonly StoredInputs[],
): Explanation {
  const now = Date.now();
  const subject = describeCall(plan, args, cacheKey, inputId, readStatus(row, now));
  return buildExplanation(subject, candidates, now);
}

/** A TaskDB whose methods answer synchronously (`synchronous: true`). */
interface SyncTaskDB {
  get(cacheKey: string): StoredTask | undefined;
  list(query: Parameters<TaskDB["list"]>[0]): TaskRecord[];
  count(filter: Parameters<TaskDB["count"]>[0]): number;
  recentInputs?(funcName: string, funcIdentifier: string, limit: number): StoredInputs[];
}

/**
 * Adds what differs from the nearest stored entry (`explain`: arguments, version) to a replay
 * miss's message, so a failing offline test says which argument changed. The explanation is a
 * bonus: when it cannot be made, the miss is reported as it was.
 */
export function withExplanation(error: CacheMissError, explanation: Explanation): CacheMissError {
  // Without a nearest entry (none stored with its arguments, e.g. entries served from a
  // recording file) the message above already says what is known.
  if (explanation.nearest.length === 0) return error;
  const detail = describeMiss(explanation);
  if (detail !== "") error.message = `${error.message} ${detail}`;
  return error;
}
