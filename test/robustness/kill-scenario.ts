/**
 * @module test/robustness/kill-scenario — one round of "kill at any point": a child makes 1,000
 * calls with background saves and is killed with SIGKILL; then the cache folder is verified.
 * Shared by the test suite (20 rounds) and `scripts/soak.ts` (hundreds).
 */

import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Spot } from "../../src/spot.js";
import { ThresholdStoragePolicy } from "../../src/storage/policy.js";
import {
  checkIntegrity,
  collectingLogger,
  listFiles,
  readBlobLocations,
  startChild,
  waitForChild,
  waitForMarker,
  writeChildScript,
} from "./harness.js";
import { BLOB_THRESHOLD, computeValue } from "./values.js";

/** Calls one child makes. */
export const CALLS_PER_ROUND = 1000;
/** Distinct inputs: rounds share a workspace, so later rounds hit what earlier ones stored. */
export const INDEX_SPACE = 1500;
export const SPOT_NAME = "killed";

/**
 * The child: 1,000 calls, a mix of hits, misses and invalidations, with background saves; it
 * pauses briefly every 10 calls so the run lasts long enough to be killed in the middle. It
 * checks every value it gets back and prints MISMATCH if one is wrong.
 */
const CHILD_SOURCE = `
import { isDeepStrictEqual } from "node:util";
import { Spot, ThresholdStoragePolicy } from "$ENTRY";
import { computeValue, BLOB_THRESHOLD } from "$VALUES";
const spot = new Spot("${SPOT_NAME}", {
  workspace: process.env.BS_WORKSPACE,
  saveSync: false,
  storagePolicy: new ThresholdStoragePolicy({ threshold: BLOB_THRESHOLD }),
  logger: { warn: (message) => console.log("WARN " + message), error: (message) => console.log("ERROR " + message) },
});
const compute = spot.mark(async function compute(index: number) { return computeValue(index); });
const offset = Number(process.env.BS_OFFSET);
process.stdout.write("started\\n");
for (let call = 0; call < ${CALLS_PER_ROUND}; call += 1) {
  const index = (offset + call * 7) % ${INDEX_SPACE};
  if (call % 50 === 49) await compute.invalidate(index);
  const value = await compute(index);
  if (!isDeepStrictEqual(value, computeValue(index))) console.log("MISMATCH " + index);
  if (call % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 7));
}
await spot.flush();
process.stdout.write("finished\\n");
`;

/** What one round saw. */
export interface KillRoundReport {
  delayMs: number;
  /** The child was still running when the kill landed. */
  killedMidRun: boolean;
  /** Entries that decode, each checked against a recomputation. */
  readableEntries: number;
  /** Leftovers of the kill found before clean-up. */
  orphanBlobs: number;
  tempFiles: number;
}

/** Runs the child and kills it `delayMs` after it printed "started". Returns whether it was still running. */
export async function killChildAfter(
  folder: string,
  workspace: string,
  delayMs: number,
  offset: number,
): Promise<{ killedMidRun: boolean; stdout: string }> {
  const child = startChild(writeChildScript(folder, CHILD_SOURCE), {
    env: { BS_WORKSPACE: workspace, BS_OFFSET: String(offset) },
  });
  const outcome = waitForChild(child);
  await waitForMarker(child, "started");
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const killedMidRun = child.exitCode === null && child.kill("SIGKILL");
  const { stdout, stderr, code, signal } = await outcome;
  if (stdout.includes("MISMATCH")) throw new Error(`a wrong value was returned:\n${stdout}`);
  if (signal === null && code !== 0) throw new Error(`child failed (${code}): ${stderr}`);
  return { killedMidRun: killedMidRun && signal === "SIGKILL", stdout };
}

/**
 * Verifies a workspace after a kill: the database is sound and opens, every readable entry is
 * exactly its recomputed value, no row points to a missing blob, and a clean-up leaves no orphan
 * and no temp file. Throws on the first violation.
 */
export async function verifyAfterKill(
  workspace: string,
): Promise<Omit<KillRoundReport, "delayMs" | "killedMidRun">> {
  const databaseFile = path.join(workspace, `${SPOT_NAME}.db`);
  const blobFolder = path.join(workspace, "blobs", SPOT_NAME);
  const integrity = checkIntegrity(databaseFile);
  if (integrity !== "ok") throw new Error(`integrity_check after a kill: ${integrity}`);

  const missing = readBlobLocations(databaseFile).filter(
    (location) => listFiles(blobFolder, location).length === 0,
  );
  if (missing.length > 0) throw new Error(`rows point to missing blobs: ${missing.join(", ")}`);

  const logger = collectingLogger();
  const spot = new Spot(SPOT_NAME, {
    workspace,
    storagePolicy: new ThresholdStoragePolicy({ threshold: BLOB_THRESHOLD }),
    logger,
  });
  try {
    const compute = spot.mark(async function compute(_index: number): Promise<unknown> {
      throw new Error("peek must never run the function");
    });
    let readableEntries = 0;
    for (let index = 0; index < INDEX_SPACE; index += 1) {
      const stored = await compute.peek(index);
      if (stored === undefined) continue;
      if (!isDeepStrictEqual(stored, computeValue(index))) {
        throw new Error(`entry ${index} decodes to a different value than was computed`);
      }
      readableEntries += 1;
    }
    // A damaged entry would have been reported as a miss with a warning.
    if (logger.warnings.length > 0) throw new Error(`damaged entries: ${logger.warnings[0]}`);

    const orphanBlobs = (await spot.maintenance.scanGarbage({ graceSeconds: 0 })).length;
    const tempFiles = listFiles(blobFolder, ".spot_tmp").length;
    const report = await spot.maintenance.cleanGarbage({ graceSeconds: 0 });
    if (report.orphanBlobs !== orphanBlobs || report.tempFiles !== tempFiles) {
      throw new Error(
        `clean-up removed ${JSON.stringify(report)}, expected ${orphanBlobs} orphans and ${tempFiles} temp files`,
      );
    }
    const left = await spot.maintenance.scanGarbage({ graceSeconds: 0 });
    if (left.length > 0 || listFiles(blobFolder, ".spot_tmp").length > 0) {
      throw new Error(`clean-up left ${left.length} orphan blobs or temp files behind`);
    }
    return { readableEntries, orphanBlobs, tempFiles };
  } finally {
    await spot.shutdown();
  }
}
