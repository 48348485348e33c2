/** @module db/postgres/query — parameterized WHERE and ORDER BY clauses for PostgreSQL ($n placeholders). */

import { ValidationError } from "../../errors.js";
import { shortNameOf } from "../../keys/identity.js";
import type { TaskDeletion, TaskFilter, TaskQuery, TaskSortField } from "../types.js";
import { storableTime, timestampParameter } from "./rows.js";

/** A SQL fragment and its parameters; placeholders are numbered from 1 in `parameters` order. */
export interface PgClause {
  sql: string;
  parameters: unknown[];
}

/** Sort fields mapped to columns (a whitelist). `updatedAt` is write order, as rowid in SQLite. */
const SORT_COLUMNS: Record<TaskSortField, string> = {
  updatedAt: "write_seq",
  funcName: "func_name",
  size: "size",
  expiresAt: "expires_at",
  contentType: "content_type",
};

/** Collects conditions, numbering placeholders as they are added. */
class Conditions {
  readonly conditions: string[] = [];
  readonly parameters: unknown[];

  constructor(parameters: unknown[] = []) {
    this.parameters = parameters;
  }

  /** Adds `value` and returns its placeholder. */
  bind(value: unknown): string {
    this.parameters.push(value);
    return `$${this.parameters.length}`;
  }

  get where(): string {
    return this.conditions.length === 0 ? "" : ` WHERE ${this.conditions.join(" AND ")}`;
  }
}

function addFilter(into: Conditions, filter: TaskFilter): void {
  if (filter.func !== undefined) {
    into.conditions.push(
      `func_name = ${into.bind(shortNameOf(filter.func))} AND func_identifier = ${into.bind(filter.func)}`,
    );
  }
  if (filter.resultType !== undefined) {
    into.conditions.push(`result_type = ${into.bind(filter.resultType)}`);
  }
  if (filter.contentType !== undefined) {
    into.conditions.push(`content_type = ${into.bind(filter.contentType)}`);
  }
  if (filter.search !== undefined && filter.search !== "") {
    // strpos is a plain substring test: no LIKE wildcards to escape in user text.
    const search = into.bind(filter.search);
    into.conditions.push(
      `(strpos(cache_key, ${search}) > 0 OR strpos(input_id, ${search}) > 0 OR strpos(func_identifier, ${search}) > 0 OR strpos(input_preview, ${search}) > 0)`,
    );
  }
}

/** `WHERE …` for a filter (empty when it matches everything). */
export function buildFilterClause(filter: TaskFilter): PgClause {
  const conditions = new Conditions();
  addFilter(conditions, filter);
  return { sql: conditions.where, parameters: conditions.parameters };
}

function readCount(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      `Task list ${name} must be a non-negative integer, got ${value}. Pass a whole number such as ${fallback}.`,
    );
  }
  return value;
}

/**
 * The page query of `list`. NULLs sort as SQLite sorts them (first when ascending, last when
 * descending), and `write_seq` breaks ties so pages never overlap.
 */
export function buildListStatement(recordColumns: string, query: TaskQuery): PgClause {
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
  const direction = order === "asc" ? "ASC NULLS FIRST" : "DESC NULLS LAST";
  const plain = order === "asc" ? "ASC" : "DESC";
  const orderBy =
    column === "write_seq" ? `write_seq ${plain}` : `${column} ${direction}, write_seq ${plain}`;
  const conditions = new Conditions();
  addFilter(conditions, query);
  const limit = conditions.bind(readCount(query.limit, 50, "limit"));
  const offset = conditions.bind(readCount(query.offset, 0, "offset"));
  return {
    sql: `SELECT ${recordColumns} FROM tasks${conditions.where} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${offset}`,
    parameters: conditions.parameters,
  };
}

/**
 * One batch of `deleteMatching`: removes up to `batchSize` matching rows, returning them with
 * their `write_seq` as an extra last column. Without an expiry condition the batch resumes after
 * the highest `write_seq` of the previous batch (the last parameter), so kept rows are read once.
 */
export function buildDeletionBatchStatement(
  recordColumns: string,
  deletion: TaskDeletion,
  batchSize: number,
): PgClause & { resumesAfterSeq: boolean } {
  const conditions = new Conditions();
  if (deletion.func !== undefined) addFilter(conditions, { func: deletion.func });
  if (deletion.updatedBefore !== undefined) {
    conditions.bind(storableTime(deletion.updatedBefore));
    conditions.conditions.push(`updated_at < ${timestampParameter(conditions.parameters.length)}`);
  }
  if (deletion.expiredAt !== undefined) {
    conditions.bind(storableTime(deletion.expiredAt));
    conditions.conditions.push(
      `expires_at IS NOT NULL AND expires_at <= ${timestampParameter(conditions.parameters.length)}`,
    );
  }
  const limit = conditions.bind(batchSize);
  const resumesAfterSeq = deletion.expiredAt === undefined;
  if (!resumesAfterSeq) {
    return {
      sql: `DELETE FROM tasks WHERE cache_key IN (SELECT cache_key FROM tasks${conditions.where} LIMIT ${limit}) RETURNING ${recordColumns}, write_seq::float8`,
      parameters: conditions.parameters,
      resumesAfterSeq,
    };
  }
  conditions.conditions.push(`write_seq > ${conditions.bind(0)}`);
  return {
    sql: `DELETE FROM tasks WHERE cache_key IN (SELECT cache_key FROM tasks${conditions.where} ORDER BY write_seq LIMIT ${limit}) RETURNING ${recordColumns}, write_seq::float8`,
    parameters: conditions.parameters,
    resumesAfterSeq,
  };
}
