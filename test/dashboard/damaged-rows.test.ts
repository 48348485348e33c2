/**
 * @module test/dashboard/damaged-rows — the dashboard in a real headless Chromium on a database
 * with one damaged row, or a value nested thousands deep: the page renders, the bad field reads
 * "invalid", the detail says what is stored, and the entry can be deleted.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { Page } from "playwright-core";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import {
  addDamagedRow,
  copyFirstRow,
  DAMAGED_KEY,
  DAMAGES,
  encodeNestedArrays,
  PYTHON_KEYS,
  replaceValueBytes,
  writeGoodEntries,
  writePythonDatabase,
} from "../damaged-rows.js";
import { requireProgram } from "../system-programs.js";
import { launchChromium } from "./browser.js";
import { assertPageBuilt, createTempFolder, startQuietDashboard } from "./fixtures.js";

describe("dashboard on a database with a damaged row, in Chromium", {
  skip: requireProgram("chromium"),
}, () => {
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

  /** A dashboard on a database prepared by `prepare`, and a tab showing its table. */
  async function openDashboard(
    prepare: (dbPath: string) => void,
  ): Promise<{ page: Page; dashboard: RunningDashboard; errors: string[] }> {
    const folder = createTempFolder();
    const dbPath = await writeGoodEntries(folder);
    prepare(dbPath);
    const dashboard = await startQuietDashboard(dbPath);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    cleanups.push(async () => {
      await page.close();
      await dashboard.close();
      fs.rmSync(folder, { recursive: true, force: true });
    });
    await page.goto(dashboard.url);
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 4);
    return { page, dashboard, errors };
  }

  for (const [name, column] of [
    ["updated_at beyond what a Date holds", "updated"],
    ["size 2^63-1", "size"],
    ["expires_at garbage text", "expires"],
  ] as const) {
    const damage = DAMAGES[name];
    assert.ok(damage !== undefined);
    it(`${name}: table and totals render, the field reads invalid, the detail says why, Delete removes it`, async () => {
      const { page, dashboard, errors } = await openDashboard((dbPath) =>
        addDamagedRow(dbPath, damage),
      );
      await page.waitForFunction(() =>
        document.getElementById("totals")?.textContent?.startsWith("4 entries"),
      );
      const cell = page.locator(`tr[data-key="${DAMAGED_KEY}"] td[data-column="${column}"]`);
      assert.equal(await cell.textContent(), "invalid");
      assert.match((await cell.getAttribute("title")) ?? "", new RegExp(`${damage.column} holds`));

      await page.click(`tr[data-key="${DAMAGED_KEY}"]`);
      const notice = page.locator('[data-notice="damaged-row"]');
      await notice.waitFor();
      assert.match((await notice.textContent()) ?? "", new RegExp(`${damage.column} holds`));
      assert.match(
        (await page.textContent(".detail-pane .metadata")) ?? "",
        /invalid \(see below\)/,
      );
      await page.waitForSelector(".detail-pane .value");

      await page.click('[data-action="delete-entry"]');
      await page.locator('dialog.confirm-dialog button[value="confirm"]').click();
      await page.waitForSelector(`tr[data-key="${DAMAGED_KEY}"]`, { state: "detached" });
      const summary = (await (await fetch(`${dashboard.url}api/summary`)).json()) as {
        rows: number;
      };
      assert.equal(summary.rows, 3);
      assert.deepEqual(errors, []);
    });
  }

  it("shows a value nested 3,000 deep to level 100 with a note, and the rest of the page works", async () => {
    const { page, errors } = await openDashboard((dbPath) => {
      replaceValueBytes(dbPath, copyFirstRow(dbPath), encodeNestedArrays(3000));
    });
    await page.click(`tr[data-key="${DAMAGED_KEY}"]`);
    await page.waitForSelector(".detail-pane .value");
    await page.waitForFunction(() =>
      document
        .querySelector(".detail-pane .value")
        ?.textContent?.includes("nested deeper than 100 levels; shown to level 100"),
    );
    assert.equal(await page.locator(".detail-pane .notice-error").count(), 0);
    const other = await page.locator("tr[data-key]").nth(1).getAttribute("data-key");
    await page.click(`tr[data-key="${other}"]`);
    await page.waitForFunction(
      () => !document.querySelector(".detail-pane .value")?.textContent?.includes("nested deeper"),
    );
    assert.deepEqual(errors, []);
  });

  it("browsing a database the Python library wrote changes no byte of it; Delete removes an entry and leaves its columns", async () => {
    const folder = createTempFolder();
    const dbPath = writePythonDatabase(folder);
    const before = fs.readFileSync(dbPath);
    const dashboard = await startQuietDashboard(dbPath);
    const page = await browser.context.newPage();
    cleanups.push(async () => {
      await page.close();
      await dashboard.close();
      fs.rmSync(folder, { recursive: true, force: true });
    });
    await page.goto(dashboard.url);
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 3);
    await page.waitForFunction(() =>
      document.getElementById("totals")?.textContent?.startsWith("3 entries · 3.4 KB"),
    );
    await page.click(`tr[data-key="${PYTHON_KEYS.blob}"]`);
    await page.waitForSelector(".detail-pane .value");
    assert.deepEqual(fs.readFileSync(dbPath), before);

    await page.click('[data-action="delete-entry"]');
    await page.locator('dialog.confirm-dialog button[value="confirm"]').click();
    await page.waitForSelector(`tr[data-key="${PYTHON_KEYS.blob}"]`, { state: "detached" });
    const raw = new Database(dbPath, { readonly: true });
    try {
      const columns = raw.prepare("SELECT name FROM pragma_table_info('tasks')").pluck().all();
      assert.equal(columns.includes("size"), false);
      assert.equal(raw.prepare("SELECT COUNT(*) FROM tasks").pluck().get(), 2);
    } finally {
      raw.close();
    }
  });
});
