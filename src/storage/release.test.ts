/**
 * @module storage/release.test — releasing a removed row's blob while a save of the same key may
 * be recording its row: whatever the order, no row is left pointing at a missing blob.
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SQLiteTaskDB } from "../db/sqlite/sqlite-task-db.js";
import type { TaskWrite } from "../db/types.js";
import { LocalStorage } from "./local.js";
import {
  cacheKeyOfLocation,
  ensureBlobAfterRecord,
  ensureBlobAfterRecordSync,
  releaseBlob,
  releaseBlobSync,
} from "./release.js";
import type { BlobStorage } from "./types.js";

const KEY = "a".repeat(64);
const BYTES = new Uint8Array([1, 2, 3]);

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), "bs-release-"));
  const db = new SQLiteTaskDB(join(dir, "app.db"));
  const storage = new LocalStorage(join(dir, "blobs"));
  const location = storage.save(KEY, BYTES);
  const file = join(dir, "blobs", location);
  return { db, storage, location, file };
}

function blobRow(location: string): TaskWrite {
  return {
    cacheKey: KEY,
    funcName: "f",
    funcIdentifier: "f",
    inputId: "i",
    version: null,
    resultType: "FILE",
    resultValue: location,
    resultData: null,
    contentType: null,
    size: BYTES.byteLength,
    digest: "00",
    expiresAt: null,
    updatedAt: Date.now(),
  };
}

/** `storage` with some methods replaced: a way to place another process's step mid-operation. */
function withOverrides(storage: LocalStorage, overrides: Partial<BlobStorage>): BlobStorage {
  return {
    synchronous: overrides.synchronous ?? true,
    description: storage.description,
    save: (key, data) => storage.save(key, data),
    load: (target) => storage.load(target),
    listKeys: () => storage.listKeys(),
    getMtime: (target) => storage.getMtime(target),
    delete: (target) => storage.delete(target),
    ...overrides,
  };
}

const unreachable = async (): Promise<never> => {
  throw new Error("connect ECONNREFUSED 127.0.0.1:9");
};

describe("cacheKeyOfLocation", () => {
  it("reads the key out of `<key>.bin`, in a folder or not, and nothing out of other names", () => {
    assert.equal(cacheKeyOfLocation(`${KEY}.bin`), KEY);
    assert.equal(cacheKeyOfLocation(`ab/${KEY}.bin`), KEY);
    assert.equal(cacheKeyOfLocation("notes.txt"), undefined);
  });
});

describe("releaseBlob", () => {
  it("deletes a blob no row references", async () => {
    const { db, storage, location, file } = setUp();
    assert.equal(await releaseBlob(db, storage, location, KEY), true);
    assert.equal(existsSync(file), false);
    storage.save(KEY, BYTES);
    assert.equal(releaseBlobSync(db, storage, location, KEY), true);
    assert.equal(existsSync(file), false);
    db.close();
  });

  it("keeps a blob that a row references", async () => {
    const { db, storage, location, file } = setUp();
    db.saveMany([blobRow(location)]);
    assert.equal(await releaseBlob(db, storage, location, KEY), false);
    assert.equal(releaseBlobSync(db, storage, location, KEY), false);
    assert.ok(existsSync(file));
    db.close();
  });

  for (const mode of ["async", "sync"] as const) {
    it(`removes a row recorded between its check and its delete, leaving no dangling row (${mode})`, async () => {
      const { db, storage, location, file } = setUp();
      // The racing save: its row lands just before the release deletes the file it wrote.
      const racing = withOverrides(storage, {
        delete: (target) => {
          db.saveMany([blobRow(location)]);
          return storage.delete(target);
        },
      });
      const deleted =
        mode === "async"
          ? await releaseBlob(db, racing, location, KEY)
          : releaseBlobSync(db, racing, location, KEY);
      assert.equal(deleted, true);
      assert.equal(existsSync(file), false);
      assert.equal(db.get(KEY), undefined, "the row whose blob is gone was removed");
      db.close();
    });
  }
});

describe("releaseBlob when the storage cannot be asked again", () => {
  it("reports the deletion done and does not throw", async () => {
    const { db, storage, location } = setUp();
    const flaky = withOverrides(storage, {
      synchronous: false,
      getMtime: unreachable,
      delete: (target) => {
        db.saveMany([blobRow(location)]);
        return storage.delete(target);
      },
    });
    assert.equal(await releaseBlob(db, flaky, location, KEY), true);
    db.close();
  });
});

describe("ensureBlobAfterRecord", () => {
  it("leaves an entry as written when the storage cannot be asked (no error, no rewrite)", async () => {
    const { db, storage, location } = setUp();
    db.saveMany([blobRow(location)]);
    let saves = 0;
    const offline = withOverrides(storage, {
      synchronous: false,
      getMtime: unreachable,
      save: (key, data) => {
        saves += 1;
        return storage.save(key, data);
      },
    });
    const blob = { cacheKey: KEY, location, bytes: BYTES };
    assert.equal(await ensureBlobAfterRecord(db, offline, blob), false);
    assert.equal(saves, 0);
    db.close();
  });

  for (const mode of ["async", "sync"] as const) {
    it(`writes the blob again when a release removed it after the row was recorded (${mode})`, async () => {
      const { db, storage, location, file } = setUp();
      db.saveMany([blobRow(location)]);
      rmSync(file);
      const ensure = mode === "async" ? ensureBlobAfterRecord : ensureBlobAfterRecordSync;
      assert.equal(await ensure(db, storage, { cacheKey: KEY, location, bytes: BYTES }), true);
      assert.deepEqual(new Uint8Array(readFileSync(file)), BYTES);
      // Present now: nothing more to do.
      assert.equal(await ensure(db, storage, { cacheKey: KEY, location, bytes: BYTES }), false);
      db.close();
    });

    it(`reads the blob's bytes only when it writes them again (${mode})`, async () => {
      const { db, storage, location } = setUp();
      db.saveMany([blobRow(location)]);
      let reads = 0;
      // A save holds a binary value in pieces: joining them would copy the whole blob.
      const blob = {
        cacheKey: KEY,
        location,
        get bytes() {
          reads += 1;
          return BYTES;
        },
      };
      const ensure = mode === "async" ? ensureBlobAfterRecord : ensureBlobAfterRecordSync;
      assert.equal(await ensure(db, storage, blob), false);
      assert.equal(reads, 0);
      db.close();
    });

    it(`does not bring back the blob of a row deleted since (${mode})`, async () => {
      const { db, storage, location, file } = setUp();
      rmSync(file);
      const ensure = mode === "async" ? ensureBlobAfterRecord : ensureBlobAfterRecordSync;
      assert.equal(await ensure(db, storage, { cacheKey: KEY, location, bytes: BYTES }), false);
      assert.equal(existsSync(file), false);
      db.close();
    });
  }
});
