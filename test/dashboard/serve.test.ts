/**
 * @module test/dashboard/serve — `spot.serveDashboard` over HTTP: the same security as
 * `beautyspot ui`, loopback only, and stopped with the Spot.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { Spot, ValidationError } from "../../src/index.js";
import { assertPageBuilt, createTempFolder } from "./fixtures.js";

describe("spot.serveDashboard", () => {
  it("refuses an address other machines could reach: Retry runs the program's functions", async () => {
    const folder = createTempFolder();
    const spot = new Spot("served", { workspace: folder });
    try {
      await assert.rejects(
        spot.serveDashboard({ host: "0.0.0.0", port: 0, log: () => {} }),
        (error: unknown) =>
          error instanceof ValidationError && /loopback address/.test(error.message),
      );
    } finally {
      await spot.shutdown();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it("serves the page with its token and CSP, rejects a foreign Host, and stops when the Spot shuts down", async () => {
    assertPageBuilt();
    const folder = createTempFolder();
    const spot = new Spot("served", { workspace: folder });
    const lines: string[] = [];
    const served = await spot.serveDashboard({ port: 0, log: (line) => lines.push(line) });
    try {
      assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.match(lines.join("\n"), /Spot "served"/);
      const page = await fetch(served.url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
      assert.doesNotMatch(await page.text(), /__BEAUTYSPOT_SESSION_TOKEN__/);
      const port = new URL(served.url).port;
      const foreign = await new Promise<number>((resolve, reject) => {
        import("node:http").then(({ request }) => {
          const sent = request(
            {
              host: "127.0.0.1",
              port,
              path: "/api/tasks",
              headers: { Host: `evil.example:${port}` },
            },
            (response) => {
              response.resume();
              resolve(response.statusCode ?? 0);
            },
          );
          sent.on("error", reject);
          sent.end();
        }, reject);
      });
      assert.equal(foreign, 403);
    } finally {
      await spot.shutdown();
      fs.rmSync(folder, { recursive: true, force: true });
    }
    await assert.rejects(fetch(served.url));
  });

  it("Retry of an entry stored as a blob keeps the old value in a blob of its own", async () => {
    assertPageBuilt();
    const folder = createTempFolder();
    const spot = new Spot("served", { workspace: folder, saveBlob: true });
    let runs = 0;
    const render = spot.mark(async function render(scene: string) {
      runs += 1;
      return Buffer.from(`${scene} take ${runs}`);
    });
    await render("opening");
    const served = await spot.serveDashboard({ port: 0, log: () => {} });
    try {
      const page = await (await fetch(served.url)).text();
      const token = /name="beautyspot-token" content="([^"]+)"/.exec(page)?.[1] ?? "";
      const key = render.key("opening");
      const response = await fetch(`${served.url}api/tasks/${key}/retry`, {
        method: "POST",
        headers: { "X-Beautyspot-Token": token },
      });
      assert.equal(response.status, 200);
      const outcome = (await response.json()) as { cacheKey: string; previousKey: string };
      assert.equal(outcome.cacheKey, key);
      assert.equal(runs, 2);
      const fresh = await spot.maintenance.getTaskDetail(key);
      const old = await spot.maintenance.getTaskDetail(outcome.previousKey);
      assert.equal(fresh?.record.resultType, "FILE");
      assert.equal(old?.record.resultType, "FILE");
      assert.notEqual(fresh?.record.resultValue, old?.record.resultValue);
      assert.equal(Buffer.from(fresh?.value as Uint8Array).toString(), "opening take 2");
      assert.equal(Buffer.from(old?.value as Uint8Array).toString(), "opening take 1");
      assert.equal(old?.record.version, "no version (before retry)");
      assert.equal(old?.record.inputPreview, 'scene="opening"');
    } finally {
      await served.close();
      await spot.shutdown();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
