/** @module cli/errors.test — known failures (locks, full disks, read-only files, odd paths) get advice, never "unexpected". */

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { describeFailure, ExitCode, noteDatabaseInUse } from "./errors.js";

/** What running `action` threw (it must throw). */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  assert.fail("expected a failure");
}

function makeDatabaseFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bs-")), "my_app.db");
  const db = new Database(file);
  db.exec("CREATE TABLE t (x BLOB)");
  db.close();
  return file;
}

describe("describeFailure", () => {
  it("names the database and who may hold it when SQLite reports it busy", () => {
    const file = makeDatabaseFile();
    noteDatabaseInUse(file);
    const holder = new Database(file);
    const waiter = new Database(file, { timeout: 0 });
    holder.exec("BEGIN IMMEDIATE");
    const failure = describeFailure(thrownBy(() => waiter.exec("BEGIN IMMEDIATE")));
    holder.close();
    waiter.close();
    assert.equal(failure.exitCode, ExitCode.RUNTIME_ERROR);
    assert.match(
      failure.message,
      new RegExp(`^${file.replace(/[.]/g, "\\.")} is locked: another process holds a write lock`),
    );
  });

  it("says a full database or disk is full, with what to do", () => {
    const file = makeDatabaseFile();
    noteDatabaseInUse(file);
    const db = new Database(file);
    db.pragma("max_page_count = 3");
    const error = thrownBy(() => {
      for (let index = 0; index < 100; index += 1)
        db.prepare("INSERT INTO t VALUES (?)").run(Buffer.alloc(4096));
    });
    db.close();
    assert.match(
      describeFailure(error).message,
      /^The disk holding .*my_app\.db is full \(.*\)\. Free some space, then run the command again\.$/,
    );
  });

  it("says a read-only database cannot be written", () => {
    const file = makeDatabaseFile();
    noteDatabaseInUse(file);
    const db = new Database(file, { readonly: true });
    const error = thrownBy(() => db.exec("INSERT INTO t VALUES (1)"));
    db.close();
    assert.match(
      describeFailure(error).message,
      /my_app\.db cannot be written \(.*\): .*read-only\. Make them writable/,
    );
  });

  it("says a path that should be a folder is a file, instead of an unexpected ENOTDIR", () => {
    const file = makeDatabaseFile();
    const failure = describeFailure(thrownBy(() => fs.opendirSync(file)));
    assert.equal(failure.exitCode, ExitCode.RUNTIME_ERROR);
    assert.match(failure.message, /^A path that should be a folder is a file \(ENOTDIR: /);
  });

  it("still calls a failure it does not know unexpected, with the way to the stack trace", () => {
    const failure = describeFailure(new TypeError("x is not a function"));
    assert.match(
      failure.message,
      /^Unexpected error: x is not a function\. Run again with BEAUTYSPOT_DEBUG=1/,
    );
  });
});
