/**
 * @module test/dashboard/overview — the function overview in a real headless Chromium: figures of
 * known calls (3 misses of a function that sleeps, 5 hits), "not recorded" for rows the Python
 * library wrote, and the link from a function to the table filtered by it.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "playwright-core";
import type { FunctionOverview } from "../../src/dashboard/api-types.js";
import { Spot } from "../../src/index.js";
import { writePythonDatabase } from "../damaged-rows.js";
import { requireProgram } from "../system-programs.js";
import { launchChromium } from "./browser.js";
import { assertPageBuilt, createTempFolder, startQuietDashboard } from "./fixtures.js";

const SLEEP_MS = 40;

/** A database with `slow` (3 misses of SLEEP_MS, 5 hits, 100 tokens each) and `quick` (1 miss, no hit). */
async function writeKnownCalls(workspace: string): Promise<string> {
  const spot = new Spot("known", { workspace });
  const slow = spot.mark(
    async function slow(n: number) {
      await sleep(SLEEP_MS);
      return { n };
    },
    { tokensOf: () => 100 },
  );
  const quick = spot.mark(async function quick(n: number) {
    return n;
  });
  for (const n of [1, 2, 3]) await slow(n);
  for (const n of [1, 1, 2, 3, 3]) await slow(n);
  await quick(1);
  await spot.shutdown();
  return path.join(workspace, "known.db");
}

describe("dashboard function overview in Chromium", { skip: requireProgram("chromium") }, () => {
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

  async function openOverview(dbPath: string, folder: string) {
    const dashboard = await startQuietDashboard(dbPath);
    const page = await browser.context.newPage();
    cleanups.push(async () => {
      await page.close();
      await dashboard.close();
      fs.rmSync(folder, { recursive: true, force: true });
    });
    await page.goto(`${dashboard.url}#view=functions`);
    await page.waitForSelector("#function-table tr[data-function]");
    return { page, dashboard };
  }

  const cellOf = (page: Page, func: string, column: string) =>
    page
      .locator(`#function-table tr[data-function="${func}"] td[data-figure="${column}"]`)
      .textContent();

  it("shows entries, hits, hit rate, time and tokens saved of known calls", async () => {
    const folder = createTempFolder();
    const dbPath = await writeKnownCalls(folder);
    const { page, dashboard } = await openOverview(dbPath, folder);
    assert.equal(await cellOf(page, "slow", "entries"), "3");
    assert.equal(await cellOf(page, "slow", "hits"), "5");
    assert.equal(await cellOf(page, "slow", "hit-rate"), "62.5%");
    assert.equal(await cellOf(page, "slow", "tokens-saved"), "500");
    const timeSaved = (await cellOf(page, "slow", "time-saved")) ?? "";
    const match = /^(\d+) ms$/.exec(timeSaved);
    assert.ok(match, `time saved reads ${timeSaved}`);
    assert.ok(Number(match[1]) >= 5 * (SLEEP_MS - 2), timeSaved);
    assert.equal(await cellOf(page, "quick", "hits"), "0");
    assert.equal(await cellOf(page, "quick", "hit-rate"), "0.0%");
    // quick reported no usage: its tokens are not recorded, its time saved is 0.
    assert.equal(await cellOf(page, "quick", "tokens-saved"), "not recorded");
    assert.equal(await cellOf(page, "quick", "time-saved"), "0 ms");
    const totals = (await page.locator("#overview-totals").textContent()) ?? "";
    assert.match(totals, /Entries\s*4/);
    assert.match(totals, /Hits\s*5/);
    assert.match(totals, /Hit rate\s*55\.6%/);
    assert.match(totals, /Tokens saved\s*500/);
    // The page shows what the API says, and the API what the maintenance service says.
    const api = (await (await fetch(`${dashboard.url}api/functions`)).json()) as FunctionOverview;
    const slow = api.functions.find((row) => row.funcIdentifier === "slow");
    assert.equal(slow?.hits, 5);
    assert.equal(`${Math.round(slow?.timeSavedMs ?? 0)} ms`, timeSaved);
  });

  it("shows an entry's call duration, tokens and hits in its detail", async () => {
    const folder = createTempFolder();
    const dbPath = await writeKnownCalls(folder);
    const { page } = await openOverview(dbPath, folder);
    await page.locator('#function-table tr[data-function="slow"] a').click();
    await page.waitForSelector("tr[data-key]");
    // Every slow entry has 100 tokens; n = 1 and n = 3 were hit twice, n = 2 once.
    const hitsSeen: string[] = [];
    for (const row of await page.locator("tr[data-key]").all()) {
      const key = (await row.getAttribute("data-key")) ?? "";
      await row.click();
      // The detail of this row, not the one shown before it.
      await page.waitForFunction(
        (wanted) => document.querySelector(".metadata dd")?.textContent === wanted,
        key,
      );
      const terms = await page.locator(".metadata dt").allTextContents();
      const values = await page.locator(".metadata dd").allTextContents();
      const metadata = new Map(terms.map((term, index) => [term, values[index] ?? ""]));
      hitsSeen.push(metadata.get("Hits") ?? "");
      assert.equal(metadata.get("Tokens"), "100");
      const took = /^(\d+) ms$/.exec(metadata.get("Call took") ?? "");
      assert.ok(took && Number(took[1]) >= SLEEP_MS - 2, metadata.get("Call took"));
    }
    assert.deepEqual(hitsSeen.sort(), ["1", "2", "2"]);
  });

  it("links each function to the table filtered by it", async () => {
    const folder = createTempFolder();
    const dbPath = await writeKnownCalls(folder);
    const { page } = await openOverview(dbPath, folder);
    await page.locator('#function-table tr[data-function="slow"] a').click();
    await page.waitForFunction(() => location.hash === "#func=slow");
    await page.waitForSelector("tr[data-key]");
    assert.equal(await page.locator("#function-overview").count(), 0);
    const functions = await page.locator("tbody td[data-column='function']").allTextContents();
    assert.equal(functions.length, 3);
    assert.ok(
      functions.every((name) => name.includes("slow")),
      functions.join(", "),
    );
    // And back: the Functions link opens the overview again.
    await page.locator("#view-functions").click();
    await page.waitForSelector("#function-table tr[data-function]");
  });

  it('says "not recorded" for the time and tokens of rows the Python library wrote', async () => {
    const folder = createTempFolder();
    const dbPath = writePythonDatabase(folder, "legacy");
    const { page } = await openOverview(dbPath, folder);
    assert.equal(await cellOf(page, "__main__.add", "entries"), "1");
    assert.equal(await cellOf(page, "__main__.render", "entries"), "2");
    assert.equal(await cellOf(page, "__main__.add", "hits"), "0");
    assert.equal(await cellOf(page, "__main__.add", "time-saved"), "not recorded");
    assert.equal(await cellOf(page, "__main__.add", "tokens-saved"), "not recorded");
    assert.match(
      (await page.locator("#overview-totals").textContent()) ?? "",
      /Time saved\s*not recorded/,
    );
  });

  it("stays usable at 390 px wide", async () => {
    const folder = createTempFolder();
    const dbPath = await writeKnownCalls(folder);
    const { page } = await openOverview(dbPath, folder);
    await page.setViewportSize({ width: 390, height: 800 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    assert.equal(
      await page.locator('#function-table tr[data-function="slow"] a').isVisible(),
      true,
    );
  });
});
