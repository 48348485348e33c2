/** @module test/cli/destructive-commands — clear, prune, clean and gc: dry runs, confirmation and effects. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Spot } from "../../src/index.js";
import { countEntries, writeSampleCache } from "./fixtures.js";
import { makeOld, makeTempDir, runCli } from "./run-cli.js";

async function makeProject(): Promise<{ cwd: string; db: string; blobs: string }> {
  const cwd = makeTempDir();
  await writeSampleCache(path.join(cwd, ".beautyspot"));
  return {
    cwd,
    db: path.join(cwd, ".beautyspot", "my_app.db"),
    blobs: path.join(cwd, ".beautyspot", "blobs", "my_app"),
  };
}

function listBlobs(folder: string): string[] {
  return fs.readdirSync(folder).filter((name) => name.endsWith(".bin"));
}

/** Writes a cache whose two entries expire after one second, and waits until they have. */
async function writeExpiredCache(workspace: string, name: string): Promise<void> {
  const spot = new Spot(name, { workspace });
  const shortLived = spot.mark(async (n: number) => n * 2, { name: "shortLived", retention: 1 });
  await shortLived(1);
  await shortLived(2);
  await spot.mark(async (n: number) => n, { name: "kept" })(1);
  await spot.shutdown();
  await new Promise((resolve) => setTimeout(resolve, 1_100));
}

