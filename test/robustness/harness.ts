/**
 * @module test/robustness/harness — child processes that can be killed or starved of disk, and
 * the checks every robustness test runs on a cache folder afterwards.
 */

import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { entryUrl, repoRoot } from "../helpers.js";

/** URL of the tsx loader, so children run TypeScript as the tests do. */
const loaderUrl = pathToFileURL(
  path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs"),
).href;

/** URL of the deterministic values module, for children to import. */
export const valuesUrl = pathToFileURL(path.join(repoRoot, "test", "robustness", "values.ts")).href;

/** Writes `source` as an ES module in `folder`, with `$ENTRY` and `$VALUES` filled in. */
export function writeChildScript(folder: string, source: string): string {
  const file = path.join(folder, `child-${process.hrtime.bigint()}.mts`);
  fs.writeFileSync(file, source.replaceAll("$ENTRY", entryUrl).replaceAll("$VALUES", valuesUrl));
  return file;
}

/** How to start a child. */
export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Largest file the child may write, in KiB (`ulimit -f`). SIGXFSZ is ignored, so writes past
   * the limit fail with EFBIG instead of killing the child — the same path as a full disk.
   */
  fileSizeLimitKiB?: number;
}

/** Starts a TypeScript child process running `file`; stdout and stderr are piped. */
export function startChild(file: string, options: ChildOptions = {}): ChildProcess {
  const env = { ...process.env, ...options.env };
  const nodeArguments = ["--import", loaderUrl, file];
  if (options.fileSizeLimitKiB === undefined) {
    return spawn(process.execPath, nodeArguments, { cwd: path.dirname(file), env });
  }
  // An ignored signal stays ignored across exec, so node inherits the `trap`.
  const command = `trap '' XFSZ; ulimit -f ${options.fileSizeLimitKiB}; exec "$0" "$@"`;
  return spawn("bash", ["-c", command, process.execPath, ...nodeArguments], {
    cwd: path.dirname(file),
    env,
  });
}

/** What a finished child printed and how it ended. */
export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output until it ends. */
export function waitForChild(child: ChildProcess): Promise<ChildOutcome> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs a child script to its end and parses the last line it printed as JSON. */
export async function runChildForResult<T>(
  folder: string,
  source: string,
  options: ChildOptions = {},
): Promise<T> {
  const outcome = await waitForChild(startChild(writeChildScript(folder, source), options));
  const lastLine = outcome.stdout.trimEnd().split("\n").at(-1) ?? "";
  if (outcome.code !== 0 || lastLine === "") {
    throw new Error(
      `child exited with ${outcome.code ?? outcome.signal}\nstdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`,
    );
  }
  return JSON.parse(lastLine) as T;
}

/** Resolves once `child` prints `marker` on stdout (or rejects if it ends first). */
export function waitForMarker(child: ChildProcess, marker: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (seen.includes(marker)) {
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("close", () => reject(new Error(`child ended before printing ${marker}: ${seen}`)));
  });
}

/** `PRAGMA integrity_check` of a database file, "ok" when it is sound. */
export function checkIntegrity(file: string): string {
  const db = new Database(file);
  try {
    return (db.pragma("integrity_check") as { integrity_check: string }[])
      .map((row) => row.integrity_check)
      .join("; ");
  } finally {
    db.close();
  }
}

/** The blob locations rows point at, read straight from the table. */
export function readBlobLocations(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare("SELECT result_value FROM tasks WHERE result_type = 'FILE'")
      .pluck()
      .all() as string[];
  } finally {
    db.close();
  }
}

/** Names of the files directly in `folder` ending with `suffix` (none when it does not exist). */
export function listFiles(folder: string, suffix: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder).filter((name) => name.endsWith(suffix));
}

/** A logger that keeps what it was told, for assertions. */
export function collectingLogger() {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (message: string) => {
      warnings.push(message);
    },
    error: (message: string) => {
      errors.push(message);
    },
  };
}
