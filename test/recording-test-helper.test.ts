/**
 * @module test/recording-test-helper — the node:test helper of docs/recordings.md, run as a user
 * would: two test files recorded in parallel against a local paid API, then replayed on "CI"
 * (BEAUTYSPOT_MODE=replay) with the API stopped.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { entryUrl, makeTempDir, repoRoot } from "./helpers.js";

/** The helper exactly as docs/recordings.md shows it, importing the library from source. */
const HELPER = `
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { Spot } from "${entryUrl}";

/** One Spot per test file, its results recorded in test/fixtures/<name>.spot. */
export function testSpot(name: string): Spot {
  const spot = new Spot(name, {
    fixtures: join("test", "fixtures", \`\${name}.spot\`),
    // A throwaway database: the tests depend on the recording only.
    workspace: mkdtempSync(join(tmpdir(), "spot-")),
  });
  after(() => spot.shutdown());
  return spot;
}
`;

function testFile(id: number): string {
  return `
import assert from "node:assert/strict";
import { it } from "node:test";
import { testSpot } from "./spot.mts";

const spot = testSpot("llm");
const complete = spot.mark(async function complete(prompt: string) {
  const response = await fetch(process.env.API_URL + "/complete", { method: "POST", body: prompt });
  return await response.text();
});

it("summarises file ${id}", async () => {
  assert.equal(await complete("text ${id}"), "answer to text ${id}");
  assert.equal(await complete("more ${id}"), "answer to more ${id}");
});
`;
}

function runNodeTest(cwd: string, environment: NodeJS.ProcessEnv) {
  const env = { ...process.env, ...environment };
  // Inherited, it makes the child skip its files with only a warning.
  delete env.NODE_TEST_CONTEXT;
  return new Promise<{ code: number | null; output: string }>((resolveRun) => {
    execFile(
      process.execPath,
      [
        "--import",
        pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href,
        "--test",
        "test/one.test.mts",
        "test/two.test.mts",
      ],
      { cwd, env, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolveRun({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe("the node:test helper", () => {
  it("records two test files in parallel, then passes on CI in replay with the API down", async () => {
    let requests = 0;
    const server = createServer((request, response) => {
      requests++;
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => response.end(`answer to ${body}`));
    });
    await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const project = makeTempDir();
    mkdirSync(join(project, "test"));
    writeFileSync(join(project, "test", "spot.mts"), HELPER);
    writeFileSync(join(project, "test", "one.test.mts"), testFile(1));
    writeFileSync(join(project, "test", "two.test.mts"), testFile(2));

    try {
      const recorded = await runNodeTest(project, { BEAUTYSPOT_MODE: "record", API_URL: apiUrl });
      assert.equal(recorded.code, 0, recorded.output);
      assert.equal(requests, 4);
    } finally {
      server.closeAllConnections();
      await new Promise((resolveClose) => server.close(resolveClose));
    }
    const recording = readFileSync(join(project, "test", "fixtures", "llm.spot"), "utf8");
    assert.equal(recording.trimEnd().split("\n").length, 5, "a header and four entries");

    const replayed = await runNodeTest(project, { BEAUTYSPOT_MODE: "replay", API_URL: apiUrl });
    assert.equal(replayed.code, 0, replayed.output);
    assert.match(replayed.output, /# pass 2/);
    assert.equal(requests, 4, "replay made no request");
    assert.equal(
      readFileSync(join(project, "test", "fixtures", "llm.spot"), "utf8"),
      recording,
      "replay leaves the recording untouched",
    );

    writeFileSync(
      join(project, "test", "two.test.mts"),
      testFile(2).replace('complete("more 2")', 'complete("more 2, edited")'),
    );
    const edited = await runNodeTest(project, { BEAUTYSPOT_MODE: "replay", API_URL: apiUrl });
    assert.notEqual(edited.code, 0);
    assert.match(edited.output, /CacheMissError/);
    assert.match(edited.output, /an argument differs from every recorded call/);
  });
});
