/**
 * @module test/integrations/sdk-scenario — runs a script twice in two processes against the
 * local LLM server, from a folder whose node_modules holds `beautyspot` (this package, its built
 * exports) and the real SDKs, as in a user's project.
 */

import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { ScriptResult } from "../helpers.js";
import { makeTempDir, repoRoot, runScript } from "../helpers.js";

/** A project folder where `import "beautyspot/openai"` resolves as it does for a user. */
export function makeProject(): string {
  const dir = makeTempDir("bs-llm-");
  const modules = join(dir, "node_modules");
  mkdirSync(join(modules, "@anthropic-ai"), { recursive: true });
  symlinkSync(repoRoot, join(modules, "beautyspot"), "dir");
  symlinkSync(join(repoRoot, "node_modules", "openai"), join(modules, "openai"), "dir");
  symlinkSync(
    join(repoRoot, "node_modules", "@anthropic-ai", "sdk"),
    join(modules, "@anthropic-ai", "sdk"),
    "dir",
  );
  return dir;
}

/** Runs `source` in `project`; its last stdout line is JSON. Fails with stderr when it fails. */
export async function runJson(
  source: string,
  project: string,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, unknown>> {
  const result: ScriptResult = await runScript(source, project, env);
  if (result.code !== 0) {
    throw new Error(`script failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  }
  const lines = result.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
}
