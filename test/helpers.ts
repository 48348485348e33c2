/** @module test/helpers — temp folders and child processes for tests. */

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** URL of the library's entry point (source), for child scripts to import. */
export const entryUrl = pathToFileURL(join(repoRoot, "src", "index.ts")).href;

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the process exits. */
export function makeTempDir(prefix = "bs-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs TypeScript `source` in a new Node process (with tsx), cwd `cwd`. `$ENTRY` in the source
 * is replaced by the library's entry URL.
 */
export function runScript(
  source: string,
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ScriptResult> {
  // `.mts`: an ES module wherever it lives, so top-level await works.
  const file = join(cwd, `script-${process.hrtime.bigint()}.mts`);
  writeFileSync(file, source.replaceAll("$ENTRY", entryUrl));
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [
        "--import",
        pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href,
        file,
      ],
      { cwd, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? null : 0;
        resolveRun({
          code,
          signal: (error?.signal as NodeJS.Signals | null) ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** A logger that records what it was told. */
export function recordingLogger() {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (message: string) => warnings.push(message),
    error: (message: string) => errors.push(message),
  };
}
