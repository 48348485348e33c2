/** @module storage/create.test — choosing the storage backend from a path or URI. */

import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { ConfigurationError, ValidationError } from "../errors.js";
import { createStorage } from "./create.js";
import { LocalStorage } from "./local.js";

const createdDirs: string[] = [];

function makeTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
  createdDirs.push(dir);
  return dir;
}

after(() => {
  for (const dir of createdDirs) fs.rmSync(dir, { recursive: true, force: true });
});

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

  it("says cloud storage is not available yet for s3:// and gs://", () => {
    for (const uri of ["s3://bucket/prefix", "gs://bucket/prefix"]) {
      assert.throws(
        () => createStorage(uri),
        (error: unknown) => {
          assert.ok(error instanceof ConfigurationError);
          assert.match(error.message, /not available/);
          return true;
        },
      );
    }
  });

  it("refuses unknown schemes and empty locations", () => {
    assert.throws(() => createStorage("ftp://host/dir"), /Unknown storage scheme/);
    assert.throws(() => createStorage(""), ValidationError);
  });
});
