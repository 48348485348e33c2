/** @module test/cli/ui — `beautyspot ui` refuses what every other command refuses, before it serves. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { writeSampleCache } from "./fixtures.js";
import { makeTempDir, runCli, startCli } from "./run-cli.js";

describe("beautyspot ui on a file that is not a beautyspot database", () => {
  it("refuses a zero-byte .db file without writing a tasks table into it (exit 1)", () => {
    const cwd = makeTempDir();
    const file = path.join(cwd, "empty.db");
    fs.writeFileSync(file, "");
    const result = runCli(["ui", "empty.db", "--port", "0"], cwd);
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /empty\.db is not a beautyspot database: it has no `tasks` table/);
    assert.equal(fs.statSync(file).size, 0);
    // Every other command still gives the same answer: nothing was written.
    assert.match(
      runCli(["stats", "empty.db"], cwd).stderr,
      /empty\.db is not a beautyspot database: it has no `tasks` table/,
    );
  });

  it("refuses an empty SQLite database without creating tables in it (exit 1)", () => {
    const cwd = makeTempDir();
    const file = path.join(cwd, "blank.db");
    const blank = new Database(file);
    blank.pragma("user_version = 0");
    blank.exec("VACUUM");
    blank.close();
    const result = runCli(["ui", "blank.db", "--port", "0"], cwd);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /blank\.db is not a beautyspot database/);
    const reopened = new Database(file, { readonly: true });
    const tables = reopened.prepare("SELECT name FROM sqlite_master").pluck().all();
    reopened.close();
    assert.deepEqual(tables, []);
  });
});

describe("beautyspot ui on a network address", () => {
  it("says that other machines can read and that deletions need --allow-remote-delete", async () => {
    const cwd = makeTempDir();
    await writeSampleCache(path.join(cwd, ".beautyspot"));
    const db = path.join(".beautyspot", "my_app.db");
    for (const [flags, expected] of [
      [[], /deletions are accepted only from this machine/],
      [["--allow-remote-delete"], /read every cached value and delete entries/],
    ] as const) {
      const child = startCli(["ui", db, "--port", "0", "--host", "0.0.0.0", ...flags], cwd);
      let stdout = "";
      let both = "";
      // "Press Ctrl+C" comes once the command listens for the signal that stops it.
      const ready = new Promise<void>((resolve) => {
        const collect = (chunk: Buffer, toStdout: boolean) => {
          if (toStdout) stdout += chunk;
          both += chunk;
          if (both.includes("Ctrl+C")) resolve();
        };
        child.stdout.on("data", (chunk: Buffer) => collect(chunk, true));
        child.stderr.on("data", (chunk: Buffer) => collect(chunk, false));
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      await Promise.race([ready, exited]);
      // One request through the dashboard first, as a user would, before Ctrl+C.
      const url = /https?:\/\/\S+/.exec(stdout)?.[0];
      assert.ok(url, stdout);
      assert.equal((await fetch(url)).status, 200);
      child.kill("SIGINT");
      assert.equal(await exited, 0);
      assert.match(stdout, /Warning: the dashboard listens on 0\.0\.0\.0/);
      assert.match(stdout, expected);
    }
  });
});
