/**
 * @module test/dashboard/table — the task table in a real headless Chromium: filters, search,
 * paging, deletion with confirmation, and rows written by another process appearing live.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { Spot } from "../../src/index.js";
import { requireProgram } from "../system-programs.js";
import { launchChromium } from "./browser.js";
import {
  assertPageBuilt,
  createSampleDatabase,
  createTempFolder,
  startQuietDashboard,
} from "./fixtures.js";

const writeRowScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "write-row.ts");

describe("dashboard task table in Chromium", { skip: requireProgram("chromium") }, () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    assertPageBuilt();
    browser = await launchChromium();
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await browser?.close();
  });

  /** A fresh sample database, its dashboard, and a tab showing the table. */
  async function openTable(
    hash = "",
  ): Promise<{ page: Page; folder: string; dashboard: RunningDashboard; rows: number }> {
    const folder = createTempFolder();
    const { dbPath, rows } = await createSampleDatabase(folder);
    const dashboard = await startQuietDashboard(dbPath);
    const page = await browser.context.newPage();
    cleanups.push(async () => {
      await page.close();
      await dashboard.close();
      fs.rmSync(folder, { recursive: true, force: true });
    });
    await page.goto(`${dashboard.url}${hash}`);
    await page.waitForSelector("tr[data-key]");
    return { page, folder, dashboard, rows };
  }

  const visibleFunctions = (page: Page) =>
    page.locator("tbody td[data-column='function']").allTextContents();

  it("lists the entries newest first with totals", async () => {
    const { page, rows } = await openTable();
    assert.equal(await page.locator("tr[data-key]").count(), rows);
    await page.waitForFunction(() =>
      document.getElementById("totals")?.textContent?.includes("entries"),
    );
    assert.match((await page.textContent("#totals")) ?? "", new RegExp(`^${rows} entries · `));
    assert.equal((await visibleFunctions(page))[0], "embed");
  });

  it("narrows the table by function, content type and search", async () => {
    const { page } = await openTable();
    await page.waitForSelector('select[name="func"] option[value="generateThumbnail"]', {
      state: "attached",
    });
    await page.selectOption('select[name="func"]', "generateThumbnail");
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 2);
    assert.deepEqual(await visibleFunctions(page), ["generateThumbnail", "generateThumbnail"]);
    await page.selectOption('select[name="func"]', "");
    await page.selectOption('select[name="contentType"]', "text/html");
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 2);
    assert.deepEqual((await visibleFunctions(page)).sort(), ["hostile_html", "renderCard"]);
    await page.selectOption('select[name="contentType"]', "");
    const inputId =
      (await page
        .locator("tr[data-key] td[data-column='input-id']")
        .last()
        .getAttribute("title")) ?? "";
    await page.fill('input[name="search"]', inputId.slice(10, 30));
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 1);
    assert.equal(
      await page.locator("tr[data-key] td[data-column='input-id']").getAttribute("title"),
      inputId,
    );
    assert.match(page.url(), /search=/);
  });

  it("pages through the entries", async () => {
    const { page, folder, rows } = await openTable();
    const spot = new Spot("samples", { workspace: folder });
    const square = spot.mark(async function square(value: number) {
      return value * value;
    });
    for (let value = 0; value < 40; value++) await square(value);
    await spot.shutdown();
    const total = rows + 40;
    await page.goto(`${page.url().split("#")[0]}#limit=25`);
    await page.reload();
    await page.waitForFunction(
      (expected) => document.querySelector(".page-range")?.textContent === `1–25 of ${expected}`,
      total,
    );
    const firstKeys = await page
      .locator("tr[data-key]")
      .evaluateAll((rowsFound) => rowsFound.map((row) => (row as HTMLElement).dataset.key));
    await page.click('[data-action="next-page"]');
    await page.waitForFunction(
      (expected) => document.querySelector(".page-range")?.textContent === `26–50 of ${expected}`,
      total,
    );
    const secondKeys = await page
      .locator("tr[data-key]")
      .evaluateAll((rowsFound) => rowsFound.map((row) => (row as HTMLElement).dataset.key));
    assert.equal(secondKeys.length, 25);
    assert.ok(secondKeys.every((key) => !firstKeys.includes(key)));
    await page.click('[data-action="next-page"]');
    await page.waitForFunction(
      (expected) =>
        document.querySelector(".page-range")?.textContent === `51–${expected} of ${expected}`,
      total,
    );
    assert.equal(await page.isDisabled('[data-action="next-page"]'), true);
    await page.click('[data-action="previous-page"]');
    await page.waitForFunction(
      (expected) => document.querySelector(".page-range")?.textContent === `26–50 of ${expected}`,
      total,
    );
  });

  it("sorts by size when the column header is clicked", async () => {
    const { page } = await openTable();
    await page.click('button[data-sort="size"]');
    await page.waitForFunction(() => location.hash.includes("sort=size"));
    await page.waitForFunction(() =>
      document.querySelector('th[aria-sort="descending"] button')?.textContent?.startsWith("Size"),
    );
    // The header changes before the sorted page arrives: wait for the rows themselves (a wrong
    // order never shows the largest entry first, and the wait fails).
    await page.waitForFunction(
      () => document.querySelector("tr[data-key] td[data-column='size']")?.textContent === "9.4 KB",
      undefined,
      { timeout: 5_000 },
    );
  });

  it("deletes an entry after a confirmation naming its key: row and blob file are gone", async () => {
    const { page, folder } = await openTable("#func=store_webm");
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 1);
    const key = (await page.locator("tr[data-key]").getAttribute("data-key")) ?? "";
    const blob = path.join(folder, "blobs", "samples", `${key}.bin`);
    assert.ok(fs.existsSync(blob));
    await page.click("tr[data-key]");
    await page.click('[data-action="delete-entry"]');
    const dialog = page.locator("dialog.confirm-dialog");
    assert.ok(await dialog.isVisible());
    assert.equal(await dialog.locator(".confirm-key").textContent(), key);
    await dialog.locator('button[value="cancel"]').click();
    assert.equal(await page.locator(`tr[data-key="${key}"]`).count(), 1);
    assert.ok(fs.existsSync(blob));
    await page.click('[data-action="delete-entry"]');
    await page.locator('dialog.confirm-dialog button[value="confirm"]').click();
    await page.waitForSelector(`tr[data-key="${key}"]`, { state: "detached" });
    assert.equal(fs.existsSync(blob), false);
    assert.match((await page.textContent("tbody")) ?? "", /No entry matches the filter/);
  });

  it("deletes every entry shown by the filter after confirming the count", async () => {
    const { page, rows } = await openTable("#contentType=image%2Fpng");
    await page.waitForFunction(
      () =>
        document.getElementById("delete-shown")?.textContent ===
        "Delete the 2 entries matching the filter…",
    );
    await page.click("#delete-shown");
    assert.match((await page.textContent("dialog.confirm-dialog h2")) ?? "", /Delete 2 entries/);
    await page.locator('dialog.confirm-dialog button[value="confirm"]').click();
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 0);
    await page.selectOption('select[name="contentType"]', "");
    await page.waitForFunction(
      (expected) => document.querySelectorAll("tr[data-key]").length === expected,
      rows - 2,
    );
  });

  it("shows a row written by another process without a reload", async () => {
    const { page, folder } = await openTable();
    await page.evaluate(() => {
      (window as { __sameDocument?: boolean }).__sameDocument = true;
    });
    await promisify(execFile)(process.execPath, [
      "--import",
      "tsx",
      writeRowScript,
      folder,
      "samples",
      "liveWriter",
    ]);
    await page.waitForSelector('tbody td:text-is("liveWriter")', { timeout: 10_000 });
    assert.equal(
      await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument),
      true,
    );
  });

  it("reloads the table with the Refresh button", async () => {
    const { page, folder } = await openTable();
    const spot = new Spot("samples", { workspace: folder });
    const write = spot.mark(async function refreshedWriter() {
      return 1;
    });
    await write();
    await spot.shutdown();
    await page.click("#refresh");
    await page.waitForSelector('tbody td:text-is("refreshedWriter")', { timeout: 5_000 });
  });
});
