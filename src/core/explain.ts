/** @module core/explain — `wrapper.explain(...args)`: hit or miss, and why, without running anything. */

import { readStoredArguments } from "../keys/arguments.js";
import { type ExplainSubject, type Explanation, explainMiss } from "../keys/explain.js";
import type { CallRuntime } from "./call.js";
import { type CallPlan, computeCacheKey } from "./plan.js";

export type { Explanation } from "../keys/explain.js";

/** Whether a stored row would be returned: known kind and not expired. */
export function readStatus(
  row: { resultType: string; expiresAt: number | null } | undefined,
  now: number,
): ExplainSubject["status"] {
  if (row === undefined || (row.resultType !== "DIRECT_BLOB" && row.resultType !== "FILE")) {
    return "miss";
  }
  return row.expiresAt !== null && row.expiresAt <= now ? "expired" : "hit";
}

/** What an explanation of this call needs, apart from the stored entries. */
export function describeCall(
  plan: CallPlan,
  args: readonly unknown[],
  cacheKey: string,
  inputId: string,
  status: ExplainSubject["status"],
): ExplainSubject {
  const recorded = plan.describeArguments(args);
  return {
    funcName: plan.funcName,
    funcIdentifier: plan.identity,
    version: plan.version,
    cacheKey,
    inputId,
    arguments: readStoredArguments(recorded.bytes),
    ...(recorded.preview === null ? {} : { inputPreview: recorded.preview }),
    status,
  };
}

/**
 * Explains a call of a marked function: its key, whether it hits (a stored fresh entry or one
 * waiting to be written), and the nearest stored entries of the function with what differs.
 * The key is computed as the call computes it (unredacted); only the shown arguments are redacted.
 * A replay miss explains itself the same way, from the reads it makes anyway (core/replay-miss.ts).
 */
export async function explainCall(
  plan: CallPlan,
  args: readonly unknown[],
  runtime: CallRuntime,
): Promise<Explanation> {
  runtime.assertOpen();
  const inputId = plan.computeInputId(args);
  const cacheKey = computeCacheKey(plan, inputId);
  const now = Date.now();
  const { db } = runtime.backends;
  const status = runtime.writer.pending.has(cacheKey)
    ? "hit"
    : readStatus(await db.get(cacheKey), now);
  return await explainMiss(db, describeCall(plan, args, cacheKey, inputId, status), now);
}
