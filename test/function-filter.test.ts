/** @module test/function-filter — `func` names one function: its identity, or a short name only one function has. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MaintenanceService, Spot, ValidationError } from "../src/index.js";
import { makeTempDir } from "./helpers.js";

/** A database with `A.run` (2 entries), `B.run` (3), `run` (1) and `pages.render` (1). */
async function writeRunCache(): Promise<string> {
  const workspace = makeTempDir();
  const spot = new Spot("jobs", { workspace });
  const counts: [string, number][] = [
    ["A.run", 2],
    ["B.run", 3],
    ["run", 1],
    ["pages.render", 1],
  ];
  for (const [name, count] of counts) {
    const fn = spot.mark(async (n: number) => `${name} ${n}`, { name });
    for (let n = 0; n < count; n += 1) await fn(n);
  }
  await spot.shutdown();
  return join(workspace, "jobs.db");
}

async function withService<T>(use: (service: MaintenanceService) => Promise<T>): Promise<T> {
  const service = MaintenanceService.fromPath(await writeRunCache());
  try {
    return await use(service);
  } finally {
    service.close();
  }
}

describe("MaintenanceService func filter", () => {
  it("matches a full identity exactly, never the functions sharing its short name", async () => {
    await withService(async (service) => {
      assert.equal(await service.countTasks({ func: "A.run" }), 2);
      assert.equal(await service.countTasks({ func: "B.run" }), 3);
      assert.equal(await service.countTasks({ func: "run" }), 1, "the function named exactly run");
      assert.deepEqual(
        (await service.listTasks({ func: "run" })).map((record) => record.funcIdentifier),
        ["run"],
      );
    });
  });

  it("matches a short name that only one function has", async () => {
    await withService(async (service) => {
      assert.equal(await service.countTasks({ func: "render" }), 1);
      assert.equal(await service.clear({ func: "render" }), 1);
      assert.equal(await service.countTasks(), 7 - 1);
    });
  });

  it("refuses a short name several functions share, naming their identities, and removes nothing", async () => {
    const workspace = makeTempDir();
    const spot = new Spot("jobs", { workspace });
    await spot.mark(async () => 1, { name: "A.load" })();
    await spot.mark(async () => 2, { name: "B.load" })();
    await spot.shutdown();
    const service = MaintenanceService.fromPath(join(workspace, "jobs.db"));
    try {
      for (const attempt of [
        () => service.clear({ func: "load" }),
        () => service.prune({ olderThanDays: 0, func: "load" }),
        () => service.listTasks({ func: "load" }),
        () => service.countTasks({ func: "load" }),
      ]) {
        await assert.rejects(attempt, (error: unknown) => {
          assert.ok(error instanceof ValidationError);
          assert.equal(
            error.message,
            'Function name "load" is ambiguous: 2 functions have it as their short name (A.load, B.load). Pass the full identity of the one you mean.',
          );
          return true;
        });
      }
      assert.equal(await service.countTasks(), 2);
    } finally {
      service.close();
    }
  });

  it("prune and clear by identity leave the other functions of the same short name alone", async () => {
    await withService(async (service) => {
      assert.equal(await service.prune({ olderThanDays: 0, func: "run" }), 1);
      assert.equal(await service.clear({ func: "A.run" }), 2);
      assert.equal(await service.countTasks({ func: "B.run" }), 3);
    });
  });
});
