/**
 * @module cli/commands/clean — removes orphan blobs and temporary files of finished writes from
 * one database's blob folder. Only names beautyspot writes are touched (`<64 hex>.bin`, its temp
 * files); any other file or folder there stays, however old.
 */

import path from "node:path";
import { isPostgresUri } from "../../db/postgres/connection.js";
import { ConfigurationError, MaintenanceService } from "../../index.js";
import { ownerRecordName } from "../../storage/ownership.js";
import { countLeftovers, inferBlobFolder } from "../blob-folder.js";
import { confirmAction } from "../confirm.js";
import { closeDatabase, describeDatabase, openDatabase, showDatabase } from "../database.js";
import { UsageError } from "../errors.js";
import { Output, pluralize } from "../output.js";
import { startProgress } from "../progress.js";
import type { DestructiveCommandOptions } from "./clear.js";

/** Options of `beautyspot clean`. */
export interface CleanCommandOptions extends DestructiveCommandOptions {
  blobDir?: string;
  /** Only files older than this many seconds are removed: younger ones may be saves in progress. */
  graceSeconds: number;
}

/** Deletes the orphans found by the scan, with a progress bar on a terminal. */
async function deleteOrphans(service: MaintenanceService, orphans: string[]): Promise<number> {
  const progress = await startProgress("Removing orphan blobs", orphans.length);
  try {
    return await service.removeOrphans(orphans, () => progress.increment());
  } finally {
    progress.stop();
  }
}

/**
 * Refuses a blob folder whose owner records name another database: a blob that database
 * references but this one does not would look like an orphan and be deleted.
 */
function refuseSharedFolder(databasePath: string, blobDir: string): void {
  const others = MaintenanceService.findOtherOwners(blobDir, path.resolve(databasePath));
  if (others.length === 0) return;
  const named = others.map((owner) => owner ?? "a database without a file (a TaskDB passed in)");
  const records = others.map((owner) => ownerRecordName(owner)).join(", ");
  throw new ConfigurationError(
    `${blobDir} also holds the blobs of ${named.join(", ")} (its owner records say so), so blobs ${showDatabase(databasePath)} does not reference may still be in use. Nothing was removed. Pass the blob folder of ${showDatabase(databasePath)} with --blob-dir; or, if that other database no longer uses this folder, delete its owner record (${records}) there and run clean again.`,
  );
}

/** Runs `beautyspot clean <db>`. */
export async function runClean(databasePath: string, options: CleanCommandOptions): Promise<void> {
  const output = new Output(options);
  const postgres = isPostgresUri(databasePath);
  if (postgres && options.blobDir === undefined) {
    throw new UsageError(
      `A postgres:// database has no blob folder of its own: pass the one its Spots use with --blob-dir (a folder, or an s3:// or gs:// URI), such as \`beautyspot clean ${describeDatabase(databasePath)} --blob-dir s3://team-cache/my_app\`.`,
    );
  }
  const blobDir = options.blobDir ?? inferBlobFolder(databasePath);
  const cloud = /^(s3|gs):\/\//i.test(blobDir);
  const dryRun = options.dryRun === true;
  if (!postgres && !cloud) refuseSharedFolder(databasePath, blobDir);
  const service = openDatabase(databasePath, { readonly: dryRun, blobDir });
  try {
    const orphans = await service.scanGarbage({ graceSeconds: options.graceSeconds });
    const leftovers = cloud
      ? { tempFiles: 0, emptyDirs: 0 }
      : countLeftovers(blobDir, options.graceSeconds * 1000);
    const report = {
      database: describeDatabase(databasePath),
      blobDir: cloud ? blobDir : path.resolve(blobDir),
    };
    const nothing = orphans.length === 0 && leftovers.tempFiles === 0;
    const summary = `${pluralize(orphans.length, "orphan blob")} and ${pluralize(leftovers.tempFiles, "temporary file")}`;
    if (dryRun || nothing) {
      if (output.json) {
        output.printJson({
          ...report,
          dryRun,
          orphanBlobs: orphans.length,
          tempFiles: leftovers.tempFiles,
          emptyDirs: leftovers.emptyDirs,
          orphans,
        });
      } else if (nothing) {
        output.print(`Nothing to clean in ${blobDir}.`);
      } else {
        output.print(`Dry run: would remove ${summary} from ${blobDir}.`);
        for (const location of orphans) output.print(`  ${location}`);
      }
      return;
    }
    await confirmAction(`Remove ${summary} from ${blobDir}?`, options);
    const orphanBlobs = await deleteOrphans(service, orphans);
    // Orphans were handled above; this pass removes temporary files (and any orphan that
    // appeared since the scan).
    const rest = await service.cleanGarbage({ expired: false, graceSeconds: options.graceSeconds });
    const removed = {
      orphanBlobs: orphanBlobs + rest.orphanBlobs,
      tempFiles: rest.tempFiles,
      emptyDirs: rest.emptyDirs,
    };
    if (output.json) {
      output.printJson({ ...report, dryRun: false, ...removed });
    } else {
      output.print(
        `Removed ${pluralize(removed.orphanBlobs, "orphan blob")} and ${pluralize(removed.tempFiles, "temporary file")} from ${blobDir}.`,
      );
    }
  } finally {
    closeDatabase(service);
  }
}
