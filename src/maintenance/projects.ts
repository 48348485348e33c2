/**
 * @module maintenance/projects — the workspace as a whole: its databases, and blob folders left
 * behind after their database was deleted ("orphan projects").
 */

import fs from "node:fs";
import path from "node:path";
import { SQLiteTaskDB } from "../db/sqlite/sqlite-task-db.js";
import { ConfigurationError, describeError, ValidationError } from "../errors.js";

/** A blob folder under `<workspace>/blobs/` whose `<workspace>/<name>.db` is gone. */
export interface OrphanProject {
  /** The project (Spot) name: the folder's name. */
  name: string;
  /** The folder. */
  path: string;
  /** Files inside, at any depth. */
  files: number;
  /** Their total size. */
  bytes: number;
}

/** One database file of a workspace, as `beautyspot list` shows it. */
export interface DatabaseSummary {
  /** The project (Spot) name: the file name without `.db`. */
  name: string;
  path: string;
  /** Bytes on disk, including the write-ahead log. */
  size: number;
  /** Number of entries, or `null` when the file could not be read (see `error`). */
  rows: number | null;
  /** ISO 8601 update time of the most recently written entry, or `null` when there is none. */
  lastUpdated: string | null;
  /** ISO 8601 modification time of the file. */
  modifiedAt: string;
  /** Why the file could not be read as a beautyspot database. */
  error?: string;
}

/** The blob folder of the default layout: `<workspace>/<name>.db` → `<workspace>/blobs/<name>/`. */
export function inferBlobDirectory(databasePath: string): string {
  const name = path.basename(databasePath, path.extname(databasePath));
  return path.join(path.dirname(databasePath), "blobs", name);
}

/** The workspace folder, resolved, after checking that it exists. */
function requireWorkspace(workspace: string): string {
  if (typeof workspace !== "string" || workspace === "") {
    throw new ValidationError(
      `The workspace must be a folder path, got ${JSON.stringify(workspace)}. Pass the folder holding the databases, such as .beautyspot.`,
    );
  }
  const resolved = path.resolve(workspace);
  const stat = fs.statSync(resolved, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isDirectory()) {
    throw new ConfigurationError(
      `No beautyspot workspace at ${workspace}: ${stat === undefined ? "it does not exist" : "it is not a folder"}. Pass the folder holding the databases (by default .beautyspot in the project folder).`,
    );
  }
  return resolved;
}

/** Counts the files and bytes below `folder`, reading one directory entry at a time. */
async function measureFolder(folder: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const pending = [folder];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    const directory = await fs.promises.opendir(current);
    for await (const entry of directory) {
      const entryPath = path.join(current, entry.name);
      if (entry.isDirectory()) {
        pending.push(entryPath);
      } else {
        files += 1;
        const stat = await fs.promises.lstat(entryPath).catch(() => undefined);
        bytes += stat?.size ?? 0;
      }
    }
  }
  return { files, bytes };
}

/** Blob folders under `<workspace>/blobs/` whose database file is gone, sorted by name. */
export async function scanOrphanProjects(workspace: string): Promise<OrphanProject[]> {
  const root = path.join(requireWorkspace(workspace), "blobs");
  if (!fs.existsSync(root)) return [];
  const orphans: OrphanProject[] = [];
  for await (const entry of await fs.promises.opendir(root)) {
    // Symbolic links are never followed: whatever they point at is not ours to judge.
    if (!entry.isDirectory()) continue;
    if (fs.existsSync(path.join(root, "..", `${entry.name}.db`))) continue;
    const folder = path.join(root, entry.name);
    orphans.push({ name: entry.name, path: folder, ...(await measureFolder(folder)) });
  }
  return orphans.sort((left, right) =>
    left.name < right.name ? -1 : left.name > right.name ? 1 : 0,
  );
}

/**
 * Removes the blob folder of project `name` — only when its database is really absent and the
 * folder is a real directory directly inside `<workspace>/blobs/`. Returns `false` when there is
 * no such folder.
 */
export async function deleteOrphanProject(workspace: string, name: string): Promise<boolean> {
  const resolvedWorkspace = requireWorkspace(workspace);
  if (
    typeof name !== "string" ||
    name === "" ||
    name === "." ||
    name === ".." ||
    /[/\\\0]/.test(name)
  ) {
    throw new ValidationError(
      `${JSON.stringify(name)} is not a project name: it must be a folder name without path separators. Use a name reported by scanOrphanProjects (beautyspot gc).`,
    );
  }
  const root = path.join(resolvedWorkspace, "blobs");
  const folder = path.join(root, name);
  if (path.dirname(folder) !== root) {
    throw new ValidationError(
      `Refusing to delete ${folder}: it is not directly inside ${root}. Use a name reported by scanOrphanProjects.`,
    );
  }
  const stat = fs.lstatSync(folder, { throwIfNoEntry: false });
  if (stat === undefined) return false;
  if (!stat.isDirectory()) {
    throw new ConfigurationError(
      `Refusing to delete ${folder}: it is ${stat.isSymbolicLink() ? "a symbolic link" : "not a folder"}, so beautyspot did not create it. Remove it by hand if it is really unwanted.`,
    );
  }
  const database = path.join(resolvedWorkspace, `${name}.db`);
  if (fs.existsSync(database)) {
    throw new ConfigurationError(
      `Refusing to delete ${folder}: its database ${database} still exists, so the blobs may be in use. Use \`beautyspot clear\` or \`beautyspot clean\` on that database instead.`,
    );
  }
  await fs.promises.rm(folder, { recursive: true });
  return true;
}

/** Size of the database file plus its write-ahead log, which may hold recent commits. */
function measureDatabaseFile(file: string): { size: number; modifiedAt: number } {
  const stat = fs.statSync(file);
  const log = fs.statSync(`${file}-wal`, { throwIfNoEntry: false });
  return {
    size: stat.size + (log?.size ?? 0),
    modifiedAt: Math.max(stat.mtimeMs, log?.mtimeMs ?? 0),
  };
}

/** The `*.db` files of a workspace with size, entry count and last update, sorted by name. */
export async function listDatabases(workspace: string): Promise<DatabaseSummary[]> {
  const root = requireWorkspace(workspace);
  const summaries: DatabaseSummary[] = [];
  for await (const entry of await fs.promises.opendir(root)) {
    if (!entry.isFile() || !entry.name.endsWith(".db")) continue;
    const file = path.join(root, entry.name);
    const { size, modifiedAt } = measureDatabaseFile(file);
    const summary: DatabaseSummary = {
      name: entry.name.slice(0, -".db".length),
      path: file,
      size,
      rows: null,
      lastUpdated: null,
      modifiedAt: new Date(modifiedAt).toISOString(),
    };
    try {
      // Read-only: listing must never migrate or otherwise touch a database.
      const db = new SQLiteTaskDB(file, { readonly: true });
      try {
        summary.rows = db.count({});
        const newest = db.list({ limit: 1 })[0];
        // A damaged newest row has no update time to show; its text is not one.
        if (newest?.problems?.updatedAt === undefined)
          summary.lastUpdated = newest?.updatedAt ?? null;
      } finally {
        db.close();
      }
    } catch (error) {
      summary.error = describeError(error);
    }
    summaries.push(summary);
  }
  return summaries.sort((left, right) =>
    left.name < right.name ? -1 : left.name > right.name ? 1 : 0,
  );
}
