/** @module cli/database — opens the database a command names, after checking it is one. */

import fs from "node:fs";
import path from "node:path";
import { describePostgresUri, isPostgresUri } from "../db/postgres/connection.js";
import { ConfigurationError, LocalStorage, MaintenanceService, SQLiteTaskDB } from "../index.js";
import { noteDatabaseInUse, UsageError } from "./errors.js";
import { escapeInline } from "./escape.js";

/** The workspace used when `--workspace` is not given. */
export const DEFAULT_WORKSPACE = ".beautyspot";

/** How a command opens its database. */
export interface OpenDatabaseOptions {
  /** Blob folder; by default `<workspace>/blobs/<name>/` next to `<workspace>/<name>.db`. */
  blobDir?: string;
  /**
   * Open read-only: nothing is written, not even a schema migration. Read commands use it so
   * that looking at a database never changes it.
   * @default false
   */
  readonly?: boolean;
}

/** Workspace databases named in a "does not exist" message; more are counted, not listed. */
const MAX_NAMES_LISTED = 10;

/** Whether `target` is a file (following links); anything unreadable counts as no. */
function isFile(target: string): boolean {
  try {
    return fs.statSync(target, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/** The names `beautyspot list` prints for `workspace`, or `undefined` when it is no folder. */
function listDatabaseNames(workspace: string): string[] | undefined {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(workspace, { withFileTypes: true });
  } catch {
    return undefined;
  }
  return entries
    .filter((entry) => entry.name.endsWith(".db") && isFile(path.join(workspace, entry.name)))
    .map((entry) => entry.name.slice(0, -".db".length))
    .sort();
}

/**
 * The files a database argument may mean, most explicit first: the path as typed; for a bare
 * name, the database `beautyspot list` prints under that name (`<workspace>/<name>.db`); then
 * the path with `.db` added.
 */
function listDatabaseCandidates(argument: string, workspace: string): string[] {
  const withExtension = argument.endsWith(".db") ? argument : `${argument}.db`;
  const bareName =
    argument !== "" && argument !== "." && argument !== ".." && !/[/\\]/.test(argument);
  const candidates = [argument];
  if (bareName) candidates.push(path.join(workspace, withExtension));
  candidates.push(withExtension);
  return [...new Set(candidates)];
}

/**
 * Turns a `<db>` argument into the database file it names: a path to the file, a name
 * `beautyspot list` prints (looked up as `<workspace>/<name>.db`), or a path without `.db`.
 * An existing file at the path as typed wins over a workspace database of the same name; a note
 * on stderr says so when both exist. When nothing matches, the usage error lists the databases
 * of the workspace. Paths that exist but are no file (a folder, a dangling link) are returned
 * as typed, for `requireDatabaseFile` to explain.
 */
export function resolveDatabaseArgument(argument: string, workspace = DEFAULT_WORKSPACE): string {
  if (argument.trim() === "") {
    throw new UsageError(
      "The database argument is empty. Pass a name `beautyspot list` prints, the path of a .db file, or a postgres:// URI.",
    );
  }
  // A PostgreSQL database is named by its URI, never looked up in the workspace.
  if (isPostgresUri(argument)) return argument;
  const candidates = listDatabaseCandidates(argument, workspace);
  const found = candidates.filter(isFile);
  const [chosen] = found;
  if (chosen !== undefined) {
    if (found.length > 1) {
      process.stderr.write(
        `${escapeInline(`beautyspot: using ${chosen}; ${argument} also names ${found.slice(1).join(" and ")} (pass that path to use it instead).`)}\n`,
      );
    }
    return chosen;
  }
  const { stat, problem } = inspectPath(argument);
  if (stat !== undefined || problem !== undefined) return argument;
  throw new UsageError(describeMissingDatabase(argument, candidates, workspace));
}

/** "Database x does not exist (looked for …). Databases in .beautyspot: a, b. Pass …". */
function describeMissingDatabase(
  argument: string,
  candidates: readonly string[],
  workspace: string,
): string {
  const others = candidates.filter((candidate) => candidate !== argument);
  const looked = others.length === 0 ? "" : ` (nor does ${others.join(" or ")})`;
  const names = listDatabaseNames(workspace);
  const elsewhere =
    workspace === DEFAULT_WORKSPACE ? "; --workspace <folder> looks in another" : "";
  let known: string;
  if (names === undefined) {
    known = `There is no workspace folder ${workspace} here${elsewhere}. Pass the path of a .db file.`;
  } else if (names.length === 0) {
    known = `${workspace} holds no databases yet${elsewhere}. Pass the path of a .db file.`;
  } else {
    const listed = names.slice(0, MAX_NAMES_LISTED).join(", ");
    const more =
      names.length > MAX_NAMES_LISTED ? ` and ${names.length - MAX_NAMES_LISTED} more` : "";
    known = `Databases in ${workspace}: ${listed}${more}. Pass one of these names (as \`beautyspot list\` prints them) or the path of a .db file.`;
  }
  return `Database ${argument} does not exist${looked}. ${known}`;
}

/** Refuses a database argument that is not an existing file, naming the path. */
export function requireDatabaseFile(databasePath: string): void {
  const { stat, problem } = inspectPath(databasePath);
  if (stat === undefined) {
    const reason = problem === undefined ? "" : ` (${problem})`;
    throw new UsageError(
      `Database ${showDatabase(databasePath)} does not exist${reason}. Check the path; \`beautyspot list\` shows the databases in ${DEFAULT_WORKSPACE} (or pass --workspace).`,
    );
  }
  if (!stat.isFile()) {
    throw new UsageError(
      `${showDatabase(databasePath)} is not a file. Pass the database file itself, such as ${path.join(databasePath, "my_app.db")}.`,
    );
  }
}

/** Refuses a workspace that is not an existing folder, naming it and what is there instead. */
export function requireWorkspace(workspace: string): string {
  const problem = findWorkspaceProblem(workspace);
  if (problem !== undefined) {
    throw new UsageError(
      `No beautyspot workspace at ${workspace}: ${problem}. Run from the folder that holds ${DEFAULT_WORKSPACE}, or pass --workspace <folder>.`,
    );
  }
  return workspace;
}

/** Why `workspace` is not a usable folder, or `undefined` when it is one. */
function findWorkspaceProblem(workspace: string): string | undefined {
  const { stat, problem } = inspectPath(workspace);
  if (stat === undefined) return problem ?? "the folder does not exist";
  return stat.isDirectory() ? undefined : "it is a file, not a folder";
}

/**
 * What is at `target` (following links); without a `stat`, `problem` says why nothing usable is
 * there, or is absent when there is simply nothing.
 */
function inspectPath(target: string): { stat?: fs.Stats; problem?: string } {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(target, { throwIfNoEntry: false });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOTDIR") return { problem: "part of that path is a file, not a folder" };
    if (code === "ELOOP") return { problem: "it is a loop of symbolic links" };
    throw error;
  }
  if (stat !== undefined) return { stat };
  // statSync follows links: "nothing there" may be a link pointing nowhere.
  if (fs.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink() === true) {
    return { problem: `it is a symbolic link to ${fs.readlinkSync(target)}, which does not exist` };
  }
  return {};
}

/** Opens the file read-only, turning "no table to read" into "not a beautyspot database". */
function probeDatabase(databasePath: string): SQLiteTaskDB {
  try {
    return new SQLiteTaskDB(databasePath, { readonly: true, memoryCacheBytes: 0 });
  } catch (error) {
    // An empty SQLite file (or a zero-byte file) has no tables: it was never a beautyspot cache.
    if (error instanceof ConfigurationError && error.message.includes("opened read-only")) {
      throw new ConfigurationError(
        `${showDatabase(databasePath)} is not a beautyspot database: it has no \`tasks\` table. Pass a .db file written by beautyspot (\`beautyspot list\` shows them).`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Refuses a path that is not a beautyspot database, without writing to it: for commands (such as
 * `ui`) that open the database themselves, writable, where an empty file would get a `tasks` table.
 */
export function requireBeautyspotDatabase(databasePath: string): void {
  // A postgres:// database is checked by its first query (it is never migrated by the CLI).
  if (isPostgresUri(databasePath)) return;
  requireDatabaseFile(databasePath);
  probeDatabase(databasePath).close();
}

/**
 * Opens `databasePath` for maintenance. It is first opened read-only, which refuses files that
 * are not beautyspot databases without writing to them (a writable open would create the
 * `tasks` table in an empty SQLite file).
 */
export function openDatabase(
  databasePath: string,
  options: OpenDatabaseOptions = {},
): MaintenanceService {
  // PostgreSQL: opened without migrating, so reading never changes it; blobs come from
  // --blob-dir (a folder or an s3:// / gs:// URI) or from the S3 and GCS locations in the rows.
  if (isPostgresUri(databasePath))
    return MaintenanceService.fromPath(databasePath, options.blobDir);
  requireDatabaseFile(databasePath);
  noteDatabaseInUse(databasePath);
  const probe = probeDatabase(databasePath);
  if (options.readonly === true) {
    const blobDir =
      options.blobDir ??
      path.join(
        path.dirname(databasePath),
        "blobs",
        path.basename(databasePath, path.extname(databasePath)),
      );
    return new MaintenanceService({ db: probe, storage: new LocalStorage(blobDir) });
  }
  probe.close();
  return MaintenanceService.fromPath(databasePath, options.blobDir);
}

/** Closes a service opened by `openDatabase` (whichever way it was opened). */
export function closeDatabase(service: MaintenanceService): void {
  service.close();
  // A read-only service was given its db, so `close` leaves it open for its owner: us.
  void service.db.close();
}

/** How reports name a database: the absolute file path, or the URI without its password. */
/**
 * A database as messages show it: a file as given, a PostgreSQL URI without its password or
 * parameters (messages end up in terminals, CI logs and bug reports).
 */
export function showDatabase(databasePath: string): string {
  return isPostgresUri(databasePath) ? describePostgresUri(databasePath) : databasePath;
}

export function describeDatabase(databasePath: string): string {
  return isPostgresUri(databasePath)
    ? describePostgresUri(databasePath)
    : path.resolve(databasePath);
}
