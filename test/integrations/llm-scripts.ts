/**
 * @module test/integrations/llm-scripts — runs a scenario of an SDK integration in a fresh Node
 * process against the local OpenAI-compatible server, so a second process proves a hit needs
 * nothing but the database. Scripts live in a temp dir whose `node_modules` is the repo's.
 */

import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { makeTempDir, repoRoot, runScript } from "../helpers.js";

/** URL of an integration's source entry (`ai`, `langchain`), for child scripts to import. */
export function integrationUrl(name: string): string {
  return pathToFileURL(join(repoRoot, "src", "integrations", name, "index.ts")).href;
}

/** A temp dir where scripts can import the SDKs the repository has installed. */
export function makeScriptDir(): string {
  const dir = makeTempDir("bs-llm-");
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * Runs `source` (`$ENTRY`, `$AI`, `$LANGCHAIN` replaced by entry URLs) with `BASE_URL` set;
 * returns what it printed as JSON on its last line. Fails with the script's stderr otherwise.
 */
export async function runLlmScript(source: string, dir: string, baseURL: string): Promise<unknown> {
  const result = await runScript(
    source
      .replaceAll("$AI", integrationUrl("ai"))
      .replaceAll("$LANGCHAIN", integrationUrl("langchain")),
    dir,
    { BASE_URL: baseURL, OPENAI_API_KEY: "sk-test-local" },
  );
  if (result.code !== 0) {
    throw new Error(`script failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  }
  const lines = result.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1] ?? "null");
}
