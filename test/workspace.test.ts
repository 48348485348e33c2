/** @module test/workspace — a workspace path that cannot be a folder is a ConfigurationError that says what to do. */

import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigurationError, Spot } from "../src/index.js";
import { makeTempDir } from "./helpers.js";

/** Constructs a Spot on `workspace` and returns what it threw. */
function spotError(workspace: string): unknown {
  try {
    new Spot("my_app", { workspace });
  } catch (error) {
    return error;
  }
  assert.fail(`new Spot on ${workspace} did not throw`);
}

describe("Spot workspace", () => {
  it("refuses a workspace that is a file with a ConfigurationError naming it, not ENOTDIR", () => {
    const workspace = join(makeTempDir(), "cache");
    writeFileSync(workspace, "not a folder");
    const error = spotError(workspace);
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(
      error.message,
      `${workspace} is a file, not a folder: beautyspot keeps its databases and blobs in a folder there. Move or rename the file, or pass another \`workspace\` folder.`,
    );
  });

  it("refuses a workspace that is a symbolic link to nothing, naming the link's target", () => {
    const workspace = join(makeTempDir(), "cache");
    symlinkSync("missing-target", workspace);
    const error = spotError(workspace);
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.match(
      error.message,
      /cache is a symbolic link to missing-target, which does not exist\. Create the folder it points to, remove the link, or pass another `workspace`\.$/,
    );
  });

  it("refuses a workspace below a file, saying part of the path is a file", () => {
    const file = join(makeTempDir(), "file");
    writeFileSync(file, "");
    const error = spotError(join(file, "cache"));
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.match(error.message, /part of that path is a file, not a folder/);
    assert.doesNotMatch(error.message, /ENOTDIR/);
  });

  it("refuses a blobs folder that is a file inside a good workspace", () => {
    const workspace = makeTempDir();
    writeFileSync(join(workspace, "blobs"), "");
    const error = spotError(workspace);
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.match(error.message, /blobs is a file, not a folder/);
  });

  it("still uses a workspace reached through a symbolic link to a folder", async () => {
    const root = makeTempDir();
    mkdirSync(join(root, "real"));
    symlinkSync(join(root, "real"), join(root, "link"));
    const spot = new Spot("my_app", { workspace: join(root, "link") });
    assert.equal(await spot.mark(async (n: number) => n * 2, { name: "double" })(2), 4);
    await spot.shutdown();
  });
});
