/**
 * @module test/package/contents — what `npm pack` puts in the tarball: the license, the files
 * every entry point names, the metadata a package page needs, and nothing it does not need.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { repoRoot } from "../helpers.js";

/**
 * Budgets with some headroom over today's sizes (2.0 MB packed, 4.4 MB unpacked, after the
 * PostgreSQL backend, the notebook views and the integrations): a jump past them means something
 * that is not the library (tests, fixtures, a dependency) slipped into the package.
 */
const MAX_PACKED_BYTES = 2_400_000;
const MAX_UNPACKED_BYTES = 5_000_000;

interface PackReport {
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

interface Manifest {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, Record<string, string>>>;
  repository: { type: string; url: string };
  homepage: string;
  bugs: { url: string };
  keywords: string[];
  license: string;
}

const manifest = JSON.parse(
  fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"),
) as Manifest;

/** Every file path the manifest points a consumer at. */
function namedFiles(): string[] {
  const named = [manifest.main, manifest.types, ...Object.values(manifest.bin)];
  for (const target of Object.values(manifest.exports)) {
    if (typeof target === "string") named.push(target);
    else for (const condition of Object.values(target)) named.push(...Object.values(condition));
  }
  return named.map((file) => path.posix.normalize(file));
}

describe("the packed tarball", () => {
  let report: PackReport;
  let files: Set<string>;

  before(() => {
    if (!fs.existsSync(path.join(repoRoot, "dist", "index.js"))) {
      throw new Error("The package is not built (dist/ is missing). Run `npm run build` first.");
    }
    const result = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(result.status, 0, result.stderr);
    [report] = JSON.parse(result.stdout) as [PackReport];
    files = new Set(report.files.map((file) => file.path));
  });

  test("holds the MIT license of the beautyspot authors", () => {
    assert.ok(files.has("LICENSE"));
    const license = fs.readFileSync(path.join(repoRoot, "LICENSE"), "utf8");
    assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 the beautyspot authors\n/);
    assert.equal(manifest.license, "MIT");
  });

  test("holds every file that main, types, bin and exports name", () => {
    for (const file of namedFiles()) assert.ok(files.has(file), `${file} is not in the tarball`);
    assert.ok(files.has("dist/cjs/package.json"), "dist/cjs is marked CommonJS");
  });

  test("holds no tests, sources or uncompressed diagram bundles", () => {
    for (const file of files) {
      assert.doesNotMatch(file, /\.test\.|^src\/|^test\//, `${file} should not be published`);
      assert.ok(!/^dist\/dashboard\/web\/vendor\/.*\.js$/.test(file), `${file} is uncompressed`);
    }
  });

  test(`stays under ${MAX_PACKED_BYTES / 1e6} MB packed and ${MAX_UNPACKED_BYTES / 1e6} MB unpacked`, () => {
    assert.ok(report.size < MAX_PACKED_BYTES, `packed: ${report.size} bytes`);
    assert.ok(report.unpackedSize < MAX_UNPACKED_BYTES, `unpacked: ${report.unpackedSize} bytes`);
  });

  test("names its repository, so README images and links resolve on a package page", () => {
    const repository = /^git\+https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\.git$/.exec(
      manifest.repository.url,
    )?.[1];
    assert.ok(repository, `repository.url ${manifest.repository.url} is not a GitHub address`);
    assert.equal(manifest.homepage, `https://github.com/${repository}#readme`);
    assert.equal(manifest.bugs.url, `https://github.com/${repository}/issues`);
    assert.ok(manifest.keywords.length > 0);
    // npm rewrites relative README links against the repository: each must exist in it.
    const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
    for (const [, target] of readme.matchAll(/\]\(((?!https?:|#)[^)\s]+)\)/g)) {
      const file = (target ?? "").split("#")[0] ?? "";
      assert.ok(fs.existsSync(path.join(repoRoot, file)), `README links to ${target}`);
    }
  });
});
