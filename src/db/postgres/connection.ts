/**
 * @module db/postgres/connection — PostgreSQL URIs (which strings select the backend, how they are
 * shown without their password) and the lazy load of the optional `pg` driver.
 */

import { createRequire } from "node:module";
import { ConfigurationError } from "../../errors.js";

/** `postgres://` or `postgresql://`, as libpq and `pg` accept them. */
const POSTGRES_URI_PATTERN = /^postgres(?:ql)?:\/\//i;

/** Whether `text` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUri(text: unknown): text is string {
  return typeof text === "string" && POSTGRES_URI_PATTERN.test(text);
}

/**
 * The URI as it may be shown in messages and on screens: the password is replaced by `***`
 * and the query (which may carry `password=` or TLS key paths) is dropped.
 */
export function describePostgresUri(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password !== "") url.password = "***";
    url.search = "";
    return url.toString();
  } catch {
    // Not parsable as a URL (libpq also takes host lists): show only the scheme and the host part.
    const scheme = uri.slice(0, uri.indexOf("://") + 3);
    const rest = uri.slice(scheme.length);
    const at = rest.lastIndexOf("@");
    const hostAndPath = (at === -1 ? rest : rest.slice(at + 1)).split("?")[0] ?? "";
    return `${scheme}${at === -1 ? "" : "***@"}${hostAndPath}`;
  }
}

/** The part of the `pg` module used here; declared loosely so projects without `@types/pg` type-check. */
export interface PgModule {
  Pool: new (config: Record<string, unknown>) => PgPool;
}

/** A query's result as `pg` returns it with `rowMode: "array"`. */
export interface PgResult {
  rows: unknown[][];
  rowCount: number | null;
}

/** A query as `pg` takes it: `name` makes it a prepared statement, reused per connection. */
export interface PgQuery {
  name?: string;
  text: string;
  values?: unknown[];
  rowMode: "array";
}

/** One connection taken from the pool. */
export interface PgClient {
  query(query: PgQuery | string): Promise<PgResult>;
  release(error?: Error | boolean): void;
}

/** The pool of connections. */
export interface PgPool {
  query(query: PgQuery): Promise<PgResult>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): unknown;
}

let loaded: PgModule | undefined;

/**
 * The `pg` module, loaded on first use (importing beautyspot never loads it). Missing, it is a
 * ConfigurationError naming the install command.
 */
export function loadPg(): PgModule {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  let module: unknown;
  try {
    module = require("pg");
  } catch (error) {
    const missing =
      (error as { code?: unknown } | null)?.code === "MODULE_NOT_FOUND" &&
      String((error as Error).message).includes("'pg'");
    throw new ConfigurationError(
      missing
        ? "A postgres:// database needs the optional package pg, which is not installed. Run `npm install pg` in your project, or pass a SQLite file path as `db`."
        : `The optional package pg is installed but could not be loaded (${(error as Error).message}). Reinstall it with \`npm install pg\`.`,
      { cause: error },
    );
  }
  const pg = ((module as { default?: unknown }).default ?? module) as PgModule;
  if (typeof pg?.Pool !== "function") {
    throw new ConfigurationError(
      "The installed pg package has no Pool class. Install pg 8.11 or later with `npm install pg@8`.",
    );
  }
  loaded = pg;
  return pg;
}
