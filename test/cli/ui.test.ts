/** @module test/cli/ui — `beautyspot ui` refuses what every other command refuses, before it serves. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { makeTempDir, runCli } from "./run-cli.js";

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
