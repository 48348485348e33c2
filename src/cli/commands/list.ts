/** @module cli/commands/list — the databases of a workspace, or the entries of one database. */

import path from "node:path";
import { MaintenanceService } from "../../index.js";
import {
  closeDatabase,
  describeDatabase,
  openDatabase,
  requireWorkspace,
  showDatabase,
} from "../database.js";
import { UsageError } from "../errors.js";
import { escapeInline } from "../escape.js";
import { requireKnownFunction } from "../function-filter.js";
import { formatBytes, formatCount, formatTimestamp, Output, pluralize } from "../output.js";
import { showField } from "../records.js";

/** Options of `beautyspot list`. */
export interface ListCommandOptions {
  /** Folder whose databases are listed when no database is given. */
  workspace: string;
  json?: boolean;
  /** Entries per page. @default 50 */
  limit: number;
  /** Entries to skip. @default 0 */
  offset: number;
  func?: string;
  contentType?: string;
  search?: string;
}

/** Key characters shown in tables: enough to be unique in practice and to pass to `show`. */
const SHORT_KEY_LENGTH = 12;

/** Runs `beautyspot list [db]`. */
export async function runList(
  databasePath: string | undefined,
  options: ListCommandOptions,
): Promise<void> {
  if (databasePath === undefined) {
    await listWorkspace(options);
  } else {
    await listEntries(databasePath, options);
  }
}

async function listWorkspace(options: ListCommandOptions): Promise<void> {
  const output = new Output(options);
  const workspace = requireWorkspace(options.workspace);
  const databases = await MaintenanceService.listDatabases(workspace);
  if (output.json) {
    output.printJson({ workspace: path.resolve(workspace), databases });
    return;
  }
  if (databases.length === 0) {
    output.note(
      `No databases in ${workspace}. They appear once a Spot has stored something there.`,
    );
    return;
  }
  const { colors } = output;
  output.printTable(
    ["DATABASE", "PATH", "SIZE", "ENTRIES", "LAST UPDATE (UTC)"],
    databases.map((database) => [
      colors.cyan(escapeInline(database.name)),
      escapeInline(path.relative(process.cwd(), database.path) || database.path),
      formatBytes(database.size),
      database.rows === null ? colors.red("unreadable") : formatCount(database.rows),
      formatTimestamp(database.lastUpdated),
    ]),
    ["left", "left", "right", "right", "left"],
  );
  for (const database of databases) {
    if (database.error !== undefined)
      output.note(colors.yellow(escapeInline(`${database.name}: ${database.error}`)));
  }
}

async function listEntries(databasePath: string, options: ListCommandOptions): Promise<void> {
  const output = new Output(options);
  const service = openDatabase(databasePath, { readonly: true });
  try {
    const func = await requireKnownFunction(service, databasePath, options.func);
    const filter = { func, contentType: options.contentType, search: options.search };
    const total = await service.countTasks(filter);
    const tasks = await service.listTasks({
      ...filter,
      limit: options.limit,
      offset: options.offset,
    });
    if (output.json) {
      output.printJson({
        database: describeDatabase(databasePath),
        total,
        offset: options.offset,
        tasks,
      });
      return;
    }
    if (tasks.length === 0) {
      if (total > 0) {
        throw new UsageError(
          `--offset ${options.offset} is past the last of ${formatCount(total)} matching entries. Use a smaller --offset.`,
        );
      }
      output.note(
        escapeInline(
          `No entries in ${showDatabase(databasePath)}${func === undefined ? "" : ` for ${func}`}.`,
        ),
      );
      return;
    }
    const { colors } = output;
    output.printTable(
      ["KEY", "FUNCTION", "STORED", "CONTENT TYPE", "SIZE", "UPDATED (UTC)", "EXPIRES (UTC)"],
      tasks.map((task) => {
        const name = showField(task, "funcName", task.funcName, colors);
        return [
          colors.yellow(escapeInline(task.cacheKey.slice(0, SHORT_KEY_LENGTH))),
          task.version === null ? name : `${name} ${colors.dim(escapeInline(task.version))}`,
          showField(task, "resultType", task.resultType === "FILE" ? "blob" : "inline", colors),
          escapeInline(task.contentType ?? "-"),
          showField(task, "size", formatBytes(task.size), colors),
          showField(task, "updatedAt", formatTimestamp(task.updatedAt), colors),
          showField(task, "expiresAt", formatTimestamp(task.expiresAt, "never"), colors),
        ];
      }),
      ["left", "left", "left", "left", "right", "left", "left"],
    );
    const damaged = tasks.filter((task) => task.problems !== undefined);
    if (damaged.length > 0) {
      const first = damaged[0]?.cacheKey.slice(0, SHORT_KEY_LENGTH) ?? "";
      output.note(
        colors.yellow(
          `${pluralize(damaged.length, "entry has", "entries have")} fields that hold no usable value (shown as invalid): \`beautyspot show ${showDatabase(databasePath)} ${first}\` says what is stored. Delete such an entry in the dashboard (\`beautyspot ui ${showDatabase(databasePath)}\`); a call recomputes it.`,
        ),
      );
    }
    const last = options.offset + tasks.length;
    const more = last < total ? ` Next page: --offset ${last}.` : "";
    output.note(`Entries ${options.offset + 1}-${last} of ${formatCount(total)}.${more}`);
  } finally {
    closeDatabase(service);
  }
}
