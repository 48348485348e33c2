/**
 * @module test/package/install — `npm pack` of the built repository, and an install of that
 * tarball that needs no network: the tarball is unpacked as `node_modules/beautyspot`, and its
 * runtime dependencies are linked from the repository's own install (better-sqlite3 stays
 * compiled; a fresh install would build it from source without a network).
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../helpers.js";

/** Packs the repository as published (the build must be current) into `folder`; the tarball's path. */
export function packTarball(folder: string): string {
  if (!fs.existsSync(path.join(repoRoot, "dist", "index.js"))) {
    throw new Error("The package is not built (dist/ is incomplete). Run `npm run build` first.");
  }
  // --ignore-scripts: packing must not rebuild dist/ under tests that are reading it.
  const result = spawnSync(
    "npm",
    ["pack", "--ignore-scripts", "--json", "--pack-destination", folder],
    { cwd: repoRoot, encoding: "utf8", timeout: 60_000 },
  );
  assert.equal(result.status, 0, `npm pack failed:\n${result.stderr}`);
  const [packed] = JSON.parse(result.stdout) as { filename: string }[];
  assert.ok(packed !== undefined, `npm pack printed no tarball:\n${result.stdout}`);
  return path.join(folder, packed.filename);
}

/** The files a tarball holds, as npm lists them (paths inside `package/`). */
export function listTarball(tarball: string): string[] {
  const result = spawnSync("tar", ["-tzf", tarball], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/^package\//, ""));
}

/** Links `node_modules/<name>` below `root` to the repository's installed copy. */
function linkInstalled(root: string, name: string): void {
  const installed = fs.realpathSync(path.join(repoRoot, "node_modules", name));
  const link = path.join(root, "node_modules", name);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(installed, link, "dir");
}

/**
 * Installs `tarball` into `root/node_modules` as npm would lay it out, plus `@types/node` for
 * TypeScript consumers. Projects in folders below `root` then resolve "beautyspot" from there.
 */
export function installTarball(tarball: string, root: string): void {
  const modules = path.join(root, "node_modules");
  fs.mkdirSync(modules, { recursive: true });
  const result = spawnSync("tar", ["-xzf", tarball, "-C", modules], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  const installed = path.join(modules, "beautyspot");
  fs.renameSync(path.join(modules, "package"), installed);
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const name of Object.keys(manifest.dependencies ?? {})) linkInstalled(root, name);
  linkInstalled(root, "@types/node");
}
