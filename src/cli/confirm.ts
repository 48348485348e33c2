/** @module cli/confirm — the yes/no question every destructive command asks before it acts. */

import { createInterface } from "node:readline/promises";
import { CommandFailedError, UsageError } from "./errors.js";

/** How a destructive command was asked to confirm. */
export interface ConfirmOptions {
  /** `-y` / `--yes`: act without asking. @default false */
  yes?: boolean;
}

/**
 * Asks `question` on the terminal and resolves when the answer is yes. Skipped with `yes`.
 * Without a terminal there is nobody to answer, so the command is refused (a usage error)
 * rather than guessing; a "no" answer stops the command (a runtime error, nothing changed).
 */
export async function confirmAction(question: string, options: ConfirmOptions): Promise<void> {
  if (options.yes === true) return;
  if (process.stdin.isTTY !== true) {
    throw new UsageError(
      `Refusing to go ahead without confirmation: standard input is not a terminal. Add -y (--yes) to confirm, or --dry-run to see what would change.`,
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  let answer: string;
  try {
    answer = await prompt.question(`${question} [y/N] `);
  } finally {
    prompt.close();
  }
  if (!/^\s*y(es)?\s*$/i.test(answer)) {
    throw new CommandFailedError("Cancelled: nothing was changed.");
  }
}
