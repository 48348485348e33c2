/**
 * @module db/postgres/optional-driver.test — `pg` is an optional peer dependency: importing
 * beautyspot never loads it, and a postgres:// database without it says how to install it.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeTempDir, runScript } from "../../../test/helpers.js";

describe("the optional pg driver", () => {
  it("is not loaded by importing beautyspot, nor by a Spot on SQLite", async () => {
    const result = await runScript(
      `
import { createRequire } from "node:module";
import { Spot } from "$ENTRY";
const spot = new Spot("plain", { workspace: "ws" });
await spot.mark(async function f(x) { return x; })(1);
await spot.shutdown();
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(file));
console.log(JSON.stringify(loaded));
`,
      makeTempDir(),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), "[]");
  });

  it('missing, makes db: "postgres://…" a ConfigurationError naming npm install pg', async () => {
    const result = await runScript(
      `
import Module from "node:module";
// Stands in for a project without pg: resolving it fails as it would there.
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "pg") {
    const error = new Error("Cannot find module 'pg'");
    error.code = "MODULE_NOT_FOUND";
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
const { Spot } = await import("$ENTRY");
try {
  new Spot("team", { workspace: "ws", db: "postgres://app@127.0.0.1:1/cache" });
  console.log("opened");
} catch (error) {
  console.log(error.constructor.name + ": " + error.message);
}
`,
      makeTempDir(),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^ConfigurationError: .*needs the optional package pg.*Run `npm install pg`/,
    );
  });
});
