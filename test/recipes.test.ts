/**
 * @module test/recipes — every code block of docs/recipes/*.md is an example of
 * examples/recipes/, run twice in new processes against the local OpenAI-compatible server: the
 * second run prints the same and sends no request.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { makeTempDir, repoRoot } from "./helpers.js";
import {
  type OpenAICompatibleServer,
  startOpenAICompatibleServer,
} from "./servers/openai-compatible.js";

const tsxLoader = pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;

const recipes: Record<string, string[]> = {
  "ai-sdk.md": ["ai-sdk-generate", "ai-sdk-stream", "ai-sdk-ui", "ai-sdk-evals"],
  "langchain.md": ["langchain-cache", "langchain-chain", "langchain-messages"],
};

/** An example as the recipe shows it: importing the package, not the repository's sources. */
function asPublished(source: string): string {
  return source
    .replaceAll('"../../src/index.js"', '"beautyspot"')
    .replaceAll('"../../src/integrations/ai/index.js"', '"beautyspot/ai"')
    .replaceAll('"../../src/integrations/langchain/index.js"', '"beautyspot/langchain"');
}

function runExample(name: string, cwd: string, baseURL: string): Promise<string> {
  return runFile(join(repoRoot, "examples", "recipes", `${name}.ts`), cwd, baseURL);
}

function runFile(file: string, cwd: string, baseURL: string): Promise<string> {
  const name = basename(file);
  return new Promise((resolveRun, reject) => {
    execFile(
      process.execPath,
      ["--import", tsxLoader, file],
      {
        cwd,
        timeout: 60_000,
        env: { ...process.env, OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: "sk-test-local" },
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${name} failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolveRun(stdout);
      },
    );
  });
}

describe("recipes", () => {
  let server: OpenAICompatibleServer;
  before(async () => {
    server = await startOpenAICompatibleServer();
  });
  after(() => server.close());

  for (const [doc, examples] of Object.entries(recipes)) {
    const text = readFileSync(join(repoRoot, "docs", "recipes", doc), "utf8");
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);

    it(`every code block of ${doc} is one of its examples`, () => {
      assert.deepEqual(
        blocks,
        examples.map((name) =>
          asPublished(readFileSync(join(repoRoot, "examples", "recipes", `${name}.ts`), "utf8")),
        ),
      );
    });

    for (const name of examples) {
      it(`${name}: the second run prints the same and sends no request`, async () => {
        const cwd = makeTempDir("bs-recipe-");
        const first = server.requests.length;
        const output = await runExample(name, cwd, server.baseURL);
        const sent = server.requests.length - first;
        assert.ok(sent > 0, "the first run asks the model");
        assert.match(output, /Echo|answer|true/);
        assert.equal(await runExample(name, cwd, server.baseURL), output);
        assert.equal(server.requests.length - first, sent, "the second run sends no request");
      });
    }
  }

  it("ai-sdk-evals: after a change to one case's prompt, only that case asks the model", async () => {
    const cwd = makeTempDir("bs-recipe-");
    const start = server.requests.length;
    const output = await runExample("ai-sdk-evals", cwd, server.baseURL);
    assert.equal(server.requests.length - start, 3, "one request per case");
    assert.match(output, /3\/3 passed/);
    // The same example with the second case edited, run where it can import what it did.
    const dir = makeTempDir("bs-recipe-edited-");
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
    const source = readFileSync(join(repoRoot, "examples", "recipes", "ai-sdk-evals.ts"), "utf8");
    const edited = source
      .replaceAll('"../../src/', `"${join(repoRoot, "src")}/`)
      .replaceAll("green", "teal");
    assert.notEqual(edited, source);
    writeFileSync(join(dir, "evals.mts"), edited);
    const before = server.requests.length;
    const rerun = await runFile(join(dir, "evals.mts"), cwd, server.baseURL);
    assert.equal(server.requests.length - before, 1, "only the edited case asks again");
    assert.match(rerun, /pass {2}Say the word teal\./);
    assert.match(rerun, /3\/3 passed/);
  });
});
