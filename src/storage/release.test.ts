/** @module storage/release.test — a removed row's blob is kept when a newer save rewrote it. */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SQLiteTaskDB } from "../db/sqlite/sqlite-task-db.js";
import { LocalStorage } from "./local.js";
import { canReleaseBlob, canReleaseBlobSync } from "./release.js";

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), "bs-release-"));
  const db = new SQLiteTaskDB(join(dir, "app.db"));
  const storage = new LocalStorage(join(dir, "blobs"));
  const location = storage.save("a".repeat(64), new Uint8Array([1, 2, 3]));
  return { db, storage, location, path: join(dir, "blobs", location) };
}

describe("canReleaseBlob", () => {
  it("releases a blob no row references and no newer save rewrote", async () => {
    const { db, storage, location } = setUp();
    const rowTime = Date.now() + 1000;
    assert.equal(await canReleaseBlob(db, storage, location, rowTime), true);
    assert.equal(canReleaseBlobSync(db, storage, location, rowTime), true);
    db.close();
  });

  it("keeps a blob modified after the removed row was recorded (a newer save owns it)", async () => {
    const { db, storage, location, path } = setUp();
    const rowTime = Date.now() - 10_000;
    assert.equal(await canReleaseBlob(db, storage, location, rowTime), false);
    assert.equal(canReleaseBlobSync(db, storage, location, rowTime), false);
    utimesSync(path, new Date(rowTime - 5000), new Date(rowTime - 5000));
    assert.equal(canReleaseBlobSync(db, storage, location, rowTime), true);
    assert.ok(existsSync(path));
    db.close();
  });

  it("keeps a blob that a row references", async () => {
    const { db, storage, location } = setUp();
    db.saveMany([
      {
        cacheKey: "a".repeat(64),
        funcName: "f",
        funcIdentifier: "f",
        inputId: "i",
        version: null,
        resultType: "FILE",
        resultValue: location,
        resultData: null,
        contentType: null,
        size: 3,
        digest: "00",
        expiresAt: null,
        updatedAt: Date.now(),
      },
    ]);
    assert.equal(await canReleaseBlob(db, storage, location), false);
    db.close();
  });
});
