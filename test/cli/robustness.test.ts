/** @module test/cli/robustness — hostile stored text, closed pipes, locked databases, ambiguous names and unusable workspaces. */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Spot } from "../../src/index.js";
import { cliPath, makeTempDir, runCli } from "./run-cli.js";

/** Asserts a one-line failure with `status` whose message matches `pattern`. */
function assertFailure(
  result: { status: number | null; stderr: string },
  status: number,
  pattern: RegExp,
): void {
  assert.equal(result.status, status, result.stderr);
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, `one line: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /Unexpected error|ENOTDIR|ENOENT/);
}

describe("workspaces that cannot be used", () => {
  it("names a --workspace that is a file, a link to nothing or a path below a file (exit 2)", () => {
    const cwd = makeTempDir();
    fs.writeFileSync(path.join(cwd, "file"), "");
    fs.symlinkSync("nowhere", path.join(cwd, "dangling"));
    for (const command of [["list"], ["gc", "-y"], ["gc", "--dry-run"]]) {
      assertFailure(
        runCli([...command, "--workspace", "file"], cwd),
        2,
        /^beautyspot: No beautyspot workspace at file: it is a file, not a folder\. .*--workspace <folder>\./,
      );
      assertFailure(
        runCli([...command, "--workspace", "dangling"], cwd),
        2,
        /^beautyspot: No beautyspot workspace at dangling: it is a symbolic link to nowhere, which does not exist\./,
      );
      assertFailure(
        runCli([...command, "--workspace", "file/cache"], cwd),
        2,
        /^beautyspot: No beautyspot workspace at file\/cache: part of that path is a file, not a folder\./,
      );
    }
  });
});

describe("output into a reader that closes early", () => {
  it("exits quietly with 0 when the reader of stdout stops after a few lines", async () => {
    const cwd = makeTempDir();
    const spot = new Spot("my_app", { workspace: path.join(cwd, ".beautyspot") });
    const echo = spot.mark(async (n: number) => `${n}\n`.repeat(20_000), { name: "echo" });
    for (let n = 0; n < 300; n += 1) await echo(n);
    await spot.shutdown();
    const db = path.join(".beautyspot", "my_app.db");
    const key = JSON.parse(runCli(["list", db, "--limit", "1", "--json"], cwd).stdout).tasks[0]
      .cacheKey;
    for (const command of [
      `list ${db} --limit 300`,
      `list ${db} --limit 300 --json`,
      `show ${db} ${key}`,
      "--help",
    ]) {
      const result = spawnSync(
        "bash",
        [
          "-c",
          `node "${cliPath}" ${command} 2>err.txt | head -3 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`,
        ],
        { cwd, encoding: "utf8" },
      );
      const errors = fs.readFileSync(path.join(cwd, "err.txt"), "utf8");
      assert.equal(result.stderr, "status=0\n", `${command}: ${errors}`);
      assert.doesNotMatch(errors, /EPIPE|Error/, command);
    }
  });
});
