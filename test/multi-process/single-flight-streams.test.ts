/**
 * @module test/multi-process/single-flight-streams.test — `singleFlight: "machine"` for a stream
 * that fails: the holder gives its lease back and a waiting process streams it itself. (Four
 * processes streaming one key once: `single-flight.test.ts`.)
 */

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { makeTempDir } from "../helpers.js";
import { startChild, waitForChild, writeChildScript } from "../robustness/harness.js";

/**
 * One worker: a marked async generator that yields five chunks 100 ms apart (`BS_FAIL` makes it
 * throw after two). It prints "ready", waits for the go file, reads the whole stream and prints
 * the chunks (or the error).
 */
const WORKER = `
import { appendFileSync, existsSync } from "node:fs";
import { Spot } from "$ENTRY";
const spot = new Spot("shared", { workspace: process.env.BS_WORKSPACE, singleFlight: "machine" });
const tell = spot.mark(async function* tell(prompt) {
  appendFileSync(process.env.BS_RUNS, process.pid + "\\n");
  for (let index = 0; index < 5; index += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (index === 2 && process.env.BS_FAIL === "1") throw new Error("the connection dropped");
    yield prompt + " " + index;
  }
}, { saveSync: process.env.BS_SAVE_SYNC !== "0" });
console.log("ready");
while (!existsSync(process.env.BS_GO)) await new Promise((resolve) => setTimeout(resolve, 2));
const chunks = [];
try {
  for await (const chunk of tell("part")) chunks.push(chunk);
  console.log(JSON.stringify({ chunks }));
} catch (error) {
  console.log(JSON.stringify({ chunks, error: error.message }));
}
await spot.shutdown();
`;

const ALL_CHUNKS = ["part 0", "part 1", "part 2", "part 3", "part 4"];

describe('singleFlight: "machine" with streams', () => {
  it("gives the lease back when the holder's stream fails, and a waiting process streams it itself", async () => {
    const folder = makeTempDir();
    const runs = join(folder, "runs.txt");
    const go = join(folder, "go");
    writeFileSync(runs, "");
    writeFileSync(go, "");
    const script = writeChildScript(folder, WORKER);
    const env = { BS_WORKSPACE: join(folder, "cache"), BS_RUNS: runs, BS_GO: go };
    const holder = startChild(script, { env: { ...env, BS_FAIL: "1" } });
    while (readFileSync(runs, "utf8") === "")
      await new Promise((resolve) => setTimeout(resolve, 5));
    const waiter = startChild(script, { env });
    const [holderAnswer, waiterAnswer] = await Promise.all(
      [holder, waiter].map(async (child) => {
        const outcome = await waitForChild(child);
        assert.equal(outcome.code, 0, outcome.stderr);
        return JSON.parse(outcome.stdout.trimEnd().split("\n").at(-1) ?? "");
      }),
    );
    assert.deepEqual(holderAnswer, {
      chunks: ["part 0", "part 1"],
      error: "the connection dropped",
    });
    assert.deepEqual(waiterAnswer, { chunks: ALL_CHUNKS });
    const runners = readFileSync(runs, "utf8").split("\n").filter(Boolean);
    assert.deepEqual(
      runners,
      [String(holder.pid), String(waiter.pid)],
      "the failed run, then the waiter's own",
    );
  });
});
