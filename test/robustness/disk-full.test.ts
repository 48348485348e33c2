/**
 * @module test/robustness/disk-full.test — saves that hit a full disk (ENOSPC on a small tmpfs)
 * or a file-size limit (EFBIG under `ulimit -f`): the caller still gets its result, the error
 * says the disk is full and where, nothing half-written becomes an entry, and saves work again
 * once there is space. With `onSaveError: "throw"` the call rejects, the result on the error.
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { Spot } from "../../src/spot.js";
import { makeTempDir } from "../helpers.js";
import { checkIntegrity, collectingLogger, listFiles, runChildForResult } from "./harness.js";

const BLOB_BYTES = 256 * 1024;
const INLINE_BYTES = 300 * 1024;
/** Blobs of one failing batch: each fills 16 pages exactly once encoded (a 5-byte header). */
const BATCH_SIZE = 6;
const BATCH_BLOB_PAGES = 16;
const BATCH_BLOB_BYTES = BATCH_BLOB_PAGES * 4096 - 16;

/** What the child saw while the disk was full. */
interface FullDiskReport {
  returned: number[];
  backgroundErrors: { name: string; message: string; code?: string; operation: string }[];
  syncError?: { name: string; message: string; code?: string; resultBytes?: number };
  inlineError?: { name: string; message: string; code?: string; resultBytes?: number };
}

/**
 * A child that saves while writes fail: a background blob save and a saveSync blob save (both
 * must hand back their value and report), then, with onSaveError: "throw", a saveSync blob save
 * and a saveSync inline value (the SQLite write path), which must reject with the value attached.
 */
const FULL_DISK_CHILD = `
import { Spot } from "$ENTRY";
const backgroundErrors = [];
const spot = new Spot("full", {
  workspace: process.env.BS_WORKSPACE,
  logger: { warn() {}, error() {} },
  onBackgroundError: (error, context) => backgroundErrors.push({ name: error.name, message: error.message, code: error.cause?.code, operation: context.operation }),
});
const describe = (error) => ({ name: error.name, message: error.message, code: error.code ?? error.cause?.code, resultBytes: error.result?.byteLength });
const background = spot.mark(async function background(seed: number) { return Buffer.alloc(${BLOB_BYTES}, seed); }, { saveSync: false, saveBlob: true });
const kept = spot.mark(async function kept(seed: number) { return Buffer.alloc(${BLOB_BYTES}, seed); }, { saveBlob: true });
const strict = spot.mark(async function strict(seed: number) { return Buffer.alloc(${BLOB_BYTES}, seed); }, { saveBlob: true, onSaveError: "throw" });
const inline = spot.mark(async function inline(seed: number) { return Buffer.alloc(${INLINE_BYTES}, seed); }, { onSaveError: "throw" });
if (process.env.BS_FILLER) {
  // Fill what is left of the disk, now that the database exists.
  const fs = await import("node:fs");
  const descriptor = fs.openSync(process.env.BS_FILLER, "w");
  const chunk = Buffer.alloc(4096, 1);
  try { for (;;) fs.writeSync(descriptor, chunk); } catch {}
  fs.closeSync(descriptor);
}
const returned = [];
returned.push((await background(1)).byteLength);
await spot.flush();
returned.push((await kept(4)).byteLength);
let syncError, inlineError;
try { returned.push((await strict(2)).byteLength); } catch (error) { syncError = describe(error); }
try { returned.push((await inline(3)).byteLength); } catch (error) { inlineError = describe(error); }
console.log(JSON.stringify({ returned, backgroundErrors, syncError, inlineError }));
`;

