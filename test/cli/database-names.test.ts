/** @module test/cli/database-names — every command takes a database as `list` names it, or by its path. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { writeSampleCache } from "./fixtures.js";
import { makeTempDir, runCli } from "./run-cli.js";

/** A project whose workspace `.beautyspot` holds `demo.db` and `my_app.db`. */
async function makeProject(): Promise<{ cwd: string; key: string }> {
  const cwd = makeTempDir();
  await writeSampleCache(path.join(cwd, ".beautyspot"), "demo");
  await writeSampleCache(path.join(cwd, ".beautyspot"), "my_app");
  const listed = JSON.parse(runCli(["list", "demo", "--json"], cwd).stdout);
  return { cwd, key: listed.tasks[0].cacheKey };
}

describe("database names", () => {
  it("every command that takes a database accepts the name `list` prints", async () => {
    const { cwd, key } = await makeProject();
    const names = JSON.parse(runCli(["list", "--json"], cwd).stdout).databases.map(
      (database: { name: string }) => database.name,
    );
    assert.deepEqual(names, ["demo", "my_app"]);
    const demo = path.join(cwd, ".beautyspot", "demo.db");
    for (const args of [
      ["list", "demo", "--json"],
      ["show", "demo", key.slice(0, 8), "--json"],
      ["stats", "demo", "--json"],
      ["clear", "demo", "--dry-run", "--json"],
      ["clean", "demo", "--dry-run", "--json"],
      ["prune", "demo", "--days", "0", "--dry-run", "--json"],
    ]) {
      const result = runCli(args, cwd);
      assert.equal(result.status, 0, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stderr, "", args.join(" "));
      assert.equal(JSON.parse(result.stdout).database, demo, args.join(" "));
    }
  });

  it("says in the help of every command taking a database that a name works", () => {
    const cwd = makeTempDir();
    for (const command of ["list", "show", "stats", "clear", "clean", "prune", "ui"]) {
      const help = runCli([command, "--help"], cwd).stdout.replace(/\s+/g, " ");
      assert.ok(
        help.includes(
          "db a database: a name `beautyspot list` prints, the path of its .db file, or that path without .db",
        ),
        `${command}: ${help}`,
      );
      assert.ok(help.includes("-w, --workspace <folder>"), command);
    }
  });

  it("accepts the path of the file, the path without .db, and a name in another --workspace", async () => {
    const { cwd } = await makeProject();
    const elsewhere = path.join(cwd, "elsewhere");
    await writeSampleCache(elsewhere, "demo");
    for (const [args, expected] of [
      [["stats", ".beautyspot/demo.db", "--json"], path.join(cwd, ".beautyspot", "demo.db")],
      [["stats", ".beautyspot/demo", "--json"], path.join(cwd, ".beautyspot", "demo.db")],
      [["stats", "demo", "--workspace", "elsewhere", "--json"], path.join(elsewhere, "demo.db")],
      [["stats", "demo", "-w", elsewhere, "--json"], path.join(elsewhere, "demo.db")],
    ] as const) {
      const result = runCli(args, cwd);
      assert.equal(result.status, 0, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(JSON.parse(result.stdout).database, expected, args.join(" "));
    }
  });

  it("uses a file at the path as typed over the workspace database of that name, and says so", async () => {
    const { cwd } = await makeProject();
    fs.copyFileSync(path.join(cwd, ".beautyspot", "my_app.db"), path.join(cwd, "demo"));
    const result = runCli(["stats", "demo", "--json"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).database, path.join(cwd, "demo"));
    assert.equal(
      result.stderr,
      "beautyspot: using demo; demo also names .beautyspot/demo.db (pass that path to use it instead).\n",
    );
  });

  it("answers a name that matches nothing with the databases of the workspace (exit 2)", async () => {
    const { cwd } = await makeProject();
    const result = runCli(["show", "dmeo", "fc54"], cwd);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      "beautyspot: Database dmeo does not exist (nor does .beautyspot/dmeo.db or dmeo.db). Databases in .beautyspot: demo, my_app. Pass one of these names (as `beautyspot list` prints them) or the path of a .db file.\n",
    );
    assert.equal(
      runCli(["stats", ""], cwd).stderr,
      "beautyspot: The database argument is empty. Pass a name `beautyspot list` prints, the path of a .db file, or a postgres:// URI.\n",
    );
    const empty = makeTempDir();
    fs.mkdirSync(path.join(empty, ".beautyspot"));
    assert.match(
      runCli(["stats", "demo"], empty).stderr,
      /^beautyspot: Database demo does not exist \(nor does \.beautyspot\/demo\.db or demo\.db\)\. \.beautyspot holds no databases yet; --workspace <folder> looks in another\. Pass the path of a \.db file\.\n$/,
    );
  });
});
