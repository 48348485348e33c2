/** @module test/cli/robustness — hostile stored text, closed pipes, locked databases, ambiguous names and unusable workspaces. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { makeTempDir, runCli } from "./run-cli.js";

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
