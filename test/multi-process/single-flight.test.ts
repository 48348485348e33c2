/**
 * @module test/multi-process/single-flight.test — `singleFlight: "machine"` with real worker
 * processes: one run for concurrent identical calls, and what happens when the holder is killed
 * or its function throws.
 */

import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LEASE_MS } from "../../src/core/single-flight.js";
import { makeTempDir } from "../helpers.js";
import {
  startChild,
  waitForChild,
  waitForMarker,
  writeChildScript,
} from "../robustness/harness.js";

/**
 * One worker. It prints "ready", waits for the go file, then asks the marked function and prints
 * its answer. `BS_BEHAVIOUR` makes this worker's run of the function hang or throw.
 */
const WORKER = `
import { appendFileSync, existsSync } from "node:fs";
import { Spot } from "$ENTRY";
const spot = new Spot("shared", { workspace: process.env.BS_WORKSPACE, singleFlight: "machine" });
const ask = spot.mark(async function ask(prompt) {
  appendFileSync(process.env.BS_RUNS, Date.now() + "\\n");
  console.log("running");
  if (process.env.BS_BEHAVIOUR === "hang") await new Promise(() => setInterval(() => {}, 1000));
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (process.env.BS_BEHAVIOUR === "throw") {
    while (!existsSync(process.env.BS_GO + ".throw")) await new Promise((resolve) => setTimeout(resolve, 2));
    appendFileSync(process.env.BS_GO + ".threw", String(Date.now()));
    throw new Error("the provider said no");
  }
  return "answer to " + prompt;
}, { saveSync: process.env.BS_SAVE_SYNC !== "0" });
// The same, streamed: the answer word by word, as a model streams it.
const tell = spot.mark(async function* tell(prompt) {
  appendFileSync(process.env.BS_RUNS, Date.now() + "\\n");
  for (const word of ("answer to " + prompt).split(" ")) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    yield word;
  }
}, { saveSync: process.env.BS_SAVE_SYNC !== "0" });
console.log("ready");
while (!existsSync(process.env.BS_GO)) await new Promise((resolve) => setTimeout(resolve, 2));
console.log("asking");
try {
  let value;
  if (process.env.BS_STREAM === "1") {
    const words = [];
    for await (const word of tell("the same prompt")) words.push(word);
    value = words.join(" ");
  } else {
    value = await ask("the same prompt");
  }
  console.log(JSON.stringify({ value }));
} catch (error) {
  console.log(JSON.stringify({ error: error.message }));
}
await spot.shutdown();
`;

interface Setup {
  folder: string;
  runs: string;
  go: string;
  script: string;
}

function setUp(): Setup {
  const folder = makeTempDir();
  const runs = join(folder, "runs.txt");
  writeFileSync(runs, "");
  return { folder, runs, go: join(folder, "go"), script: writeChildScript(folder, WORKER) };
}

function startWorker(setup: Setup, env: Record<string, string> = {}): ChildProcess {
  return startChild(setup.script, {
    env: {
      BS_WORKSPACE: join(setup.folder, "cache"),
      BS_RUNS: setup.runs,
      BS_GO: setup.go,
      ...env,
    },
  });
}

async function answerOf(child: ChildProcess): Promise<{ value?: string; error?: string }> {
  const outcome = await waitForChild(child);
  const lastLine = outcome.stdout.trimEnd().split("\n").at(-1) ?? "";
  assert.equal(
    outcome.code,
    0,
    `worker ended with ${outcome.code ?? outcome.signal}: ${outcome.stderr}`,
  );
  return JSON.parse(lastLine) as { value?: string; error?: string };
}

function countRuns(setup: Setup): number {
  return readFileSync(setup.runs, "utf8").split("\n").filter(Boolean).length;
}

/** Starts `count` workers, waits until each is ready, then lets them all ask at once. */
async function askTogether(setup: Setup, count: number, env: Record<string, string> = {}) {
  const workers = Array.from({ length: count }, () => startWorker(setup, env));
  await Promise.all(workers.map((worker) => waitForMarker(worker, "ready")));
  writeFileSync(setup.go, "");
  return Promise.all(workers.map(answerOf));
}

describe('singleFlight: "machine" across processes', () => {
  for (const saveSync of [true, false]) {
    it(`runs the function once for four processes asking the same thing at once (saveSync ${saveSync})`, async () => {
      const setup = setUp();
      const answers = await askTogether(setup, 4, { BS_SAVE_SYNC: saveSync ? "1" : "0" });
      assert.deepEqual(
        answers,
        Array.from({ length: 4 }, () => ({ value: "answer to the same prompt" })),
      );
      assert.equal(countRuns(setup), 1, "runs of the function across the four processes");
    });

    it(`runs a streaming function once for four processes asking at once; each gets every chunk (saveSync ${saveSync})`, async () => {
      const setup = setUp();
      const answers = await askTogether(setup, 4, {
        BS_SAVE_SYNC: saveSync ? "1" : "0",
        BS_STREAM: "1",
      });
      assert.deepEqual(
        answers,
        Array.from({ length: 4 }, () => ({ value: "answer to the same prompt" })),
      );
      assert.equal(countRuns(setup), 1, "runs of the stream across the four processes");
    });
  }

  it("lets a waiting process run the function when the holder is killed with kill -9", async (t) => {
    const setup = setUp();
    writeFileSync(setup.go, "");
    const holder = startWorker(setup, { BS_BEHAVIOUR: "hang" });
    await waitForMarker(holder, "running");
    const waiters = [startWorker(setup), startWorker(setup)];
    await Promise.all(waiters.map((waiter) => waitForMarker(waiter, "asking")));
    // Give the waiters time to find the lease taken and start waiting on it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = performance.now();
    holder.kill("SIGKILL");
    const answers = await Promise.all(waiters.map(answerOf));
    const recovery = performance.now() - killedAt;
    t.diagnostic(`answers ${recovery.toFixed(0)} ms after the kill (function: 300 ms)`);
    assert.deepEqual(answers, [
      { value: "answer to the same prompt" },
      { value: "answer to the same prompt" },
    ]);
    assert.equal(countRuns(setup), 2, "the killed holder's run and one waiter's run");
    assert.ok(recovery < LEASE_MS, `the waiters needed ${recovery} ms after the kill`);
  });

  it("lets a waiting process run the function itself when the holder's function throws", async () => {
    const setup = setUp();
    writeFileSync(setup.go, "");
    const holder = startWorker(setup, { BS_BEHAVIOUR: "throw" });
    await waitForMarker(holder, "running");
    const waiter = startWorker(setup);
    await waitForMarker(waiter, "asking");
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(`${setup.go}.throw`, "");
    const [holderAnswer, waiterAnswer] = await Promise.all([answerOf(holder), answerOf(waiter)]);
    assert.deepEqual(holderAnswer, { error: "the provider said no" });
    assert.deepEqual(waiterAnswer, { value: "answer to the same prompt" });
    assert.equal(countRuns(setup), 2, "the holder's failed run and the waiter's own run");
    const waiterStarted = Number(readFileSync(setup.runs, "utf8").split("\n")[1]);
    const holderThrew = Number(readFileSync(`${setup.go}.threw`, "utf8"));
    assert.ok(waiterStarted >= holderThrew, "the waiter ran only after the holder's run failed");
  });
});
