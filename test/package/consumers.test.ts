/**
 * @module test/package/consumers — the packed tarball, installed into real consumer projects
 * (test/package/consumers/<name>/), compiled with tsc where they are TypeScript and run with node
 * twice: the first process computes a marked function once for two calls, the second reads the
 * first one's result. Adding a kind of consumer is adding a folder there: a package.json whose
 * "main" is the file to run, a tsconfig.json when it is TypeScript (compiled before it runs), and
 * a program printing the JSON line the other consumers print. Consumers that leave skipLibCheck
 * off type-check our declaration files too (the strict ES module one, and the .cts one for the
 * CommonJS declarations).
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { makeTempDir, repoRoot } from "../helpers.js";
import { installTarball, packTarball } from "./install.js";

const consumersFolder = path.join(repoRoot, "test", "package", "consumers");
const consumers = fs.readdirSync(consumersFolder).sort();
const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");

/** What every consumer prints: its pid, how often the function ran, the two results. */
interface ConsumerReport {
  pid: number;
  runs: number;
  values: { squared: number; pid: number }[];
  squared: number;
  /** `new Spot("")` threw the package's own ValidationError class. */
  rejects: boolean;
  /** Optional: the ConfigurationError's message for `s3://` storage without the SDK installed. */
  missingSdk?: string;
}

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 60_000 });
  assert.equal(
    result.status,
    0,
    `${path.basename(command)} ${args.join(" ")} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`,
  );
  return result.stdout;
}

function runConsumer(folder: string): ConsumerReport {
  const main = JSON.parse(fs.readFileSync(path.join(folder, "package.json"), "utf8")).main;
  const lines = run(process.execPath, [main], folder).trim().split("\n");
  return JSON.parse(lines.at(-1) ?? "") as ConsumerReport;
}

describe("the packed package in consumer projects", () => {
  let installRoot = "";

  before(() => {
    const temp = makeTempDir("bs-consumers-");
    installRoot = path.join(temp, "projects");
    installTarball(packTarball(temp), installRoot);
    fs.cpSync(consumersFolder, installRoot, { recursive: true });
    // One tsc process for every TypeScript consumer: it parses the shared declarations once.
    const typescriptProjects = consumers.filter((name) =>
      fs.existsSync(path.join(installRoot, name, "tsconfig.json")),
    );
    run(process.execPath, [tsc, "--build", ...typescriptProjects], installRoot);
  });

  for (const name of consumers) {
    test(`${name}: a marked function runs once, and a second process reads its result`, () => {
      const folder = path.join(installRoot, name);

      const first = runConsumer(folder);
      assert.equal(first.runs, 1, "two calls with the same argument run the function once");
      assert.deepEqual(first.values, [
        { squared: 49, pid: first.pid },
        { squared: 49, pid: first.pid },
      ]);
      assert.equal(first.rejects, true);
      if (first.missingSdk !== undefined) {
        assert.match(first.missingSdk, /Run `npm install @aws-sdk\/client-s3`/);
      }

      const second = runConsumer(folder);
      assert.equal(second.runs, 0, "the second process finds the stored result");
      assert.notEqual(second.pid, first.pid);
      assert.deepEqual(second.values, first.values);
      assert.ok(fs.existsSync(path.join(folder, ".beautyspot")), "the default workspace is used");
    });
  }

  test("the installed beautyspot command lists what a consumer stored", () => {
    const installed = path.join(installRoot, "node_modules", "beautyspot");
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
    const command = path.join(installed, manifest.bin.beautyspot);
    const folder = path.join(installRoot, "plain-cjs");
    if (!fs.existsSync(path.join(folder, ".beautyspot"))) runConsumer(folder);
    assert.equal(run(process.execPath, [command, "--version"], folder).trim(), manifest.version);
    assert.match(run(process.execPath, [command, "list"], folder), /consumer/);
  });
});
