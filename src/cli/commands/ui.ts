/** @module cli/commands/ui — serves the dashboard for one database until interrupted. */

import { requireBeautyspotDatabase } from "../database.js";
import { CommandFailedError } from "../errors.js";
import { Output } from "../output.js";

/** Options of `beautyspot ui`. */
export interface UiCommandOptions {
  port: number;
  host: string;
  open?: boolean;
  blobDir?: string;
  /** Let other machines delete entries when `host` is not loopback. */
  allowRemoteDelete?: boolean;
}

/** What the dashboard module offers; it is loaded only by this command. */
interface DashboardModule {
  startDashboard(options: {
    dbPath: string;
    blobDir?: string;
    port: number;
    host: string;
    open?: boolean;
    allowRemoteDelete?: boolean;
    log?: (line: string) => void;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

/** Where the dashboard lives relative to this file, in the sources and in the build alike. */
const DASHBOARD_URL = new URL("../../dashboard/index.js", import.meta.url);

/** Loads the dashboard; a build without it gets a clear message instead of a resolution error. */
async function loadDashboard(): Promise<DashboardModule> {
  try {
    return (await import(DASHBOARD_URL.href)) as DashboardModule;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : "";
    if (code === "ERR_MODULE_NOT_FOUND" && message.includes("dashboard")) {
      throw new CommandFailedError(
        "The dashboard is not available in this build of beautyspot. Use the other commands (list, show, stats), or install a release that includes it.",
        { cause: error },
      );
    }
    throw error;
  }
}

/** Runs `beautyspot ui <db>`: resolves once the server has been closed by SIGINT or SIGTERM. */
export async function runUi(databasePath: string, options: UiCommandOptions): Promise<void> {
  const output = new Output();
  // Checked read-only first: the dashboard opens the file writable, which would turn an empty
  // file into a database every other command then rejects.
  requireBeautyspotDatabase(databasePath);
  const dashboard = await loadDashboard();
  const server = await dashboard.startDashboard({
    dbPath: databasePath,
    ...(options.blobDir === undefined ? {} : { blobDir: options.blobDir }),
    port: options.port,
    host: options.host,
    open: options.open === true,
    allowRemoteDelete: options.allowRemoteDelete === true,
    // The dashboard announces its URL (and any port fallback) itself, once.
    log: (line) => output.print(line),
  });
  output.note("Press Ctrl+C to stop.");
  // The open server keeps the process alive; a signal closes it and lets the process end.
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
}
