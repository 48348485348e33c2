/**
 * @module test/robustness/resources.test — Spots that are dropped without shutdown leak nothing
 * that keeps the process alive; shutdown is idempotent and leaves a Spot clearly unusable.
 */

import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { SpotClosedError } from "../../src/errors.js";
import { Spot } from "../../src/spot.js";
import { makeTempDir } from "../helpers.js";
import { runChildForResult } from "./harness.js";

const SPOTS = 1000;

/** Creates SPOTS Spots, one call each, drops them, collects garbage and counts what is left open. */
const DROP_CHILD = `
import { readdirSync } from "node:fs";
import { Spot } from "$ENTRY";
const countDescriptors = () => readdirSync("/proc/self/fd").length;
const baseline = countDescriptors();
// Each Spot lives in a function, as in a program: a top-level loop variable may stay reachable.
async function useAndDrop(index: number) {
  const spot = new Spot("dropped", { workspace: process.env.BS_WORKSPACE, saveSync: index % 2 === 0, saveBlob: index % 3 === 0 });
  const square = spot.mark(async function square(value: number) { return value * value; });
  if ((await square(index)) !== index * index) throw new Error("wrong value");
}
for (let index = 0; index < ${SPOTS}; index += 1) await useAndDrop(index);
const flushed = new Spot("dropped", { workspace: process.env.BS_WORKSPACE });
for (let round = 0; round < 5; round += 1) {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const activeResources = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout" || kind === "Immediate");
const rows = flushed.db.count({});
await flushed.shutdown();
console.log(JSON.stringify({ leakedDescriptors: countDescriptors() - baseline, activeResources, rows }));
`;

interface DropReport {
  leakedDescriptors: number;
  activeResources: string[];
  rows: number;
}

/** Runs the child with `--expose-gc`, so the test sees what collection can reclaim. */
function runDropChild(): Promise<DropReport> {
  const folder = makeTempDir();
  return runChildForResult<DropReport>(folder, DROP_CHILD, {
    env: {
      BS_WORKSPACE: path.join(folder, ".beautyspot"),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc`,
    },
  });
}

describe("resources", () => {
  it(`exits on its own after ${SPOTS} Spots are dropped without shutdown, every save drained and no timer left`, async () => {
    // runChildForResult fails if the child does not exit by itself with code 0.
    const report = await runDropChild();
    assert.deepEqual(report.activeResources, []);
    assert.equal(report.rows, SPOTS, "every background save landed");
  });

  it(`closes the database connections of ${SPOTS} Spots dropped without shutdown once they are collected`, async () => {
    const report = await runDropChild();
    assert.ok(report.leakedDescriptors < 50, `${report.leakedDescriptors} descriptors left open`);
  });

  it("lets shutdown() be called many times, at once and later, draining pending saves once", async () => {
    const folder = makeTempDir();
    const workspace = path.join(folder, ".beautyspot");
    const spot = new Spot("app", { workspace, saveSync: false });
    const square = spot.mark(async function square(value: number) {
      return value * value;
    });
    assert.equal(await square(12), 144);
    await Promise.all([spot.shutdown(), spot.shutdown(), spot.shutdown()]);
    await spot.shutdown();
    await spot[Symbol.asyncDispose]();
    const reopened = new Spot("app", { workspace });
    try {
      const again = reopened.mark(async function square(_value: number): Promise<number> {
        throw new Error("must be a hit");
      });
      assert.equal(await again(12), 144);
    } finally {
      await reopened.shutdown();
    }
  });

  it("refuses every use after shutdown with SpotClosedError saying what to do", async () => {
    const folder = makeTempDir();
    const spot = new Spot("app", { workspace: path.join(folder, ".beautyspot") });
    const square = spot.mark(async function square(value: number) {
      return value * value;
    });
    const squareSync = spot.markSync(function squareSync(value: number) {
      return value * value;
    });
    await square(2);
    await spot.shutdown();
    const isClosedError = (error: unknown) =>
      error instanceof SpotClosedError &&
      /shut down/.test(error.message) &&
      /new Spot/.test(error.message);
    await assert.rejects(square(2), isClosedError);
    await assert.rejects(square(3), isClosedError);
    await assert.rejects(square.peek(2), isClosedError);
    await assert.rejects(square.invalidate(2), isClosedError);
    assert.throws(() => squareSync(2), isClosedError);
    await assert.rejects(async () => spot.delete(square.key(2)), isClosedError);
  });
});
