/** @module cli/commands/stats — totals of one database: rows, bytes, per function, per content type. */

import type { TaskStats } from "../../index.js";
import { closeDatabase, describeDatabase, openDatabase } from "../database.js";
import { escapeInline } from "../escape.js";
import { formatBytes, formatCount, Output } from "../output.js";

/** Rows and bytes of one function or content type. */
type GroupStats = TaskStats["byFunction"][string];

/** Options of `beautyspot stats`. */
export interface StatsCommandOptions {
  json?: boolean;
}

function sortGroups(groups: Record<string, GroupStats>): [string, GroupStats][] {
  return Object.entries(groups).sort((left, right) => right[1].rows - left[1].rows);
}

/** Runs `beautyspot stats <db>`. */
export async function runStats(databasePath: string, options: StatsCommandOptions): Promise<void> {
  const output = new Output(options);
  const service = openDatabase(databasePath, { readonly: true });
  try {
    const stats = await service.stats();
    if (output.json) {
      output.printJson({ database: describeDatabase(databasePath), ...stats });
      return;
    }
    const { colors } = output;
    output.print(colors.bold(escapeInline(databasePath)));
    output.print(`  Entries:  ${formatCount(stats.rows)}`);
    output.print(
      `  Size:     ${formatBytes(stats.bytes)} (inline ${formatBytes(stats.inlineBytes)}, blobs ${formatBytes(stats.blobBytes)})`,
    );
    const expired = `${formatCount(stats.expired)}`;
    output.print(
      `  Expired:  ${stats.expired > 0 ? colors.yellow(expired) : expired}${stats.expired > 0 ? " (remove them with `beautyspot gc`)" : ""}`,
    );
    if (stats.rows === 0) return;
    output.print();
    output.printTable(
      ["FUNCTION", "ENTRIES", "SIZE"],
      sortGroups(stats.byFunction).map(([name, group]) => [
        colors.cyan(escapeInline(name)),
        formatCount(group.rows),
        formatBytes(group.bytes),
      ]),
      ["left", "right", "right"],
    );
    output.print();
    output.printTable(
      ["CONTENT TYPE", "ENTRIES", "SIZE"],
      sortGroups(stats.byContentType).map(([name, group]) => [
        escapeInline(name),
        formatCount(group.rows),
        formatBytes(group.bytes),
      ]),
      ["left", "right", "right"],
    );
  } finally {
    closeDatabase(service);
  }
}
