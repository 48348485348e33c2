/**
 * @module test/robustness/kill.test — a run killed with SIGKILL at random moments loses nothing
 * it stored, corrupts nothing, and leaves only leftovers that `clean` removes.
 */

import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { Spot } from "../../src/spot.js";
import { cliPath, runCli } from "../cli/run-cli.js";
import { makeTempDir } from "../helpers.js";
import { listFiles } from "./harness.js";
import type { KillRoundReport } from "./kill-scenario.js";
import { CALLS_PER_ROUND, killChildAfter, SPOT_NAME, verifyAfterKill } from "./kill-scenario.js";

/** Kills per test run; `scripts/soak.ts` runs hundreds. */
const ROUNDS = 20;
const MIN_DELAY_MS = 50;
const MAX_DELAY_MS = 600;

function sum(reports: readonly KillRoundReport[], field: "orphanBlobs" | "tempFiles"): number {
  return reports.reduce((total, report) => total + report[field], 0);
}

describe("kill at any point", () => {
  it(`survives ${ROUNDS} SIGKILLs during ${CALLS_PER_ROUND} calls with background saves: sound database, exact values, no dangling rows, clean removes every leftover`, async (context) => {
    const folder = makeTempDir();
    const workspace = path.join(folder, ".beautyspot");
    const reports: KillRoundReport[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // Spread over the whole window, jittered, so kills land early, late and in between.
      const slot = (MAX_DELAY_MS - MIN_DELAY_MS) / ROUNDS;
      const delayMs = Math.round(MIN_DELAY_MS + slot * round + Math.random() * slot);
      const { killedMidRun } = await killChildAfter(folder, workspace, delayMs, round * 131);
      const verified = await verifyAfterKill(workspace);
      reports.push({ delayMs, killedMidRun, ...verified });
    }
    const summary = JSON.stringify(reports);
    // The kills must actually interrupt work, or this test proves nothing.
    assert.ok(
      reports.filter((report) => report.killedMidRun).length >= ROUNDS - 4,
      `most kills should land mid-run: ${summary}`,
    );
    assert.ok((reports.at(-1)?.readableEntries ?? 0) > 0, `entries survive the kills: ${summary}`);
    context.diagnostic(
      `kills: ${ROUNDS}, mid-run: ${reports.filter((report) => report.killedMidRun).length}, readable entries at the end: ${reports.at(-1)?.readableEntries}, orphan blobs cleaned: ${sum(reports, "orphanBlobs")}, temp files cleaned: ${sum(reports, "tempFiles")}`,
    );
  });

  it("`beautyspot clean` removes the orphan blobs and temp files a kill leaves", async (context) => {
    if (!existsSync(cliPath)) {
      context.skip("the CLI is not built (npm run build)");
      return;
    }
    const folder = makeTempDir();
    const workspace = path.join(folder, ".beautyspot");
    await killChildAfter(folder, workspace, 300, 7);
    // Leftovers of the kind a kill leaves, made certain: a blob written whose row never came, and
    // a half-written temp file.
    const blobFolder = path.join(workspace, "blobs", SPOT_NAME);
    writeFileSync(path.join(blobFolder, `${"e".repeat(64)}.bin`), "orphan");
    writeFileSync(path.join(blobFolder, `${"f".repeat(64)}.bin.0123456789ab.spot_tmp`), "half");

    const result = runCli(
      ["clean", path.join(workspace, `${SPOT_NAME}.db`), "--grace", "0", "-y", "--json"],
      folder,
    );
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { orphanBlobs: number; tempFiles: number };
    assert.ok(report.orphanBlobs >= 1, result.stdout);
    assert.ok(report.tempFiles >= 1, result.stdout);
    assert.deepEqual(listFiles(blobFolder, ".spot_tmp"), []);
    const spot = new Spot(SPOT_NAME, { workspace, logger: { warn() {}, error() {} } });
    try {
      assert.deepEqual(await spot.maintenance.scanGarbage({ graceSeconds: 0 }), []);
    } finally {
      await spot.shutdown();
    }
    // And what is left is still sound.
    await verifyAfterKill(workspace);
  });
});
