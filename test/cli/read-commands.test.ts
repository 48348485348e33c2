/** @module test/cli/read-commands — list, show, stats and version, run as the real built command. */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Spot } from "../../src/index.js";
import { writePythonDatabase } from "../damaged-rows.js";
import { writeSampleCache } from "./fixtures.js";
import { cliPath, makeTempDir, runCli } from "./run-cli.js";

/** A temp project folder holding `.beautyspot/my_app.db`. */
async function makeProject(): Promise<{ cwd: string; db: string }> {
  const cwd = makeTempDir();
  await writeSampleCache(path.join(cwd, ".beautyspot"));
  return { cwd, db: path.join(".beautyspot", "my_app.db") };
}

/** The full key of the first entry of `func`, read through the CLI's own JSON. */
function findKey(cwd: string, db: string, func: string): string {
  const listed = JSON.parse(runCli(["list", db, "--func", func, "--json"], cwd).stdout);
  return listed.tasks[0].cacheKey;
}

describe("beautyspot list", () => {
  it("lists every database of the workspace with its entry count when no database is given", async () => {
    const cwd = makeTempDir();
    const workspace = path.join(cwd, ".beautyspot");
    await writeSampleCache(workspace, "my_app");
    await writeSampleCache(workspace, "scraper");
    const spot = new Spot("tiny", { workspace });
    await spot.mark(async (n: number) => n, { name: "double" })(1);
    await spot.shutdown();

    const result = runCli(["list"], cwd);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split("\n");
    assert.match(lines[0] ?? "", /^DATABASE\s+PATH\s+SIZE\s+ENTRIES\s+LAST UPDATE/);
    assert.match(result.stdout, /^my_app\s+\S+my_app\.db\s+[\d.]+ KB\s+6\s+\d{4}-/m);
    assert.match(result.stdout, /^scraper\s+\S+scraper\.db\s+[\d.]+ KB\s+6\s/m);
    assert.match(result.stdout, /^tiny\s+\S+tiny\.db\s+[\d.]+ KB\s+1\s/m);
    assert.doesNotMatch(result.stdout, /[┌│─]/, "piped output has no borders");
    assert.ok(!result.stdout.includes("\u001b["), "piped output has no colour");

    const json = JSON.parse(runCli(["list", "--json"], cwd).stdout);
    assert.deepEqual(
      json.databases.map((database: { name: string; rows: number }) => [
        database.name,
        database.rows,
      ]),
      [
        ["my_app", 6],
        ["scraper", 6],
        ["tiny", 1],
      ],
    );
  });

  it("reads another workspace with --workspace", async () => {
    const cwd = makeTempDir();
    await writeSampleCache(path.join(cwd, "elsewhere"), "other");
    const result = runCli(["list", "--workspace", "elsewhere", "--json"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      JSON.parse(result.stdout).databases.map((database: { name: string }) => database.name),
      ["other"],
    );
  });

  it("says so, and succeeds, for a workspace without databases", () => {
    const cwd = makeTempDir();
    fs.mkdirSync(path.join(cwd, ".beautyspot"));
    const result = runCli(["list"], cwd);
    assert.equal(result.status, 0);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /No databases in \.beautyspot/);
  });

  it("lists the entries of one database, newest first, with short keys", async () => {
    const { cwd, db } = await makeProject();
    const result = runCli(["list", db], cwd);
    assert.equal(result.status, 0, result.stderr);
    const rows = result.stdout.trim().split("\n").slice(1);
    assert.equal(rows.length, 6);
    assert.match(rows[0] ?? "", /^[0-9a-f]{12}\s+profile\s+inline\s+-\s+\d+ B/);
    assert.match(result.stdout, /render\s+blob\s+image\/png/);
    assert.match(result.stderr, /Entries 1-6 of 6\./);
  });

  it("filters by function, by short name or full identity alike", async () => {
    const { cwd, db } = await makeProject();
    for (const func of ["render", "pages.render"]) {
      const json = JSON.parse(runCli(["list", db, "--func", func, "--json"], cwd).stdout);
      assert.equal(json.total, 2, func);
      assert.ok(
        json.tasks.every(
          (task: { funcIdentifier: string }) => task.funcIdentifier === "pages.render",
        ),
      );
    }
  });

  it("pages with --limit and --offset", async () => {
    const { cwd, db } = await makeProject();
    const json = JSON.parse(
      runCli(["list", db, "--limit", "4", "--offset", "4", "--json"], cwd).stdout,
    );
    assert.equal(json.total, 6);
    assert.equal(json.tasks.length, 2);
  });
});

