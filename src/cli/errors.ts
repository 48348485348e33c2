/** @module cli/errors — turns any failure into one actionable line and an exit code. */

import { BeautySpotError, ValidationError } from "../index.js";

/** Exit codes of the `beautyspot` command. */
export const ExitCode = {
  /** The command did what was asked. */
  SUCCESS: 0,
  /** The command was valid but failed while running (unreadable file, not a database, I/O). */
  RUNTIME_ERROR: 1,
  /** The command line cannot be carried out as typed: fix the arguments and run it again. */
  USAGE_ERROR: 2,
} as const;

/**
 * A problem with what was typed: a path that does not exist, an ambiguous key prefix, an unknown
 * function, a value out of range. Always exits with code 2.
 */
export class UsageError extends ValidationError {}

/** The command ran but could not finish (the user declined, a value could not be shown). */
export class CommandFailedError extends BeautySpotError {}

/** What to print and which code to exit with for a thrown value. */
export interface FailureReport {
  message: string;
  exitCode: number;
}

/** Keeps a message on one line: library messages may quote multi-line causes. */
function flattenMessage(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/** The database file the command is working on, named in messages about locks, space and damage. */
let databaseInUse: string | undefined;

/** Records the database a command opened, so a failure deep inside can name it. */
export function noteDatabaseInUse(databasePath: string): void {
  databaseInUse = databasePath;
}

/** The first `code` (SQLite's `SQLITE_…` or Node's `E…`) along an error's chain of causes. */
function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^(SQLITE_|E[A-Z])/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The message for a condition the CLI knows (a lock held by another process, a full disk, a
 * read-only or damaged file, missing permissions), or `undefined`. The one place where such codes
 * become advice.
 */
function describeKnownCondition(code: string, detail: string): string | undefined {
  const database = databaseInUse ?? "the database";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return `${database} is locked: another process holds a write lock on it (a running program using this cache, a \`beautyspot ui\` dashboard, or another beautyspot command) and did not release it within the 5 seconds this command waits. Wait for that process to finish, or stop it, then run the command again.`;
  }
  if (code.startsWith("SQLITE_READONLY") || code === "EROFS") {
    return `${database} cannot be written (${detail}): the file, its -wal and -shm files or its folder are read-only. Make them writable (or run as their owner), then run the command again.`;
  }
  if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) {
    return `${database} is damaged (${detail}). Restore it from a backup, or delete it (with its -wal and -shm files) to start the cache afresh.`;
  }
  if (code.startsWith("SQLITE_FULL") || code === "ENOSPC" || code === "EDQUOT") {
    return `The disk holding ${database} is full (${detail}). Free some space, then run the command again.`;
  }
  if (code.startsWith("SQLITE_PERM") || code === "EACCES" || code === "EPERM") {
    return `Permission denied: ${detail}. Check the permissions of ${database === "the database" ? "the files named" : `${database} and its folder`}, or run as their owner.`;
  }
  if (code.startsWith("SQLITE_IOERR") || code === "EIO") {
    return `Reading or writing ${database} failed at the disk (${detail}). Check the disk and the file system, then run the command again.`;
  }
  if (code === "ENOTDIR") {
    return `A path that should be a folder is a file (${detail}). Move that file away or pass another path, then run the command again.`;
  }
  if (code === "EISDIR") {
    return `A path that should be a file is a folder (${detail}). Pass the file itself, then run the command again.`;
  }
  if (code === "ELOOP") {
    return `A symbolic link points back to itself (${detail}). Fix or remove the link, then run the command again.`;
  }
  if (code === "ENOENT") {
    return `A file or folder went missing while the command ran (${detail}). If another program removed it, run the command again.`;
  }
  if (code === "EMFILE" || code === "ENFILE") {
    return `Too many open files (${detail}). Close other programs or raise the limit (ulimit -n), then run the command again.`;
  }
  return undefined;
}

/**
 * Maps a thrown value to a one-line message and an exit code. Validation problems (bad values
 * given on the command line) are usage errors; everything else is a runtime error. A condition
 * the CLI knows is never called unexpected.
 */
export function describeFailure(error: unknown): FailureReport {
  if (error instanceof ValidationError) {
    return { message: flattenMessage(error.message), exitCode: ExitCode.USAGE_ERROR };
  }
  const detail = error instanceof Error ? error.message : String(error);
  const code = findErrorCode(error);
  // The library's own messages already say what to do, except that a lock names no holder.
  const known =
    code === undefined || (error instanceof BeautySpotError && !/^SQLITE_(BUSY|LOCKED)/.test(code))
      ? undefined
      : describeKnownCondition(code, detail);
  if (known !== undefined)
    return { message: flattenMessage(known), exitCode: ExitCode.RUNTIME_ERROR };
  if (error instanceof BeautySpotError) {
    return { message: flattenMessage(error.message), exitCode: ExitCode.RUNTIME_ERROR };
  }
  return {
    message: flattenMessage(
      `Unexpected error: ${detail}. Run again with BEAUTYSPOT_DEBUG=1 to see the stack trace, and report it if it persists.`,
    ),
    exitCode: ExitCode.RUNTIME_ERROR,
  };
}
