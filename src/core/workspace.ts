/** @module core/workspace — the folder holding a project's databases and blobs. */

import { lstatSync, mkdirSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TaskDB } from "../db/types.js";
import { ConfigurationError, describeError, ValidationError } from "../errors.js";

/** Default workspace folder name, created in the current directory. */
export const DEFAULT_WORKSPACE = ".beautyspot";

/**
 * Creates `dir` (and parents) if needed; a folder beautyspot creates gets a `.gitignore` of `*`.
 * A path that cannot be a folder (a file, a symbolic link to nothing, a path under a file) is a
 * ConfigurationError naming it and the fix, never a raw `ENOTDIR` / `ENOENT`.
 */
export function ensureOwnedFolder(dir: string): void {
  if (isExistingFolder(dir)) return;
  try {
    mkdirSync(dir, { recursive: true });
    // Caches are machine-local build artefacts: keep them out of version control by default.
    writeFileSync(join(dir, ".gitignore"), "*\n");
  } catch (error) {
    throw new ConfigurationError(
      `Cannot create the beautyspot folder ${dir}: ${describeError(error)}. Check that every folder on that path exists or can be created and is writable, or pass another \`workspace\`.`,
      { cause: error },
    );
  }
}

/** Whether `dir` is a folder; `false` when nothing is there yet; throws when something else is. */
function isExistingFolder(dir: string): boolean {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(dir, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOTDIR") {
      throw new ConfigurationError(
        `Cannot use ${dir} as a beautyspot folder: part of that path is a file, not a folder. Pass a \`workspace\` whose parent folders are folders.`,
        { cause: error },
      );
    }
    const detail = describeError(error);
    throw new ConfigurationError(
      `Cannot use ${dir} as a beautyspot folder: ${detail}. Check its permissions, or pass another \`workspace\`.`,
      { cause: error },
    );
  }
  if (stat === undefined) {
    // statSync follows links: nothing there may still be a link pointing nowhere.
    if (lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink() === true) {
      throw new ConfigurationError(
        `${dir} is a symbolic link to ${readlinkSync(dir)}, which does not exist. Create the folder it points to, remove the link, or pass another \`workspace\`.`,
      );
    }
    return false;
  }
  if (stat.isDirectory()) return true;
  throw new ConfigurationError(
    `${dir} is a file, not a folder: beautyspot keeps its databases and blobs in a folder there. Move or rename the file, or pass another \`workspace\` folder.`,
  );
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
