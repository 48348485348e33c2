/** @module test/demo.test — `npm run demo` run twice: the second run comes from the cache, and what it prints is true. */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { makeTempDir, repoRoot } from "./helpers.js";

const tsxLoader = pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Runs examples/demo.ts in `cwd` as `npm run demo` does, in a new process; returns its output. */
function runDemo(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(
      process.execPath,
      ["--import", tsxLoader, join(repoRoot, "examples", "demo.ts"), ...args],
      { cwd, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the demo failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolveRun(stdout);
      },
    );
  });
}

interface PipelineRun {
  ms: number;
  computed: number;
  fromCache: number;
}

/** The demo's pipeline lines: `… 553.9 ms   6 calls: 6 computed, 0 from the cache`. */
function readPipelineRuns(output: string): PipelineRun[] {
  return [...output.matchAll(/([\d.]+) ms +6 calls: (\d) computed, (\d) from the cache/g)].map(
    (match) => ({
      ms: Number(match[1]),
      computed: Number(match[2]),
      fromCache: Number(match[3]),
    }),
  );
}

/** Every workspace path the output names (`.beautyspot/…`). */
function readPrintedPaths(output: string): string[] {
  return [...output.matchAll(/\.beautyspot[^\s`'"),]*/g)].map((match) => match[0]);
}

function countRows(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM tasks").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("npm run demo, run twice in a fresh folder", () => {
  let folder: string;
  let first: string;
  let second: string;

  before(async () => {
    folder = makeTempDir("bs-demo-");
    first = await runDemo(folder);
    second = await runDemo(folder);
  });

  it("computes on the first run, then repeats the pipeline from the cache in the same process", () => {
    const runs = readPipelineRuns(first);
    assert.equal(runs.length, 2, first);
    assert.deepEqual(
      runs.map(({ computed, fromCache }) => [computed, fromCache]),
      [
        [6, 0],
        [0, 6],
      ],
    );
  });

  it("serves every call of the second run from the cache the first process stored, much faster", () => {
    const [computing] = readPipelineRuns(first);
    const runs = readPipelineRuns(second);
    assert.ok(computing && runs.length > 0, second);
    for (const run of runs) {
      assert.deepEqual([run.computed, run.fromCache], [0, 6], second);
      assert.ok(run.ms * 5 < computing.ms, `${run.ms} ms is not much faster than ${computing.ms}`);
    }
    assert.match(second, /stored by an earlier run/);
  });

  it("says how to start over, and starting over computes again", async () => {
    assert.match(first, /npm run demo -- --fresh/);
    assert.match(second, /npm run demo -- --fresh/);
    const fresh = await runDemo(folder, "--fresh");
    assert.equal(readPipelineRuns(fresh)[0]?.computed, 6, fresh);
  });

  it("prints only paths that exist", () => {
    for (const output of [first, second]) {
      const paths = readPrintedPaths(output);
      assert.ok(
        paths.some((path) => path.includes("blobs")),
        output,
      );
      for (const path of paths) assert.ok(existsSync(join(folder, path)), `${path} does not exist`);
    }
  });

  it("prints the number of results the database holds at the end", () => {
    const rows = countRows(join(folder, ".beautyspot", "demo.db"));
    for (const output of [first, second]) {
      const printed = output.match(/(\d+) results stored/);
      assert.equal(Number(printed?.[1]), rows, output);
    }
  });
});
