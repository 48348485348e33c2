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

/** A cache with one blob whose database was then deleted: its blob folder is a zombie. Returns the folder. */
async function writeDeletedCache(workspace: string, name: string): Promise<string> {
  const spot = new Spot(name, { workspace });
  await spot.mark(async () => "in a blob", { name: "blob", saveBlob: true })();
  await spot.shutdown();
  for (const suffix of ["", "-wal", "-shm"]) {
    fs.rmSync(path.join(workspace, `${name}.db${suffix}`), { force: true });
  }
  return path.join(workspace, "blobs", name);
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

describe("nothing to do", () => {
  it("clear --func run a second time removes nothing, exits 0 and says so", async () => {
    const { cwd } = await makeProject();
    const db = path.join(".beautyspot", "my_app.db");
    const first = runCli(["clear", db, "--func", "summarize", "-y"], cwd);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, `Removed 3 entries of summarize from ${db}.\n`);
    const second = runCli(["clear", db, "--func", "summarize", "-y"], cwd);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, `Nothing to clear: no entries of summarize in ${db}.\n`);
    assert.equal(
      second.stderr,
      `No function named "summarize" in ${db}. Known functions: render (pages.render), profile.\n`,
    );
    const json = runCli(["clear", db, "--func", "summarize", "--dry-run", "--json"], cwd);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      database: path.join(cwd, db),
      dryRun: true,
      func: "summarize",
      removed: 0,
      wouldRemove: 0,
    });
    assert.equal(await countEntries(path.join(cwd, db)), 3);
  });

  it("a --func close to a known name removes nothing, exits 0 and suggests the name", async () => {
    const { cwd, db } = await makeProject();
    for (const [args, stdout] of [
      [
        ["clear", db, "--func", "summarise", "-y"],
        /^Nothing to clear: no entries of summarise in /,
      ],
      [
        ["prune", db, "--days", "0", "--func", "summarise", "-y"],
        /^Nothing to prune: no entries of summarise older than 0 days in /,
      ],
    ] as const) {
      const result = runCli(args, cwd);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, stdout);
      assert.match(
        result.stderr,
        /^No function named "summarise" in .*my_app\.db\. Did you mean summarize\? Known functions: render \(pages\.render\), profile, summarize\.\n$/,
      );
    }
    assert.equal(await countEntries(db), 6);
  });

  it("every destructive command run a second time finds nothing to do, exits 0 and says so", async () => {
    const cwd = makeTempDir();
    const workspace = path.join(cwd, ".beautyspot");
    await writeExpiredCache(workspace, "expiring");
    const db = path.join(".beautyspot", "expiring.db");
    for (const [args, nothing] of [
      [["gc", "-y"], "Nothing to collect in .beautyspot.\n"],
      [
        ["clean", db, "-y"],
        `Nothing to clean in ${path.join(".beautyspot", "blobs", "expiring")}.\n`,
      ],
      [
        ["prune", db, "--days", "0", "-y"],
        `Nothing to prune: no entries older than 0 days in ${db}.\n`,
      ],
      [["clear", db, "-y"], `Nothing to clear: no entries in ${db}.\n`],
      [["clear", db, "--func", "kept", "-y"], `Nothing to clear: no entries of kept in ${db}.\n`],
    ] as const) {
      runCli(args, cwd);
      const again = runCli(args, cwd);
      assert.equal(again.status, 0, `${args.join(" ")}: ${again.stderr}`);
      assert.equal(again.stdout, nothing, args.join(" "));
    }
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
  it("finds orphan blobs and stale temp files; removes them only when confirmed", async () => {
    const { cwd, db, blobs } = await makeProject();
    const orphan = path.join(blobs, `${"0123abcd".repeat(8)}.bin`);
    const temp = path.join(blobs, `${"4567".repeat(16)}.bin.0123456789ab.spot_tmp`);
    const young = path.join(blobs, `${"89ab".repeat(16)}.bin`);
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
      [1, 1, 0, [path.basename(orphan)]],
    );
    assert.ok(fs.existsSync(orphan) && fs.existsSync(temp));

    const refused = runCli(["clean", db], cwd);
    assert.equal(refused.status, 2);
    assert.ok(fs.existsSync(orphan));

    const result = runCli(["clean", db, "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Removed 1 orphan blob and 1 temporary file/);
    assert.ok(!fs.existsSync(orphan) && !fs.existsSync(temp));
    assert.ok(fs.existsSync(path.join(blobs, "empty")), "beautyspot did not create that folder");
    assert.ok(
      fs.existsSync(young),
      "a blob younger than the grace period may be a save in progress",
    );
    assert.equal(listBlobs(blobs).length, 3, "referenced blobs stay");
    assert.equal(await countEntries(db), 6);
  });

  it("clean --blob-dir never deletes files or folders beautyspot did not write", async () => {
    const { cwd, db } = await makeProject();
    // A folder given by mistake: a git refs tree, with empty folders and old files.
    const refs = path.join(cwd, "repo", ".git", "refs");
    fs.mkdirSync(path.join(refs, "heads"), { recursive: true });
    fs.mkdirSync(path.join(refs, "tags"));
    const files = ["heads/main", "packed.bin", "HEAD.spot_tmp"].map((name) =>
      path.join(refs, name),
    );
    for (const file of files) {
      fs.writeFileSync(file, "precious");
      makeOld(file, 24 * 365);
    }
    const result = runCli(["clean", db, "--blob-dir", refs, "--grace", "0", "-y", "--json"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      [JSON.parse(result.stdout).orphanBlobs, JSON.parse(result.stdout).tempFiles],
      [0, 0],
    );
    for (const file of files) assert.ok(fs.existsSync(file), file);
    assert.ok(fs.existsSync(path.join(refs, "tags")), "an empty folder it did not create stays");
  });

  it("uses the blob folder given by --blob-dir", async () => {
    const { cwd, db, blobs } = await makeProject();
    const moved = path.join(cwd, "moved-blobs");
    fs.renameSync(blobs, moved);
    const orphan = path.join(moved, `${"fedc".repeat(16)}.bin`);
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
    const zombie = await writeDeletedCache(workspace, "deleted_app");

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

  it("gc never deletes a folder it did not create, and says which it kept and why", async () => {
    const cwd = makeTempDir();
    const workspace = path.join(cwd, "proj");
    await writeExpiredCache(workspace, "only");
    const photo = path.join(workspace, "blobs", "uploads", "photo.jpg");
    fs.mkdirSync(path.dirname(photo), { recursive: true });
    fs.writeFileSync(photo, "a user's photo");
    makeOld(photo, 24 * 365);
    const zombie = await writeDeletedCache(workspace, "gone");

    const dryRun = runCli(["gc", "--workspace", "proj", "--dry-run", "--json"], cwd);
    assert.equal(dryRun.status, 0, dryRun.stderr);
    const planned = JSON.parse(dryRun.stdout);
    assert.deepEqual(
      planned.zombieFolders.map((folder: { name: string }) => folder.name),
      ["gone"],
    );
    assert.deepEqual(
      planned.keptFolders.map((folder: { name: string }) => folder.name),
      ["uploads"],
    );

    const result = runCli(["gc", "--workspace", "proj", "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /and 1 blob folder of deleted databases/);
    assert.match(
      result.stderr,
      /Kept 1 folder .*\n.*uploads: it holds files beautyspot did not write \(photo\.jpg\)/,
    );
    assert.equal(fs.readFileSync(photo, "utf8"), "a user's photo");
    assert.ok(!fs.existsSync(zombie));
  });

  it("clean and gc never judge orphans of a blob folder another database also uses", async () => {
    const cwd = makeTempDir();
    const workspace = path.join(cwd, ".beautyspot");
    // A Spot "app" keeps its database elsewhere but its blobs in .beautyspot/blobs/app/ ...
    const elsewhere = path.join(cwd, "elsewhere", "app.db");
    fs.mkdirSync(path.dirname(elsewhere));
    const spot = new Spot("app", { workspace, db: elsewhere });
    await spot.mark(async () => "theirs", { name: "theirs", saveBlob: true })();
    await spot.shutdown();
    const blobs = path.join(workspace, "blobs", "app");
    const [theirs] = listBlobs(blobs);
    assert.ok(theirs !== undefined);
    makeOld(path.join(blobs, theirs));
    // ... and another program uses the default .beautyspot/app.db with the same folder.
    const db = await writeSampleCache(workspace, "app");

    const clean = runCli(["clean", db, "--grace", "0", "-y"], cwd);
    assert.equal(clean.status, 1, clean.stdout);
    assert.match(clean.stderr, /also holds the blobs of .*elsewhere.*app\.db/);
    const gc = runCli(["gc", "--grace", "0", "-y", "--json"], cwd);
    assert.equal(gc.status, 0, gc.stderr);
    assert.match(JSON.parse(gc.stdout).databases[0].error, /also holds the blobs of/);
    assert.ok(fs.existsSync(path.join(blobs, theirs)), "the other database's blob stays");
  });
});
