/** @module test/contracts/blob-storage.contract — behaviours every BlobStorage must show, run against each implementation. */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { CacheCorruptedError } from "../../src/errors.js";
import type { BlobStorage } from "../../src/storage/types.js";

/** Builds a BlobStorage on fresh, empty storage, and removes that storage afterwards. */
export type MakeBlobStorage = () => Promise<{ storage: BlobStorage; cleanup(): Promise<void> }>;

/** Collects every listed location, whether the storage lists synchronously or not. */
async function collectKeys(storage: BlobStorage): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of storage.listKeys()) keys.push(key);
  return keys.sort();
}

/** Runs the shared BlobStorage suite under `name`. */
export function runBlobStorageContract(name: string, makeStorage: MakeBlobStorage): void {
  describe(`BlobStorage contract: ${name}`, () => {
    let storage: BlobStorage;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      const made = await makeStorage();
      storage = made.storage;
      cleanup = made.cleanup;
    });

    afterEach(async () => {
      await cleanup();
    });

    it("loads back exactly the bytes it saved", async () => {
      const data = new Uint8Array(70_000).map((_, index) => index % 251);
      const location = await storage.save("a1b2", data);
      assert.equal(typeof location, "string");
      assert.deepEqual(Buffer.from(await storage.load(location)), Buffer.from(data));
    });

    it("stores empty values", async () => {
      const location = await storage.save("empty", new Uint8Array(0));
      assert.equal((await storage.load(location)).byteLength, 0);
    });

    it("replaces the bytes when the same key is saved again", async () => {
      const first = await storage.save("k", new Uint8Array([1, 2, 3]));
      const second = await storage.save("k", new Uint8Array([9]));
      assert.equal(second, first);
      assert.deepEqual(Array.from(await storage.load(second)), [9]);
    });

    it("throws CacheCorruptedError when loading a location that does not exist", async () => {
      const location = await storage.save("present", new Uint8Array([1]));
      await storage.delete(location);
      await assert.rejects(async () => storage.load(location), CacheCorruptedError);
    });

    it("deletes a blob and reports whether something was removed", async () => {
      const location = await storage.save("gone", new Uint8Array([1]));
      assert.equal(await storage.delete(location), true);
      assert.equal(await storage.delete(location), false);
      assert.equal(await storage.getMtime(location), undefined);
    });

    it("lists every saved location and nothing else", async () => {
      assert.deepEqual(await collectKeys(storage), []);
      const locations = [
        await storage.save("one", new Uint8Array([1])),
        await storage.save("two", new Uint8Array([2])),
      ];
      assert.deepEqual(await collectKeys(storage), locations.sort());
    });

    it("reports a modification time close to the save", async () => {
      const before = Date.now();
      const location = await storage.save("timed", new Uint8Array([1]));
      const mtime = await storage.getMtime(location);
      assert.ok(mtime !== undefined);
      // Filesystems and object stores round times; allow a few seconds either way.
      assert.ok(Math.abs(mtime - before) < 5000, `mtime ${mtime} vs ${before}`);
    });

    it("loadWithMtime, when offered, gives load's bytes with getMtime's time, and fails like load", async (context) => {
      if (storage.loadWithMtime === undefined) {
        context.skip("this storage does not offer loadWithMtime");
        return;
      }
      const location = await storage.save("stamped", new Uint8Array([4, 5, 6]));
      const loaded = await storage.loadWithMtime(location);
      assert.deepEqual(Array.from(loaded.bytes), [4, 5, 6]);
      assert.equal(loaded.mtime, await storage.getMtime(location));
      await storage.delete(location);
      await assert.rejects(async () => storage.loadWithMtime?.(location), CacheCorruptedError);
    });

    it("saveParts, when offered, stores the pieces joined, at save's location, with getMtime's time", async (context) => {
      if (storage.saveParts === undefined) {
        context.skip("this storage does not offer saveParts");
        return;
      }
      const payload = new Uint8Array(200_000).map((_, index) => index % 251);
      const parts = [Uint8Array.of(0xc6), new Uint8Array(0), payload, Uint8Array.of(9, 8)];
      const saved = await storage.saveParts("pieces", parts);
      if (saved.mtime !== undefined) {
        assert.equal(saved.mtime, await storage.getMtime(saved.location));
      }
      assert.deepEqual(Buffer.from(await storage.load(saved.location)), Buffer.concat(parts));
      assert.equal(await storage.save("pieces", Buffer.concat(parts)), saved.location);
    });

    it("describes where it stores", () => {
      assert.equal(typeof storage.description, "string");
      assert.notEqual(storage.description, "");
    });
  });
}
