/** @module test/source-version — `version: "auto"`: the version follows the function's source text. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigurationError, Spot, ValidationError } from "../src/index.js";
import { makeTempDir, runScript } from "./helpers.js";

/** A program that marks `summarize` with version "auto" and prints its key and version for "hi". */
function programWith(prompt: string, workspace: string): string {
  return `
import { Spot } from "$ENTRY";
const spot = new Spot("auto", { workspace: ${JSON.stringify(workspace)} });
const summarize = spot.mark(async function summarize(text: string) {
  return \`${prompt}: \${text}\`;
}, { version: "auto" });
await summarize("hi");
const explanation = await summarize.explain("hi");
console.log(JSON.stringify({ key: summarize.key("hi"), status: explanation.status, summary: explanation.summary }));
await spot.shutdown();
`;
}

describe('version: "auto"', () => {
  it("gives the same key to the same source in another process, and a new key to edited source", async () => {
    const workspace = makeTempDir();
    const first = await runScript(programWith("Summarize briefly", workspace), workspace);
    assert.equal(first.code, 0, first.stderr);
    const same = await runScript(programWith("Summarize briefly", workspace), workspace);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(JSON.parse(same.stdout).key, JSON.parse(first.stdout).key);

    const edited = await runScript(programWith("Summarize in one line", workspace), workspace);
    assert.equal(edited.code, 0, edited.stderr);
    assert.notEqual(JSON.parse(edited.stdout).key, JSON.parse(first.stdout).key);
  });

  it("explain says an entry was stored under an older source", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("auto", { workspace });
    const before = spot.mark(async (text: string) => `A: ${text}`, {
      name: "label",
      version: "auto",
    });
    await before("x");
    await spot.shutdown();
    const again = new Spot("auto", { workspace });
    const after = again.mark(async (text: string) => `B: ${text}`, {
      name: "label",
      version: "auto",
    });
    const explanation = await after.explain("x");
    assert.equal(explanation.status, "miss");
    assert.match(explanation.version ?? "", /^auto:[0-9a-f]{16}$/);
    assert.equal(explanation.versions[0]?.older, true);
    assert.match(
      explanation.summary,
      /version: auto:[0-9a-f]{16} → auto:[0-9a-f]{16} \(the function's source changed\)/,
    );
    await again.shutdown();
  });

  it("follows what dependsOn lists: functions by source, strings as they are", async () => {
    const workspace = makeTempDir();
    const helperA = (text: string) => `A ${text}`;
    const helperB = (text: string) => `B ${text}`;
    const keyWith = async (dependsOn: unknown[]) => {
      const spot = new Spot("auto", { workspace });
      const key = spot
        .mark(async (text: string) => text, { name: "f", version: "auto", dependsOn })
        .key("same");
      await spot.shutdown();
      return key;
    };
    const base = await keyWith([helperA, "system prompt 1"]);
    assert.equal(await keyWith([helperA, "system prompt 1"]), base);
    assert.notEqual(await keyWith([helperB, "system prompt 1"]), base);
    assert.notEqual(await keyWith([helperA, "system prompt 2"]), base);
  });

  it("refuses dependsOn without version auto, and functions without readable source", () => {
    const spot = new Spot("auto", { workspace: makeTempDir() });
    assert.throws(
      () => spot.mark(async (n: number) => n, { name: "f", dependsOn: ["x"] }),
      (error: unknown) =>
        error instanceof ValidationError && /only applies with version: "auto"/.test(error.message),
    );
    assert.throws(
      () => spot.mark(Math.max as never, { name: "max", version: "auto" }),
      (error: unknown) =>
        error instanceof ConfigurationError && /native or bound function/.test(error.message),
    );
    void spot.shutdown();
  });
});
