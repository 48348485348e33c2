/**
 * @module test/robustness/hostile-input.test — broken and hostile databases, rows, blob folders
 * and arguments: each gets a clear error or a safe miss, never a crash of the user's call, never
 * a wrong value, and nothing outside the workspace is read or deleted.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { ConfigurationError, SerializationError, ValidationError } from "../../src/errors.js";
import { MaintenanceService } from "../../src/maintenance/service.js";
import { Spot } from "../../src/spot.js";
import { cliPath, runCli } from "../cli/run-cli.js";
import { makeTempDir } from "../helpers.js";
import { collectingLogger, runChildForResult } from "./harness.js";

const PAYLOAD_BYTES = 4096;

/** A workspace holding one blob entry of `produce(1)`; returns where things are. */
async function storeOneBlob() {
  const folder = makeTempDir();
  const workspace = path.join(folder, ".beautyspot");
  const spot = new Spot("app", { workspace, saveBlob: true });
  const produce = spot.mark(async function produce(seed: number) {
    return Buffer.alloc(PAYLOAD_BYTES, seed);
  });
  await produce(1);
  const cacheKey = produce.key(1);
  await spot.shutdown();
  const blobFolder = path.join(workspace, "blobs", "app");
  return {
    folder,
    workspace,
    cacheKey,
    blobFolder,
    blobFile: path.join(blobFolder, `${cacheKey}.bin`),
    databaseFile: path.join(workspace, "app.db"),
  };
}

/** Rewrites one column of one row behind the library's back. */
function updateRow(databaseFile: string, cacheKey: string, column: string, value: unknown): void {
  const db = new Database(databaseFile);
  try {
    db.prepare(`UPDATE tasks SET ${column} = ? WHERE cache_key = ?`).run(value, cacheKey);
  } finally {
    db.close();
  }
}

/** A Spot over `workspace` whose `produce` counts its runs. */
function openCounting(workspace: string) {
  const logger = collectingLogger();
  const spot = new Spot("app", { workspace, saveBlob: true, logger });
  const counter = { runs: 0 };
  const produce = spot.mark(async function produce(seed: number) {
    counter.runs += 1;
    return Buffer.alloc(PAYLOAD_BYTES, seed);
  });
  return { spot, produce, counter, logger };
}

/**
 * Moves the stored blob to `outsideFile` — bytes that would pass the integrity check — and points
 * the row at `location`. If the library followed the location it would return that file's value
 * without running the function; it must instead miss, run, and leave the file alone through every
 * delete and clean-up.
 */
async function assertLocationIsRefused(
  place: (setup: Awaited<ReturnType<typeof storeOneBlob>>) => {
    location: string;
    outsideFile: string;
  },
): Promise<void> {
  const setup = await storeOneBlob();
  const { location, outsideFile } = place(setup);
  updateRow(setup.databaseFile, setup.cacheKey, "result_value", location);
  const outsideBytes = fs.readFileSync(outsideFile);

  const { spot, produce, counter, logger } = openCounting(setup.workspace);
  try {
    assert.equal(await produce.peek(1), undefined, "the outside file is never read");
    assert.ok(logger.warnings.length > 0, "the refusal is reported");
    // Put the hostile row back after each step that would have overwritten it.
    assert.equal((await produce(1))[0], 1);
    assert.equal(counter.runs, 1);
    updateRow(setup.databaseFile, setup.cacheKey, "result_value", location);
    await produce.invalidate(1);
    assert.deepEqual(fs.readFileSync(outsideFile), outsideBytes);

    await produce(1);
    updateRow(setup.databaseFile, setup.cacheKey, "result_value", location);
    await spot.maintenance.deleteTask(setup.cacheKey);
    await produce(1);
    updateRow(setup.databaseFile, setup.cacheKey, "result_value", location);
    await spot.maintenance.clear();
    await spot.maintenance.cleanGarbage({ graceSeconds: 0 });
    assert.deepEqual(fs.readFileSync(outsideFile), outsideBytes, "nothing outside is deleted");
  } finally {
    await spot.shutdown();
  }
}

