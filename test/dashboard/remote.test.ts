/**
 * @module test/dashboard/remote — a dashboard bound to a network address: other machines can read,
 * and delete only with `allowRemoteDelete`. "Another machine" is this machine's own non-loopback
 * address, so the server sees a peer that is not loopback.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import { after, before, describe, it } from "node:test";
import type { TaskPage } from "../../src/dashboard/api-types.js";
import { type RunningDashboard, startDashboard } from "../../src/dashboard/index.js";
import { launchChromium } from "./browser.js";
import { assertPageBuilt, createSampleDatabase, createTempFolder } from "./fixtures.js";

/** This machine's first external IPv4 address, or `undefined` on a machine with loopback only. */
function findExternalAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (!address.internal && address.family === "IPv4") return address.address;
    }
  }
  return undefined;
}

const external = findExternalAddress();

describe("dashboard on a network address", { skip: external === undefined }, () => {
  let folder: string;
  let dbPath: string;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    assertPageBuilt();
    folder = createTempFolder();
    ({ dbPath } = await createSampleDatabase(folder));
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  async function startOnNetwork(
    allowRemoteDelete?: boolean,
  ): Promise<{ dashboard: RunningDashboard; lines: string[]; remoteUrl: string }> {
    const lines: string[] = [];
    const dashboard = await startDashboard({
      dbPath,
      port: 0,
      host: "0.0.0.0",
      log: (line) => lines.push(line),
      ...(allowRemoteDelete === undefined ? {} : { allowRemoteDelete }),
    });
    cleanups.push(() => dashboard.close());
    return { dashboard, lines, remoteUrl: `http://${external}:${new URL(dashboard.url).port}/` };
  }

  async function firstKey(url: string, func: string): Promise<string> {
    const page = (await (await fetch(`${url}api/tasks?func=${func}`)).json()) as TaskPage;
    const key = page.rows[0]?.cacheKey;
    assert.ok(key);
    return key;
  }

  const deleteAt = (url: string, key: string, token: string) =>
    fetch(`${url}api/tasks/${key}`, { method: "DELETE", headers: { "X-Beautyspot-Token": token } });

  it("warns that other machines can read, and that deletions stay on this machine", async () => {
    const { lines } = await startOnNetwork();
    const warning = lines.find((line) => line.startsWith("Warning:")) ?? "";
    assert.match(warning, /0\.0\.0\.0/);
    assert.match(warning, /read every cached value/);
    assert.match(warning, /deletions are accepted only from this machine/);
    assert.match(warning, /--allow-remote-delete/);
  });

  it("refuses a deletion from another machine, even with the token, and keeps the entry", async () => {
    const { dashboard, remoteUrl } = await startOnNetwork();
    const key = await firstKey(remoteUrl, "storeText");
    const page = await (await fetch(remoteUrl)).text();
    assert.ok(
      !page.includes(String(dashboard.token)),
      "the page sent to another machine has no token",
    );
    const refused = await deleteAt(remoteUrl, key, String(dashboard.token));
    assert.equal(refused.status, 403);
    assert.match(
      ((await refused.json()) as { error: string }).error,
      /only accepted from the machine running the dashboard.*--allow-remote-delete/,
    );
    assert.equal((await fetch(`${remoteUrl}api/tasks/${key}`)).status, 200);
    // The same request from this machine is a deletion as usual.
    assert.equal((await deleteAt(dashboard.url, key, String(dashboard.token))).status, 200);
  });

  it("lets other machines delete with allowRemoteDelete, and says so", async () => {
    const { dashboard, lines, remoteUrl } = await startOnNetwork(true);
    assert.match(
      lines.find((line) => line.startsWith("Warning:")) ?? "",
      /read every cached value and delete entries/,
    );
    const key = await firstKey(remoteUrl, "storeJson");
    assert.equal((await deleteAt(remoteUrl, key, String(dashboard.token))).status, 200);
  });

  it("shows another machine a read-only page without delete buttons", async () => {
    const { remoteUrl } = await startOnNetwork();
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const page = await browser.context.newPage();
    await page.goto(remoteUrl);
    await page.waitForSelector("tr[data-key]");
    assert.match((await page.textContent("#read-only")) ?? "", /Read-only/);
    assert.equal(await page.isVisible("#delete-shown"), false);
    await page.locator("tr[data-key]").first().click();
    await page.waitForSelector(".detail-pane .metadata");
    const deleteButton = page.locator('[data-action="delete-entry"]');
    assert.equal(await deleteButton.count(), 1);
    assert.equal(await deleteButton.isVisible(), false);
  });
});
