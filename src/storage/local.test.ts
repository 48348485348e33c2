/** @module storage/local.test — LocalStorage: shared contract, atomic writes, and refusing paths outside its folder. */

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { runBlobStorageContract } from "../../test/contracts/blob-storage.contract.js";
import { makeTempDir } from "../../test/helpers.js";
import { CacheCorruptedError, ValidationError } from "../errors.js";
import { temporaryNameFor } from "./leftovers.js";
import { LocalStorage } from "./local.js";

runBlobStorageContract("LocalStorage", async () => {
  const dir = makeTempDir();
  return {
    storage: new LocalStorage(path.join(dir, "blobs")),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe("LocalStorage files", () => {
  it("writes <key>.bin and returns that relative location", () => {
    const dir = path.join(makeTempDir(), "blobs");
    const storage = new LocalStorage(dir);
    assert.equal(storage.save("abc", new Uint8Array([5])), "abc.bin");
    assert.deepEqual(Array.from(fs.readFileSync(path.join(dir, "abc.bin"))), [5]);
  });

  it("refuses an unknown durability and writes the same files with either", () => {
    const dir = path.join(makeTempDir(), "blobs");
    assert.throws(
      () => new LocalStorage(dir, { durability: "always" as never }),
      (error: unknown) =>
        error instanceof ValidationError && /"normal".*"full"/.test(error.message),
    );
    const full = new LocalStorage(dir, { durability: "full" });
    assert.equal(full.durability, "full");
    assert.equal(new LocalStorage(dir).durability, "normal");
    const saved = full.saveParts("k", [Uint8Array.of(1), Uint8Array.of(2, 3)]);
    saved.whenDurable?.();
    assert.equal(full.save("j", Uint8Array.of(4)), "j.bin");
    assert.deepEqual(Array.from(fs.readFileSync(path.join(dir, saved.location))), [1, 2, 3]);
    assert.deepEqual(fs.readdirSync(dir).sort(), [".gitignore", "j.bin", "k.bin"]);
  });

  it("leaves no temporary file behind after a save", () => {
    const dir = path.join(makeTempDir(), "blobs");
    const storage = new LocalStorage(dir);
    storage.save("k", new Uint8Array(100_000));
    storage.save("k", new Uint8Array(10));
    assert.deepEqual(fs.readdirSync(dir).sort(), [".gitignore", "k.bin"]);
  });

  it("creates its folder only on the first save, with a .gitignore in each folder it creates", () => {
    const root = makeTempDir();
    const dir = path.join(root, "workspace", "blobs", "app");
    const storage = new LocalStorage(dir);
    assert.equal(fs.existsSync(path.join(root, "workspace")), false);
    storage.save("k", new Uint8Array([1]));
    for (const folder of [dir, path.dirname(dir), path.join(root, "workspace")]) {
      assert.equal(fs.readFileSync(path.join(folder, ".gitignore"), "utf8"), "*\n");
    }
    assert.equal(fs.existsSync(path.join(root, ".gitignore")), false);
  });

  it("recreates its folder when it was removed after the first save", () => {
    const dir = path.join(makeTempDir(), "blobs");
    const storage = new LocalStorage(dir);
    storage.save("a", new Uint8Array([1]));
    fs.rmSync(dir, { recursive: true });
    assert.deepEqual(Array.from(storage.load(storage.save("b", new Uint8Array([2])))), [2]);
  });

  it("refuses keys with path separators", () => {
    const storage = new LocalStorage(makeTempDir());
    for (const key of ["../evil", "a/b", "a\\b", "", "..", "nul\0"]) {
      assert.throws(() => storage.save(key, new Uint8Array([1])), ValidationError, key);
    }
  });

  it("says the blob is missing when its file is gone", () => {
    const storage = new LocalStorage(makeTempDir());
    assert.throws(
      () => storage.load("nothere.bin"),
      (error: unknown) => {
        assert.ok(error instanceof CacheCorruptedError);
        assert.match(error.message, /is missing/);
        return true;
      },
    );
  });
});

describe("LocalStorage refuses locations outside its folder", () => {
  /** A folder of blobs next to a secret file outside it. */
  function makeSandbox() {
    const root = makeTempDir();
    const dir = path.join(root, "blobs");
    const secret = path.join(root, "secret.txt");
    fs.writeFileSync(secret, "do not read");
    const storage = new LocalStorage(dir);
    storage.save("real", new Uint8Array([1]));
    return { root, dir, secret, storage };
  }

  it("never reads or deletes through .. or absolute paths", () => {
    const { secret, storage } = makeSandbox();
    for (const location of [
      "../secret.txt",
      "../../etc/passwd",
      secret,
      "/etc/passwd",
      "a/../../secret.txt",
      "..\\secret.txt",
      "C:/x.bin",
    ]) {
      assert.throws(() => storage.load(location), CacheCorruptedError, location);
      assert.equal(storage.delete(location), false, location);
      assert.equal(storage.getMtime(location), undefined, location);
    }
    assert.equal(fs.readFileSync(secret, "utf8"), "do not read");
  });

  it("never reads or deletes through a symlink inside the folder", () => {
    const { dir, secret, storage } = makeSandbox();
    fs.symlinkSync(secret, path.join(dir, "link.bin"));
    assert.throws(
      () => storage.load("link.bin"),
      (error: unknown) => {
        assert.ok(error instanceof CacheCorruptedError);
        assert.doesNotMatch(error.message, /do not read/);
        return true;
      },
    );
    assert.equal(storage.delete("link.bin"), false);
    assert.equal(fs.readFileSync(secret, "utf8"), "do not read");
    assert.ok(fs.lstatSync(path.join(dir, "link.bin")).isSymbolicLink());
    assert.deepEqual([...storage.listKeys()], ["real.bin"]);
  });

  it("never reads through a symlinked subfolder that leads outside", () => {
    const { root, dir, storage } = makeSandbox();
    const outside = path.join(root, "outside");
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, "x.bin"), "outside");
    fs.symlinkSync(outside, path.join(dir, "sub"));
    assert.throws(() => storage.load("sub/x.bin"), CacheCorruptedError);
    assert.equal(storage.delete("sub/x.bin"), false);
    assert.ok(fs.existsSync(path.join(outside, "x.bin")));
  });
});

describe("LocalStorage listing and clean-up", () => {
  it("lists only .bin files, skipping temporary files and the .gitignore", () => {
    const dir = path.join(makeTempDir(), "blobs");
    const storage = new LocalStorage(dir);
    storage.save("a", new Uint8Array([1]));
    fs.writeFileSync(path.join(dir, "b.bin.1234.spot_tmp"), "partial");
    fs.writeFileSync(path.join(dir, "notes.txt"), "x");
    assert.deepEqual([...storage.listKeys()], ["a.bin"]);
  });

  it("streams the listing lazily, one entry at a time", () => {
    const dir = path.join(makeTempDir(), "blobs");
    const storage = new LocalStorage(dir);
    storage.save("first", new Uint8Array([1]));
    const iterator = storage.listKeys()[Symbol.iterator]();
    // Nothing is read before the first step, so files saved now are still seen.
    for (let index = 0; index < 300; index += 1) storage.save(`k${index}`, new Uint8Array([1]));
    let count = 0;
    for (let step = iterator.next(); !step.done; step = iterator.next()) count += 1;
    assert.equal(count, 301);
  });

  it("lists nothing for a folder that does not exist yet", () => {
    const storage = new LocalStorage(path.join(makeTempDir(), "never"));
    assert.deepEqual([...storage.listKeys()], []);
  });

  it("removes old temporary files, keeping recent ones, blobs and every folder", () => {
    const dir = path.join(makeTempDir(), "blobs");
    const storage = new LocalStorage(dir);
    storage.save("keep", new Uint8Array([1]));
    const old = path.join(dir, `${"a".repeat(64)}.bin.0123456789ab.spot_tmp`);
    const recent = path.join(dir, `${"b".repeat(64)}.bin.456789abcdef.spot_tmp`);
    fs.writeFileSync(old, "old");
    fs.writeFileSync(recent, "recent");
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(old, hourAgo, hourAgo);
    fs.mkdirSync(path.join(dir, "empty", "nested"), { recursive: true });
    const counts = storage.cleanTemporary(60_000);
    assert.deepEqual(counts, { tempFiles: 1, emptyDirs: 0 });
    assert.deepEqual(fs.readdirSync(dir).sort(), [
      ".gitignore",
      path.basename(recent),
      "empty",
      "keep.bin",
    ]);
  });

  it("reports no clean-up for a folder that does not exist", () => {
    const storage = new LocalStorage(path.join(makeTempDir(), "never"));
    assert.deepEqual(storage.cleanTemporary(0), { tempFiles: 0, emptyDirs: 0 });
  });
});

describe("LocalStorage clean-up touches only what beautyspot wrote", () => {
  const KEY = "c".repeat(64);

  it("never deletes files or folders it did not write, however old", () => {
    // A folder that is not a blob folder at all, given by mistake (`clean --blob-dir .git`).
    const dir = path.join(makeTempDir(), "refs");
    const files = ["heads/main", "old.bin", "notes.bin.tmp", "x.bin.0123456789ab.spot_tmp"];
    fs.mkdirSync(path.join(dir, "heads"), { recursive: true });
    fs.mkdirSync(path.join(dir, "tags"));
    for (const file of files) {
      fs.writeFileSync(path.join(dir, file), "precious");
      fs.utimesSync(path.join(dir, file), new Date(0), new Date(0));
    }
    const storage = new LocalStorage(dir);
    assert.deepEqual(storage.cleanTemporary(0), { tempFiles: 0, emptyDirs: 0 });
    for (const file of files) assert.ok(fs.existsSync(path.join(dir, file)), file);
    assert.ok(fs.existsSync(path.join(dir, "tags")), "an empty folder it did not create stays");
  });

  it("keeps the temporary files of a live writer even with no grace period, and removes a dead one's", async (t) => {
    const dir = path.join(makeTempDir(), "blobs");
    const storage = new LocalStorage(dir);
    storage.save("keep", new Uint8Array([1]));
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"]);
    t.after(() => sleeper.kill("SIGKILL"));
    const finished = spawnSync(process.execPath, ["-e", ""]);
    const mine = path.join(dir, temporaryNameFor(`${KEY}.bin`));
    const otherLive = path.join(dir, temporaryNameFor(`${KEY}.bin`, sleeper.pid));
    const dead = path.join(dir, temporaryNameFor(`${KEY}.bin`, finished.pid));
    const legacy = path.join(dir, `${KEY}.bin.0123456789ab.spot_tmp`);
    for (const file of [mine, otherLive, dead, legacy]) {
      fs.writeFileSync(file, "partial");
      fs.utimesSync(file, new Date(0), new Date(0));
    }
    assert.deepEqual(storage.cleanTemporary(0), { tempFiles: 2, emptyDirs: 0 });
    assert.ok(fs.existsSync(mine), "this process is writing it");
    assert.ok(fs.existsSync(otherLive), "a running process is writing it");
    assert.ok(!fs.existsSync(dead), "its writer has exited");
    assert.ok(!fs.existsSync(legacy), "an old-style temp file older than the grace period");
  });
});
