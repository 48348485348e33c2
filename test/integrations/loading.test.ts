/** @module test/integrations/loading — the integration subpaths load no SDK, and key by endpoint. */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { LlmServer } from "../servers/llm.js";
import { startLlmServer } from "../servers/llm.js";
import { makeProject, runJson } from "./sdk-scenario.js";

describe("integration subpaths", () => {
  let server: LlmServer;
  before(async () => {
    server = await startLlmServer();
  });
  after(() => server.close());

  test("requiring beautyspot, beautyspot/openai and beautyspot/anthropic loads no SDK", () => {
    const project = makeProject();
    const script = join(project, "load.cjs");
    writeFileSync(
      script,
      `require("beautyspot"); require("beautyspot/openai"); require("beautyspot/anthropic");
       const loaded = Object.keys(require.cache).filter((file) => /node_modules[\\\\/](openai|@anthropic-ai)[\\\\/]/.test(file));
       console.log(JSON.stringify(loaded));`,
    );
    const loaded = JSON.parse(
      execFileSync(process.execPath, [script], { cwd: project, encoding: "utf8" }),
    );
    assert.deepEqual(loaded, []);
  });

  test("clients with another baseURL do not share entries", async () => {
    const project = makeProject();
    const source = `
import OpenAI from "openai";
import { Spot } from "beautyspot";
import { wrapOpenAI } from "beautyspot/openai";
const spot = new Spot("llm", { workspace: process.env.WORKSPACE });
const body = { model: "gpt-test", messages: [{ role: "user" as const, content: "which endpoint" }] };
for (const baseURL of [process.env.BASE_URL + "/v1", process.env.BASE_URL.replace("127.0.0.1", "localhost") + "/v1"]) {
  await wrapOpenAI(new OpenAI({ apiKey: "sk", baseURL, maxRetries: 0 }), spot).chat.completions.create(body);
}
await spot.shutdown();
console.log("{}");
`;
    await runJson(source, project, { WORKSPACE: `${project}/.beautyspot`, BASE_URL: server.url });
    assert.equal(server.count("which endpoint"), 2, "127.0.0.1 and localhost are two endpoints");
  });
});
