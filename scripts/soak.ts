/**
 * @module scripts/soak — the long "kill at any point" run: hundreds of SIGKILLs at random moments
 * during 1,000-call runs with background saves, each followed by the full verification of
 * test/robustness. Not part of `npm test`.
 *
 * Usage: node --import tsx scripts/soak.ts [kills=300]
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { killChildAfter, verifyAfterKill } from "../test/robustness/kill-scenario.js";

const kills = Number(process.argv[2] ?? 300);
if (!Number.isSafeInteger(kills) || kills < 1) {
  console.error(`The number of kills must be a positive integer, got ${process.argv[2]}.`);
  process.exit(2);
}

const folder = mkdtempSync(path.join(tmpdir(), "bs-soak-"));
const workspace = path.join(folder, ".beautyspot");
const totals = { midRun: 0, orphanBlobs: 0, tempFiles: 0, readableEntries: 0 };
const started = Date.now();
try {
  for (let round = 0; round < kills; round += 1) {
    // Anywhere from right after start-up to past the end of the run.
    const delayMs = Math.round(20 + Math.random() * 800);
    const { killedMidRun } = await killChildAfter(folder, workspace, delayMs, round * 131);
    const report = await verifyAfterKill(workspace);
    if (killedMidRun) totals.midRun += 1;
    totals.orphanBlobs += report.orphanBlobs;
    totals.tempFiles += report.tempFiles;
    totals.readableEntries = report.readableEntries;
    if ((round + 1) % 25 === 0) {
      console.log(`${round + 1}/${kills} kills verified (${totals.midRun} mid-run)`);
    }
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `Survived ${kills} kills (${totals.midRun} mid-run) in ${seconds} s: database sound after each, every readable entry exact, no dangling row; ${totals.orphanBlobs} orphan blobs and ${totals.tempFiles} temp files cleaned; ${totals.readableEntries} entries readable at the end.`,
  );
} catch (error) {
  console.error(`Soak failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`The workspace is kept for inspection: ${workspace}`);
  process.exit(1);
}
rmSync(folder, { recursive: true, force: true });
