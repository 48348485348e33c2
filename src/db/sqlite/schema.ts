/**
 * @module db/sqlite/schema — the `tasks` table, its indexes, and the migrations that bring
 * databases written by older versions or by the Python library up to date.
 */

import type Database from "better-sqlite3";
import { ConfigurationError } from "../../errors.js";

/** Stored in `PRAGMA user_version`. Bump it with every migration step added below. */
export const SCHEMA_VERSION = 3;

/** The columns the Python library creates, in its order, so both can read each other's files. */
const PYTHON_COLUMNS: readonly (readonly [name: string, type: string])[] = [
  ["cache_key", "TEXT PRIMARY KEY"],
  ["func_name", "TEXT"],
  ["func_identifier", "TEXT"],
  ["input_id", "TEXT"],
  ["result_type", "TEXT"],
  ["result_value", "TEXT"],
  ["result_data", "BLOB"],
  ["content_type", "TEXT"],
  ["version", "TEXT"],
  ["expires_at", "TIMESTAMP"],
  ["updated_at", "TIMESTAMP"],
];

/**
 * Our additions: integrity data for every stored value (`size`, `digest`); the call's arguments,
 * redacted (`arguments`: MessagePack, at most 64 KiB, NULL when larger or not encodable) and a
 * one-line preview of them (`input_preview`, at most 200 characters), for explanations and lists.
 * The hit path never reads `arguments`. What the cache saved: how long the original call took
 * (`duration_ms`, NULL when unknown), the tokens it used when usage was reported (`tokens`), and
 * the hits served from the entry (`hits`, added in batches; a replaced row starts again at 0).
 */
const EXTRA_COLUMNS: readonly (readonly [name: string, type: string])[] = [
  ["size", "INTEGER"],
  ["digest", "TEXT"],
  ["arguments", "BLOB"],
  ["input_preview", "TEXT"],
  ["duration_ms", "REAL"],
  ["tokens", "INTEGER"],
  ["hits", "INTEGER NOT NULL DEFAULT 0"],
];

const ALL_COLUMNS = [...PYTHON_COLUMNS, ...EXTRA_COLUMNS];

/**
 * One index per query shape the library runs, and no more: every index costs each write a
 * b-tree update (about 10 µs per single-row commit), so the set is kept small.
 * - Newest-first paging needs none: INSERT OR REPLACE gives a rewritten row a new, highest
 *   rowid, so the table's own rowid order is the write order.
 * - Function filters use `func_name`; within one name, index entries are in rowid order, so a
 *   filtered page is newest-first without sorting. Full identities are matched on top.
 * - Partial indexes skip rows that can never match: expiry clean-up ignores kept-forever rows,
 *   orphan checks only look at blob rows, content-type filters only at typed rows.
 */
const INDEXES: readonly string[] = [
  "CREATE INDEX IF NOT EXISTS idx_tasks_func_name ON tasks (func_name)",
  "CREATE INDEX IF NOT EXISTS idx_tasks_expires_at ON tasks (expires_at) WHERE expires_at IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS idx_tasks_result_value ON tasks (result_value) WHERE result_value IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS idx_tasks_content_type ON tasks (content_type) WHERE content_type IS NOT NULL",
];

/** Indexes of earlier schema versions, replaced by the set above. */
const RETIRED_INDEXES: readonly string[] = [
  "idx_tasks_updated_at",
  "idx_tasks_func_identifier",
  "idx_tasks_func_name",
  "idx_tasks_expires_at",
  "idx_tasks_result_value",
  "idx_tasks_content_type",
  "idx_tasks_result_type",
];

/** What the opened file holds, as far as the statements need to know. */
export interface SchemaInfo {
  /** Column names of `tasks`. Read-only connections to old files may lack the extra columns. */
  columns: ReadonlySet<string>;
}

interface TableInfoRow {
  name: string;
  pk: number;
}

/** Names of the user tables in the file (SQLite's own bookkeeping tables left out). */
function listTables(db: Database.Database): string[] {
  return db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .pluck()
    .all() as string[];
}

function readColumns(db: Database.Database): TableInfoRow[] {
  return db.prepare("PRAGMA table_info(tasks)").all() as TableInfoRow[];
}

function readUserVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Whether `cache_key` is the primary key or has a unique index of its own (needed to replace rows). */
function isCacheKeyUnique(db: Database.Database, columns: TableInfoRow[]): boolean {
  const keyColumns = columns.filter((column) => column.pk > 0);
  if (keyColumns.length === 1 && keyColumns[0]?.name === "cache_key") return true;
  const indexes = db.prepare("PRAGMA index_list(tasks)").all() as {
    name: string;
    unique: number;
  }[];
  return indexes.some((index) => {
    if (index.unique !== 1) return false;
    const indexed = db.prepare("SELECT name FROM pragma_index_info(?)").pluck().all(index.name);
    return indexed.length === 1 && indexed[0] === "cache_key";
  });
}

