/** @module core/workspace — the folder holding a project's databases and blobs. */

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "../errors.js";

/** Default workspace folder name, created in the current directory. */
export const DEFAULT_WORKSPACE = ".beautyspot";

/** Creates `dir` (and parents) if needed; a folder beautyspot creates gets a `.gitignore` of `*`. */
export function ensureOwnedFolder(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true });
  // Caches are machine-local build artefacts: keep them out of version control by default.
  writeFileSync(join(dir, ".gitignore"), "*\n");
}

/** Throws a ValidationError unless `name` can be used as a file name. */
export function validateSpotName(name: unknown): string {
  if (typeof name !== "string" || name.trim() === "") {
    throw new ValidationError(
      `A Spot needs a non-empty name (it names the database file), got ${JSON.stringify(name)}. Example: new Spot("my_app").`,
    );
  }
  if (/[/\\\0]/.test(name) || name === "." || name === "..") {
    throw new ValidationError(
      `Spot name ${JSON.stringify(name)} cannot be used as a file name (no "/", "\\", NUL, "." or ".."). To put the database elsewhere, pass the \`workspace\` or \`db\` option.`,
    );
  }
  return name;
}
