/**
 * @module cli/commands/copy — `beautyspot copy <from> <to>`: entries from one database (a SQLite
 * file or a postgres:// URI) and its blobs into another, verifying each value's digest.
 * Resumable: run it again after an interruption and entries already copied are skipped.
 */

import fs from "node:fs";
import path from "node:path";
import { describePostgresUri, isPostgresUri } from "../../db/postgres/connection.js";
import { PostgresTaskDB } from "../../db/postgres/postgres-task-db.js";
import { SQLiteTaskDB } from "../../db/sqlite/sqlite-task-db.js";
import type { TaskDB } from "../../db/types.js";
import { type CopyReport, copyEntries } from "../../maintenance/copy.js";
import { createStorage } from "../../storage/create.js";
import { LocalStorage } from "../../storage/local.js";
import type { BlobStorage } from "../../storage/types.js";
import { inferBlobFolder } from "../blob-folder.js";
import { closeDatabase, describeDatabase, openDatabase } from "../database.js";
import { CommandFailedError, UsageError } from "../errors.js";
import { escapeInline } from "../escape.js";
import { formatCount, Output, pluralize } from "../output.js";
import { startProgress } from "../progress.js";

/** Options of `beautyspot copy`. */
export interface CopyCommandOptions {
  /** Blob storage of the source (a folder or an s3:// / gs:// URI). */
  fromBlobDir?: string;
  /** Blob storage of the target (a folder or an s3:// / gs:// URI). */
  toBlobDir?: string;
  json?: boolean;
}

/** A blob storage named on the command line: a folder, or a URI `createStorage` knows. */
function openStorage(location: string, owner?: string): BlobStorage {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location)
    ? createStorage(location)
    : new LocalStorage(path.resolve(location), owner === undefined ? {} : { owner });
}

/** The target database (created or migrated: it is written to) and its blob storage. */
function openTarget(
  target: string,
  toBlobDir: string | undefined,
): { db: TaskDB; storage?: BlobStorage } {
  if (isPostgresUri(target)) {
    // Without a blob storage, blob rows keep their S3/GCS locations (shared by both databases).
    return {
      db: new PostgresTaskDB(target),
      storage: toBlobDir === undefined ? undefined : openStorage(toBlobDir),
    };
  }
  const absolute = path.resolve(target);
  if (fs.statSync(absolute, { throwIfNoEntry: false })?.isDirectory() === true) {
    throw new UsageError(
      `${target} is a folder. Pass the target database file, such as ${path.join(target, "my_app.db")}.`,
    );
  }
  fs.mkdirSync(path.dirname(absolute), { recursive: true });
  const db = new SQLiteTaskDB(absolute, { memoryCacheBytes: 0 });
  try {
    return { db, storage: openStorage(toBlobDir ?? inferBlobFolder(absolute), absolute) };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Whether two database arguments name the same database. */
function isSameDatabase(from: string, to: string): boolean {
  if (isPostgresUri(from) || isPostgresUri(to)) return from === to;
  return path.resolve(from) === path.resolve(to);
}

/** Runs `beautyspot copy <from> <to>`. */
export async function runCopy(
  from: string,
  to: string,
  options: CopyCommandOptions,
): Promise<void> {
  const output = new Output(options);
  if (isSameDatabase(from, to)) {
    throw new UsageError(
      `${describeDatabase(from)} is both the source and the target. Pass two different databases.`,
    );
  }
  const source = openDatabase(from, { readonly: true, blobDir: options.fromBlobDir });
  let target: { db: TaskDB; storage?: BlobStorage } | undefined;
  let report: CopyReport;
  try {
    target = openTarget(to, options.toBlobDir);
    const total = await source.countTasks({});
    const progress = await startProgress("Copying entries", total);
    try {
      report = await copyEntries({ db: source.db, storage: source.storage }, target, {
        onEntry: () => progress.increment(),
      });
    } finally {
      progress.stop();
    }
  } finally {
    closeDatabase(source);
    await target?.db.close();
  }
  const shownTarget = isPostgresUri(to) ? describePostgresUri(to) : path.resolve(to);
  if (output.json) {
    output.printJson({ from: describeDatabase(from), to: shownTarget, ...report });
  } else {
    output.print(
      `Copied ${formatCount(report.copied)} ${report.copied === 1 ? "entry" : "entries"} (${pluralize(report.blobs, "blob")}) from ${escapeInline(describeDatabase(from))} to ${escapeInline(shownTarget)}; ${formatCount(report.skipped)} already there.`,
    );
    if (report.unverified > 0) {
      output.note(
        `${pluralize(report.unverified, "entry has", "entries have")} no stored digest (written by the Python library): copied with one computed now.`,
      );
    }
  }
  if (report.refused.length > 0) {
    const shown = report.refused
      .slice(0, 5)
      .map((entry) => `${entry.cacheKey}: ${entry.reason}`)
      .join("; ");
    throw new CommandFailedError(
      `${pluralize(report.refused.length, "entry was", "entries were")} not copied: ${escapeInline(shown)}${report.refused.length > 5 ? "; …" : ""}. The rest was copied. A call recomputes a refused entry; \`beautyspot show\` tells more about one.`,
    );
  }
}
