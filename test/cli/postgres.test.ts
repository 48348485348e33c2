/**
 * @module test/cli/postgres.test — the built `beautyspot` command on a `postgres://` database:
 * every command that takes a database file takes the URI, as a real subprocess.
 */

import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Spot } from "../../src/index.js";
import { startPostgres, type TestPostgres } from "../servers/postgres.js";
import { requireProgram } from "../system-programs.js";
import { makeTempDir, runCli, startCli } from "./run-cli.js";

describe("beautyspot commands on a postgres:// database", {
  skip: requireProgram("postgresql"),
}, () => {
  let server: TestPostgres;

  before(async () => {
    server = await startPostgres();
  });

  after(async () => {
    await server?.stop();
  });

  /** A database with two functions' entries, one of them stored as a blob in `blobs`. */
  async function writeTeamCache() {
    const cwd = makeTempDir();
    const uri = await server.database();
    const blobs = path.join(cwd, "blobs");
    const spot = new Spot("team", { workspace: path.join(cwd, "ws"), db: uri, storage: blobs });
    const summarize = spot.mark(async function summarize(text: string) {
      return `summary of ${text}`;
    });
    const render = spot.mark(
      async function render(size: number) {
        return "r".repeat(size);
      },
      { saveBlob: true },
    );
    await summarize("alpha");
    await summarize("beta");
    await render(3000);
    const keys = { alpha: summarize.key("alpha"), render: render.key(3000) };
    await spot.shutdown();
    return { cwd, uri, blobs, keys };
  }

  it("list, stats and show read the database by its URI, and JSON never shows a password", async () => {
    const { cwd, uri, blobs, keys } = await writeTeamCache();
    const listed = runCli(["list", uri, "--json"], cwd);
    assert.equal(listed.status, 0, listed.stderr);
    const listing = JSON.parse(listed.stdout) as {
      database: string;
      tasks: { funcName: string }[];
    };
    assert.deepEqual(listing.tasks.map((entry) => entry.funcName).sort(), [
      "render",
      "summarize",
      "summarize",
    ]);
    const stats = runCli(["stats", uri, "--json"], cwd);
    assert.equal(stats.status, 0, stats.stderr);
    assert.equal((JSON.parse(stats.stdout) as { rows: number }).rows, 3);
    const shown = runCli(["show", uri, keys.alpha.slice(0, 10), "--json"], cwd);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /summary of alpha/);
    const blob = runCli(
      ["show", uri, keys.render.slice(0, 10), "--json", "--blob-dir", blobs],
      cwd,
    );
    assert.equal(blob.status, 0, blob.stderr);
    assert.match(blob.stdout, /rrrrrrrr/);
    const secret = uri.replace("postgres://postgres@", "postgres://postgres:hunter2@");
    const withPassword = runCli(["stats", secret, "--json"], cwd);
    assert.equal(withPassword.status, 0, withPassword.stderr);
    assert.doesNotMatch(withPassword.stdout, /hunter2/);
    // Messages too: they end up in terminals and CI logs.
    for (const args of [
      ["list", secret, "--func", "nothing_by_this_name"],
      ["show", secret, "ffffffffff"],
      ["clear", secret, "--func", "nothing_by_this_name", "-y"],
      ["why", secret, "ffffffffff"],
    ]) {
      const said = runCli(args, cwd);
      assert.match(`${said.stdout}${said.stderr}`, /postgres:\*\*\*@/, args.join(" "));
      assert.doesNotMatch(`${said.stdout}${said.stderr}`, /hunter2/, args.join(" "));
    }
  });

  it("clear, prune and clean change the database and its blob folder", async () => {
    const { cwd, uri, blobs } = await writeTeamCache();
    const pruned = runCli(["prune", uri, "--days", "1", "-y", "--json"], cwd);
    assert.equal(pruned.status, 0, pruned.stderr);
    const cleared = runCli(["clear", uri, "--func", "summarize", "-y", "--json"], cwd);
    assert.equal(cleared.status, 0, cleared.stderr);
    assert.equal((JSON.parse(cleared.stdout) as { removed: number }).removed, 2);
    const schema = decodeURIComponent(uri).split("search_path=")[1];
    await server.sql(`DELETE FROM ${schema}.tasks`);
    const noFolder = runCli(["clean", uri, "-y"], cwd);
    assert.equal(noFolder.status, 2);
    assert.match(noFolder.stderr, /pass the one its Spots use with --blob-dir/);
    const cleaned = runCli(
      ["clean", uri, "--blob-dir", blobs, "--grace", "0", "-y", "--json"],
      cwd,
    );
    assert.equal(cleaned.status, 0, cleaned.stderr);
    assert.equal((JSON.parse(cleaned.stdout) as { orphanBlobs: number }).orphanBlobs, 1);
  });

  it("refuses a database without beautyspot's tables, and an unreachable server, saying what to check", async () => {
    const cwd = makeTempDir();
    const empty = runCli(["list", await server.database()], cwd);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /has no beautyspot tables yet/);
    const nowhere = runCli(["stats", "postgres://someone:pw@127.0.0.1:1/cache"], cwd);
    assert.equal(nowhere.status, 1);
    assert.match(nowhere.stderr, /Check that the server runs/);
    assert.doesNotMatch(nowhere.stderr, /:pw@/);
  });

  it("gc removes the expired entries of a postgres:// database, with their blobs", async () => {
    const { cwd, uri, blobs } = await writeTeamCache();
    const schema = decodeURIComponent(uri).split("search_path=")[1];
    await server.sql(
      `UPDATE ${schema}.tasks SET expires_at = now() - interval '1 hour' WHERE func_name = 'render'`,
    );
    const preview = runCli(["gc", uri, "--blob-dir", blobs, "--dry-run", "--json"], cwd);
    assert.equal(preview.status, 0, preview.stderr);
    assert.equal((JSON.parse(preview.stdout) as { expiredRows: number }).expiredRows, 1);
    const collected = runCli(["gc", uri, "--blob-dir", blobs, "-y", "--json"], cwd);
    assert.equal(collected.status, 0, collected.stderr);
    assert.equal((JSON.parse(collected.stdout) as { expiredRows: number }).expiredRows, 1);
    const [row] = await server.sql(`SELECT COUNT(*)::int FROM ${schema}.tasks`);
    assert.deepEqual(row, [2]);
    const notUri = runCli(["gc", "my_app"], cwd);
    assert.equal(notUri.status, 2);
    assert.match(notUri.stderr, /gc takes a postgres:\/\/ URI or nothing/);
  });

  it("export, import and why work on URIs too", async () => {
    const { cwd, uri, keys } = await writeTeamCache();
    const exported = runCli(["export", uri, "--out", "team.spot", "--func", "summarize"], cwd);
    assert.equal(exported.status, 0, exported.stderr);
    const fresh = await server.database();
    const imported = runCli(["import", "team.spot", fresh, "--json"], cwd);
    assert.equal(imported.status, 0, imported.stderr);
    assert.equal((JSON.parse(imported.stdout) as { entries: number }).entries, 2);
    const listed = runCli(["list", fresh, "--json"], cwd);
    assert.equal((JSON.parse(listed.stdout) as { total: number }).total, 2);
    const why = runCli(["why", uri, keys.alpha.slice(0, 10)], cwd);
    assert.equal(why.status, 0, why.stderr);
  });

  it("ui serves the dashboard for the URI", async () => {
    const { cwd, uri } = await writeTeamCache();
    const child = startCli(["ui", uri, "--port", "0"], cwd);
    let both = "";
    const ready = new Promise<void>((resolve) => {
      const collect = (chunk: Buffer) => {
        both += chunk;
        if (both.includes("Ctrl+C")) resolve();
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await Promise.race([ready, exited]);
      const url = /https?:\/\/\S+/.exec(both)?.[0];
      assert.ok(url, both);
      const page = (await (await fetch(`${url}api/tasks`)).json()) as { rows: unknown[] };
      assert.equal(page.rows.length, 3);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
