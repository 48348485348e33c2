/** @module test/cli/bad-input — every bad input gets one actionable line and the right exit code. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { countEntries, writeSampleCache } from "./fixtures.js";
import { type CliResult, makeTempDir, runCli, startCli } from "./run-cli.js";

/** Asserts a failure: the exit code, nothing on stdout, one line on stderr matching `message`. */
function assertFailure(result: CliResult, status: number, message: RegExp): void {
  assert.equal(result.status, status, `exit code (stderr: ${result.stderr})`);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, `one line: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  assert.match(result.stderr, message);
}

async function makeProject(): Promise<{ cwd: string; db: string }> {
  const cwd = makeTempDir();
  await writeSampleCache(path.join(cwd, ".beautyspot"));
  return { cwd, db: path.join(".beautyspot", "my_app.db") };
}

describe("bad input", () => {
  it("names a database path that does not exist (exit 2), for every command that takes one", () => {
    const cwd = makeTempDir();
    for (const args of [
      ["list", "missing.db"],
      ["show", "missing.db", "abc"],
      ["stats", "missing.db"],
      ["clear", "missing.db", "-y"],
      ["clean", "missing.db", "-y"],
      ["prune", "missing.db", "--days", "1", "-y"],
      ["ui", "missing.db"],
    ]) {
      assertFailure(
        runCli(args, cwd),
        2,
        /^beautyspot: Database missing\.db does not exist \(nor does \.beautyspot\/missing\.db\)\. There is no workspace folder \.beautyspot here; --workspace <folder> looks in another\. Pass the path of a \.db file\./,
      );
    }
  });

  it("names a workspace that does not exist (exit 2)", () => {
    const cwd = makeTempDir();
    assertFailure(
      runCli(["list"], cwd),
      2,
      /No beautyspot workspace at \.beautyspot: the folder does not exist\..*--workspace/,
    );
    assertFailure(
      runCli(["gc", "--workspace", "nowhere", "-y"], cwd),
      2,
      /No beautyspot workspace at nowhere/,
    );
  });

  it("refuses a file that is not a SQLite database (exit 1)", () => {
    const cwd = makeTempDir();
    fs.writeFileSync(
      path.join(cwd, "notes.db"),
      "just some text, not a database at all ".repeat(40),
    );
    assertFailure(
      runCli(["stats", "notes.db"], cwd),
      1,
      /notes\.db is not a SQLite database .*cannot be a beautyspot database/,
    );
  });

  it("refuses another program's SQLite database without changing it (exit 1)", () => {
    const cwd = makeTempDir();
    const file = path.join(cwd, "other.db");
    const foreign = new Database(file);
    foreign.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
    foreign.close();
    for (const args of [
      ["show", "other.db", "ab"],
      ["clear", "other.db", "-y"],
    ]) {
      assertFailure(
        runCli(args, cwd),
        1,
        /other\.db is not a beautyspot database \(no `tasks` table; it has tables users\)/,
      );
    }
    const reopened = new Database(file, { readonly: true });
    const tables = reopened
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all();
    reopened.close();
    assert.deepEqual(tables, ["users"]);
  });

  it("refuses an empty file without turning it into a database (exit 1)", () => {
    const cwd = makeTempDir();
    fs.writeFileSync(path.join(cwd, "empty.db"), "");
    assertFailure(
      runCli(["clear", "empty.db", "-y"], cwd),
      1,
      /empty\.db is not a beautyspot database: it has no `tasks` table/,
    );
    assert.equal(fs.statSync(path.join(cwd, "empty.db")).size, 0);
  });

  it("lists the candidates of an ambiguous key prefix (exit 2)", async () => {
    const { cwd, db } = await makeProject();
    const keys: string[] = JSON.parse(runCli(["list", db, "--json"], cwd).stdout).tasks.map(
      (task: { cacheKey: string }) => task.cacheKey,
    );
    // Six random keys: find the longest prefix that at least two of them share.
    let shared = "";
    for (const key of keys) {
      for (const other of keys) {
        if (key === other) continue;
        let length = 0;
        while (key[length] === other[length]) length += 1;
        if (length > shared.length) shared = key.slice(0, length);
      }
    }
    if (shared === "") {
      // No two keys share even a first character: the empty prefix is refused instead.
      assertFailure(runCli(["show", db, ""], cwd), 2, /is not a cache key prefix/);
      return;
    }
    const candidates = keys.filter((key) => key.startsWith(shared));
    const result = runCli(["show", db, shared], cwd);
    assertFailure(
      result,
      2,
      new RegExp(`Key prefix ${shared} is ambiguous: it matches ${candidates.length} entries`),
    );
    for (const candidate of candidates) assert.ok(result.stderr.includes(candidate), candidate);
  });

  it("says when no key starts with the prefix (exit 2)", async () => {
    const { cwd, db } = await makeProject();
    const keys: string[] = JSON.parse(runCli(["list", db, "--json"], cwd).stdout).tasks.map(
      (task: { cacheKey: string }) => task.cacheKey,
    );
    const unused = "0123456789abcdef"
      .split("")
      .find((digit) => keys.every((key) => !key.startsWith(digit)));
    assert.ok(unused !== undefined);
    assertFailure(
      runCli(["show", db, `${unused}${unused}`], cwd),
      2,
      /No entry in .* has a key starting with/,
    );
    assertFailure(
      runCli(["show", db, "not-hex"], cwd),
      2,
      /is not a cache key prefix: keys are hexadecimal/,
    );
  });

  it("lists the known functions for an unknown --func of list, suggesting a close one (exit 2)", async () => {
    const { cwd, db } = await makeProject();
    assertFailure(
      runCli(["list", db, "--func", "summarise"], cwd),
      2,
      /^beautyspot: No function named "summarise" in .*my_app\.db\. Did you mean summarize\? Known functions: render \(pages\.render\), profile, summarize\. Pass one of them \(short name or identity\) to --func\.\n$/,
    );
    assertFailure(
      runCli(["list", db, "--func", "scrape"], cwd),
      2,
      /^beautyspot: No function named "scrape" in .*my_app\.db\. Known functions: /,
    );
  });

  it("refuses a negative --days (exit 2)", async () => {
    const { cwd, db } = await makeProject();
    for (const days of ["-1", "-0.5"]) {
      assertFailure(
        runCli(["prune", db, "--days", days, "-y"], cwd),
        2,
        /option '--days <n>' argument '-0?\.?\d+' is invalid\. Expected a number of days >= 0, such as 30 or 0\.5, got -0?\.?\d+\. Pass 0 to remove everything written before now\..*beautyspot prune --help/,
      );
    }
    assertFailure(
      runCli(["prune", db, "--days", "soon", "-y"], cwd),
      2,
      /Expected a number of days/,
    );
    assertFailure(
      runCli(["prune", db, "-y"], cwd),
      2,
      /required option '--days <n>' not specified\./,
    );
    assert.equal(await countEntries(path.join(cwd, db)), 6);
  });

  it("points unknown commands and options to the help (exit 2)", () => {
    const cwd = makeTempDir();
    assertFailure(
      runCli(["frobnicate"], cwd),
      2,
      /unknown command 'frobnicate'\. Run `beautyspot --help`/,
    );
    assertFailure(
      runCli(["stats", "x.db", "--bogus"], cwd),
      2,
      /unknown option '--bogus'\. Run `beautyspot stats --help`/,
    );
    assertFailure(
      runCli(["ui", "x.db", "--port", "70000"], cwd),
      2,
      /Expected a port number from 0 to 65535, got 70000\./,
    );
  });

  it("keeps commander's suggestion on the line of the error", () => {
    const cwd = makeTempDir();
    assertFailure(
      runCli(["lst"], cwd),
      2,
      /^error: unknown command 'lst'\. Did you mean list\? Run `beautyspot --help` for usage\.\n$/,
    );
    assertFailure(
      runCli(["list", "--limitt", "3"], cwd),
      2,
      /^error: unknown option '--limitt'\. Did you mean --limit\? Run `beautyspot list --help` for usage\.\n$/,
    );
  });

  it("states the bounds of every numeric option the same way, with what was typed", () => {
    const cwd = makeTempDir();
    const cases: [string[], string][] = [
      [
        ["list", "--limit", "abc"],
        "'--limit <n>' argument 'abc' is invalid. Expected a whole number >= 1, got abc.",
      ],
      [
        ["list", "--limit", "0"],
        "'--limit <n>' argument '0' is invalid. Expected a whole number >= 1, got 0.",
      ],
      [["list", "--limit", "2.5"], "Expected a whole number >= 1, got 2.5."],
      [["list", "x.db", "--offset", "-1"], "Expected a whole number >= 0, got -1."],
      [["list", "x.db", "--offset", "0x10"], "Expected a whole number >= 0, got 0x10."],
      [["clean", "x.db", "--grace", "soon"], "Expected a whole number of seconds >= 0, got soon."],
      [["gc", "--grace", "-5"], "Expected a whole number of seconds >= 0, got -5."],
      [
        ["prune", "x.db", "--days", "soon"],
        "Expected a number of days >= 0, such as 30 or 0.5, got soon.",
      ],
      [["ui", "x.db", "--port", "http"], "Expected a port number from 0 to 65535, got http."],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args, cwd);
      assertFailure(result, 2, /^error: option '--[a-z]+ <[a-z]+>' argument .* is invalid\./);
      assert.ok(result.stderr.includes(message), `${args.join(" ")}: ${result.stderr}`);
    }
  });
});

describe("beautyspot ui", () => {
  it("serves the dashboard until interrupted, or says clearly that this build has none", async () => {
    const { cwd, db } = await makeProject();
    const child = startCli(["ui", db, "--port", "0"], cwd);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    const started = new Promise<string>((resolve) => {
      child.stdout.on("data", () => {
        const url = /https?:\/\/\S+/.exec(stdout)?.[0];
        if (url !== undefined) resolve(url);
      });
    });
    const first = await Promise.race([started, exited.then(() => undefined)]);
    if (first === undefined) {
      // A build without a working dashboard: one clear line and exit code 1.
      assert.equal(await exited, 1);
      assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
      assert.match(stderr, /^beautyspot: The dashboard/);
      return;
    }
    const response = await fetch(first);
    assert.equal(response.status, 200);
    child.kill("SIGINT");
    assert.equal(await exited, 0, stderr);
  });
});
