/** @module storage/create.test — choosing the storage backend from a path or URI. */

import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { makeTempDir } from "../../test/helpers.js";
import { ValidationError } from "../errors.js";
import { createStorage } from "./create.js";
import { GCSStorage } from "./gcs.js";
import { LocalStorage } from "./local.js";
import { S3Storage } from "./s3.js";

describe("createStorage", () => {
  it("gives a LocalStorage for a plain folder path", () => {
    const dir = path.join(makeTempDir(), "blobs");
    const storage = createStorage(dir);
    assert.ok(storage instanceof LocalStorage);
    assert.equal(storage.description, dir);
  });

  it("gives a LocalStorage for a file:// URI", () => {
    const dir = makeTempDir();
    const storage = createStorage(pathToFileURL(dir).href);
    assert.ok(storage instanceof LocalStorage);
    assert.equal(storage.description, dir);
  });

  it("gives an S3Storage for s3:// and a GCSStorage for gs://", () => {
    const s3 = createStorage("s3://my-bucket/team/cache", {
      clientOptions: { region: "eu-west-1" },
    });
    assert.ok(s3 instanceof S3Storage);
    assert.equal(s3.description, "s3://my-bucket/team/cache");
    const gcs = createStorage("gs://my-bucket/team");
    assert.ok(gcs instanceof GCSStorage);
    assert.equal(gcs.description, "gs://my-bucket/team");
  });

  it("refuses cloud URIs without a valid bucket", () => {
    assert.throws(() => createStorage("s3://"), ValidationError);
    assert.throws(() => createStorage("gs://Not_A_Bucket!/x"), ValidationError);
  });

  it("refuses unknown schemes and empty locations", () => {
    assert.throws(() => createStorage("ftp://host/dir"), /Unknown storage scheme/);
    assert.throws(() => createStorage(""), ValidationError);
  });
});
