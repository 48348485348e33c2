/**
 * @module cli/commands/gc — workspace-wide clean-up: expired entries, orphan blobs, and blob
 * folders whose databases are provably gone. Folders it cannot prove abandoned are listed with
 * the reason and kept.
 */

import path from "node:path";
import { isPostgresUri } from "../../db/postgres/connection.js";
import { type KeptBlobFolder, MaintenanceService } from "../../index.js";
import { inferBlobFolder } from "../blob-folder.js";
import { confirmAction } from "../confirm.js";
import { closeDatabase, describeDatabase, openDatabase, requireWorkspace } from "../database.js";
import { UsageError } from "../errors.js";
import { formatBytes, Output, pluralize } from "../output.js";
import { startProgress } from "../progress.js";
import type { DestructiveCommandOptions } from "./clear.js";

/** Options of `beautyspot gc`. */
export interface GcCommandOptions extends DestructiveCommandOptions {
  workspace: string;
  /** With a postgres:// database: its blob storage (a folder or an s3:// / gs:// URI). */
  blobDir?: string;
  /** Remove expired entries too (`--no-expired` turns it off). @default true */
  expired: boolean;
  /** Only blobs older than this many seconds count as orphans. */
  graceSeconds: number;
}

/** What gc found or removed in one database. */
interface DatabaseReport {
  name: string;
  path: string;
  expiredRows: number;
  orphanBlobs: number;
  tempFiles: number;
  emptyDirs: number;
  /** Why this database was skipped. */
  error?: string;
}

