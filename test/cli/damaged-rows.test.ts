/**
 * @module test/cli/damaged-rows.test — the built CLI on databases with one damaged row, with a value
 * nested thousands deep, and on a database the Python library wrote (read, never changed).
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import {
  addDamagedRow,
  copyFirstRow,
  DAMAGED_KEY,
  DAMAGES,
  encodeNestedArrays,
  PYTHON_KEYS,
  replaceValueBytes,
  writeGoodEntries,
  writePythonDatabase,
} from "../damaged-rows.js";
import { makeTempDir, requireBuiltCli, runCli } from "./run-cli.js";

function assertSucceeded(result: ReturnType<typeof runCli>, what: string): void {
  assert.equal(result.status, 0, `${what} failed:\n${result.stderr}${result.stdout}`);
}

describe("CLI on a database with one damaged row", () => {
  before(requireBuiltCli);

  for (const name of ["updated_at beyond what a Date holds", "size 2^63-1"]) {
    const damage = DAMAGES[name];
    assert.ok(damage !== undefined);
    it(`${name}: list, show, stats, prune and gc work, and the bad field is shown as invalid`, async () => {
      const workspace = makeTempDir();
      const dbPath = await writeGoodEntries(path.join(workspace, ".beautyspot"));
      addDamagedRow(dbPath, damage);
      const cwd = workspace;
      const db = path.relative(cwd, dbPath);

      const list = runCli(["list", db], cwd);
      assertSucceeded(list, "list");
      const damagedLine = list.stdout.split("\n").find((line) => line.startsWith("dead0000"));
      assert.match(damagedLine ?? "", /invalid/);
      assert.match(list.stderr, /1 entry has fields that hold no usable value/);

      const listJson = JSON.parse(runCli(["list", db, "--json"], cwd).stdout) as {
        tasks: { cacheKey: string; problems?: Record<string, string> }[];
      };
      assert.equal(listJson.tasks.length, 4);
      const record = listJson.tasks.find((task) => task.cacheKey === DAMAGED_KEY);
      assert.match(record?.problems?.[damage.field] ?? "", new RegExp(damage.column));

      const show = runCli(["show", db, "dead"], cwd);
      assertSucceeded(show, "show");
      assert.match(show.stdout, new RegExp(`DAMAGED ROW: ${damage.column} holds`));
      assert.match(show.stdout, /\{ n: 0 \}/);

      const stats = runCli(["stats", db, "--json"], cwd);
      assertSucceeded(stats, "stats");
      const totals = JSON.parse(stats.stdout) as { rows: number; bytes: number };
      assert.equal(totals.rows, 4);
      assert.ok(totals.bytes > 0 && totals.bytes < 1000, String(totals.bytes));

      const databases = runCli(["list"], cwd);
      assertSucceeded(databases, "list of the workspace");
      assert.match(databases.stdout, /app .* 4 /);
      assert.doesNotMatch(databases.stdout, /100000000000000000000/);

      assertSucceeded(runCli(["prune", db, "--days", "0", "--dry-run"], cwd), "prune --dry-run");
      assertSucceeded(runCli(["gc", "--dry-run"], cwd), "gc --dry-run");
      assertSucceeded(runCli(["clear", db, "-y"], cwd), "clear");
      assert.match(runCli(["list", db], cwd).stderr, /No entries/);
      fs.rmSync(workspace, { recursive: true, force: true });
    });
  }

  it("show prints a value nested 3,000 deep to level 100 with a note, in text and JSON", async () => {
    const workspace = makeTempDir();
    const dbPath = await writeGoodEntries(workspace, "app", 1);
    const key = copyFirstRow(dbPath);
    replaceValueBytes(dbPath, key, encodeNestedArrays(3000));

    const show = runCli(["show", dbPath, "dead"], workspace);
    assertSucceeded(show, "show");
    assert.match(show.stdout, /\[nested deeper than 100 levels; shown to level 100\]/);

    const json = runCli(["show", dbPath, "dead", "--json"], workspace);
    assertSucceeded(json, "show --json");
    let node = (JSON.parse(json.stdout) as { value: unknown }).value;
    let levels = 0;
    while (Array.isArray(node)) {
      levels += 1;
      node = node[0];
    }
    assert.equal(levels, 100);
    assert.deepEqual(node, {
      $type: "truncated",
      reason: "[nested deeper than 100 levels; shown to level 100]",
    });
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it("show of a value nested 100,000 deep says it is nested too deeply to decode and shows its bytes", async () => {
    const workspace = makeTempDir();
    const dbPath = await writeGoodEntries(workspace, "app", 1);
    replaceValueBytes(dbPath, copyFirstRow(dbPath), encodeNestedArrays(100_000));
    const show = runCli(["show", dbPath, "dead"], workspace);
    assertSucceeded(show, "show");
    assert.match(show.stdout, /RESCUED RAW DATA: .*nested too deeply to decode/);
    assert.match(show.stdout, /<binary 97\.7 KB/);
    assertSucceeded(runCli(["list", dbPath], workspace), "list");
    fs.rmSync(workspace, { recursive: true, force: true });
  });
});

describe("CLI on a database the Python library wrote", () => {
  before(requireBuiltCli);

  it("list, show, stats and gc --dry-run read it without changing a byte; stats sizes blobs from their files", () => {
    const workspace = makeTempDir();
    const dbPath = writePythonDatabase(path.join(workspace, ".beautyspot"));
    const before = fs.readFileSync(dbPath);
    const modifiedBefore = fs.statSync(dbPath).mtimeMs;

    const stats = runCli(["stats", dbPath, "--json"], workspace);
    assertSucceeded(stats, "stats");
    const totals = JSON.parse(stats.stdout) as {
      rows: number;
      bytes: number;
      inlineBytes: number;
      blobBytes: number;
    };
    assert.deepEqual(
      [totals.rows, totals.bytes, totals.inlineBytes, totals.blobBytes],
      [3, 3504, 4, 3500],
    );
    assertSucceeded(runCli(["stats", dbPath], workspace), "stats");
    assertSucceeded(runCli(["list", dbPath], workspace), "list");
    assertSucceeded(runCli(["list"], workspace), "list of the workspace");
    assertSucceeded(runCli(["show", dbPath, PYTHON_KEYS.blob.slice(0, 8)], workspace), "show");
    const gc = runCli(["gc", "--dry-run"], workspace);
    assertSucceeded(gc, "gc --dry-run");
    assert.match(gc.stdout, /Nothing to collect/);

    assert.deepEqual(fs.readFileSync(dbPath), before);
    assert.equal(fs.statSync(dbPath).mtimeMs, modifiedBefore);
    assert.equal(fs.existsSync(`${dbPath}-wal`), false);
    fs.rmSync(workspace, { recursive: true, force: true });
  });
});
