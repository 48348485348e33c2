/** @module cli/commands/export — writes chosen entries of a database to a recording file for git. */

import path from "node:path";
import { exportRecording } from "../../index.js";
import { closeDatabase, describeDatabase, openDatabase } from "../database.js";
import { requireKnownFunction } from "../function-filter.js";
import { formatBytes, formatCount, Output } from "../output.js";

/** Options of `beautyspot export`. */
export interface ExportCommandOptions {
  out: string;
  func?: string;
  since?: string;
  /** Values larger than this many bytes go to `<out>.blobs/`. */
  blobThreshold?: number;
  blobDir?: string;
  json?: boolean;
}

/** Runs `beautyspot export <db> --out <file>`. */
export async function runExport(
  databasePath: string,
  options: ExportCommandOptions,
): Promise<void> {
  const output = new Output(options);
  const service = openDatabase(databasePath, { readonly: true, blobDir: options.blobDir });
  try {
    const func = await requireKnownFunction(service, databasePath, options.func);
    const report = await exportRecording(
      { db: service.db, storage: service.storage },
      options.out,
      {
        ...(func === undefined ? {} : { func }),
        ...(options.since === undefined ? {} : { since: options.since }),
        ...(options.blobThreshold === undefined ? {} : { blobThreshold: options.blobThreshold }),
      },
    );
    if (output.json) {
      output.printJson({
        database: describeDatabase(databasePath),
        out: path.resolve(options.out),
        ...report,
      });
      return;
    }
    const blobs =
      report.blobs === 0
        ? ""
        : `, and ${formatCount(report.blobs)} large ${report.blobs === 1 ? "value" : "values"} (${formatBytes(report.blobBytes)}) in ${options.out}.blobs/`;
    output.print(
      `Exported ${formatCount(report.entries)} ${report.entries === 1 ? "entry" : "entries"} to ${options.out} (${formatBytes(report.bytes)}${blobs}).`,
    );
    if (report.entries === 0) {
      output.note("Nothing matched: the recording holds no entries. Check --func and --since.");
    }
  } finally {
    closeDatabase(service);
  }
}
