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

/**
 * Maps a thrown value to a one-line message and an exit code. Validation problems (bad values
 * given on the command line) are usage errors; everything else is a runtime error.
 */
export function describeFailure(error: unknown): FailureReport {
  if (error instanceof ValidationError) {
    return { message: flattenMessage(error.message), exitCode: ExitCode.USAGE_ERROR };
  }
  if (error instanceof BeautySpotError) {
    return { message: flattenMessage(error.message), exitCode: ExitCode.RUNTIME_ERROR };
  }
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === "EACCES" || code === "EPERM") {
    return {
      message: flattenMessage(`Permission denied: ${detail}. Check the file permissions.`),
      exitCode: ExitCode.RUNTIME_ERROR,
    };
  }
  return {
    message: flattenMessage(
      `Unexpected error: ${detail}. Run again with BEAUTYSPOT_DEBUG=1 to see the stack trace, and report it if it persists.`,
    ),
    exitCode: ExitCode.RUNTIME_ERROR,
  };
}
