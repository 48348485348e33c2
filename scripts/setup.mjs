/**
 * @module scripts/setup — what `npm test` and `npm run demo` run first (`pretest`, `predemo`),
 * so that on a fresh clone either command is all a newcomer types: checks the Node.js version,
 * then runs `npm ci` when node_modules is missing or does not match package-lock.json. Quiet
 * when there is nothing to do. Dependency-free, since it runs before anything is installed.
 */

import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Exits 1 with what to do when this Node.js is older than `engines.node` (`>=20.12`) allows. */
function checkNodeVersion() {
  const engine = readJson(join(root, "package.json")).engines?.node ?? "";
  const floor = /^>=\s*(\d+)(?:\.(\d+))?/.exec(engine);
  if (!floor) return;
  const [needMajor, needMinor] = [Number(floor[1]), Number(floor[2] ?? 0)];
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return;
  console.error(
    `beautyspot needs Node.js ${needMajor}.${needMinor} or later; this is ${process.versions.node}. ` +
      "Install a newer Node.js (https://nodejs.org, or nvm / fnm / your package manager) and run the command again.",
  );
  process.exit(1);
}

/** The package name in a lockfile path such as `node_modules/@scope/name`. */
function packageName(lockPath) {
  return lockPath.slice(lockPath.lastIndexOf("node_modules/") + "node_modules/".length);
}

function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

/**
 * Why node_modules needs `npm ci`, or `undefined` when it matches package-lock.json. Compares
 * contents, not file times: a checkout gives package-lock.json a new time without changing it.
 * npm records what it installed in node_modules/.package-lock.json.
 */
export function findInstallReason(folder) {
  const modules = join(folder, "node_modules");
  if (!existsSync(modules)) return "node_modules is missing";
  const installedFile = join(modules, ".package-lock.json");
  if (!existsSync(installedFile)) return "node_modules has no record of what npm installed";
  const wanted = readJson(join(folder, "package-lock.json")).packages ?? {};
  const installed = readJson(installedFile).packages ?? {};
  for (const [path, entry] of Object.entries(wanted)) {
    if (path === "" || !path.includes("node_modules/")) continue;
    const present = installed[path];
    if (present === undefined) {
      // Optional packages for other platforms (esbuild's, for one) are never installed here.
      if (entry.optional) continue;
      return `${packageName(path)} ${entry.version} is not installed`;
    }
    if (present.version !== entry.version) {
      return `${packageName(path)} is ${present.version}, package-lock.json asks for ${entry.version}`;
    }
    if (!existsSync(join(folder, path))) return `${packageName(path)} was removed from ${path}`;
  }
  for (const path of Object.keys(installed)) {
    if (path.includes("node_modules/") && !(path in wanted)) {
      return `${packageName(path)} is installed but no longer in package-lock.json`;
    }
  }
  return undefined;
}

/** Runs `npm ci` with the npm that runs this script when there is one. */
function runNpmCi() {
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli?.endsWith(".js")
    ? [process.execPath, [npmCli, "ci", "--no-audit", "--no-fund"]]
    : ["npm", ["ci", "--no-audit", "--no-fund"]];
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  if (result.status !== 0) {
    console.error(
      "setup: npm ci failed (see above). better-sqlite3 compiles from source when no prebuilt " +
        "binary can be downloaded: it needs python3, make and a C++ compiler " +
        "(Debian/Ubuntu: apt-get install -y python3 make g++; macOS: xcode-select --install).",
    );
    process.exit(result.status ?? 1);
  }
}

function setUp() {
  checkNodeVersion();
  const reason = findInstallReason(root);
  if (reason === undefined) return;
  const modules = join(root, "node_modules");
  if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) {
    // Someone linked an install made elsewhere on purpose; reinstalling through it would change
    // that other checkout too.
    console.warn(
      `setup: ${reason}, but node_modules is a link to an install made elsewhere: ` +
        "not reinstalling through it. Run npm ci where it points if the tests need it.",
    );
    return;
  }
  console.log(
    `setup: ${reason}: running npm ci (the first time about 2.5 minutes: better-sqlite3 compiles)`,
  );
  runNpmCi();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) setUp();
