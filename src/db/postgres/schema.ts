/**
 * @module db/postgres/schema — the `tasks` table of a PostgreSQL database, its indexes, the
 * `leases` table, and migrations that several processes may start at once.
 */

import { ConfigurationError } from "../../errors.js";
import type { PgClient } from "./connection.js";

/** Stored in `beautyspot_meta` under `schema_version`. Bump it with every step added to MIGRATIONS. */
export const POSTGRES_SCHEMA_VERSION = 1;

/**
 * Key of the advisory lock held while migrating (any 64-bit number no other application uses:
 * the bytes of "bsschema"). Processes starting at once queue on it; the second finds the work done.
 */
const MIGRATION_LOCK_KEY = "7094140708829097313";

/**
 * The SQLite columns (the Python library's, then ours), with PostgreSQL types: BYTEA for bytes,
 * TIMESTAMPTZ for times, BIGINT for counts. Text that is compared or sorted uses the "C"
 * collation, so keys, prefixes and names order byte by byte as in SQLite, whatever the
 * database's locale. `write_seq` stands in for SQLite's rowid: every write takes the next value,
 * so newest-first is `write_seq DESC`.
 */
const COLUMNS: readonly (readonly [name: string, type: string])[] = [
  ["cache_key", 'TEXT COLLATE "C" PRIMARY KEY'],
  ["func_name", 'TEXT COLLATE "C"'],
  ["func_identifier", 'TEXT COLLATE "C"'],
  ["input_id", 'TEXT COLLATE "C"'],
  ["result_type", "TEXT"],
  ["result_value", 'TEXT COLLATE "C"'],
  ["result_data", "BYTEA"],
  ["content_type", 'TEXT COLLATE "C"'],
  ["version", "TEXT"],
  ["expires_at", "TIMESTAMPTZ"],
  ["updated_at", "TIMESTAMPTZ"],
  ["size", "BIGINT"],
  ["digest", "TEXT"],
  ["arguments", "BYTEA"],
  ["input_preview", "TEXT"],
  ["duration_ms", "DOUBLE PRECISION"],
  ["tokens", "BIGINT"],
  ["hits", "BIGINT NOT NULL DEFAULT 0"],
  ["write_seq", "BIGINT NOT NULL DEFAULT nextval('tasks_write_seq')"],
];

/** One index per query shape, as in SQLite: each costs every write an index update. */
const INDEXES: readonly string[] = [
  "CREATE INDEX IF NOT EXISTS idx_tasks_write_seq ON tasks (write_seq)",
  "CREATE INDEX IF NOT EXISTS idx_tasks_func_name ON tasks (func_name, write_seq)",
  "CREATE INDEX IF NOT EXISTS idx_tasks_expires_at ON tasks (expires_at) WHERE expires_at IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS idx_tasks_result_value ON tasks (result_value) WHERE result_value IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS idx_tasks_content_type ON tasks (content_type, write_seq) WHERE content_type IS NOT NULL",
];

/** Cross-machine leases of `singleFlight: "machine"` (times are Unix ms of the callers' clocks). */
const LEASES_TABLE = `CREATE TABLE IF NOT EXISTS leases (lease_key TEXT COLLATE "C" PRIMARY KEY,
  holder_id TEXT NOT NULL, holder_pid INTEGER NOT NULL, holder_host TEXT NOT NULL, expires_at BIGINT NOT NULL)`;

/** Reads the schema version, or `undefined` when beautyspot has not set this database up. */
async function readVersion(client: PgClient): Promise<number | undefined> {
  const exists = await client.query({
    text: "SELECT to_regclass('beautyspot_meta') IS NOT NULL",
    rowMode: "array",
  });
  if (exists.rows[0]?.[0] !== true) return undefined;
  const result = await client.query({
    text: "SELECT value FROM beautyspot_meta WHERE key = 'schema_version'",
    rowMode: "array",
  });
  const value = result.rows[0]?.[0];
  return value === undefined ? undefined : Number(value);
}

async function readTaskColumns(client: PgClient): Promise<Set<string>> {
  const result = await client.query({
    text: "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'tasks'",
    rowMode: "array",
  });
  return new Set(result.rows.map((row) => String(row[0])));
}

/** Creates or upgrades everything; runs inside a transaction holding the migration lock. */
async function migrate(client: PgClient, where: string): Promise<void> {
  const columns = await readTaskColumns(client);
  if (columns.size > 0 && !columns.has("cache_key")) {
    throw new ConfigurationError(
      `${where} has a \`tasks\` table without a \`cache_key\` column, so it is not a beautyspot database. Use another database or schema (for example \`?options=-csearch_path%3Dbeautyspot\` in the URI).`,
    );
  }
  await client.query("CREATE SEQUENCE IF NOT EXISTS tasks_write_seq");
  if (columns.size === 0) {
    const definitions = COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ");
    await client.query(`CREATE TABLE tasks (${definitions})`);
  } else {
    for (const [name, type] of COLUMNS) {
      if (!columns.has(name)) await client.query(`ALTER TABLE tasks ADD COLUMN ${name} ${type}`);
    }
  }
  for (const statement of INDEXES) await client.query(statement);
  await client.query(LEASES_TABLE);
  await client.query(
    "CREATE TABLE IF NOT EXISTS beautyspot_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  );
  await client.query(
    `INSERT INTO beautyspot_meta (key, value) VALUES ('schema_version', '${POSTGRES_SCHEMA_VERSION}')
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
  );
}

function newerSchemaError(where: string, version: number): ConfigurationError {
  return new ConfigurationError(
    `${where} holds a beautyspot schema of version ${version}, newer than this version knows (${POSTGRES_SCHEMA_VERSION}). Upgrade beautyspot in this project.`,
  );
}

/**
 * Makes sure the database holds an up-to-date schema. The version is read without a lock first
 * (the usual case: nothing to do, one round trip); otherwise the migration runs in one
 * transaction under an advisory lock and checks again, so processes that start at once migrate
 * once and the others wait for it. With `migrate: false` a database without the schema is refused.
 */
export async function ensurePostgresSchema(
  client: PgClient,
  where: string,
  mode: "migrate" | "as-is",
): Promise<void> {
  const version = await readVersion(client);
  if (version !== undefined && version > POSTGRES_SCHEMA_VERSION) {
    throw newerSchemaError(where, version);
  }
  if (version === POSTGRES_SCHEMA_VERSION) return;
  if (mode === "as-is") {
    if (version !== undefined) return;
    throw new ConfigurationError(
      `${where} has no beautyspot tables yet (it was opened without migrating). Check the URI, or open it once with a Spot (\`db: "${where}"\`) to create them.`,
    );
  }
  await client.query("BEGIN");
  try {
    await client.query({
      text: `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`,
      rowMode: "array",
    });
    const current = await readVersion(client);
    if (current !== undefined && current > POSTGRES_SCHEMA_VERSION) {
      throw newerSchemaError(where, current);
    }
    if (current !== POSTGRES_SCHEMA_VERSION) await migrate(client, where);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