function describeTables(tables: string[]): string {
  const shown = tables.slice(0, 5).join(", ");
  return tables.length > 5 ? `${shown} and ${tables.length - 5} more` : shown;
}

/**
 * Tables beautyspot itself may create before `tasks` exists: a `SharedTokenBucket` pointed at the
 * Spot's file (`rate_limits`), cross-process leases (`leases`).
 */
const OWN_AUXILIARY_TABLES = new Set(["rate_limits", "leases"]);

/** Refuses files that belong to someone else before anything is written to them. */
function assertOwnDatabase(path: string, tables: string[], columns: TableInfoRow[]): void {
  if (!tables.includes("tasks")) {
    if (tables.every((table) => OWN_AUXILIARY_TABLES.has(table))) return;
    throw new ConfigurationError(
      `${path} is not a beautyspot database (no \`tasks\` table; it has tables ${describeTables(tables)}). Pass a different path, or delete the file if it is stale.`,
    );
  }
  if (!columns.some((column) => column.name === "cache_key")) {
    throw new ConfigurationError(
      `${path} has a \`tasks\` table without a \`cache_key\` column, so it is not a beautyspot database and cannot be upgraded. Pass a different path, or delete the file if it is stale.`,
    );
  }
}

/** Brings the file to SCHEMA_VERSION. Runs inside BEGIN IMMEDIATE, so it sees the final state. */
function migrate(db: Database.Database, path: string): void {
  const tables = listTables(db);
  let columns = readColumns(db);
  assertOwnDatabase(path, tables, columns);
  if (!tables.includes("tasks")) {
    const definitions = ALL_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ");
    db.exec(`CREATE TABLE tasks (${definitions})`);
    columns = readColumns(db);
  }
  const present = new Set(columns.map((column) => column.name));
  for (const [name, type] of ALL_COLUMNS) {
    if (present.has(name)) continue;
    // ALTER TABLE cannot add a PRIMARY KEY column; cache_key is known to exist at this point.
    db.exec(`ALTER TABLE tasks ADD COLUMN ${name} ${type}`);
  }
  if (!isCacheKeyUnique(db, columns)) {
    try {
      db.exec("CREATE UNIQUE INDEX IF NOT EXISTS idx_tasks_cache_key ON tasks (cache_key)");
    } catch (error) {
      throw new ConfigurationError(
        `${path} has a \`tasks\` table whose cache_key values are not unique, so entries cannot be replaced safely. Delete the duplicate rows or pass a different path.`,
        { cause: error },
      );
    }
  }
  if (readUserVersion(db) < SCHEMA_VERSION) {
    for (const name of RETIRED_INDEXES) db.exec(`DROP INDEX IF EXISTS ${name}`);
  }
  for (const statement of INDEXES) db.exec(statement);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** Whether the file already has everything the current version needs (checked without a lock). */
function isUpToDate(db: Database.Database): boolean {
  if (readUserVersion(db) < SCHEMA_VERSION) return false;
  const present = new Set(readColumns(db).map((column) => column.name));
  return ALL_COLUMNS.every(([name]) => present.has(name));
}

/**
 * Makes sure the file holds an up-to-date `tasks` table, creating or migrating it. Several
 * processes may open the same old file at once: the migration takes the write lock first
 * (BEGIN IMMEDIATE) and re-checks, so the second one finds the work done. Read-only
 * connections and those opened with `migrate: false` never migrate; they report which columns
 * exist so statements can adapt.
 * @param mode `"migrate"` to bring the file up to date, `"readonly"` or `"as-is"` to leave it.
 */
export function ensureSchema(
  db: Database.Database,
  path: string,
  mode: "migrate" | "readonly" | "as-is",
): SchemaInfo {
  if (mode === "migrate" && !isUpToDate(db)) {
    db.exec("BEGIN IMMEDIATE");
    try {
      if (!isUpToDate(db)) migrate(db, path);
      db.exec("COMMIT");
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }
  const tables = listTables(db);
  const columns = readColumns(db);
  assertOwnDatabase(path, tables, columns);
  if (!tables.includes("tasks")) {
    throw new ConfigurationError(
      mode === "readonly"
        ? `${path} has no \`tasks\` table yet, and it was opened read-only so none can be created. Open it once without \`readonly\`, or check the path.`
        : `${path} has no \`tasks\` table yet, and it was opened with \`migrate: false\` so none is created. Check the path, or open it once with a Spot.`,
    );
  }
  return { columns: new Set(columns.map((column) => column.name)) };
}
