/** @module test/setup.test — `npm test` and `npm run demo` install first exactly when node_modules does not match the lockfile. */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { makeTempDir, repoRoot } from "./helpers.js";

const setupUrl = pathToFileURL(join(repoRoot, "scripts", "setup.mjs")).href;

/** What scripts/setup.mjs decides for `folder`: the reason to run npm ci, or "up to date". */
function decide(folder: string): string {
  return execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { findInstallReason } from ${JSON.stringify(setupUrl)};
       console.log(findInstallReason(process.argv[1]) ?? "up to date");`,
      folder,
    ],
    { encoding: "utf8" },
  ).trim();
}

type Packages = Record<string, { version: string; optional?: boolean }>;

/** A project folder with `wanted` in package-lock.json and `installed` in node_modules. */
function createProject(wanted: Packages, installed?: Packages): string {
  const folder = makeTempDir();
  const lock = (packages: Packages) =>
    JSON.stringify({ lockfileVersion: 3, packages: { "": { name: "p" }, ...packages } });
  writeFileSync(join(folder, "package-lock.json"), lock(wanted));
  if (installed) {
    mkdirSync(join(folder, "node_modules"));
    writeFileSync(join(folder, "node_modules", ".package-lock.json"), lock(installed));
    for (const path of Object.keys(installed)) mkdirSync(join(folder, path), { recursive: true });
  }
  return folder;
}

const lockfile: Packages = {
  "node_modules/tsx": { version: "4.23.15" },
  "node_modules/@scope/tool": { version: "1.0.0" },
  "node_modules/@esbuild/win32-x64": { version: "0.28.2", optional: true },
};
const { "node_modules/@esbuild/win32-x64": _otherPlatform, ...installedHere } = lockfile;

describe("setup before npm test and npm run demo", () => {
  it("installs on a fresh clone, where node_modules is missing", () => {
    assert.equal(decide(createProject(lockfile)), "node_modules is missing");
  });

  it("does nothing when node_modules matches package-lock.json, whatever the file times", () => {
    const folder = createProject(lockfile, installedHere);
    // A checkout or a pull gives package-lock.json a newer time without changing what it asks for.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(folder, "package-lock.json"), later, later);
    assert.equal(decide(folder), "up to date");
  });

  it("installs when package-lock.json asks for another version", () => {
    const folder = createProject(
      { ...lockfile, "node_modules/tsx": { version: "4.24.0" } },
      installedHere,
    );
    assert.equal(decide(folder), "tsx is 4.23.15, package-lock.json asks for 4.24.0");
  });

  it("installs when package-lock.json has a new package", () => {
    const folder = createProject(
      { ...lockfile, "node_modules/msgpackr": { version: "2.1.4" } },
      installedHere,
    );
    assert.equal(decide(folder), "msgpackr 2.1.4 is not installed");
  });

  it("installs when a package is installed that package-lock.json no longer has", () => {
    const folder = createProject(lockfile, {
      ...installedHere,
      "node_modules/left-pad": { version: "1.3.0" },
    });
    assert.equal(decide(folder), "left-pad is installed but no longer in package-lock.json");
  });

  it("installs when npm left no record of what it installed", () => {
    const folder = createProject(lockfile);
    mkdirSync(join(folder, "node_modules"));
    assert.equal(decide(folder), "node_modules has no record of what npm installed");
  });

  it("installs when a package folder was deleted by hand", () => {
    const folder = createProject(lockfile, installedHere);
    rmSync(join(folder, "node_modules", "tsx"), { recursive: true });
    assert.equal(decide(folder), "tsx was removed from node_modules/tsx");
  });
});
