/**
 * @module test/multi-process/shared-limiter.test — four worker processes sharing one
 * SharedTokenBucket spend one budget between them, not four.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { makeTempDir } from "../helpers.js";
import { runChildForResult } from "../robustness/harness.js";

const PROCESSES = 4;
const TOKENS_PER_MINUTE = 6000;
const COST = 10;
const RUN_MS = 3000;

/** One worker: spends COST tokens at a time for RUN_MS and reports when each spend went through. */
const WORKER = `
import { $LIMITER } from "$ENTRY";
const limiter = new $LIMITER({ tokensPerMinute: ${TOKENS_PER_MINUTE}, path: process.env.BS_LIMITS });
const spentAt = [];
const deadline = Date.now() + ${RUN_MS};
while (Date.now() < deadline) {
  await limiter.consume(${COST});
  spentAt.push(Date.now());
}
console.log(JSON.stringify(spentAt));
`;

async function runWorkers(limiter: string): Promise<number[]> {
  const folder = makeTempDir();
  const reports = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      runChildForResult<number[]>(folder, WORKER.replaceAll("$LIMITER", limiter), {
        env: { BS_LIMITS: join(folder, "limits.sqlite") },
      }),
    ),
  );
  return reports.flat().sort((a, b) => a - b);
}

describe("SharedTokenBucket across processes", () => {
  it("keeps four processes together within one budget over the run, and paces them", async (t) => {
    const spentAt = await runWorkers("SharedTokenBucket");
    const first = spentAt[0]!;
    const last = spentAt.at(-1)!;
    const tokens = spentAt.length * COST;
    // GCRA without burst: the first spend is free, every later one waits COST tokens' time after
    // the one before, so over [first, last] at most COST + rate × elapsed can go through. One
    // extra spend covers Date.now()'s millisecond rounding across processes.
    const budget = COST + (TOKENS_PER_MINUTE / 60_000) * (last - first) + COST;
    t.diagnostic(
      `${spentAt.length} spends, ${tokens} tokens in ${last - first} ms; budget ${budget.toFixed(0)}`,
    );
    assert.ok(
      tokens <= budget,
      `${spentAt.length} spends (${tokens} tokens) in ${last - first} ms; the budget was ${budget}`,
    );
    // Each process alone would have spent about a whole budget: far more than a quarter of one.
    const unpacedPerProcess = (TOKENS_PER_MINUTE / 60_000) * RUN_MS;
    assert.ok(tokens < PROCESSES * unpacedPerProcess * 0.75, `${tokens} tokens were spent`);
    assert.ok(spentAt.length >= 4, "every process got to spend");
  });
});
