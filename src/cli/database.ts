/** @module cli/database — opens the database a command names, after checking it is one. */

import fs from "node:fs";
import path from "node:path";
import { ConfigurationError, LocalStorage, MaintenanceService, SQLiteTaskDB } from "../index.js";
import type { FunctionSummary } from "../maintenance/service.js";
import { UsageError } from "./errors.js";

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

/** Refuses a database argument that is not an existing file, naming the path. */
export function requireDatabaseFile(databasePath: string): void {
  const stat = fs.statSync(databasePath, { throwIfNoEntry: false });
  if (stat === undefined) {
    throw new UsageError(
      `Database ${databasePath} does not exist. Check the path; \`beautyspot list\` shows the databases in ${DEFAULT_WORKSPACE} (or pass --workspace).`,
    );
  }
  if (!stat.isFile()) {
    throw new UsageError(
      `${databasePath} is not a file. Pass the database file itself, such as ${path.join(databasePath, "my_app.db")}.`,
    );
  }
}

/** Refuses a workspace that is not an existing folder, naming it. */
export function requireWorkspace(workspace: string): string {
  const stat = fs.statSync(workspace, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isDirectory()) {
    throw new UsageError(
      `No beautyspot workspace at ${workspace}: ${stat === undefined ? "the folder does not exist" : "it is not a folder"}. Run from the folder that holds ${DEFAULT_WORKSPACE}, or pass --workspace <folder>.`,
    );
  }
  return workspace;
}

/** Opens the file read-only, turning "no table to read" into "not a beautyspot database". */
function probeDatabase(databasePath: string): SQLiteTaskDB {
  try {
    return new SQLiteTaskDB(databasePath, { readonly: true, memoryCacheBytes: 0 });
  } catch (error) {
    // An empty SQLite file (or a zero-byte file) has no tables: it was never a beautyspot cache.
    if (error instanceof ConfigurationError && error.message.includes("opened read-only")) {
      throw new ConfigurationError(
        `${databasePath} is not a beautyspot database: it has no \`tasks\` table. Pass a .db file written by beautyspot (\`beautyspot list\` shows them).`,
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
  requireDatabaseFile(databasePath);
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

/** `name (identity)` or just the name when both are the same. */
function describeFunction(summary: FunctionSummary): string {
  return summary.funcName === summary.funcIdentifier
    ? summary.funcName
    : `${summary.funcName} (${summary.funcIdentifier})`;
}

/**
 * Checks a `--func` filter against the functions in the database: the full identity or the short
 * name. An unknown name is a usage error listing the known ones, so a typo never silently
 * matches nothing.
 */
export async function requireKnownFunction(
  service: MaintenanceService,
  databasePath: string,
  func: string | undefined,
): Promise<string | undefined> {
  if (func === undefined) return undefined;
  const known = await service.functions();
  if (known.some((summary) => summary.funcIdentifier === func || summary.funcName === func)) {
    return func;
  }
  if (known.length === 0) {
    throw new UsageError(
      `No function named ${JSON.stringify(func)} in ${databasePath}: the database has no entries. Leave out --func.`,
    );
  }
  throw new UsageError(
    `No function named ${JSON.stringify(func)} in ${databasePath}. Known functions: ${known.map(describeFunction).join(", ")}. Pass one of them (short name or identity) to --func.`,
  );
}
