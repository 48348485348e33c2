/** @module test/cli/why — `beautyspot why`, run as the real built command. */

import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { Spot } from "../../src/index.js";
import { makeTempDir, runCli } from "./run-cli.js";

/** A project whose `complete` function ran twice, the second time with another temperature. */
async function makeProject(): Promise<{ cwd: string; db: string; keys: string[] }> {
  const cwd = makeTempDir();
  const spot = new Spot("my_app", { workspace: path.join(cwd, ".beautyspot") });
  const complete = spot.mark(async function complete(
    prompt: string,
    opts: { temperature: number; apiKey: string },
  ) {
    return `${prompt} at ${opts.temperature}`;
  });
  const secret = "sk-test-0123456789abcdefghij";
  await complete("Name a colour.", { temperature: 0.2, apiKey: secret });
  await complete("Name a colour.", { temperature: 0.7, apiKey: secret });
  const keys = [
    complete.key("Name a colour.", { temperature: 0.2, apiKey: secret }),
    complete.key("Name a colour.", { temperature: 0.7, apiKey: secret }),
  ];
  await spot.shutdown();
  return { cwd, db: path.join(".beautyspot", "my_app.db"), keys };
}

describe("beautyspot why", () => {
  it("prints what differs between an entry and its nearest other entry, secrets redacted", async () => {
    const { cwd, db, keys } = await makeProject();
    const result = runCli(["why", db, (keys[1] ?? "").slice(0, 10)], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^entry ${keys[1]} of complete, version \\(no version\\)\\.`),
    );
    assert.match(
      result.stdout,
      /arguments: prompt="Name a colour\.", opts=\{temperature: 0\.7, apiKey: "\[redacted\]"\}/,
    );
    assert.match(result.stdout, /opts\.temperature: 0\.2 → 0\.7/);
    assert.doesNotMatch(result.stdout, /sk-/);
  });

  it("explains the newest entry of a function with --func, as JSON for scripts", async () => {
    const { cwd, db, keys } = await makeProject();
    const result = runCli(["why", db, "--func", "complete", "--json"], cwd);
    assert.equal(result.status, 0, result.stderr);
    const explanation = JSON.parse(result.stdout);
    assert.equal(explanation.cacheKey, keys[1]);
    assert.equal(explanation.nearest[0].cacheKey, keys[0]);
    assert.deepEqual(explanation.nearest[0].differences, [
      { path: "opts.temperature", change: "changed", before: "0.2", after: "0.7" },
    ]);
  });

  it("says what to do for an unknown key, an unknown function, or neither given", async () => {
    const { cwd, db } = await makeProject();
    const unknownKey = runCli(["why", db, "ffff0000"], cwd);
    assert.equal(unknownKey.status, 2);
    assert.match(
      unknownKey.stderr,
      /No entry .* has a key starting with ffff0000: it was never stored/,
    );
    const unknownFunction = runCli(["why", db, "--func", "nothing"], cwd);
    assert.equal(unknownFunction.status, 2);
    assert.match(
      unknownFunction.stderr,
      /No function "nothing" has entries .* Functions with entries: complete/,
    );
    const neither = runCli(["why", db], cwd);
    assert.equal(neither.status, 2);
    assert.match(neither.stderr, /needs either a key prefix or --func <name>/);
  });
});
