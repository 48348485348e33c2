/** @module cli/commands/clear — removes every entry of a database, or every entry of one function. */

import { confirmAction } from "../confirm.js";
import { closeDatabase, describeDatabase, openDatabase, showDatabase } from "../database.js";
import { resolveFunctionToRemove } from "../function-filter.js";
import { Output, pluralize } from "../output.js";

/** Options shared by the commands that delete. */
export interface DestructiveCommandOptions {
  json?: boolean;
  /** Report what would be removed; change nothing. @default false */
  dryRun?: boolean;
  /** Do not ask for confirmation. @default false */
  yes?: boolean;
}

/** Options of `beautyspot clear`. */
export interface ClearCommandOptions extends DestructiveCommandOptions {
  func?: string;
  blobDir?: string;
}

/** Runs `beautyspot clear <db>`. */
export async function runClear(databasePath: string, options: ClearCommandOptions): Promise<void> {
  const output = new Output(options);
  const service = openDatabase(databasePath, {
    readonly: options.dryRun === true,
    blobDir: options.blobDir,
  });
  try {
    const func = await resolveFunctionToRemove(service, databasePath, options.func, output);
    const scope = func === undefined ? "" : ` of ${func}`;
    const matching = await service.countTasks({ func });
    if (options.dryRun === true || matching === 0) {
      if (output.json) {
        output.printJson({
          database: describeDatabase(databasePath),
          dryRun: options.dryRun === true,
          func: func ?? null,
          removed: 0,
          wouldRemove: matching,
        });
      } else if (matching === 0) {
        output.print(`Nothing to clear: no entries${scope} in ${showDatabase(databasePath)}.`);
      } else {
        output.print(
          `Dry run: would remove ${pluralize(matching, "entry", "entries")}${scope} from ${showDatabase(databasePath)}, with their blobs.`,
        );
      }
      return;
    }
    await confirmAction(
      `Remove ${pluralize(matching, "entry", "entries")}${scope} from ${showDatabase(databasePath)}, with their blobs?`,
      options,
    );
    const removed = await service.clear({ func });
    if (output.json) {
      output.printJson({
        database: describeDatabase(databasePath),
        dryRun: false,
        func: func ?? null,
        removed,
      });
    } else {
      output.print(
        `Removed ${pluralize(removed, "entry", "entries")}${scope} from ${showDatabase(databasePath)}.`,
      );
    }
  } finally {
    closeDatabase(service);
  }
}
