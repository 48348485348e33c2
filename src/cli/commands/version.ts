/** @module cli/commands/version — the installed version of beautyspot. */

import fs from "node:fs";

/** The package root is three levels up, from the sources (src/cli/commands) and the build (dist/cli/commands) alike. */
const PACKAGE_JSON_URL = new URL("../../../package.json", import.meta.url);

/** The `version` field of beautyspot's package.json. */
export function readVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(PACKAGE_JSON_URL, "utf8")) as { version?: unknown };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}

/** Runs `beautyspot version`. */
export function runVersion(): void {
  process.stdout.write(`${readVersion()}\n`);
}
