/**
 * @module dashboard — `beautyspot ui`: a local web server over the maintenance service that shows
 * and deletes cached results; and the same page served inside a program (`spot.serveDashboard`),
 * where it can also retry entries. The page is prebuilt into `dist/dashboard/web/`.
 */

import { createServer } from "node:http";
import { describePostgresUri, isPostgresUri } from "../db/postgres/connection.js";
import type { MaintenanceService } from "../index.js";
import { ValidationError } from "../index.js";
import { createDashboardHandler, type DashboardContext, type RetrySupport } from "./server/app.js";
import {
  type DashboardDatabase,
  ProgramDatabase,
  WatchedDatabase,
} from "./server/database-file.js";
import { listenWithFallback, openBrowser } from "./server/listen.js";
import { createSessionToken, isLoopbackHost, listAllowedHosts } from "./server/security.js";
import { locateWebRoot, StaticFiles } from "./server/static.js";

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The database file to show (`.beautyspot/<name>.db`). */
  dbPath: string;
  /** Folder of its blobs. @default `<workspace>/blobs/<name>/` next to the database */
  blobDir?: string;
  /**
   * Port to listen on; when it is taken, a free one is picked and printed.
   * @default 8787
   */
  port?: number;
  /**
   * Address to bind. Anything but loopback exposes the cache to the network and prints a warning.
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * Let other machines delete entries when `host` is not a loopback address. Without it, a
   * dashboard on the network is read-only for them: deletions are accepted from this machine only.
   * @default false
   */
  allowRemoteDelete?: boolean;
  /** Open the URL in the desktop's browser when there is one. @default false */
  open?: boolean;
  /** Where the URL and warnings are printed. @default console.log */
  log?: (line: string) => void;
}

/** A running dashboard. */
export interface RunningDashboard {
  /** Where the page is served, such as `http://127.0.0.1:8787/`. */
  url: string;
  /** The session token mutating requests must carry (it is also written into the page). */
  token?: string;
  /** Stops the server and closes the database. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 8787;
const DEFAULT_HOST = "127.0.0.1";

function readPort(port: unknown): number {
  if (port === undefined) return DEFAULT_PORT;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ValidationError(
      `port must be a whole number from 0 to 65535, got ${String(port)}. Use 0 to pick any free port.`,
    );
  }
  return port;
}

function formatUrlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return DEFAULT_HOST;
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Starts the dashboard for one database and resolves once it listens.
 *
 * @example
 * const dashboard = await startDashboard({ dbPath: ".beautyspot/my_app.db" });
 * // …
 * await dashboard.close();
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  if (options === null || typeof options !== "object" || typeof options.dbPath !== "string") {
    throw new ValidationError(
      "startDashboard needs { dbPath }: the .db file to show, such as .beautyspot/my_app.db.",
    );
  }
  const log = options.log ?? ((line: string) => console.log(line));
  const port = readPort(options.port);
  const host = options.host ?? DEFAULT_HOST;
  // Checked before the database is opened, so a missing build leaves nothing to clean up.
  const files = new StaticFiles(locateWebRoot());
  const database = new WatchedDatabase(options.dbPath, options.blobDir);
  if (isPostgresUri(options.dbPath)) {
    // Reached before listening: an unreachable server or a database without beautyspot's
    // tables is reported now, not as a failing page.
    try {
      await database.current().service.countTasks({});
    } catch (error) {
      database.close();
      throw error;
    }
  }
  return await serveDatabase(database, files, {
    port,
    host,
    allowRemoteDelete: options.allowRemoteDelete === true,
    open: options.open === true,
    log,
    label: isPostgresUri(options.dbPath) ? describePostgresUri(options.dbPath) : options.dbPath,
  });
}

/** Options of {@link serveProgramDashboard}. */
export interface ProgramDashboardOptions {
  /** The program's maintenance service (`spot.maintenance`). */
  service: MaintenanceService;
  /** Retry of entries of functions the program marked. */
  retry: RetrySupport;
  /** @default 8787 (a free port when taken) */
  port?: number;
  /** A loopback address. @default "127.0.0.1" */
  host?: string;
  /** What the printed line names (the Spot's name). */
  label: string;
  log?: (line: string) => void;
}

/**
 * The dashboard inside a running program, over its own Spot: the same page and security as
 * `beautyspot ui` (loopback only, Host check, session token, CSP), plus Retry. Only loopback
 * addresses are accepted: Retry runs the program's functions.
 */
export async function serveProgramDashboard(
  options: ProgramDashboardOptions,
): Promise<RunningDashboard> {
  const port = readPort(options.port);
  const host = options.host ?? DEFAULT_HOST;
  if (typeof host !== "string" || !isLoopbackHost(host)) {
    throw new ValidationError(
      `serveDashboard listens on this machine only (Retry runs your program's functions), so host must be a loopback address such as 127.0.0.1, ::1 or localhost; got ${String(host)}. For a dashboard other machines can read, run \`beautyspot ui <db> --host …\` instead.`,
    );
  }
  const files = new StaticFiles(locateWebRoot());
  return await serveDatabase(
    new ProgramDatabase(options.service),
    files,
    {
      port,
      host,
      allowRemoteDelete: false,
      open: false,
      log: options.log ?? ((line: string) => console.log(line)),
      label: `Spot "${options.label}"`,
    },
    options.retry,
  );
}

/** Listens with the dashboard handler over `database`; closes the database if listening fails. */
async function serveDatabase(
  database: DashboardDatabase,
  files: StaticFiles,
  settings: {
    port: number;
    host: string;
    allowRemoteDelete: boolean;
    open: boolean;
    log: (line: string) => void;
    label: string;
  },
  retry?: RetrySupport,
): Promise<RunningDashboard> {
  const { port, host, log } = settings;
  const context: DashboardContext = {
    database,
    files,
    token: createSessionToken(),
    allowedHosts: new Set(),
    allowRemoteDelete: settings.allowRemoteDelete,
    log,
  };
  if (retry !== undefined) context.retry = retry;
  const server = createServer(createDashboardHandler(context));
  let boundPort: number;
  try {
    boundPort = await listenWithFallback(server, port, host, log);
  } catch (error) {
    database.close();
    throw error;
  }
  for (const allowed of listAllowedHosts(host, boundPort)) context.allowedHosts.add(allowed);
  if (!isLoopbackHost(host)) {
    log(
      context.allowRemoteDelete
        ? `Warning: the dashboard listens on ${host}, reachable from other machines. Anyone who can reach it can read every cached value and delete entries (--allow-remote-delete). Use the default 127.0.0.1 unless you mean it.`
        : `Warning: the dashboard listens on ${host}, reachable from other machines. Anyone who can reach it can read every cached value; deletions are accepted only from this machine (--allow-remote-delete would let anyone who can reach it delete entries). Use the default 127.0.0.1 unless you mean it.`,
    );
  }
  const url = `http://${formatUrlHost(host)}:${boundPort}/`;
  log(`beautyspot dashboard for ${settings.label}: ${url}`);
  if (settings.open) openBrowser(url, log);
  return {
    url,
    token: context.token,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          database.close();
          if (error === undefined) resolve();
          else reject(error);
        });
        // Keep-alive and streaming media connections would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