/** Checks the child's report and the folder it left, then lets space return and saves again. */
async function verifyFullDisk(
  workspace: string,
  report: FullDiskReport,
  freeSpace: () => void,
): Promise<void> {
  const blobFolder = path.join(workspace, "blobs", "full");
  // The background and the saveSync caller got their values; the errors went to
  // onBackgroundError, naming the cause and place.
  assert.deepEqual(report.returned, [BLOB_BYTES, BLOB_BYTES]);
  assert.equal(report.backgroundErrors.length, 2, JSON.stringify(report));
  for (const reported of report.backgroundErrors) {
    assert.equal(reported.name, "BlobStorageError");
    assert.equal(reported.operation, "save");
    assert.match(reported.message, /disk is full/);
    assert.ok(reported.message.includes(blobFolder), reported.message);
  }
  // onSaveError: "throw": the call rejects with the same kind of message, the value on the error.
  assert.equal(report.syncError?.name, "BlobStorageError", JSON.stringify(report));
  assert.match(report.syncError?.message ?? "", /disk is full/);
  assert.ok(report.syncError?.message.includes(blobFolder));
  assert.equal(report.syncError?.resultBytes, BLOB_BYTES);
  // The SQLite path fails too, and the caller learns of it (the message is checked in its own test).
  assert.ok(report.inlineError !== undefined, "the inline save cannot have succeeded");
  assert.equal(report.inlineError?.resultBytes, INLINE_BYTES);

  // Nothing half-written is left as an entry or a temp file; the database is sound.
  const databaseFile = path.join(workspace, "full.db");
  assert.deepEqual(listFiles(blobFolder, ".spot_tmp"), []);
  // Opening the database needs room for its shared-memory index: check it once space is back.
  freeSpace();
  assert.equal(checkIntegrity(databaseFile), "ok");
  const logger = collectingLogger();
  const spot = new Spot("full", { workspace, logger });
  try {
    let calls = 0;
    const strict = spot.mark(
      async function strict(seed: number) {
        calls += 1;
        return Buffer.alloc(BLOB_BYTES, seed);
      },
      { saveBlob: true },
    );
    const inline = spot.mark(async function inline(seed: number) {
      calls += 1;
      return Buffer.alloc(INLINE_BYTES, seed);
    });
    assert.equal(spot.db.count({}), 0, "no failed save became an entry");
    // Space is back: the saves succeed and are hits from then on.
    assert.equal((await strict(2)).byteLength, BLOB_BYTES);
    assert.equal((await inline(3)).byteLength, INLINE_BYTES);
    assert.equal((await strict(2))[0], 2);
    assert.equal((await inline(3))[0], 3);
    assert.equal(calls, 2);
    assert.deepEqual(logger.warnings, []);
  } finally {
    await spot.shutdown();
  }
}

/**
 * A child whose disk has room for a batch's blobs but not for its rows: the batch fails at the
 * database write. Reports the blob files left behind, then saves again without freeing anything.
 */
const FAILED_BATCH_CHILD = `
import fs from "node:fs";
import path from "node:path";
import { Spot } from "$ENTRY";
const backgroundErrors = [];
const warnings = [];
const spot = new Spot("batch", {
  workspace: process.env.BS_WORKSPACE,
  logger: { warn(message) { warnings.push(message); }, error(message) { warnings.push(message); } },
  onBackgroundError: (error) => backgroundErrors.push({ name: error.name, message: error.message }),
});
const blobFolder = path.join(process.env.BS_WORKSPACE, "blobs", "batch");
// The blob folder exists before the disk fills: the batch's blobs are all that is written.
await spot.mark(async function warm() { return 1; }, { saveBlob: true })();
const make = spot.mark(async function make(seed) { return Buffer.alloc(${BATCH_BLOB_BYTES}, seed); }, { saveSync: false, saveBlob: true });
const descriptor = fs.openSync(process.env.BS_FILLER, "w");
const chunk = Buffer.alloc(4096, 1);
try { for (;;) fs.writeSync(descriptor, chunk); } catch {}
fs.closeSync(descriptor);
// Room for exactly the batch's blobs (whole pages each), none for its rows.
fs.truncateSync(process.env.BS_FILLER, fs.statSync(process.env.BS_FILLER).size - ${BATCH_SIZE} * ${BATCH_BLOB_PAGES} * 4096);
for (let seed = 1; seed <= ${BATCH_SIZE}; seed += 1) await make(seed);
await spot.flush();
// The warm-up entry's blob is the one that should remain.
const leftBlobs = fs.readdirSync(blobFolder).filter((name) => name.endsWith(".bin")).length - 1;
let laterSave;
try {
  await spot.mark(async function later() { return Buffer.alloc(${BATCH_BLOB_BYTES}, 9); }, { saveBlob: true })();
  laterSave = spot.db.count({}) === 2 ? "stored" : warnings.join(" | ");
} catch (error) { laterSave = error.message; }
await spot.shutdown();
console.log(JSON.stringify({ backgroundErrors, leftBlobs, laterSave }));
`;

