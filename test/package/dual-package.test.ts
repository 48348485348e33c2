/**
 * @module test/package/dual-package — one process that loads both builds (an `import` and a
 * `require` of beautyspot): two copies of every class, as the README says, over the same files.
 * Their exit and signal listeners are shared, so a Ctrl+C still ends the process.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { makeTempDir, repoRoot } from "../helpers.js";

const esmEntry = pathToFileURL(path.join(repoRoot, "dist", "index.js")).href;
const cjsEntry = path.join(repoRoot, "dist", "cjs", "index.js");

/** Runs an ES module script that has `esm` and `cjs` (the two builds) in scope. */
function runWithBothBuilds(body: string, cwd: string) {
  const file = path.join(cwd, "both.mjs");
  fs.writeFileSync(
    file,
    `import { createRequire } from "node:module";
import * as esm from ${JSON.stringify(esmEntry)};
const cjs = createRequire(import.meta.url)(${JSON.stringify(cjsEntry)});
${body}`,
  );
  return spawnSync(process.execPath, [file], { cwd, encoding: "utf8", timeout: 20_000 });
}

describe("an import and a require of beautyspot in one process", () => {
  test("load two copies: the classes differ, both read and write the same files", () => {
    assert.ok(fs.existsSync(cjsEntry), "Run `npm run build` first.");
    const folder = makeTempDir("bs-dual-");
    const result = runWithBothBuilds(
      `let runs = 0;
const twice = async (lib) => {
  const spot = new lib.Spot("shared");
  const double = spot.mark(async function double(n) { runs += 1; return n * 2; });
  return double(21);
};
const values = [await twice(esm), await twice(cjs)];
console.log(JSON.stringify({ sameClass: esm.Spot === cjs.Spot, values, runs }));`,
      folder,
    );
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { sameClass: false, values: [42, 42], runs: 1 });
  });

  test("still ends on Ctrl+C after both copies saved in the background", () => {
    const folder = makeTempDir("bs-dual-");
    const result = runWithBothBuilds(
      `for (const lib of [esm, cjs]) {
  const spot = new lib.Spot("shared", { saveSync: false });
  await spot.mark(async function double(n) { return n * 2; })(21);
}
setTimeout(() => console.log("still running"), 3000);
process.kill(process.pid, "SIGINT");`,
      folder,
    );
    assert.equal(result.signal, "SIGINT", `exit ${result.status}: ${result.stdout}`);
  });
});
