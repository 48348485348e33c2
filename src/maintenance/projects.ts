/**
 * @module maintenance/projects — the workspace as a whole: its databases, and blob folders left
 * behind after their database was deleted ("orphan projects"). A folder is removed only when
 * beautyspot provably made it and its owner is provably gone; anything else is reported and kept.
 */

import fs from "node:fs";
import path from "node:path";
import { SQLiteTaskDB } from "../db/sqlite/sqlite-task-db.js";
import { ConfigurationError, describeError, ValidationError } from "../errors.js";
import { isBlobFileName, isTemporaryFileName, liveWriterOf } from "../storage/leftovers.js";
import {
  isOwnerRecordName,
  isSameDatabase,
  readOwnerRecord,
  readOwners,
} from "../storage/ownership.js";

/** A blob folder under `<workspace>/blobs/` that beautyspot made and whose databases are all gone. */
export interface OrphanProject {
  /** The project (Spot) name: the folder's name. */
  name: string;
  /** The folder. */
  path: string;
  /** Files inside (blobs and leftovers of interrupted writes). */
  files: number;
  /** Their total size. */
  bytes: number;
  /** The databases its owner records name, none of which exists any more. */
  databases: string[];
}

/** A folder under `<workspace>/blobs/` gc keeps because it cannot prove it abandoned. */
export interface KeptBlobFolder {
  /** The folder's name. */
  name: string;
  path: string;
  /** Why it is kept, and what to do about it. */
  reason: string;
}