describe("hostile and broken databases", () => {
  it("refuses a database file of random bytes with an actionable error and leaves it as it was", () => {
    const folder = makeTempDir();
    const file = path.join(folder, "random.db");
    const bytes = randomBytes(64 * 1024);
    fs.writeFileSync(file, bytes);
    for (const open of [
      () => new Spot("app", { db: file, workspace: folder }),
      () => MaintenanceService.fromPath(file),
    ]) {
      assert.throws(open, (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, /not a SQLite database/);
        assert.match(error.message, /different path|delete the file/);
        return true;
      });
    }
    assert.deepEqual(fs.readFileSync(file), bytes);
  });

  /** A SQLite file of some other program: a `users` table. */
  function makeOtherApplicationDatabase(): string {
    const file = path.join(makeTempDir(), "other.db");
    const other = new Database(file);
    other.exec(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada')",
    );
    other.close();
    return file;
  }

  it("refuses another application's SQLite file, naming what it found", () => {
    const file = makeOtherApplicationDatabase();
    assert.throws(
      () => new Spot("app", { db: file, workspace: path.dirname(file) }),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        /not a beautyspot database.*users/.test(error.message),
    );
    const other = new Database(file, { readonly: true });
    assert.deepEqual(other.prepare("SELECT name FROM users").pluck().all(), ["ada"]);
    other.close();
  });

  it("leaves another application's SQLite file byte for byte as it was (journal mode included)", () => {
    const file = makeOtherApplicationDatabase();
    const before = fs.readFileSync(file);
    assert.throws(() => new Spot("app", { db: file, workspace: path.dirname(file) }));
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it("refuses a tasks table without cache_key, and upgrades one that only lacks other columns", async () => {
    const folder = makeTempDir();
    const broken = path.join(folder, "broken.db");
    const brokenDb = new Database(broken);
    brokenDb.exec("CREATE TABLE tasks (id INTEGER, payload BLOB)");
    brokenDb.close();
    assert.throws(
      () => new Spot("app", { db: broken, workspace: folder }),
      (error: unknown) => error instanceof ConfigurationError && /cache_key/.test(error.message),
    );

    const partial = path.join(folder, "partial.db");
    const partialDb = new Database(partial);
    partialDb.exec(
      "CREATE TABLE tasks (cache_key TEXT PRIMARY KEY, result_type TEXT, result_data BLOB)",
    );
    partialDb.close();
    const spot = new Spot("app", { db: partial, workspace: folder });
    try {
      const double = spot.mark(async function double(value: number) {
        return value * 2;
      });
      assert.equal(await double(21), 42);
      assert.equal(await double.peek(21), 42);
    } finally {
      await spot.shutdown();
    }
  });

  it("treats a row with an unknown result_type as a miss, runs the function and overwrites it", async () => {
    const setup = await storeOneBlob();
    updateRow(setup.databaseFile, setup.cacheKey, "result_type", "FUTURE_KIND");
    const { spot, produce, counter, logger } = openCounting(setup.workspace);
    try {
      assert.equal((await produce(1))[0], 1);
      assert.equal(counter.runs, 1);
      assert.match(logger.warnings.join("\n"), /FUTURE_KIND/);
      assert.equal((await produce(1))[0], 1);
      assert.equal(counter.runs, 1, "the overwritten entry is a hit");
    } finally {
      await spot.shutdown();
    }
  });
});

describe("blob locations that lead outside the blob folder", () => {
  it("never reads or deletes a file reached through `..`", async () => {
    await assertLocationIsRefused((setup) => {
      const outsideFile = path.join(setup.folder, "secret.bin");
      fs.renameSync(setup.blobFile, outsideFile);
      return { location: "../../../secret.bin", outsideFile };
    });
  });

  it("never reads or deletes a file given as an absolute location", async () => {
    await assertLocationIsRefused((setup) => {
      const outsideFile = path.join(setup.folder, "secret.bin");
      fs.renameSync(setup.blobFile, outsideFile);
      return { location: outsideFile, outsideFile };
    });
  });

  it("never follows a symlink inside the blob folder that points outside", async () => {
    await assertLocationIsRefused((setup) => {
      const outsideFile = path.join(setup.folder, "secret.bin");
      fs.renameSync(setup.blobFile, outsideFile);
      fs.symlinkSync(outsideFile, setup.blobFile);
      return { location: `${setup.cacheKey}.bin`, outsideFile };
    });
  });

  it("never follows a symlinked subfolder inside the blob folder that points outside", async () => {
    await assertLocationIsRefused((setup) => {
      const outsideFolder = path.join(setup.folder, "elsewhere");
      fs.mkdirSync(outsideFolder);
      const outsideFile = path.join(outsideFolder, `${setup.cacheKey}.bin`);
      fs.renameSync(setup.blobFile, outsideFile);
      fs.symlinkSync(outsideFolder, path.join(setup.blobFolder, "linked"));
      return { location: `linked/${setup.cacheKey}.bin`, outsideFile };
    });
  });

  it("leaves files reached through symlinks alone when cleaning the blob folder", async () => {
    const setup = await storeOneBlob();
    const outsideFolder = path.join(setup.folder, "elsewhere");
    fs.mkdirSync(outsideFolder);
    const victims = ["old.bin", "half.bin.0123456789ab.spot_tmp"].map((name) => {
      const file = path.join(outsideFolder, name);
      fs.writeFileSync(file, "keep me");
      // Old enough to count as garbage if they were ours.
      fs.utimesSync(file, new Date(0), new Date(0));
      return file;
    });
    fs.symlinkSync(outsideFolder, path.join(setup.blobFolder, "linked-folder"));
    fs.symlinkSync(victims[0] as string, path.join(setup.blobFolder, `${"a".repeat(64)}.bin`));
    fs.symlinkSync(
      victims[1] as string,
      path.join(setup.blobFolder, "x.bin.0123456789ab.spot_tmp"),
    );
    const service = MaintenanceService.fromPath(setup.databaseFile, setup.blobFolder);
    try {
      await service.cleanGarbage({ graceSeconds: 0 });
    } finally {
      await service.close();
    }
    for (const file of victims) assert.equal(fs.readFileSync(file, "utf8"), "keep me");
  });
});

describe("hostile arguments and names", () => {
  it("keys nested arguments up to the documented depth, and refuses deeper ones with a ValidationError, not a stack overflow", async () => {
    const folder = makeTempDir();
    const spot = new Spot("app", { workspace: path.join(folder, ".beautyspot") });
    try {
      const identity = spot.mark(async function identity(value: unknown) {
        return value;
      });
      const nest = (depth: number) => {
        let value: unknown = "core";
        for (let level = 0; level < depth; level += 1) value = [value];
        return value;
      };
      assert.match(identity.key(nest(900)), /^[0-9a-f]{64}$/);
      for (const depth of [1001, 100_000]) {
        assert.throws(
          () => identity.key(nest(depth)),
          (error: unknown) =>
            error instanceof ValidationError &&
            /nested deeper than 1000 levels/.test(error.message) &&
            /keygen/.test(error.message),
        );
        await assert.rejects(identity(nest(depth)), ValidationError);
      }
    } finally {
      await spot.shutdown();
    }
  });

  for (const saveSync of [false, true]) {
    it(`returns a deeply nested result to the caller and reports, not crashes, when it cannot be stored (saveSync: ${saveSync})`, async () => {
      const folder = makeTempDir();
      const reported: unknown[] = [];
      const spot = new Spot("app", {
        workspace: path.join(folder, ".beautyspot"),
        saveSync,
        onBackgroundError: (error) => reported.push(error),
      });
      try {
        const build = spot.mark(async function build(depth: number) {
          let value: unknown = 0;
          for (let level = 0; level < depth; level += 1) value = [value];
          return value;
        });
        assert.ok(Array.isArray(await build(100_000)));
        await spot.flush();
        assert.equal(reported.length, 1);
        assert.match(String((reported[0] as Error).message), /nested too deeply/);
      } finally {
        await spot.shutdown();
      }
    });
  }

  it('rejects a deeply nested result with SerializationError, the result attached, under onSaveError: "throw"', async () => {
    const folder = makeTempDir();
    const spot = new Spot("app", {
      workspace: path.join(folder, ".beautyspot"),
      onSaveError: "throw",
    });
    try {
      const build = spot.mark(async function build(depth: number) {
        let value: unknown = 0;
        for (let level = 0; level < depth; level += 1) value = [value];
        return value;
      });
      await assert.rejects(build(100_000), (error: unknown) => {
        assert.ok(error instanceof SerializationError);
        assert.match(error.message, /nested too deeply/);
        assert.ok(Array.isArray(error.result));
        return true;
      });
      assert.equal(spot.db.count({}), 0);
    } finally {
      await spot.shutdown();
    }
  });

  it("gives unicode, empty-string and lone-surrogate arguments distinct keys, and stores unicode function names", async () => {
    const folder = makeTempDir();
    const workspace = path.join(folder, ".beautyspot");
    const spot = new Spot("app", { workspace });
    try {
      // Code points, not the text: a lone surrogate cannot be stored (UTF-8 has no room for it).
      const codePoints = (value: string) => Array.from(value, (char) => char.codePointAt(0));
      const echo = spot.mark(
        async function echo(value: string) {
          return codePoints(value);
        },
        { name: "関数/🍣 name" },
      );
      const inputs = [
        "",
        " ",
        "\u{1F363}",
        "\uD800",
        "\uDC00",
        "\uFFFD",
        "e\u0301",
        "\u00E9",
        "\0",
      ];
      const keys = new Set(inputs.map((input) => echo.key(input)));
      assert.equal(keys.size, inputs.length, "no two inputs share a key");
      for (const input of inputs) {
        assert.deepEqual(await echo(input), codePoints(input));
        assert.deepEqual(await echo(input), codePoints(input), "a hit returns the same");
      }
      const withKeygen = spot.mark(
        async function labelled(_value: string) {
          return "stored";
        },
        { keygen: (value: string) => value },
      );
      assert.equal(await withKeygen(""), "stored");
      assert.equal(await withKeygen.peek(""), "stored");
      assert.throws(() => spot.mark(async function unnamed() {}, { name: "" }), ConfigurationError);
    } finally {
      await spot.shutdown();
    }
    const reopened = new Spot("app", { workspace });
    try {
      const names = (await reopened.maintenance.listTasks({ limit: 100 })).map(
        (record) => record.funcIdentifier,
      );
      assert.ok(names.includes("関数/🍣 name"));
    } finally {
      await reopened.shutdown();
    }
  });

  it("keys a 100 MB buffer without copying it several times (peak memory below 3× the buffer)", async () => {
    const folder = makeTempDir();
    const report = await runChildForResult<{ growthBytes: number; bufferBytes: number }>(
      folder,
      `
import { Spot } from "$ENTRY";
const spot = new Spot("big", { workspace: process.env.BS_WORKSPACE });
const take = spot.mark(async function take(buffer: Uint8Array) { return buffer.byteLength; });
const buffer = Buffer.alloc(100 * 1024 * 1024, 7);
const peakBefore = process.resourceUsage().maxRSS * 1024;
take.key(buffer);
const growthBytes = process.resourceUsage().maxRSS * 1024 - peakBefore;
await spot.shutdown();
console.log(JSON.stringify({ growthBytes, bufferBytes: buffer.byteLength }));
`,
      { env: { BS_WORKSPACE: path.join(folder, ".beautyspot") } },
    );
    assert.ok(
      report.growthBytes < 3 * report.bufferBytes,
      `keying grew peak memory by ${Math.round(report.growthBytes / 2 ** 20)} MiB`,
    );
  });
});

describe("the CLI given a directory instead of a database file", () => {
  it("says it is not a database file and exits with an error, for every command that takes a database", (context) => {
    if (!fs.existsSync(cliPath)) {
      context.skip("the CLI is not built (npm run build)");
      return;
    }
    const folder = makeTempDir();
    const directory = path.join(folder, "looks-like.db");
    fs.mkdirSync(directory);
    fs.writeFileSync(path.join(directory, "keep.txt"), "keep");
    for (const args of [
      ["stats", directory],
      ["list", directory],
      ["show", directory, "abc"],
      ["clean", directory, "-y"],
      ["clear", directory, "-y"],
      ["prune", directory, "--days", "1", "-y"],
    ]) {
      const result = runCli(args, folder);
      assert.ok(result.status === 1 || result.status === 2, `${args[0]}: ${result.status}`);
      assert.match(result.stderr, /not a file|directory/, `${args[0]}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
    }
    assert.deepEqual(fs.readdirSync(directory), ["keep.txt"]);
  });
});
