/**
 * @module cli/commands/stats — totals of one database: rows, bytes, per function, per content
 * type, and what the cache saved (hits, hit rate, time and tokens saved).
 */

import type { FunctionStats, SavedFigures, TaskStats } from "../../index.js";
import { closeDatabase, describeDatabase, openDatabase } from "../database.js";
import { escapeInline } from "../escape.js";
import { formatBytes, formatCount, formatDuration, formatPercent, Output } from "../output.js";

/** Rows and bytes of one function or content type. */
type GroupStats = TaskStats["byFunction"][string];

/** Options of `beautyspot stats`. */
export interface StatsCommandOptions {
  json?: boolean;
}

function sortGroups<G extends GroupStats>(groups: Record<string, G>): [string, G][] {
  return Object.entries(groups).sort((left, right) => right[1].rows - left[1].rows);
}

/** Shown where a figure was never recorded (entries of the Python library or of older versions). */
const NOT_RECORDED = "not recorded";

/** Time saved, or "not recorded" when no entry of the group has a recorded duration. */
function formatTimeSaved(figures: SavedFigures & { rows: number }): string {
  return figures.timedRows === 0 && figures.rows > 0
    ? NOT_RECORDED
    : formatDuration(figures.timeSavedMs);
}

/** Tokens saved, or "not recorded" when no entry of the group has a recorded token count. */
function formatTokensSaved(figures: SavedFigures & { rows: number }): string {
  return figures.tokenRows === 0 && figures.rows > 0
    ? NOT_RECORDED
    : formatCount(figures.tokensSaved);
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
    output.print(
      `  Hits:     ${formatCount(stats.hits)} (hit rate ${formatPercent(stats.hitRate)})`,
    );
    output.print(
      `  Saved:    ${formatTimeSaved(stats)} of calls, ${formatTokensSaved(stats)} tokens`,
    );
    if (stats.rows === 0) return;
    output.print();
    output.printTable(
      ["FUNCTION", "ENTRIES", "SIZE", "HITS", "HIT RATE", "TIME SAVED", "TOKENS SAVED"],
      sortGroups<FunctionStats>(stats.byFunction).map(([name, group]) => [
        colors.cyan(escapeInline(name)),
        formatCount(group.rows),
        formatBytes(group.bytes),
        formatCount(group.hits),
        formatPercent(group.hitRate),
        formatTimeSaved(group),
        formatTokensSaved(group),
      ]),
      ["left", "right", "right", "right", "right", "right", "right"],
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
