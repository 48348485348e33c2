/**
 * @module test/dashboard/database-file — the dashboard notices when its database file is deleted or
 * replaced while it runs: it reopens a replacement, refuses to answer from a deleted file, and never
 * deletes anything through a file that is no longer there.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { TaskPage } from "../../src/dashboard/api-types.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { Spot } from "../../src/index.js";
import { launchChromium } from "./browser.js";
import { assertPageBuilt, createTempFolder, startQuietDashboard } from "./fixtures.js";

/** A database `<folder>/<name>.db` with one blob entry per text, of function `func`. */
async function writeDatabase(
  folder: string,
  name: string,
  func: string,
  texts: string[],
): Promise<string> {
  const spot = new Spot(name, { workspace: folder, saveBlob: true });
  const store = spot.mark(async (text: string) => `${func}: ${text}`, { name: func });
  for (const text of texts) await store(text);
  await spot.shutdown();
  return path.join(folder, `${name}.db`);
}

function removeDatabaseFiles(dbPath: string): void {
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${dbPath}${suffix}`, { force: true });
}

async function listFunctions(dashboard: RunningDashboard): Promise<string[]> {
  const response = await fetch(`${dashboard.url}api/tasks?limit=100`);
  assert.equal(response.status, 200, await response.clone().text());
  const page = (await response.json()) as TaskPage;
  return page.rows.map((row) => row.funcName);
}

function deleteKey(dashboard: RunningDashboard, key: string): Promise<Response> {
  return fetch(`${dashboard.url}api/tasks/${key}`, {
    method: "DELETE",
    headers: { "X-Beautyspot-Token": String(dashboard.token) },
  });
}

describe("dashboard whose database file changes under it", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  before(() => assertPageBuilt());

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await browser?.close();
  });

  async function start(): Promise<{ folder: string; dbPath: string; dashboard: RunningDashboard }> {
    const folder = createTempFolder();
    const dbPath = await writeDatabase(folder, "cache", "original", ["a", "b"]);
    const dashboard = await startQuietDashboard(dbPath);
    cleanups.push(async () => {
      await dashboard.close();
      fs.rmSync(folder, { recursive: true, force: true });
    });
    return { folder, dbPath, dashboard };
  }

  it("answers 410 with what happened once the file is deleted, and deletes nothing", async () => {
    const { folder, dbPath, dashboard } = await start();
    const [key] = ((await (await fetch(`${dashboard.url}api/tasks`)).json()) as TaskPage).rows.map(
      (row) => row.cacheKey,
    );
    assert.ok(key);
    const blob = path.join(folder, "blobs", "cache", `${key}.bin`);
    assert.ok(fs.existsSync(blob));
    removeDatabaseFiles(dbPath);
    for (const url of ["api/tasks", "api/summary", "api/version", `api/tasks/${key}`]) {
      const response = await fetch(`${dashboard.url}${url}`);
      assert.equal(response.status, 410, url);
      const { error } = (await response.json()) as { error: string };
      assert.match(error, /The database file .*cache\.db was deleted/);
      assert.match(error, /restart/i);
    }
    const deletion = await deleteKey(dashboard, key);
    assert.equal(deletion.status, 410);
    // The blob belongs to whatever database takes the path next: it must not be touched.
    assert.ok(fs.existsSync(blob));
  });

  it("reopens a database file replaced while it runs, and deletes in the new file", async () => {
    const { folder, dbPath, dashboard } = await start();
    assert.deepEqual(await listFunctions(dashboard), ["original", "original"]);
    const versionBefore = (
      (await (await fetch(`${dashboard.url}api/version`)).json()) as {
        version: string;
      }
    ).version;
    const other = createTempFolder();
    cleanups.push(async () => fs.rmSync(other, { recursive: true, force: true }));
    const replacement = await writeDatabase(other, "cache", "replacement", ["x", "y", "z"]);
    removeDatabaseFiles(dbPath);
    fs.copyFileSync(replacement, dbPath);
    assert.deepEqual(await listFunctions(dashboard), ["replacement", "replacement", "replacement"]);
    const versionAfter = (
      (await (await fetch(`${dashboard.url}api/version`)).json()) as {
        version: string;
      }
    ).version;
    assert.notEqual(versionAfter, versionBefore);
    const page = (await (await fetch(`${dashboard.url}api/tasks`)).json()) as TaskPage;
    const key = page.rows[0]?.cacheKey;
    assert.ok(key);
    assert.equal((await deleteKey(dashboard, key)).status, 200);
    const check = new Spot("cache", { workspace: folder });
    try {
      assert.equal(await check.maintenance.countTasks(), 2);
    } finally {
      await check.shutdown();
    }
  });

  it("stops a deletion when the file is replaced after the request began, deleting nothing in either", async () => {
    const { folder, dbPath, dashboard } = await start();
    const other = createTempFolder();
    cleanups.push(async () => fs.rmSync(other, { recursive: true, force: true }));
    const replacement = await writeDatabase(other, "cache", "replacement", ["x", "y", "z"]);
    const url = new URL(`${dashboard.url}api/tasks/delete-matching`);
    const body = JSON.stringify({ filter: {}, expected: 10 });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const call = http.request(
        url,
        {
          method: "POST",
          agent: false,
          headers: {
            "X-Beautyspot-Token": String(dashboard.token),
            "Content-Type": "application/json",
            "Content-Length": Buffer.byteLength(body),
          },
        },
        (response) => {
          let text = "";
          response.on("data", (chunk) => {
            text += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      call.on("error", reject);
      call.flushHeaders();
      // The server has looked at the file when the headers came; the body comes after the swap.
      setTimeout(() => {
        removeDatabaseFiles(dbPath);
        fs.copyFileSync(replacement, dbPath);
        call.end(body);
      }, 300);
    });
    const { status, text } = await answer;
    assert.equal(status, 410, text);
    assert.match(text, /was replaced while a deletion was under way/);
    const check = new Spot("cache", { workspace: folder });
    try {
      assert.equal(await check.maintenance.countTasks(), 3);
    } finally {
      await check.shutdown();
    }
  });

  it("refuses a replacement that is not a beautyspot database, without writing to it", async () => {
    const { dbPath, dashboard } = await start();
    removeDatabaseFiles(dbPath);
    fs.writeFileSync(dbPath, "");
    const response = await fetch(`${dashboard.url}api/tasks`);
    assert.equal(response.status, 410);
    assert.match(((await response.json()) as { error: string }).error, /not a beautyspot database/);
    assert.equal(fs.statSync(dbPath).size, 0);
  });

  it("shows a banner on the page when the database file is deleted", async () => {
    const { dbPath, dashboard } = await start();
    browser = await launchChromium();
    const page = await browser.context.newPage();
    await page.goto(dashboard.url);
    await page.waitForSelector("tr[data-key]");
    removeDatabaseFiles(dbPath);
    const banner = page.locator("#database-problem");
    await banner.waitFor({ state: "visible", timeout: 10_000 });
    assert.match((await banner.textContent()) ?? "", /The database file .*cache\.db was deleted/);
    await page.close();
  });
});
