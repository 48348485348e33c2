/** @module cli/commands/import — loads a recording file into a database (created when missing). */

import fs from "node:fs";
import path from "node:path";
import { isPostgresUri } from "../../db/postgres/connection.js";
import { PostgresTaskDB } from "../../db/postgres/postgres-task-db.js";
import {
  importRecording,
  LocalStorage,
  type MaintenanceService,
  SQLiteTaskDB,
  ValidationError,
} from "../../index.js";
import { LocationStorage } from "../../storage/by-location.js";
import { createStorage } from "../../storage/create.js";
import { closeDatabase, describeDatabase, openDatabase, showDatabase } from "../database.js";
import { UsageError } from "../errors.js";
import { formatCount, Output } from "../output.js";

/** Options of `beautyspot import`. */
export interface ImportCommandOptions {
  blobDir?: string;
  json?: boolean;
}

/** The default blob folder of a database: `<folder>/blobs/<name>/`. */
function defaultBlobDir(databasePath: string): string {
  return path.join(
    path.dirname(databasePath),
    "blobs",
    path.basename(databasePath, path.extname(databasePath)),
  );
}

/** Runs `beautyspot import <file> <db>`. */
export async function runImport(
  file: string,
  databasePath: string,
  options: ImportCommandOptions,
): Promise<void> {
  const output = new Output(options);
  if (!fs.existsSync(file)) {
    throw new UsageError(
      `Recording ${file} does not exist. Check the path; \`beautyspot export <db> --out ${file}\` writes one.`,
    );
  }
  const postgres = isPostgresUri(databasePath);
  const created = !postgres && !fs.existsSync(databasePath);
  let service: MaintenanceService | undefined;
  let db: SQLiteTaskDB | PostgresTaskDB | undefined;
  try {
    let target: {
      db: SQLiteTaskDB | MaintenanceService["db"];
      storage: MaintenanceService["storage"];
    };
    if (postgres) {
      // Written to, so migrated (created when new); blobs go where --blob-dir says.
      db = new PostgresTaskDB(databasePath);
      target = {
        db,
        storage:
          options.blobDir === undefined
            ? new LocationStorage("--blob-dir <folder or s3:// URI> for the recording's blobs")
            : createStorage(options.blobDir),
      };
    } else if (created) {
      fs.mkdirSync(path.dirname(path.resolve(databasePath)), { recursive: true });
      db = new SQLiteTaskDB(databasePath);
      const absolute = path.resolve(databasePath);
      target = {
        db,
        storage: new LocalStorage(options.blobDir ?? defaultBlobDir(absolute), { owner: absolute }),
      };
    } else {
      service = openDatabase(databasePath, { blobDir: options.blobDir });
      target = { db: service.db, storage: service.storage };
    }
    let report: Awaited<ReturnType<typeof importRecording>>;
    try {
      report = await importRecording(file, target);
    } catch (error) {
      if (postgres) {
        // Written to, so migrated (created when new); blobs go where --blob-dir says.
        db = new PostgresTaskDB(databasePath);
        target = {
          db,
          storage:
            options.blobDir === undefined
              ? new LocationStorage("--blob-dir <folder or s3:// URI> for the recording's blobs")
              : createStorage(options.blobDir),
        };
      } else if (created) {
        // Nothing was imported: leave no empty database behind.
        await db?.close();
        db = undefined;
        for (const suffix of ["", "-wal", "-shm"])
          fs.rmSync(`${databasePath}${suffix}`, { force: true });
      }
      if (error instanceof ValidationError) throw new UsageError(error.message, { cause: error });
      throw error;
    }
    if (output.json) {
      output.printJson({
        file: path.resolve(file),
        database: describeDatabase(databasePath),
        created,
        ...report,
      });
      return;
    }
    output.print(
      `Imported ${formatCount(report.entries)} ${report.entries === 1 ? "entry" : "entries"} from ${file} into ${showDatabase(databasePath)}${created ? " (created)" : ""}.`,
    );
  } finally {
    if (service !== undefined) closeDatabase(service);
    await db?.close();
  }
}
