/**
 * @module test/package/integrations — the subpaths `beautyspot/ai` and `beautyspot/langchain` as
 * published: importing them (and `beautyspot`) loads no SDK, a missing `@langchain/core` is a
 * ConfigurationError naming the install, and with it installed a CommonJS program gets back
 * messages of its own (CommonJS) LangChain classes.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { makeTempDir, repoRoot } from "../helpers.js";
import { installTarball, packTarball } from "./install.js";

/** Runs `source` as `file` in `folder` with node; its last line of output, parsed. */
function runProgram(folder: string, file: string, source: string): unknown {
  fs.writeFileSync(path.join(folder, file), source);
  const result = spawnSync(process.execPath, [file], {
    cwd: folder,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(result.status, 0, `${file} failed:\n${result.stdout}\n${result.stderr}`);
  const lines = result.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1] ?? "null");
}

const withoutSdks = `
const spot = new Spot("p", { workspace: process.cwd() });
const middleware = beautyspotMiddleware(spot);
const failures = [];
for (const attempt of [() => registerLangChainMessages(spot), () => new BeautySpotCache(spot).lookup("prompt", "model")]) {
  try { await attempt(); failures.push("no error"); }
  catch (error) { failures.push(error instanceof ConfigurationError ? error.message : String(error)); }
}
await spot.shutdown();
console.log(JSON.stringify({ middleware: typeof middleware.wrapGenerate, failures }));
`;

describe("integration subpaths as published", () => {
  let root = "";
  before(() => {
    root = makeTempDir("bs-integrations-");
    installTarball(packTarball(root), root);
  });

  test("without the SDKs installed, the subpaths import and @langchain/core's absence names the install", () => {
    for (const [file, head] of [
      [
        "esm.mjs",
        `import { Spot, ConfigurationError } from "beautyspot";
import { beautyspotMiddleware } from "beautyspot/ai";
import { BeautySpotCache, registerLangChainMessages } from "beautyspot/langchain";`,
      ],
      [
        "cjs.cjs",
        `const { Spot, ConfigurationError } = require("beautyspot");
const { beautyspotMiddleware } = require("beautyspot/ai");
const { BeautySpotCache, registerLangChainMessages } = require("beautyspot/langchain");
(async () => {`,
      ],
    ] as const) {
      const body = file.endsWith(".cjs") ? `${withoutSdks}})();` : withoutSdks;
      const report = runProgram(root, file, `${head}\n${body}`) as {
        middleware: string;
        failures: string[];
      };
      assert.equal(report.middleware, "function", file);
      assert.equal(report.failures.length, 2);
      for (const failure of report.failures) {
        assert.match(failure, /Run `npm install @langchain\/core`/, file);
      }
    }
  });

  test("a CommonJS program gets back messages of its own LangChain classes", () => {
    const core = fs.realpathSync(path.join(repoRoot, "node_modules", "@langchain", "core"));
    const link = path.join(root, "node_modules", "@langchain", "core");
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (!fs.existsSync(link)) fs.symlinkSync(core, link, "dir");
    const report = runProgram(
      root,
      "messages.cjs",
      `const { Spot } = require("beautyspot");
const { registerLangChainMessages } = require("beautyspot/langchain");
const { AIMessage } = require("@langchain/core/messages");
(async () => {
  const spot = new Spot("m", { workspace: process.cwd() });
  await registerLangChainMessages(spot);
  const reply = spot.mark(async function reply(text) { return new AIMessage(text); });
  await reply("hi");
  const again = await reply("hi");
  await spot.shutdown();
  console.log(JSON.stringify({ isOwnClass: again instanceof AIMessage, content: again.content }));
})();`,
    );
    assert.deepEqual(report, { isOwnClass: true, content: "hi" });
  });
});
