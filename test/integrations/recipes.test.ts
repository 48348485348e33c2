/**
 * @module test/integrations/recipes — every code block of docs/recipes/openai.md,
 * anthropic.md and llamaindex.md is an example under examples/recipes/ (imports spelled as a user writes them),
 * and each example, run twice against the local server, sends no request the second time.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { makeTempDir, repoRoot, runScript } from "../helpers.js";
import type { LlmServer } from "../servers/llm.js";
import { startLlmServer } from "../servers/llm.js";

const recipes = {
  openai: ["openai-create.ts", "openai-stream.ts", "openai-marked.ts"],
  anthropic: ["anthropic-create.ts", "anthropic-stream.ts", "anthropic-marked.ts"],
  llamaindex: ["llamaindex.ts"],
} as const;

/** The example as the recipe shows it: imported from the package, not from the sources. */
function asShown(source: string, sdk: string): string {
  return source
    .replaceAll('"../../src/index.js"', '"beautyspot"')
    .replaceAll(`"../../src/integrations/${sdk}/index.js"`, `"beautyspot/${sdk}"`);
}

describe("recipes", () => {
  let server: LlmServer;
  before(async () => {
    server = await startLlmServer();
  });
  after(() => server.close());

  for (const [sdk, examples] of Object.entries(recipes)) {
    test(`every code block of docs/recipes/${sdk}.md is one of its examples`, () => {
      const doc = readFileSync(join(repoRoot, "docs", "recipes", `${sdk}.md`), "utf8");
      const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
      const shown = examples.map((file) =>
        asShown(readFileSync(join(repoRoot, "examples", "recipes", file), "utf8"), sdk),
      );
      assert.deepEqual(blocks, shown);
    });

    for (const file of examples) {
      test(`examples/recipes/${file} run twice sends its requests once`, async () => {
        const cwd = makeTempDir("bs-recipe-");
        const env = {
          OPENAI_BASE_URL: `${server.url}/v1`,
          OPENAI_API_KEY: "sk-recipe",
          ANTHROPIC_BASE_URL: server.url,
          ANTHROPIC_API_KEY: "sk-ant-recipe",
        };
        const source = `await import(${JSON.stringify(join(repoRoot, "examples", "recipes", file))});`;
        const before = server.count();
        const first = await runScript(source, cwd, { ...env, OPENAI_API_KEY: "sk-one" });
        assert.equal(first.code, 0, first.stderr);
        assert.ok(server.count() > before, "the first run sent its request");
        assert.match(first.stdout, /echo: /);
        const sent = server.count();
        const second = await runScript(source, cwd, {
          ...env,
          OPENAI_API_KEY: "sk-two",
          ANTHROPIC_API_KEY: "sk-ant-two",
        });
        assert.equal(second.code, 0, second.stderr);
        assert.equal(server.count(), sent, "the second run sent no request");
        assert.equal(second.stdout, first.stdout);
      });
    }
  }
});
