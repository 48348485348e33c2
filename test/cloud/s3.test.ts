/** @module test/cloud/s3.test — S3Storage against an s3rver on 127.0.0.1: the shared contract, refusals and failures. */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BlobStorageError, CacheCorruptedError } from "../../src/errors.js";
import { S3Storage } from "../../src/storage/s3.js";
import { runBlobStorageContract } from "../contracts/blob-storage.contract.js";
import { S3_TEST_CREDENTIALS, startS3Server, type TestServer } from "../servers/s3.js";

const BUCKET = "bs-contract";
let server: TestServer;
let prefixCounter = 0;

before(async () => {
  server = await startS3Server([BUCKET, "bs-other"]);
});

after(async () => {
  await server.dispose();
});

function makeStorage(uri: string): S3Storage {
  return new S3Storage(uri, {
    endpoint: server.endpoint,
    region: "us-east-1",
    credentials: S3_TEST_CREDENTIALS,
  });
}

runBlobStorageContract("S3Storage", async () => {
  // A fresh prefix per test keeps tests apart without recreating the bucket.
  prefixCounter += 1;
  return { storage: makeStorage(`s3://${BUCKET}/run-${prefixCounter}`), cleanup: async () => {} };
});

describe("S3Storage", () => {
  it("returns s3:// locations under its own prefix", async () => {
    const storage = makeStorage(`s3://${BUCKET}/team/app`);
    const location = await storage.save("abc", new Uint8Array([1]));
    assert.equal(location, `s3://${BUCKET}/team/app/abc.bin`);
    assert.equal(storage.description, `s3://${BUCKET}/team/app`);
  });

  it("uploads a large value in parts and reads it back byte for byte", async () => {
    const storage = new S3Storage(
      `s3://${BUCKET}/large`,
      { endpoint: server.endpoint, credentials: S3_TEST_CREDENTIALS },
      { multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024 },
    );
    const data = new Uint8Array(12 * 1024 * 1024 + 17).map((_, index) => (index * 7) % 256);
    const location = await storage.save("big", data);
    const loaded = await storage.load(location);
    assert.equal(loaded.byteLength, data.byteLength);
    assert.ok(Buffer.from(loaded).equals(Buffer.from(data)));
  });

  it("lists only its own prefix, not deeper or sibling prefixes", async () => {
    const parent = makeStorage(`s3://${BUCKET}/nest`);
    const child = makeStorage(`s3://${BUCKET}/nest/deeper`);
    const sibling = makeStorage(`s3://${BUCKET}/nest-sibling`);
    const own = await parent.save("mine", new Uint8Array([1]));
    await child.save("theirs", new Uint8Array([2]));
    await sibling.save("other", new Uint8Array([3]));
    const listed: string[] = [];
    for await (const location of parent.listKeys()) listed.push(location);
    assert.deepEqual(listed, [own]);
  });

  it("lists every page when there are more objects than one page holds", async () => {
    const storage = new S3Storage(
      `s3://${BUCKET}/paged`,
      { endpoint: server.endpoint, credentials: S3_TEST_CREDENTIALS },
      { listPageSize: 2 },
    );
    const saved: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      saved.push(await storage.save(`k${index}`, new Uint8Array(0)));
    }
    const listed: string[] = [];
    for await (const location of storage.listKeys()) listed.push(location);
    assert.deepEqual(listed.sort(), saved.sort());
  });

  it("refuses locations of another bucket, scheme or prefix without any request", async () => {
    // An endpoint nobody listens on: any request would fail with a connection error instead.
    const storage = new S3Storage(`s3://${BUCKET}/mine`, {
      endpoint: "http://127.0.0.1:9",
      credentials: S3_TEST_CREDENTIALS,
    });
    for (const location of [
      "s3://bs-other/mine/abc.bin",
      "gs://bs-contract/mine/abc.bin",
      `s3://${BUCKET}/elsewhere/abc.bin`,
      `s3://${BUCKET}/mine/../elsewhere/abc.bin`,
      `s3://${BUCKET}/mine/sub/abc.bin`,
      "abc.bin",
    ]) {
      await assert.rejects(storage.load(location), CacheCorruptedError, location);
      assert.equal(await storage.delete(location), false);
      assert.equal(await storage.getMtime(location), undefined);
    }
  });

  it("says which bucket, operation and cause when the endpoint is unreachable", async () => {
    const storage = new S3Storage(`s3://${BUCKET}/down`, {
      endpoint: "http://127.0.0.1:9",
      credentials: S3_TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    await assert.rejects(storage.save("k", new Uint8Array([1])), (error: unknown) => {
      assert.ok(error instanceof BlobStorageError);
      assert.match(error.message, /S3 save of s3:\/\/bs-contract\/down\/k\.bin/);
      assert.match(error.message, /ECONNREFUSED|reached/);
      return true;
    });
  });

  it("says which credentials were used when they are refused", async () => {
    const storage = new S3Storage(`s3://${BUCKET}/creds`, {
      endpoint: server.endpoint,
      credentials: { accessKeyId: "WRONG", secretAccessKey: "WRONG" },
    });
    await assert.rejects(storage.save("k", new Uint8Array([1])), (error: unknown) => {
      assert.ok(error instanceof BlobStorageError);
      assert.match(error.message, /bs-contract/);
      assert.match(error.message, /`credentials` passed in the client options/);
      assert.match(error.message, /AWS_ACCESS_KEY_ID/);
      return true;
    });
  });

  it("refuses bucket URIs that are not s3://bucket/prefix", () => {
    assert.throws(() => makeStorage("gs://bucket/x"), /not an s3:\/\/ URI/);
    assert.throws(() => makeStorage("s3://B/x"), /not a valid bucket name/);
    assert.throws(() => makeStorage(`s3://${BUCKET}/a/../b`), /`\.\.`/);
  });

  it("accepts an S3 client built elsewhere", async () => {
    const { S3Client } = await import("@aws-sdk/client-s3");
    const client = new S3Client({
      endpoint: server.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: S3_TEST_CREDENTIALS,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const storage = new S3Storage(`s3://${BUCKET}/given`, client);
    const location = await storage.save("k", new Uint8Array([4, 5]));
    assert.deepEqual(Array.from(await storage.load(location)), [4, 5]);
  });
});
