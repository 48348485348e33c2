/** @module storage/cloud-location.test — bucket URIs, blob locations and the missing-SDK error. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigurationError, ValidationError } from "../errors.js";
import {
  assertSdkInstalled,
  parseBucketUri,
  readLocation,
  toObjectName,
} from "./cloud-location.js";

describe("parseBucketUri", () => {
  it("splits bucket and prefix and normalises slashes", () => {
    const address = parseBucketUri("s3://my-bucket//team/cache/", "s3");
    assert.equal(address.bucket, "my-bucket");
    assert.equal(address.prefix, "team/cache/");
    assert.equal(address.description, "s3://my-bucket/team/cache");
  });

  it("accepts a bucket without prefix", () => {
    const address = parseBucketUri("gs://my-bucket", "gs");
    assert.equal(address.prefix, "");
    assert.equal(address.description, "gs://my-bucket");
  });

  it("refuses another scheme, a bad bucket name and `..` in the prefix", () => {
    assert.throws(() => parseBucketUri("gs://my-bucket", "s3"), ValidationError);
    assert.throws(() => parseBucketUri("s3://ab", "s3"), ValidationError);
    assert.throws(() => parseBucketUri("s3://my-bucket/a/../b", "s3"), ValidationError);
  });
});

describe("locations", () => {
  const address = parseBucketUri("s3://my-bucket/team", "s3");

  it("names objects <prefix><key>.bin and refuses keys with slashes", () => {
    assert.equal(toObjectName(address, "abc"), "team/abc.bin");
    assert.throws(() => toObjectName(address, "a/b"), ValidationError);
    assert.throws(() => toObjectName(address, ".."), ValidationError);
  });

  it("reads back its own locations and refuses every other", () => {
    assert.deepEqual(readLocation(address, "s3://my-bucket/team/abc.bin"), {
      objectName: "team/abc.bin",
    });
    for (const foreign of [
      "s3://other/team/abc.bin",
      "gs://my-bucket/team/abc.bin",
      "s3://my-bucket/teams/abc.bin",
      "s3://my-bucket/team/../abc.bin",
      "s3://my-bucket/team/abc.txt",
      "s3://my-bucket/team/.bin",
    ]) {
      assert.ok("problem" in readLocation(address, foreign), foreign);
    }
  });
});

describe("assertSdkInstalled", () => {
  it("passes for an installed SDK", () => {
    assert.doesNotThrow(() => assertSdkInstalled("@aws-sdk/client-s3", "S3Storage"));
  });

  it("names the npm install command when the SDK is missing", () => {
    assert.throws(
      () => assertSdkInstalled("@beautyspot-missing/sdk", "S3Storage"),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, /npm install @beautyspot-missing\/sdk/);
        assert.match(error.message, /S3Storage/);
        return true;
      },
    );
  });
});