/** What `scanBlobFolders` found: folders gc may remove, and those it keeps and reports. */
export interface BlobFolderScan {
  orphans: OrphanProject[];
  kept: KeptBlobFolder[];
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

/** How one folder under `<workspace>/blobs/` was judged. */
type FolderVerdict =
  | { kind: "in-use" }
  | { kind: "orphan"; orphan: OrphanProject; records: string[] }
  | { kind: "kept"; kept: KeptBlobFolder };

/** Why a database named by an owner record cannot be proven gone, or `undefined` when it is gone. */
function findLiveDatabase(database: string): string | undefined {
  if (fs.existsSync(database)) return `its database ${database} exists`;
  // A missing folder may be an unmounted disk rather than a deleted project: not proof enough.
  if (!fs.existsSync(path.dirname(database))) {
    return `the folder of its database ${database} is missing (an unmounted disk?), so it cannot be proven gone`;
  }
  return undefined;
}

/**
 * Judges one real folder of `<workspace>/blobs/`. It is an orphan only when (1) it holds nothing
 * but what beautyspot writes there (its `.gitignore`, owner records, `<64 hex>.bin` blobs and
 * temp files), (2) owner records name its databases and every one of them is gone, and (3) no
 * running process of this machine is writing into it.
 */
async function judgeBlobFolder(
  workspace: string,
  name: string,
  folder: string,
): Promise<FolderVerdict> {
  const kept = (reason: string): FolderVerdict => ({
    kind: "kept",
    kept: { name, path: folder, reason },
  });
  const databases: (string | null)[] = [];
  const records: string[] = [];
  const foreign: string[] = [];
  let unreadableRecord: string | undefined;
  let writer: number | undefined;
  let files = 0;
  let bytes = 0;
  let directory: fs.Dir;
  try {
    directory = await fs.promises.opendir(folder);
  } catch (error) {
    return kept(`it cannot be read (${describeError(error)}), so what it holds is unknown`);
  }
  for await (const entry of directory) {
    const file = path.join(folder, entry.name);
    const stat = await fs.promises.lstat(file).catch(() => undefined);
    if (stat === undefined) continue;
    if (!stat.isFile()) {
      foreign.push(entry.name);
      continue;
    }
    if (isOwnerRecordName(entry.name)) {
      const record = readOwnerRecord(file);
      if ("problem" in record) unreadableRecord ??= record.problem;
      else databases.push(record.owner);
      records.push(entry.name);
    } else if (entry.name === ".gitignore") {
      if ((await fs.promises.readFile(file, "utf8").catch(() => "")) !== "*\n")
        foreign.push(entry.name);
    } else if (isBlobFileName(entry.name) || isTemporaryFileName(entry.name)) {
      writer ??= liveWriterOf(entry.name);
    } else {
      foreign.push(entry.name);
      continue;
    }
    files += 1;
    bytes += stat.size;
  }
  // A folder still in use is none of gc's business, whatever else it holds.
  const legacyDatabase = path.join(workspace, `${name}.db`);
  if (fs.existsSync(legacyDatabase)) return { kind: "in-use" };
  for (const database of databases) {
    if (database !== null && fs.existsSync(database)) return { kind: "in-use" };
  }
  if (foreign.length > 0) {
    const listed = foreign.slice(0, 3).join(", ") + (foreign.length > 3 ? ", …" : "");
    return kept(
      `it holds files beautyspot did not write (${listed}); remove what you no longer need by hand`,
    );
  }
  if (unreadableRecord !== undefined)
    return kept(`${unreadableRecord}; delete the folder by hand if nothing uses it`);
  if (databases.length === 0) {
    return kept(
      "it has no owner record (it was made before beautyspot recorded owners, or not by beautyspot), so the database using it cannot be proven gone: a Spot whose `db` option points elsewhere keeps its blobs here. Running that Spot once records its owner; delete the folder by hand if nothing uses it",
    );
  }
  if (databases.includes(null)) {
    return kept(
      "its owner is a database without a file (a TaskDB passed to the Spot), which beautyspot cannot look for; delete the folder by hand if nothing uses it",
    );
  }
  for (const database of databases as string[]) {
    const live = findLiveDatabase(database);
    if (live !== undefined) return kept(live);
  }
  if (writer !== undefined) {
    return kept(
      `a running process (pid ${writer}) is writing into it; run gc again once it has ended`,
    );
  }
  return {
    kind: "orphan",
    orphan: { name, path: folder, files, bytes, databases: databases as string[] },
    records,
  };
}

/** `<workspace>/blobs/`, or why nothing under it may be deleted. */
function readBlobsRoot(workspace: string): { root: string; link?: KeptBlobFolder } | undefined {
  const root = path.join(workspace, "blobs");
  const stat = fs.lstatSync(root, { throwIfNoEntry: false });
  if (stat === undefined) return undefined;
  if (stat.isSymbolicLink()) {
    return {
      root,
      link: {
        name: "blobs",
        path: root,
        reason: `it is a symbolic link (to ${fs.readlinkSync(root)}), and gc never deletes through a link: the folders there may belong to other workspaces. Run gc on the workspace that owns them, or remove them by hand`,
      },
    };
  }
  return stat.isDirectory() ? { root } : undefined;
}

/**
 * The folders under `<workspace>/blobs/` whose owning databases are all provably gone
 * (`orphans`), and those gc keeps because it cannot prove them abandoned (`kept`, each with the
 * reason): folders holding files beautyspot did not write, folders without an owner record,
 * symbolic links. Folders in use are in neither list. Sorted by name.
 */
export async function scanBlobFolders(workspace: string): Promise<BlobFolderScan> {
  const resolved = requireWorkspace(workspace);
  const scan: BlobFolderScan = { orphans: [], kept: [] };
  const blobs = readBlobsRoot(resolved);
  if (blobs === undefined) return scan;
  if (blobs.link !== undefined) {
    scan.kept.push(blobs.link);
    return scan;
  }
  for await (const entry of await fs.promises.opendir(blobs.root)) {
    const folder = path.join(blobs.root, entry.name);
    if (entry.isSymbolicLink()) {
      scan.kept.push({
        name: entry.name,
        path: folder,
        reason:
          "it is a symbolic link, so beautyspot did not create it; gc never deletes through a link",
      });
      continue;
    }
    if (!entry.isDirectory()) continue;
    const verdict = await judgeBlobFolder(resolved, entry.name, folder);
    if (verdict.kind === "orphan") scan.orphans.push(verdict.orphan);
    else if (verdict.kind === "kept") scan.kept.push(verdict.kept);
  }
  const byName = (left: { name: string }, right: { name: string }) =>
    left.name < right.name ? -1 : left.name > right.name ? 1 : 0;
  scan.orphans.sort(byName);
  scan.kept.sort(byName);
  return scan;
}

/** Blob folders under `<workspace>/blobs/` whose databases are provably gone, sorted by name. */
export async function scanOrphanProjects(workspace: string): Promise<OrphanProject[]> {
  return (await scanBlobFolders(workspace)).orphans;
}

/**
 * Removes the blob folder of project `name` after judging it again as `scanBlobFolders` does:
 * only a folder directly inside a real `<workspace>/blobs/`, holding only what beautyspot
 * writes, whose databases are all provably gone. Its files are removed one by one by name, then
 * the folder itself; a file appearing meanwhile keeps the folder. Returns `false` when there is
 * no such folder; throws ConfigurationError, with the reason, when it cannot be proven abandoned.
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
  const blobs = readBlobsRoot(resolvedWorkspace);
  if (blobs?.link !== undefined) {
    throw new ConfigurationError(
      `Refusing to delete anything under ${blobs.root}: ${blobs.link.reason}.`,
    );
  }
  const root = path.join(resolvedWorkspace, "blobs");
  const folder = path.join(root, name);
  const stat = fs.lstatSync(folder, { throwIfNoEntry: false });
  if (stat === undefined) return false;
  if (!stat.isDirectory()) {
    throw new ConfigurationError(
      `Refusing to delete ${folder}: it is ${stat.isSymbolicLink() ? "a symbolic link" : "not a folder"}, so beautyspot did not create it. Remove it by hand if it is really unwanted.`,
    );
  }
  const verdict = await judgeBlobFolder(resolvedWorkspace, name, folder);
  if (verdict.kind === "in-use") {
    throw new ConfigurationError(
      `Refusing to delete ${folder}: its database still exists, so the blobs may be in use. Use \`beautyspot clear\` or \`beautyspot clean\` on that database instead.`,
    );
  }
  if (verdict.kind === "kept") {
    throw new ConfigurationError(`Refusing to delete ${folder}: ${verdict.kept.reason}.`);
  }
  const recordsJudged = new Set(verdict.records);
  for (const entry of await fs.promises.readdir(folder)) {
    if (isBlobFileName(entry) || isTemporaryFileName(entry)) {
      await fs.promises.rm(path.join(folder, entry), { force: true });
    }
  }
  // A Spot that opened the folder since it was judged has added its owner record: keep it then.
  const records = (await fs.promises.readdir(folder)).filter(isOwnerRecordName);
  const newcomer = records.find((record) => !recordsJudged.has(record));
  if (newcomer !== undefined) {
    throw new ConfigurationError(
      `Kept ${folder}: a Spot started using it while it was being removed (${newcomer} appeared). Its entries are recomputed as needed.`,
    );
  }
  for (const entry of [...records, ".gitignore"]) {
    await fs.promises.rm(path.join(folder, entry), { force: true });
  }
  try {
    await fs.promises.rmdir(folder);
  } catch (error) {
    throw new ConfigurationError(
      `Kept ${folder}: something was written into it while it was being removed (${describeError(error)}). Run gc again to look at it anew.`,
      { cause: error },
    );
  }
  return true;
}

/**
 * The other databases whose blobs `blobDir` also holds, by its owner records (`null` for a
 * TaskDB without a file). A blob only `databasePath` does not reference may be one of theirs, so
 * orphans must not be judged against `databasePath` alone when this is not empty.
 */
export function findOtherOwners(blobDir: string, databasePath: string): (string | null)[] {
  return readOwners(blobDir).filter(
    (owner) => owner === null || !isSameDatabase(owner, databasePath),
  );
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
