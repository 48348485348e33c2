/** @module test/system-programs.test — a missing system program skips its tests with one line, or fails them in CI. */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { makeTempDir, repoRoot } from "./helpers.js";

const tsxLoader = pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
const helperUrl = pathToFileURL(join(repoRoot, "test", "system-programs.ts")).href;

interface Run {
  code: number | null;
  output: string;
}

/**
 * Runs node with tsx and `args` in `cwd`, with this process's variables plus `env`, less
 * BEAUTYSPOT_REQUIRE_ALL (CI's) and the test runner's own (a child `--test` would not run).
 */
function runNode(args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const { BEAUTYSPOT_REQUIRE_ALL: _all, NODE_TEST_CONTEXT: _context, ...inherited } = process.env;
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      ["--import", tsxLoader, ...args],
      { cwd, env: { ...inherited, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? null : 0;
        resolveRun({ code, output: stdout + stderr });
      },
    );
  });
}

/** A test file whose suite needs Chromium, the way the dashboard tests ask for it. */
function writeSuiteNeedingChromium(): { folder: string; file: string } {
  const folder = makeTempDir();
  const file = join(folder, "needs-chromium.test.mts");
  writeFileSync(
    file,
    `import { describe, it } from "node:test";
import { requireProgram } from ${JSON.stringify(helperUrl)};
describe("a suite in a browser", { skip: requireProgram("chromium") }, () => {
  it("runs in the browser", () => {});
});
`,
  );
  return { folder, file };
}

const spec = ["--test", "--test-reporter=spec"];

describe("tests that need a system program", () => {
  it("are skipped with one line naming the program and how to install it when it is missing", async () => {
    const { folder, file } = writeSuiteNeedingChromium();
    const run = await runNode([...spec, file], folder, { BEAUTYSPOT_CHROMIUM: "/nonexistent" });
    assert.equal(run.code, 0, run.output);
    const skipLines = run.output.split("\n").filter((line) => line.includes("need Chromium"));
    assert.equal(skipLines.length, 1, run.output);
    assert.match(skipLines[0] ?? "", /a suite in a browser .*# skipped: .* need Chromium/);
    assert.match(skipLines[0] ?? "", /apt-get install -y chromium/);
    assert.match(skipLines[0] ?? "", /BEAUTYSPOT_CHROMIUM=\/nonexistent does not work/);
    assert.doesNotMatch(run.output, /runs in the browser/);
  });

  it("fail the run when BEAUTYSPOT_REQUIRE_ALL=1 and the program is missing", async () => {
    const { folder, file } = writeSuiteNeedingChromium();
    const run = await runNode([...spec, file], folder, {
      BEAUTYSPOT_CHROMIUM: "/nonexistent",
      BEAUTYSPOT_REQUIRE_ALL: "1",
    });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /need Chromium/);
    assert.match(
      run.output,
      /BEAUTYSPOT_REQUIRE_ALL=1 \(set by \.ci\/run\) makes a missing program a failure/,
    );
    assert.match(run.output, /ℹ fail 1/);
  });

  it("run when the program is found, BEAUTYSPOT_REQUIRE_ALL=1 or not", async () => {
    const { folder, file } = writeSuiteNeedingChromium();
    // Any executable file passes the Chromium probe (launching it is the suite's business).
    const run = await runNode([...spec, file], folder, {
      BEAUTYSPOT_CHROMIUM: process.execPath,
      BEAUTYSPOT_REQUIRE_ALL: "1",
    });
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /✔ runs in the browser/);
    assert.match(run.output, /ℹ pass 1/);
  });
});

describe("the check npm test runs before the tests", () => {
  const script = join(repoRoot, "test", "system-programs.ts");
  const missingBoth = { BEAUTYSPOT_CHROMIUM: "/nonexistent", BEAUTYSPOT_PYTHON: "/nonexistent" };

  it("prints one line per missing program and lets the tests go on", async () => {
    const run = await runNode([script], makeTempDir(), missingBoth);
    assert.equal(run.code, 0, run.output);
    const lines = run.output.trim().split("\n");
    assert.equal(lines.length, 2, run.output);
    assert.match(lines[0] ?? "", /^skipped: .* need Chromium, .* `apt-get install -y chromium`/);
    assert.match(lines[1] ?? "", /^skipped: .* need Python 3 with msgpack, .* python3-msgpack/);
  });

  it("says the tests will fail under BEAUTYSPOT_REQUIRE_ALL=1, leaving the failing to them", async () => {
    const run = await runNode([script], makeTempDir(), {
      ...missingBoth,
      BEAUTYSPOT_REQUIRE_ALL: "1",
    });
    assert.equal(run.code, 0, run.output);
    const lines = run.output.trim().split("\n");
    assert.equal(lines.length, 2, run.output);
    assert.match(
      lines[0] ?? "",
      /^missing, so failing under BEAUTYSPOT_REQUIRE_ALL=1: .* Chromium/,
    );
  });

  it("prints nothing when every program is found", async () => {
    const folder = makeTempDir();
    // A program that succeeds at anything passes both probes.
    const standIn = join(folder, "succeeds");
    writeFileSync(standIn, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const run = await runNode([script], folder, {
      BEAUTYSPOT_CHROMIUM: standIn,
      BEAUTYSPOT_PYTHON: standIn,
      BEAUTYSPOT_REQUIRE_ALL: "1",
    });
    assert.equal(run.code, 0, run.output);
    assert.equal(run.output, "");
  });
});
