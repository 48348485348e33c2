/** @module db/sqlite/query — parameterized WHERE and ORDER BY clauses built from filters and sort options. */

import { ValidationError } from "../../errors.js";
import { shortNameOf } from "../../keys/identity.js";
import type { TaskDeletion, TaskFilter, TaskQuery, TaskSortField } from "../types.js";
import { formatTimestamp } from "./timestamps.js";

/** A SQL fragment and its positional parameters. */
export interface SqlClause {
  sql: string;
  parameters: unknown[];
}

/**
 * Sort fields mapped to columns: a whitelist, so no caller text ever reaches the SQL.
 * `updatedAt` sorts by rowid: rewriting a row gives it a new highest rowid, so rowid order is
 * write order, and the table itself serves newest-first pages without an index or a sort.
 */
const SORT_COLUMNS: Record<TaskSortField, string> = {
  updatedAt: "rowid",
  funcName: "func_name",
  size: "size",
  expiresAt: "expires_at",
  contentType: "content_type",
};

/**
 * `WHERE …` for a filter (empty when it matches everything). `hasPreview`: whether the table has
 * the `input_preview` column (a file opened read-only may predate it), which search then includes.
 */
export function buildFilterClause(filter: TaskFilter, hasPreview = true): SqlClause {
  const conditions: string[] = [];
  const parameters: unknown[] = [];
  if (filter.func !== undefined) {
    // Every row's func_name is the last dotted part of its identity: the func_name index finds
    // the candidates, and the identity is then checked on top.
    conditions.push("func_name = ? AND func_identifier = ?");
    parameters.push(shortNameOf(filter.func), filter.func);
  }
  if (filter.resultType !== undefined) {
    conditions.push("result_type = ?");
    parameters.push(filter.resultType);
  }
  if (filter.contentType !== undefined) {
    conditions.push("content_type = ?");
    parameters.push(filter.contentType);
  }
  if (filter.search !== undefined && filter.search !== "") {
    // instr() is a plain substring test: no LIKE wildcards to escape in user text. The preview is
    // the arguments as the table shows them, so what a user reads there, they can search for.
    conditions.push(
      hasPreview
        ? "(instr(cache_key, ?) > 0 OR instr(input_id, ?) > 0 OR instr(func_identifier, ?) > 0 OR instr(input_preview, ?) > 0)"
        : "(instr(cache_key, ?) > 0 OR instr(input_id, ?) > 0 OR instr(func_identifier, ?) > 0)",
    );
    parameters.push(filter.search, filter.search, filter.search);
    if (hasPreview) parameters.push(filter.search);
  }
  return {
    sql: conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`,
    parameters,
  };
}

/**
 * `WHERE …` for a bulk deletion. Timestamps are compared as text, which orders correctly for
 * the canonical format every beautyspot writer uses and lets SQLite use the indexes.
 */
export function buildDeletionClause(deletion: TaskDeletion): SqlClause {
  const filter = buildFilterClause(deletion.func === undefined ? {} : { func: deletion.func });
  const conditions = filter.sql === "" ? [] : [filter.sql.slice(" WHERE ".length)];
  const parameters = filter.parameters;
  if (deletion.updatedBefore !== undefined) {
    conditions.push("updated_at < ?");
    parameters.push(formatTimestamp(deletion.updatedBefore));
  }
  if (deletion.expiredAt !== undefined) {
    conditions.push("(expires_at IS NOT NULL AND expires_at <= ?)");
    parameters.push(formatTimestamp(deletion.expiredAt));
  }
  return {
    sql: conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`,
    parameters,
  };
}

/** A page size or offset checked to be a non-negative integer. */
function readCount(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      `Task list ${name} must be a non-negative integer, got ${value}. Pass a whole number such as ${fallback}.`,
    );
  }
  return value;
}

/** `ORDER BY … LIMIT ? OFFSET ?` for a query; rowid breaks ties so pages never overlap. */
export function buildPageClause(query: TaskQuery): SqlClause {
  const sortBy = query.sortBy ?? "updatedAt";
  const column = SORT_COLUMNS[sortBy];
  if (column === undefined) {
    throw new ValidationError(
      `Cannot sort tasks by ${JSON.stringify(sortBy)}. Use one of: ${Object.keys(SORT_COLUMNS).join(", ")}.`,
    );
  }
  const order = query.sortOrder ?? "desc";
  if (order !== "asc" && order !== "desc") {
    throw new ValidationError(`Sort order must be "asc" or "desc", got ${JSON.stringify(order)}.`);
  }
  const direction = order === "asc" ? "ASC" : "DESC";
  const orderBy =
    column === "rowid" ? `rowid ${direction}` : `${column} ${direction}, rowid ${direction}`;
  return {
    sql: ` ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
    parameters: [readCount(query.limit, 50, "limit"), readCount(query.offset, 0, "offset")],
  };
}

/** The smallest text above every key starting with `prefix` (for a primary-key range scan). */
export function findPrefixUpperBound(prefix: string): string {
  // U+10FFFF encodes as the largest UTF-8 sequence, so prefix + any real character sorts below it.
  return `${prefix}\u{10FFFF}`;
}

/** The full page query of `list`: record columns, filter, order and page. */
export function buildListStatement(
  recordColumns: string,
  query: TaskQuery,
  hasPreview = true,
): SqlClause {
  const filter = buildFilterClause(query, hasPreview);
  const page = buildPageClause(query);
  return {
    sql: `SELECT ${recordColumns} FROM tasks${filter.sql}${page.sql}`,
    parameters: [...filter.parameters, ...page.parameters],
  };
}

/**
 * One batch of `deleteMatching`: removes up to `batchSize` matching rows and returns them, with
 * each row's rowid as an extra last column. Without an expiry condition the batch also takes a
 * lower rowid bound (the highest rowid of the previous batch, or 0): the scan then resumes where
 * the last batch stopped instead of re-reading every kept row from the start, which made a
 * prune of a million rows quadratic. Expiry clean-up walks its partial index instead, whose
 * removed entries are gone, so it needs no bound.
 */
export function buildDeletionBatchStatement(
  recordColumns: string,
  deletion: TaskDeletion,
  batchSize: number,
): SqlClause & { resumesAfterRowid: boolean } {
  const clause = buildDeletionClause(deletion);
  const resumesAfterRowid = deletion.expiredAt === undefined;
  if (!resumesAfterRowid) {
    return {
      sql: `DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks${clause.sql} LIMIT ?) RETURNING ${recordColumns}, rowid`,
      parameters: [...clause.parameters, batchSize],
      resumesAfterRowid,
    };
  }
  const where = clause.sql === "" ? " WHERE rowid > ?" : `${clause.sql} AND rowid > ?`;
  return {
    sql: `DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks${where} ORDER BY rowid LIMIT ?) RETURNING ${recordColumns}, rowid`,
    parameters: [...clause.parameters, batchSize],
    resumesAfterRowid,
  };
}
