/**
 * @module test/package/native-module — a better-sqlite3 installed without its compiled module
 * (npm 11 skipped its unapproved install script, or the build failed): the first Spot says so
 * and names the commands that build it, instead of listing the paths `bindings` tried.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { makeTempDir, repoRoot } from "../helpers.js";

const installed = fs.realpathSync(path.join(repoRoot, "node_modules"));

test("a better-sqlite3 without its compiled module is a ConfigurationError naming the fix", () => {
  const commonJsBuild = path.join(repoRoot, "dist", "cjs", "index.js");
  assert.ok(fs.existsSync(commonJsBuild), "Run `npm run build` first.");
  const folder = makeTempDir("bs-native-");
  const modules = path.join(folder, "node_modules");
  // better-sqlite3 as npm leaves it when its install script does not run: no build/ folder.
  const sqlite = path.join(modules, "better-sqlite3");
  fs.mkdirSync(sqlite, { recursive: true });
  fs.cpSync(path.join(installed, "better-sqlite3", "lib"), path.join(sqlite, "lib"), {
    recursive: true,
  });
  fs.copyFileSync(
    path.join(installed, "better-sqlite3", "package.json"),
    path.join(sqlite, "package.json"),
  );
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const links = [...Object.keys(manifest.dependencies), "bindings", "file-uri-to-path"];
  for (const name of links.filter((each) => each !== "better-sqlite3")) {
    fs.symlinkSync(path.join(installed, name), path.join(modules, name), "dir");
  }
  fs.copyFileSync(commonJsBuild, path.join(folder, "beautyspot.cjs"));
  fs.writeFileSync(
    path.join(folder, "main.cjs"),
    `const { ConfigurationError, Spot } = require("./beautyspot.cjs");
try {
  new Spot("app");
  console.log(JSON.stringify({ opened: true }));
} catch (error) {
  console.log(JSON.stringify({ configuration: error instanceof ConfigurationError, message: error.message }));
}
`,
  );

  const result = spawnSync(process.execPath, ["main.cjs"], { cwd: folder, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { configuration: boolean; message: string };
  assert.equal(report.configuration, true);
  assert.match(report.message, /^better-sqlite3's native module is not built/);
  assert.match(report.message, /`npm rebuild better-sqlite3`/);
  assert.match(report.message, /`npm install-scripts approve better-sqlite3`/);
  assert.doesNotMatch(report.message, /Tried:/);
});