describe("beautyspot show", () => {
  it("prints the metadata and the decoded text of an entry found by a key prefix", async () => {
    const { cwd, db } = await makeProject();
    const key = findKey(cwd, db, "summarize");
    const result = runCli(["show", db, key.slice(0, 10)], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Key:\\s+${key}$`, "m"));
    assert.match(result.stdout, /^Function:\s+summarize \(summarize\)$/m);
    assert.match(result.stdout, /^Content type:\s+text\/markdown$/m);
    assert.match(result.stdout, /^# Summary\n\n\w+ in short\.$/m);
  });

  it("summarizes a binary value with its size and type, and dumps it as hex with --raw", async () => {
    const { cwd, db } = await makeProject();
    const key = findKey(cwd, db, "render");
    const summary = runCli(["show", db, key], cwd);
    assert.equal(summary.status, 0, summary.stderr);
    assert.match(summary.stdout, /<binary 12 B, PNG image>/);
    assert.doesNotMatch(summary.stdout, /89 50 4e 47/);
    const raw = runCli(["show", db, key, "--raw"], cwd);
    assert.match(raw.stdout, /^00000000 {2}89 50 4e 47 0d 0a 1a 0a 01 02 03 0[12] .*\|\.PNG/m);
  });

  it("prints JSON that keeps sets, dates, bigints and bytes recognisable", async () => {
    const { cwd, db } = await makeProject();
    const profile = JSON.parse(
      runCli(["show", db, findKey(cwd, db, "profile"), "--json"], cwd).stdout,
    );
    assert.equal(profile.record.funcName, "profile");
    assert.equal(profile.rescued, false);
    assert.deepEqual(profile.value, {
      user: "ada",
      tags: { $type: "set", values: ["a", "b"] },
      joined: { $type: "date", value: "1970-01-01T00:00:00.000Z" },
      score: { $type: "bigint", value: "10" },
    });
    const image = JSON.parse(
      runCli(["show", db, findKey(cwd, db, "render"), "--json"], cwd).stdout,
    );
    assert.equal(image.value.$type, "binary");
    assert.equal(image.value.detected, "PNG image");
    assert.equal(
      Buffer.from(image.value.base64, "base64").subarray(0, 4).toString("hex"),
      "89504e47",
    );
  });

  it("marks a value whose class is unknown to the CLI as rescued raw data", async () => {
    const cwd = makeTempDir();
    const workspace = path.join(cwd, ".beautyspot");
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const spot = new Spot("shapes", { workspace });
    spot.register(Point, {
      code: 20,
      encode: (point: Point) => [point.x, point.y],
      decode: (data: unknown) => new Point(...(data as [number, number])),
    });
    await spot.mark(async (x: number) => new Point(x, x * 2), { name: "point" })(3);
    await spot.shutdown();
    const db = path.join(".beautyspot", "shapes.db");
    const key = findKey(cwd, db, "point");

    const result = runCli(["show", db, key], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /RESCUED RAW DATA/);
    assert.match(result.stdout, /code: 20/);
    assert.match(result.stdout, /\[ 3, 6 \]/);
    const json = JSON.parse(runCli(["show", db, key, "--json"], cwd).stdout);
    assert.equal(json.rescued, true);
  });
});

describe("show of a long value", () => {
  /** A cache whose one entry is a 190 KB text of 8,000 lines. */
  async function writeLongValue(): Promise<{ cwd: string; key: string; text: string }> {
    const cwd = makeTempDir();
    const spot = new Spot("long", { workspace: path.join(cwd, ".beautyspot") });
    const text = Array.from(
      { length: 8000 },
      (_, index) => `line ${String(index).padStart(4, "0")} of a long report`,
    ).join("\n");
    await spot.mark(async () => text, { name: "report" })();
    await spot.shutdown();
    const listed = JSON.parse(runCli(["list", "long", "--json"], cwd).stdout);
    return { cwd, key: listed.tasks[0].cacheKey, text };
  }

  /** Runs the built command on a real terminal (a pseudo-terminal made by `script`). */
  function runOnTerminal(command: string, cwd: string): string {
    const result = spawnSync(
      "script",
      ["-qec", `"${process.execPath}" "${cliPath}" ${command}`, "/dev/null"],
      { cwd, encoding: "utf8", env: { ...process.env, TERM: "xterm-256color", NO_COLOR: "1" } },
    );
    assert.equal(result.status, 0, result.stdout);
    return result.stdout.replace(/\r\n/g, "\n");
  }

  it("is cut to a screenful on a terminal, with a note saying how much more there is and how to see it", async () => {
    const { cwd, key, text } = await writeLongValue();
    assert.ok(text.length > 190_000);
    const shown = runOnTerminal(`show long ${key.slice(0, 10)}`, cwd);
    assert.ok(shown.includes("line 0000 of a long report\n"), shown);
    assert.ok(shown.includes("line 0039 of a long report\n"), shown);
    assert.ok(!shown.includes("line 0040"), "the 41st line is cut");
    assert.ok(shown.split("\n").length < 60, `${shown.split("\n").length} lines`);
    assert.match(
      shown,
      /\n… 7,960 more lines not shown \(\d+\.\d KB in all\); --full prints everything \(or --raw, --json, or pipe the output\)\.\n$/,
    );
    const full = runOnTerminal(`show long ${key.slice(0, 10)} --full`, cwd);
    assert.ok(full.endsWith("line 7999 of a long report\n"), full.slice(-200));
    assert.ok(!full.includes("not shown"));
  });

  it("is printed whole into a pipe, for scripts", async () => {
    const { cwd, key, text } = await writeLongValue();
    const result = runCli(["show", "long", key.slice(0, 10)], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.ok(result.stdout.endsWith(`\n\n${text}\n`));
  });
});

describe("beautyspot stats", () => {
  it("prints totals, per-function and per-content-type tables", async () => {
    const { cwd, db } = await makeProject();
    const result = runCli(["stats", db], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^ {2}Entries: {2}6$/m);
    assert.match(result.stdout, /^ {2}Expired: {2}0$/m);
    assert.match(result.stdout, /^summarize\s+3\s+\d+ B\s+0\s+0\.0%\s+0 ms\s+not recorded$/m);
    assert.match(result.stdout, /^pages\.render\s+2\s+\d+ B\s+0\s+0\.0%/m);
    assert.match(result.stdout, /^image\/png\s+2\s+\d+ B$/m);
  });

  it("prints the same numbers as JSON", async () => {
    const { cwd, db } = await makeProject();
    const stats = JSON.parse(runCli(["stats", db, "--json"], cwd).stdout);
    assert.equal(stats.rows, 6);
    assert.equal(stats.expired, 0);
    assert.equal(stats.byFunction.summarize.rows, 3);
    assert.equal(stats.byContentType["text/markdown"].rows, 3);
    assert.ok(stats.blobBytes > 0);
  });
});

describe("beautyspot stats: what the cache saved", () => {
  /** 3 misses of a function that sleeps `SLEEP_MS`, then 5 hits, in a project folder. */
  async function makeKnownCalls(): Promise<{ cwd: string; db: string }> {
    const cwd = makeTempDir();
    const spot = new Spot("known", { workspace: path.join(cwd, ".beautyspot") });
    const slow = spot.mark(
      async function slow(n: number) {
        await new Promise((resolve) => setTimeout(resolve, SLEEP_MS));
        return { n, usage: { total_tokens: 100 * n } };
      },
      { tokensOf: (result) => (result as { usage: { total_tokens: number } }).usage.total_tokens },
    );
    for (const n of [1, 2, 3]) await slow(n);
    for (const n of [1, 1, 2, 3, 3]) await slow(n);
    await spot.shutdown();
    return { cwd, db: path.join(".beautyspot", "known.db") };
  }
  const SLEEP_MS = 40;

  it("gives hits, hit rate, time and tokens saved per function and in total as JSON", async () => {
    const { cwd, db } = await makeKnownCalls();
    const result = runCli(["stats", db, "--json"], cwd);
    assert.equal(result.status, 0, result.stderr);
    const stats = JSON.parse(result.stdout);
    const slow = stats.byFunction.slow;
    assert.equal(slow.rows, 3);
    assert.equal(slow.hits, 5);
    assert.equal(slow.hitRate, 5 / 8);
    // Hits: 2 on n=1, 1 on n=2, 2 on n=3 → tokens 2×100 + 1×200 + 2×300.
    assert.equal(slow.tokensSaved, 1000);
    assert.ok(slow.timeSavedMs >= 5 * (SLEEP_MS - 2), `time saved ${slow.timeSavedMs}`);
    assert.equal(slow.timedRows, 3);
    assert.deepEqual(
      [stats.hits, stats.hitRate, stats.tokensSaved, stats.timeSavedMs],
      [5, 5 / 8, 1000, slow.timeSavedMs],
    );
  });

  it("prints them as a table, and the totals above it", async () => {
    const { cwd, db } = await makeKnownCalls();
    const result = runCli(["stats", db], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^ {2}Hits: {5}5 \(hit rate 62\.5%\)$/m);
    assert.match(result.stdout, /^ {2}Saved: {4}\d+ ms of calls, 1,000 tokens$/m);
    assert.match(
      result.stdout,
      /^FUNCTION\s+ENTRIES\s+SIZE\s+HITS\s+HIT RATE\s+TIME SAVED\s+TOKENS SAVED$/m,
    );
    assert.match(result.stdout, /^slow\s+3\s+\d+ B\s+5\s+62\.5%\s+\d+ ms\s+1,000$/m);
  });

  it('says "not recorded" for entries the Python library wrote', () => {
    const cwd = makeTempDir();
    writePythonDatabase(cwd, "legacy");
    const result = runCli(["stats", "legacy.db"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^ {2}Saved: {4}not recorded of calls, not recorded tokens$/m);
    assert.match(
      result.stdout,
      /^__main__\.render\s+2\s+[\d.]+ KB\s+0\s+0\.0%\s+not recorded\s+not recorded$/m,
    );
  });
});

describe("beautyspot version and help", () => {
  it("prints the package version", () => {
    const manifest = JSON.parse(
      fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    );
    const cwd = makeTempDir();
    for (const args of [["version"], ["--version"]]) {
      const result = runCli(args, cwd);
      assert.equal(result.status, 0);
      assert.equal(result.stdout, `${manifest.version}\n`);
    }
  });

  it("shows examples in the help of every command", () => {
    const cwd = makeTempDir();
    for (const command of [
      "list",
      "show",
      "stats",
      "clear",
      "clean",
      "gc",
      "prune",
      "ui",
      "version",
    ]) {
      const result = runCli([command, "--help"], cwd);
      assert.equal(result.status, 0, command);
      assert.match(result.stdout, /Examples:\n {2}# .+\n {2}\$ beautyspot /, command);
    }
  });
});
