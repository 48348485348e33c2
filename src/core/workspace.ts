/** @module core/workspace — the folder holding a project's databases and blobs. */

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TaskDB } from "../db/types.js";
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

/**
 * The database a Spot's default blob folder records as its owner (see storage/ownership.ts): the
 * file of a file-backed TaskDB, so `beautyspot gc` keeps the folder while that file exists,
 * wherever it lives (the `db` option may put it outside the workspace). `null` for a TaskDB
 * without a file (in memory, a server): gc then never removes the folder.
 */
export function blobFolderOwner(db: TaskDB): string | null {
  const file = (db as { path?: unknown }).path;
  if (typeof file !== "string" || file === "" || file === ":memory:" || file.startsWith("file:")) {
    return null;
  }
  // SQLite opened a relative path against the current directory, which is still the current one.
  return resolve(file);
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
