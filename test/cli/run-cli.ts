/** @module test/cli/run-cli — runs the built `beautyspot` command as a real subprocess, and makes real caches for it. */

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The built command line, as the package's `bin` points at it. */
export const cliPath = path.join(repositoryRoot, "dist", "cli", "main.js");

/** Fails loudly when the build is missing: these tests run the real, built command. */
export function requireBuiltCli(): void {
  if (!fs.existsSync(cliPath)) {
    throw new Error(
      `The CLI is not built (${path.relative(repositoryRoot, cliPath)} is missing). Run \`npm run build\` before these tests.`,
    );
  }
}

/** What a run of the command printed and returned. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** An environment without colour overrides, so output is exactly what a pipe gets. */
function plainEnvironment(): NodeJS.ProcessEnv {
  const environment = { ...process.env };
  delete environment.FORCE_COLOR;
  delete environment.NO_COLOR;
  delete environment.BEAUTYSPOT_DEBUG;
  return environment;
}

/** Runs `beautyspot ...args` in `cwd`, stdin and stdout being pipes (not terminals). */
export function runCli(args: readonly string[], cwd: string): CliResult {
  requireBuiltCli();
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd,
    env: plainEnvironment(),
    encoding: "utf8",
    input: "",
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `beautyspot ...args` without waiting for it to end (for `ui`). */
export function startCli(args: readonly string[], cwd: string) {
  requireBuiltCli();
  return spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: plainEnvironment(),
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** A fresh temp folder for one test. */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
}

/** Sets a file's modification time `hours` in the past, so clean-ups treat it as stale. */
export function makeOld(file: string, hours = 2): void {
  const past = new Date(Date.now() - hours * 3_600_000);
  fs.utimesSync(file, past, past);
}