/** Runs `beautyspot gc`. */
export async function runGc(options: GcCommandOptions): Promise<void> {
  const output = new Output(options);
  const workspace = requireWorkspace(options.workspace);
  const dryRun = options.dryRun === true;
  const databases = await MaintenanceService.listDatabases(workspace);
  const { orphans: zombies, kept } = await MaintenanceService.scanBlobFolders(workspace);

  // First pass, read-only: what there is to remove, so the question can say it.
  const found: DatabaseReport[] = [];
  for (const database of databases) {
    const report: DatabaseReport = {
      name: database.name,
      path: database.path,
      expiredRows: 0,
      orphanBlobs: 0,
      tempFiles: 0,
      emptyDirs: 0,
    };
    const shared = findSharedFolder(database.path);
    if (database.error === undefined && shared !== undefined) {
      report.error = shared;
    } else if (database.error === undefined) {
      const service = openDatabase(database.path, { readonly: true });
      try {
        if (options.expired) report.expiredRows = (await service.stats()).expired;
        report.orphanBlobs = (
          await service.scanGarbage({ graceSeconds: options.graceSeconds })
        ).length;
      } finally {
        closeDatabase(service);
      }
    } else {
      report.error = database.error;
    }
    found.push(report);
  }
  const readable = found.filter((report) => report.error === undefined);
  const expiredTotal = sum(found, "expiredRows");
  const orphanTotal = sum(found, "orphanBlobs");
  const zombieBytes = zombies.reduce((total, zombie) => total + zombie.bytes, 0);
  const summary = `${pluralize(expiredTotal, "expired entry", "expired entries")} and ${pluralize(orphanTotal, "orphan blob")} in ${pluralize(readable.length, "database")}, and ${pluralize(zombies.length, "blob folder")} of deleted databases (${formatBytes(zombieBytes)})`;
  const nothing = expiredTotal === 0 && orphanTotal === 0 && zombies.length === 0;

  if (dryRun || nothing) {
    if (output.json) {
      output.printJson({
        workspace: path.resolve(workspace),
        dryRun,
        databases: found,
        zombieFolders: zombies,
        keptFolders: kept,
      });
    } else if (nothing) {
      output.print(`Nothing to collect in ${workspace}.`);
    } else {
      output.print(`Dry run: would remove ${summary}.`);
      for (const zombie of zombies) {
        output.print(
          `  ${zombie.path} (${pluralize(zombie.files, "file")}, ${formatBytes(zombie.bytes)})`,
        );
      }
    }
    noteSkipped(output, found);
    noteKept(output, kept);
    return;
  }

  await confirmAction(`Remove ${summary}?`, options);
  const progress = await startProgress("Collecting garbage", readable.length + zombies.length);
  const removed: DatabaseReport[] = [];
  let zombiesRemoved = 0;
  try {
    for (const report of found) {
      if (report.error !== undefined) {
        removed.push(report);
        continue;
      }
      const service = openDatabase(report.path);
      try {
        const cleaned = await service.cleanGarbage({
          expired: options.expired,
          graceSeconds: options.graceSeconds,
        });
        removed.push({ name: report.name, path: report.path, ...cleaned });
      } finally {
        closeDatabase(service);
      }
      progress.increment();
    }
    for (const zombie of zombies) {
      try {
        if (await MaintenanceService.deleteOrphanProject(workspace, zombie.name))
          zombiesRemoved += 1;
      } catch (error) {
        // Changed since the scan (a Spot started using it, a file appeared): kept, and said why.
        kept.push({
          name: zombie.name,
          path: zombie.path,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
      progress.increment();
    }
  } finally {
    progress.stop();
  }
  if (output.json) {
    output.printJson({
      workspace: path.resolve(workspace),
      dryRun: false,
      databases: removed,
      zombieFoldersRemoved: zombiesRemoved,
      keptFolders: kept,
    });
  } else {
    output.print(
      `Removed ${pluralize(sum(removed, "expiredRows"), "expired entry", "expired entries")}, ${pluralize(sum(removed, "orphanBlobs"), "orphan blob")}, ${pluralize(sum(removed, "tempFiles"), "temporary file")} and ${pluralize(zombiesRemoved, "blob folder")} of deleted databases.`,
    );
  }
  noteSkipped(output, removed);
  noteKept(output, kept);
}

/**
 * Runs `beautyspot gc <postgres-uri>`: expired entries (with their blobs) and, with
 * `--blob-dir`, orphan blobs of one PostgreSQL database, which no workspace folder holds.
 */
export async function runGcOnPostgres(uri: string, options: GcCommandOptions): Promise<void> {
  if (!isPostgresUri(uri)) {
    throw new UsageError(
      `gc takes a postgres:// URI or nothing, got ${JSON.stringify(uri)}. SQLite databases are found in their workspace folder: pass --workspace <folder> instead.`,
    );
  }
  const output = new Output(options);
  const dryRun = options.dryRun === true;
  const shown = describeDatabase(uri);
  const service = openDatabase(uri, { readonly: dryRun, blobDir: options.blobDir });
  try {
    const expiredRows = options.expired ? (await service.stats()).expired : 0;
    const orphans =
      options.blobDir === undefined
        ? []
        : await service.scanGarbage({ graceSeconds: options.graceSeconds });
    const summary = `${pluralize(expiredRows, "expired entry", "expired entries")} and ${pluralize(orphans.length, "orphan blob")} in ${shown}`;
    const nothing = expiredRows === 0 && orphans.length === 0;
    if (dryRun || nothing) {
      if (output.json) {
        output.printJson({
          database: shown,
          dryRun,
          expiredRows,
          orphanBlobs: orphans.length,
          orphans,
        });
      } else if (nothing) {
        output.print(`Nothing to collect in ${shown}.`);
      } else {
        output.print(`Dry run: would remove ${summary}.`);
      }
      if (options.blobDir === undefined && !output.json) {
        output.note(
          "Orphan blobs were not looked for: pass --blob-dir with the blob storage the Spots use.",
        );
      }
      return;
    }
    await confirmAction(`Remove ${summary}?`, options);
    const cleaned = await service.cleanGarbage({
      expired: options.expired,
      graceSeconds: options.graceSeconds,
    });
    if (output.json) {
      output.printJson({ database: shown, dryRun: false, ...cleaned });
    } else {
      output.print(
        `Removed ${pluralize(cleaned.expiredRows, "expired entry", "expired entries")} and ${pluralize(cleaned.orphanBlobs, "orphan blob")} from ${shown}.`,
      );
    }
  } finally {
    closeDatabase(service);
  }
}

/**
 * Why the blob folder of `databasePath` cannot be cleaned against it alone (its owner records
 * name other databases too), or `undefined`.
 */
function findSharedFolder(databasePath: string): string | undefined {
  const blobDir = inferBlobFolder(databasePath);
  const others = MaintenanceService.findOtherOwners(blobDir, databasePath);
  if (others.length === 0) return undefined;
  const named = others.map((owner) => owner ?? "a database without a file");
  return `its blob folder ${blobDir} also holds the blobs of ${named.join(", ")}, so its orphans cannot be judged against this database alone. Nothing was removed for this database; if that other database no longer uses the folder, delete its owner record there (.beautyspot-owner-*.json) and run gc again`;
}

function sum(
  reports: DatabaseReport[],
  field: "expiredRows" | "orphanBlobs" | "tempFiles",
): number {
  return reports.reduce((total, report) => total + report[field], 0);
}

/** Databases that could not be read are skipped, never fatal: gc covers the rest. */
function noteSkipped(output: Output, reports: DatabaseReport[]): void {
  for (const report of reports) {
    if (report.error !== undefined) {
      output.note(output.errorColors.yellow(`Skipped ${report.path}: ${report.error}`));
    }
  }
}

/** Folders gc could not prove abandoned: kept, each with the reason, so the user can decide. */
function noteKept(output: Output, kept: readonly KeptBlobFolder[]): void {
  if (kept.length === 0 || output.json) return;
  output.note(
    output.errorColors.yellow(
      `Kept ${pluralize(kept.length, "folder")} under blobs/ that beautyspot cannot prove abandoned:`,
    ),
  );
  for (const folder of kept) output.note(`  ${folder.path}: ${folder.reason}.`);
}
