/**
 * @module storage/ownership — the record a blob folder keeps of the database that owns it.
 *
 * A Spot's default blob folder `<workspace>/blobs/<name>/` gets one small file per owning
 * database, `.beautyspot-owner-<16 hex>.json` holding `{ "database": "<absolute path>" }`
 * (`null` when the owner is a TaskDB passed in, which has no file to look for). `beautyspot gc`
 * removes a folder only when every database it names is provably gone; a folder with no such
 * record cannot be proven abandoned and is kept.
 */

import { hash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Owner records: `.beautyspot-owner-<first 16 hex of sha256(database path)>.json`, or `-unknown`. */
const OWNER_RECORD_NAME = /^\.beautyspot-owner-(?:[0-9a-f]{16}|unknown)\.json$/;

/** The database a blob folder belongs to: an absolute file path, or `null` when it has none. */
export type BlobFolderOwner = string | null;

/** The file name of the record naming `owner`. */
export function ownerRecordName(owner: BlobFolderOwner): string {
  const tag = owner === null ? "unknown" : hash("sha256", owner, "hex").slice(0, 16);
  return `.beautyspot-owner-${tag}.json`;
}

/** Whether `name` is an owner record's file name. */
export function isOwnerRecordName(name: string): boolean {
  return OWNER_RECORD_NAME.test(name);
}

/**
 * Records `owner` in `folder` unless it is recorded already. One file per owner, created
 * exclusively, so Spots of several processes never overwrite each other's record. Never throws:
 * a folder that cannot take the record (read-only, a full disk) only stays unproven, which makes
 * gc keep it — the safe side.
 */
export function recordOwner(folder: string, owner: BlobFolderOwner): void {
  const file = path.join(folder, ownerRecordName(owner));
  try {
    if (fs.existsSync(file)) return;
    fs.writeFileSync(file, `${JSON.stringify({ database: owner })}\n`, { flag: "wx" });
  } catch (error) {
    // EEXIST: another process recorded it a moment ago. Otherwise drop a half-written record, so
    // the next Spot writes it whole.
    if ((error as { code?: string }).code !== "EEXIST") removeQuietly(file);
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // A read-only folder has no half-written record either.
  }
}

/**
 * The owner named by the record file `file`, or a description of why it cannot be read (then
 * the folder's owner is unknown and it is kept).
 */
export function readOwnerRecord(file: string): { owner: BlobFolderOwner } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    return {
      problem: `its owner record ${path.basename(file)} cannot be read (${(error as Error).message})`,
    };
  }
  const database = (parsed as { database?: unknown } | null)?.database;
  if (database === null) return { owner: null };
  if (typeof database === "string" && path.isAbsolute(database)) return { owner: database };
  return { problem: `its owner record ${path.basename(file)} does not name a database file` };
}

/**
 * The owners recorded in `folder` (records that cannot be read are left out). Empty when the
 * folder has no records (made by an earlier release, or not by a Spot) or does not exist.
 */
export function readOwners(folder: string): BlobFolderOwner[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  const owners: BlobFolderOwner[] = [];
  for (const name of names) {
    if (!isOwnerRecordName(name)) continue;
    const record = readOwnerRecord(path.join(folder, name));
    if ("owner" in record) owners.push(record.owner);
  }
  return owners;
}

/** Whether two database paths name the same file (through links too, when both exist). */
export function isSameDatabase(left: string, right: string): boolean {
  if (path.resolve(left) === path.resolve(right)) return true;
  try {
    return fs.realpathSync(left) === fs.realpathSync(right);
  } catch {
    return false;
  }
}