describe("beautyspot clear", () => {
  it("changes nothing with --dry-run and says how many entries would go", async () => {
    const { cwd, db, blobs } = await makeProject();
    const result = runCli(["clear", db, "--dry-run"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Dry run: would remove 6 entries/);
    assert.equal(await countEntries(db), 6);
    assert.equal(listBlobs(blobs).length, 2);
  });

  it("refuses without -y when stdin is not a terminal, and removes nothing", async () => {
    const { cwd, db } = await makeProject();
    const result = runCli(["clear", db], cwd);
    assert.equal(result.status, 2);
    assert.equal(
      result.stderr,
      "beautyspot: Refusing to go ahead without confirmation: standard input is not a terminal. Add -y (--yes) to confirm, or --dry-run to see what would change.\n",
    );
    assert.equal(await countEntries(db), 6);
  });

  it("removes only the entries and blobs of the function given by short name", async () => {
    const { cwd, db, blobs } = await makeProject();
    const result = runCli(["clear", db, "--func", "render", "--yes"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Removed 2 entries of pages\.render/);
    assert.equal(await countEntries(db), 4);
    assert.equal(await countEntries(db, "pages.render"), 0);
    assert.deepEqual(listBlobs(blobs), []);
  });

  it("removes everything with -y and reports it as JSON", async () => {
    const { cwd, db } = await makeProject();
    const result = runCli(["clear", db, "-y", "--json"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      database: db,
      dryRun: false,
      func: null,
      removed: 6,
    });
    assert.equal(await countEntries(db), 0);
  });
});

describe("beautyspot prune", () => {
  it("keeps entries younger than --days", async () => {
    const { cwd, db } = await makeProject();
    const result = runCli(["prune", db, "--days", "30", "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Nothing to prune/);
    assert.equal(await countEntries(db), 6);
  });

  it("counts without removing on --dry-run, then removes older entries of one function", async () => {
    const { cwd, db } = await makeProject();
    const dryRun = runCli(
      ["prune", db, "--days", "0", "--func", "summarize", "--dry-run", "--json"],
      cwd,
    );
    assert.equal(dryRun.status, 0, dryRun.stderr);
    assert.equal(JSON.parse(dryRun.stdout).wouldRemove, 3);
    assert.equal(await countEntries(db), 6);

    const result = runCli(["prune", db, "--days", "0", "--func", "summarize", "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Removed 3 entries of summarize older than 0 days/);
    assert.equal(await countEntries(db, "summarize"), 0);
    assert.equal(await countEntries(db), 3);
  });
});

describe("beautyspot clean", () => {
  it("finds orphan blobs, stale temp files and empty folders; removes them only when confirmed", async () => {
    const { cwd, db, blobs } = await makeProject();
    const orphan = path.join(blobs, "0123abcd.bin");
    const temp = path.join(blobs, "4567.bin.spot_tmp");
    const young = path.join(blobs, "89ab.bin");
    fs.writeFileSync(orphan, "left behind");
    fs.writeFileSync(temp, "interrupted");
    fs.writeFileSync(young, "being saved");
    fs.mkdirSync(path.join(blobs, "empty"));
    makeOld(orphan);
    makeOld(temp);

    const dryRun = runCli(["clean", db, "--dry-run", "--json"], cwd);
    assert.equal(dryRun.status, 0, dryRun.stderr);
    const planned = JSON.parse(dryRun.stdout);
    assert.deepEqual(
      [planned.orphanBlobs, planned.tempFiles, planned.emptyDirs, planned.orphans],
      [1, 1, 1, ["0123abcd.bin"]],
    );
    assert.ok(fs.existsSync(orphan) && fs.existsSync(temp));

    const refused = runCli(["clean", db], cwd);
    assert.equal(refused.status, 2);
    assert.ok(fs.existsSync(orphan));

    const result = runCli(["clean", db, "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Removed 1 orphan blob, 1 temporary file and 1 empty folder/);
    assert.ok(!fs.existsSync(orphan) && !fs.existsSync(temp));
    assert.ok(!fs.existsSync(path.join(blobs, "empty")));
    assert.ok(
      fs.existsSync(young),
      "a blob younger than the grace period may be a save in progress",
    );
    assert.equal(listBlobs(blobs).length, 3, "referenced blobs stay");
    assert.equal(await countEntries(db), 6);
  });

  it("uses the blob folder given by --blob-dir", async () => {
    const { cwd, db, blobs } = await makeProject();
    const moved = path.join(cwd, "moved-blobs");
    fs.renameSync(blobs, moved);
    const orphan = path.join(moved, "fedc.bin");
    fs.writeFileSync(orphan, "stale");
    makeOld(orphan);
    const result = runCli(["clean", db, "--blob-dir", moved, "-y", "--json"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).orphanBlobs, 1);
    assert.ok(!fs.existsSync(orphan));
    assert.equal(listBlobs(moved).length, 2);
  });
});

describe("beautyspot gc", () => {
  it("removes expired entries in every database and blob folders of deleted databases", async () => {
    const cwd = makeTempDir();
    const workspace = path.join(cwd, ".beautyspot");
    await writeExpiredCache(workspace, "first");
    await writeExpiredCache(workspace, "second");
    const zombie = path.join(workspace, "blobs", "deleted_app");
    fs.mkdirSync(zombie, { recursive: true });
    fs.writeFileSync(path.join(zombie, "abcd.bin"), "nobody reads me");

    const dryRun = runCli(["gc", "--dry-run"], cwd);
    assert.equal(dryRun.status, 0, dryRun.stderr);
    assert.match(
      dryRun.stdout,
      /would remove 4 expired entries and 0 orphan blobs in 2 databases, and 1 blob folder/,
    );
    assert.equal(await countEntries(path.join(workspace, "first.db")), 3);
    assert.ok(fs.existsSync(zombie));

    const keepExpired = runCli(["gc", "--no-expired", "-y", "--json"], cwd);
    assert.equal(keepExpired.status, 0, keepExpired.stderr);
    assert.equal(JSON.parse(keepExpired.stdout).zombieFoldersRemoved, 1);
    assert.ok(!fs.existsSync(zombie));
    assert.equal(await countEntries(path.join(workspace, "first.db")), 3);

    const result = runCli(["gc", "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Removed 4 expired entries/);
    for (const name of ["first", "second"]) {
      const db = path.join(workspace, `${name}.db`);
      assert.equal(await countEntries(db), 1);
      assert.equal(await countEntries(db, "kept"), 1);
    }
  });

  it("works on the workspace given by --workspace", async () => {
    const cwd = makeTempDir();
    await writeExpiredCache(path.join(cwd, "cache"), "only");
    const result = runCli(["gc", "--workspace", "cache", "-y", "--json"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).databases[0].expiredRows, 2);
  });
});