/** Whether this process may mount a tmpfs (root, and not refused by a sandbox). */
function tryMountTmpfs(target: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", target], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}

describe("disk full", () => {
  const mounted: string[] = [];
  after(() => {
    for (const target of mounted) execFileSync("umount", ["-l", target], { stdio: "ignore" });
  });

  it("on a full tmpfs (ENOSPC): results returned, errors say disk full and where, no partial entry, saves succeed once space returns", async (context) => {
    const folder = makeTempDir();
    const mountPoint = path.join(folder, "small-disk");
    fs.mkdirSync(mountPoint);
    if (!tryMountTmpfs(mountPoint, "2m")) {
      context.skip("cannot mount a tmpfs here; the ulimit test covers the same path");
      return;
    }
    mounted.push(mountPoint);
    const workspace = path.join(mountPoint, ".beautyspot");
    const filler = path.join(mountPoint, "filler");
    const report = await runChildForResult<FullDiskReport>(folder, FULL_DISK_CHILD, {
      env: { BS_WORKSPACE: workspace, BS_FILLER: filler },
    });
    await verifyFullDisk(workspace, report, () => fs.rmSync(filler));
  });

  it("under a file-size limit (EFBIG): results returned, errors say disk full and where, no partial entry, saves succeed without the limit", async () => {
    const folder = makeTempDir();
    const workspace = path.join(folder, ".beautyspot");
    const report = await runChildForResult<FullDiskReport>(folder, FULL_DISK_CHILD, {
      env: { BS_WORKSPACE: workspace },
      fileSizeLimitKiB: 128,
    });
    await verifyFullDisk(workspace, report, () => undefined);
  });

  it("says the disk is full, and where, when the database write fails (SQLITE_FULL)", async () => {
    const folder = makeTempDir();
    const workspace = path.join(folder, ".beautyspot");
    const report = await runChildForResult<FullDiskReport>(folder, FULL_DISK_CHILD, {
      env: { BS_WORKSPACE: workspace },
      fileSizeLimitKiB: 128,
    });
    assert.match(report.inlineError?.message ?? "", /disk is full/);
    assert.ok(report.inlineError?.message.includes(path.join(workspace, "full.db")));
  });

  it("a batch that fails on a full tmpfs removes the blobs it wrote, so the next save fits", async (context) => {
    const folder = makeTempDir();
    const mountPoint = path.join(folder, "small-disk");
    fs.mkdirSync(mountPoint);
    if (!tryMountTmpfs(mountPoint, "2m")) {
      context.skip("cannot mount a tmpfs here");
      return;
    }
    mounted.push(mountPoint);
    const workspace = path.join(mountPoint, ".beautyspot");
    const report = await runChildForResult<{
      backgroundErrors: { name: string; message: string }[];
      leftBlobs: number;
      laterSave: string;
    }>(folder, FAILED_BATCH_CHILD, {
      env: { BS_WORKSPACE: workspace, BS_FILLER: path.join(mountPoint, "filler") },
    });
    assert.ok(report.backgroundErrors.length > 0, JSON.stringify(report));
    assert.ok(
      report.backgroundErrors.every((error) => error.name === "DatabaseWriteError"),
      JSON.stringify(report),
    );
    assert.equal(report.leftBlobs, 0, "the failed batch's blobs are removed");
    assert.equal(report.laterSave, "stored");
  });
});
