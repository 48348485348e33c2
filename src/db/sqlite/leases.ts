/**
 * @module db/sqlite/leases — the `leases` table of a SQLite TaskDB: one row per cache key being
 * computed under `singleFlight: "machine"`, claimed in one statement.
 */

import type Database from "better-sqlite3";
import type { Lease, LeaseHolder, LeaseMethods } from "../types.js";

const CREATE_TABLE_SQL =
  "CREATE TABLE IF NOT EXISTS leases (lease_key TEXT PRIMARY KEY, holder_id TEXT NOT NULL, holder_pid INTEGER NOT NULL, holder_host TEXT NOT NULL, expires_at INTEGER NOT NULL)";

/**
 * An upsert whose update only happens when the lease is free to take: SQLite runs it as one
 * atomic write, so of several processes claiming at once exactly one changes the row.
 */
const CLAIM_SQL = `INSERT INTO leases (lease_key, holder_id, holder_pid, holder_host, expires_at)
VALUES (@key, @id, @pid, @host, @expiresAt)
ON CONFLICT (lease_key) DO UPDATE SET holder_id = excluded.holder_id, holder_pid = excluded.holder_pid,
  holder_host = excluded.holder_host, expires_at = excluded.expires_at
WHERE leases.expires_at <= @now OR leases.holder_id = @takeOverFrom`;

/** The lease statements of one connection, prepared (and the table created) on first use. */
export class SQLiteLeases implements LeaseMethods {
  readonly #claim: Database.Statement;
  readonly #renew: Database.Statement;
  readonly #release: Database.Statement;
  readonly #read: Database.Statement;

  constructor(db: Database.Database) {
    // Created here rather than with `tasks`: files that never use leases stay as they were.
    db.exec(CREATE_TABLE_SQL);
    this.#claim = db.prepare(CLAIM_SQL);
    this.#renew = db.prepare(
      "UPDATE leases SET expires_at = ? WHERE lease_key = ? AND holder_id = ?",
    );
    this.#release = db.prepare("DELETE FROM leases WHERE lease_key = ? AND holder_id = ?");
    this.#read = db
      .prepare(
        "SELECT holder_id, holder_pid, holder_host, expires_at FROM leases WHERE lease_key = ?",
      )
      .raw(true);
  }

  claimLease(
    key: string,
    holder: LeaseHolder,
    now: number,
    expiresAt: number,
    takeOverFrom?: string,
  ): boolean {
    const { changes } = this.#claim.run({
      key,
      id: holder.id,
      pid: holder.pid,
      host: holder.host,
      expiresAt,
      now,
      takeOverFrom: takeOverFrom ?? null,
    });
    return changes === 1;
  }

  renewLease(key: string, holderId: string, expiresAt: number): boolean {
    return this.#renew.run(expiresAt, key, holderId).changes === 1;
  }

  releaseLease(key: string, holderId: string): void {
    this.#release.run(key, holderId);
  }

  getLease(key: string): Lease | undefined {
    const row = this.#read.get(key) as [string, number, string, number] | undefined;
    if (row === undefined) return undefined;
    return { id: row[0], pid: row[1], host: row[2], expiresAt: row[3] };
  }
}
