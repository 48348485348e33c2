/**
 * @module dashboard/server/database-file — the dashboard's database, watched by file identity: a
 * file replaced while the dashboard runs is reopened, a deleted one is reported, so no answer and
 * no deletion ever comes from a file that is no longer at the path.
 */

import fs from "node:fs";
import { isPostgresUri } from "../../db/postgres/connection.js";
import { ConfigurationError, MaintenanceService, SQLiteTaskDB } from "../../index.js";
import { DashboardApi } from "./api.js";
import { RawValueFiles } from "./raw-files.js";

/** The database currently behind the path, with what the handler serves it through. */
export interface OpenDatabase {
  readonly service: MaintenanceService;
  readonly api: DashboardApi;
  readonly rawFiles: RawValueFiles;
  /** Increases on every reopen, so the page's data version moves with the file. */
  readonly generation: number;
}

/** Where the handler gets the database it serves: a watched file, or a program's own Spot. */
export interface DashboardDatabase {
  /** The database to serve this request from. */
  current(): OpenDatabase;
  /** Releases what the dashboard opened itself. */
  close(): void;
}

/**
 * The database of a running program (`spot.serveDashboard`): served through the program's own
 * maintenance service, which the program keeps open and closes itself.
 */
export class ProgramDatabase implements DashboardDatabase {
  readonly #open: OpenDatabase;

  constructor(service: MaintenanceService) {
    this.#open = {
      service,
      api: new DashboardApi(service),
      rawFiles: new RawValueFiles(service),
      generation: 0,
    };
  }

  current(): OpenDatabase {
    return this.#open;
  }

  close(): void {
    // The program's Spot owns the database: it closes it on shutdown.
  }
}

/** The database file is gone, or was replaced by something we cannot open (HTTP 410). */
export class DatabaseFileGoneError extends Error {}

/** A replaced file's old connection is closed this long after the swap, once requests on it ended. */
const RETIRE_DELAY_MS = 10_000;

interface FileIdentity {
  dev: number;
  ino: number;
}

function readIdentity(dbPath: string): FileIdentity | undefined {
  const stat = fs.statSync(dbPath, { throwIfNoEntry: false });
  return stat === undefined ? undefined : { dev: stat.dev, ino: stat.ino };
}

/**
 * Opens `dbPath` for the dashboard. It is first opened read-only, which refuses a file that is not
 * a beautyspot database (a zero-byte or foreign file) without creating a `tasks` table in it.
 */
function openService(dbPath: string, blobDir: string | undefined): MaintenanceService {
  // A server database is never replaced under a path: opened once, without migrating.
  if (isPostgresUri(dbPath)) return MaintenanceService.fromPath(dbPath, blobDir);
  let probe: SQLiteTaskDB;
  try {
    probe = new SQLiteTaskDB(dbPath, { readonly: true, memoryCacheBytes: 0 });
  } catch (error) {
    if (error instanceof ConfigurationError && error.message.includes("opened read-only")) {
      throw new ConfigurationError(
        `${dbPath} is not a beautyspot database: it has no \`tasks\` table. Pass a .db file written by beautyspot (\`beautyspot list\` shows them).`,
        { cause: error },
      );
    }
    throw error;
  }
  probe.close();
  return MaintenanceService.fromPath(dbPath, blobDir);
}

function describeProblem(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The dashboard's database. Each request asks for {@link current}, which compares the file at the
 * path with the one that is open (one `stat`): the same file is served as is, a new file is
 * reopened, a missing one is a {@link DatabaseFileGoneError} the page shows as a banner.
 */
export class WatchedDatabase implements DashboardDatabase {
  readonly #dbPath: string;
  readonly #blobDir: string | undefined;
  /** A `postgres://` database: no file to watch. */
  readonly #server: boolean;
  #open: OpenDatabase;
  #identity: FileIdentity | undefined;
  #retiring = new Set<MaintenanceService>();

  /** Opens `dbPath`; throws a ConfigurationError when it is missing or not a beautyspot database. */
  constructor(dbPath: string, blobDir?: string) {
    this.#dbPath = dbPath;
    this.#blobDir = blobDir;
    this.#server = isPostgresUri(dbPath);
    const identity = this.#server ? undefined : readIdentity(dbPath);
    this.#open = this.#wrap(openService(dbPath, blobDir), 0, identity);
    this.#identity = identity;
  }

  /** The open database, reopened first when the file at the path was replaced. */
  current(): OpenDatabase {
    if (this.#server) return this.#open;
    const identity = readIdentity(this.#dbPath);
    if (identity === undefined) throw this.#deletedError();
    const known = this.#identity;
    if (known !== undefined && identity.dev === known.dev && identity.ino === known.ino) {
      return this.#open;
    }
    let service: MaintenanceService;
    try {
      service = openService(this.#dbPath, this.#blobDir);
    } catch (error) {
      throw new DatabaseFileGoneError(
        `The database file ${this.#dbPath} was replaced while the dashboard was running, and the new file cannot be shown: ${describeProblem(error)} Restart \`beautyspot ui\` on a beautyspot database.`,
        { cause: error },
      );
    }
    this.#retire(this.#open.service);
    this.#open = this.#wrap(service, this.#open.generation + 1, identity);
    this.#identity = identity;
    return this.#open;
  }

  /** Closes the open database and any replaced one still waiting to be closed. */
  close(): void {
    this.#open.service.close();
    for (const service of this.#retiring) service.close();
    this.#retiring.clear();
  }

  #deletedError(): DatabaseFileGoneError {
    return new DatabaseFileGoneError(
      `The database file ${this.#dbPath} was deleted while the dashboard was running, so nothing is shown or deleted. Restart \`beautyspot ui\` on an existing database.`,
    );
  }

  #wrap(
    service: MaintenanceService,
    generation: number,
    opened: FileIdentity | undefined,
  ): OpenDatabase {
    // Checked again before every deletion (and each batch of a bulk one): a file replaced or
    // deleted since the request began stops the deletion, instead of it going to the old file.
    const requireSameFile = () => {
      if (this.#server) return;
      const identity = readIdentity(this.#dbPath);
      if (identity === undefined) throw this.#deletedError();
      if (opened !== undefined && (identity.dev !== opened.dev || identity.ino !== opened.ino)) {
        throw new DatabaseFileGoneError(
          `The database file ${this.#dbPath} was replaced while a deletion was under way; the rest of it was stopped. Reload the page to see the new file, and delete again if you still mean to.`,
        );
      }
    };
    return {
      service,
      api: new DashboardApi(service, requireSameFile),
      rawFiles: new RawValueFiles(service),
      generation,
    };
  }

  /** Requests already running on the old file finish on it; new ones get the new file. */
  #retire(service: MaintenanceService): void {
    this.#retiring.add(service);
    setTimeout(() => {
      if (this.#retiring.delete(service)) service.close();
    }, RETIRE_DELAY_MS).unref();
  }
}
