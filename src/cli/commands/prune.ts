/** @module cli/commands/prune — removes entries last written more than N days ago. */

import type { MaintenanceService } from "../../index.js";
import { confirmAction } from "../confirm.js";
import { closeDatabase, describeDatabase, openDatabase, showDatabase } from "../database.js";
import { resolveFunctionToRemove } from "../function-filter.js";
import { Output, pluralize } from "../output.js";
import type { DestructiveCommandOptions } from "./clear.js";

/** Options of `beautyspot prune`. */
export interface PruneCommandOptions extends DestructiveCommandOptions {
  /** Age in days; entries written before now minus this are removed. */
  days: number;
  func?: string;
  blobDir?: string;
}

const MS_PER_DAY = 86_400_000;
/** Rows read per page while counting for a dry run: bounded memory at any database size. */
const COUNT_PAGE_SIZE = 1000;

/**
 * Counts entries written before `cutoff` by walking the list oldest first and stopping at the
 * first newer one (the maintenance filter has no date criterion).
 */
async function countOlderThan(
  service: MaintenanceService,
  func: string | undefined,
  cutoff: number,
): Promise<number> {
  let count = 0;
  for (let offset = 0; ; offset += COUNT_PAGE_SIZE) {
    const page = await service.listTasks({
      func,
      sortBy: "updatedAt",
      sortOrder: "asc",
      limit: COUNT_PAGE_SIZE,
      offset,
    });
    for (const task of page) {
      if (Date.parse(task.updatedAt) >= cutoff) return count;
      count += 1;
    }
    if (page.length < COUNT_PAGE_SIZE) return count;
  }
}

/** Runs `beautyspot prune <db> --days N`. */
export async function runPrune(databasePath: string, options: PruneCommandOptions): Promise<void> {
  const output = new Output(options);
  const service = openDatabase(databasePath, {
    readonly: options.dryRun === true,
    blobDir: options.blobDir,
  });
  try {
    const func = await resolveFunctionToRemove(service, databasePath, options.func, output);
    const scope = func === undefined ? "" : ` of ${func}`;
    const age = `older than ${pluralize(options.days, "day")}`;
    const cutoff = Date.now() - options.days * MS_PER_DAY;
    const matching = await countOlderThan(service, func, cutoff);
    const report = {
      database: describeDatabase(databasePath),
      days: options.days,
      func: func ?? null,
    };
    if (options.dryRun === true || matching === 0) {
      if (output.json) {
        output.printJson({
          ...report,
          dryRun: options.dryRun === true,
          removed: 0,
          wouldRemove: matching,
        });
      } else if (matching === 0) {
        output.print(
          `Nothing to prune: no entries${scope} ${age} in ${showDatabase(databasePath)}.`,
        );
      } else {
        output.print(
          `Dry run: would remove ${pluralize(matching, "entry", "entries")}${scope} ${age} from ${showDatabase(databasePath)}.`,
        );
      }
      return;
    }
    await confirmAction(
      `Remove ${pluralize(matching, "entry", "entries")}${scope} ${age} from ${showDatabase(databasePath)}?`,
      options,
    );
    const removed = await service.prune({ olderThanDays: options.days, func });
    if (output.json) {
      output.printJson({ ...report, dryRun: false, removed });
    } else {
      output.print(
        `Removed ${pluralize(removed, "entry", "entries")}${scope} ${age} from ${showDatabase(databasePath)}.`,
      );
    }
  } finally {
    closeDatabase(service);
  }
}
