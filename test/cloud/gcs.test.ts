/** @module test/cloud/gcs.test — GCSStorage against our GCS JSON-API server on 127.0.0.1: the shared contract, refusals and failures. */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BlobStorageError, CacheCorruptedError } from "../../src/errors.js";
import { GCSStorage } from "../../src/storage/gcs.js";
import { runBlobStorageContract } from "../contracts/blob-storage.contract.js";
import { computeCrc32c, startGcsServer } from "../servers/gcs.js";
import type { TestServer } from "../servers/s3.js";

const BUCKET = "bs-contract";
let server: TestServer;
let prefixCounter = 0;

before(async () => {
  server = await startGcsServer([BUCKET, "bs-other"]);
});

after(async () => {
  await server.dispose();
});

function makeStorage(uri: string, settings = {}): GCSStorage {
  return new GCSStorage(uri, { apiEndpoint: server.endpoint, projectId: "test" }, settings);
}

runBlobStorageContract("GCSStorage", async () => {
  prefixCounter += 1;
  return { storage: makeStorage(`gs://${BUCKET}/run-${prefixCounter}`), cleanup: async () => {} };
});

describe("GCS test server", () => {
  it("computes crc32c as GCS does", () => {
    // The check value of CRC-32C is 0xE3069283 for the ASCII digits 1 to 9.
    assert.equal(
      computeCrc32c(Buffer.from("123456789")),
      Buffer.from("e3069283", "hex").toString("base64"),
    );
  });
});

describe("GCSStorage", () => {
  it("returns gs:// locations under its own prefix", async () => {
    const storage = makeStorage(`gs://${BUCKET}/team/app`);
    const location = await storage.save("abc", new Uint8Array([1]));
    assert.equal(location, `gs://${BUCKET}/team/app/abc.bin`);
    assert.equal(storage.description, `gs://${BUCKET}/team/app`);
  });

  it("uploads a large value resumably and reads it back byte for byte", async () => {
    const storage = makeStorage(`gs://${BUCKET}/large`, { resumableThreshold: 1024 * 1024 });
    const data = new Uint8Array(6 * 1024 * 1024 + 17).map((_, index) => (index * 7) % 256);
    const location = await storage.save("big", data);
    const loaded = await storage.load(location);
    assert.ok(Buffer.from(loaded).equals(Buffer.from(data)));
  });

  it("lists only its own prefix, not deeper or sibling prefixes", async () => {
    const parent = makeStorage(`gs://${BUCKET}/nest`);
    const child = makeStorage(`gs://${BUCKET}/nest/deeper`);
    const sibling = makeStorage(`gs://${BUCKET}/nest-sibling`);
    const own = await parent.save("mine", new Uint8Array([1]));
    await child.save("theirs", new Uint8Array([2]));
    await sibling.save("other", new Uint8Array([3]));
    const listed: string[] = [];
    for await (const location of parent.listKeys()) listed.push(location);
    assert.deepEqual(listed, [own]);
  });

  it("lists every page when there are more objects than one page holds", async () => {
    const storage = makeStorage(`gs://${BUCKET}/paged`, { listPageSize: 2 });
    const saved: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      saved.push(await storage.save(`k${index}`, new Uint8Array(0)));
    }
    const listed: string[] = [];
    for await (const location of storage.listKeys()) listed.push(location);
    assert.deepEqual(listed.sort(), saved.sort());
  });

  it("refuses locations of another bucket, scheme or prefix without any request", async () => {
    const storage = new GCSStorage(`gs://${BUCKET}/mine`, { apiEndpoint: "http://127.0.0.1:9" });
    for (const location of [
      "gs://bs-other/mine/abc.bin",
      "s3://bs-contract/mine/abc.bin",
      `gs://${BUCKET}/elsewhere/abc.bin`,
      `gs://${BUCKET}/mine/../elsewhere/abc.bin`,
      `gs://${BUCKET}/mine/sub/abc.bin`,
      "abc.bin",
    ]) {
      await assert.rejects(storage.load(location), CacheCorruptedError, location);
      assert.equal(await storage.delete(location), false);
      assert.equal(await storage.getMtime(location), undefined);
    }
  });

  it("says which bucket, operation and cause when the endpoint is unreachable", async () => {
    const storage = new GCSStorage(`gs://${BUCKET}/down`, {
      apiEndpoint: "http://127.0.0.1:9",
      retryOptions: { autoRetry: false },
    });
    await assert.rejects(storage.save("k", new Uint8Array([1])), (error: unknown) => {
      assert.ok(error instanceof BlobStorageError);
      assert.match(error.message, /GCS save of gs:\/\/bs-contract\/down\/k\.bin/);
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
  });

  it("says which credentials were used when none can be found", async () => {
    // Google's own endpoint is never reached: finding credentials fails first.
    const storage = new GCSStorage(`gs://${BUCKET}/creds`, {
      keyFilename: "/nonexistent/key.json",
      retryOptions: { autoRetry: false },
    });
    await assert.rejects(storage.save("k", new Uint8Array([1])), (error: unknown) => {
      assert.ok(error instanceof BlobStorageError);
      assert.match(error.message, /bs-contract/);
      assert.match(error.message, /key file \/nonexistent\/key\.json/);
      assert.match(error.message, /GOOGLE_APPLICATION_CREDENTIALS/);
      return true;
    });
  });

  it("accepts a Storage client built elsewhere", async () => {
    const { Storage } = await import("@google-cloud/storage");
    const client = new Storage({ apiEndpoint: server.endpoint, projectId: "test" });
    const storage = new GCSStorage(`gs://${BUCKET}/given`, client);
    const location = await storage.save("k", new Uint8Array([4, 5]));
    assert.deepEqual(Array.from(await storage.load(location)), [4, 5]);
  });
});
