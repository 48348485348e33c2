/**
 * @module test/dashboard/layout — the page measured in a real headless Chromium: nothing cut or
 * scrolled sideways on a laptop with an entry open or on a phone, images shown at a size one can
 * see, and the table's columns, filters and bulk action labelled for what they do.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { encodePng } from "../../examples/multimodal.js";
import type { TaskPage } from "../../src/dashboard/api-types.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { ContentType, Spot } from "../../src/index.js";
import { requireProgram } from "../system-programs.js";
import { launchChromium } from "./browser.js";
import {
  assertPageBuilt,
  createSampleDatabase,
  createTempFolder,
  startQuietDashboard,
} from "./fixtures.js";

const LAPTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
/** A photo-sized image: wider than any detail pane, so it must be scaled down. */
const LARGE_IMAGE = { width: 1600, height: 900 };

describe("dashboard layout in Chromium", { skip: requireProgram("chromium") }, () => {
  let folder: string;
  let dashboard: RunningDashboard;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let rows: number;

  before(async () => {
    assertPageBuilt();
    folder = createTempFolder();
    const sample = await createSampleDatabase(folder);
    const spot = new Spot("samples", { workspace: folder });
    const takePhoto = spot.mark(
      async function takePhoto() {
        const pixels = new Uint8Array(LARGE_IMAGE.width * LARGE_IMAGE.height * 4).fill(200);
        return encodePng(LARGE_IMAGE.width, LARGE_IMAGE.height, pixels);
      },
      { contentType: ContentType.PNG, saveBlob: true },
    );
    await takePhoto();
    await spot.shutdown();
    rows = sample.rows + 1;
    dashboard = await startQuietDashboard(sample.dbPath);
    browser = await launchChromium(LAPTOP);
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  async function findKey(func: string): Promise<string> {
    const response = await fetch(`${dashboard.url}api/tasks?func=${encodeURIComponent(func)}`);
    const key = ((await response.json()) as TaskPage).rows[0]?.cacheKey;
    assert.ok(key, `no entry of ${func}`);
    return key;
  }

  /** A fresh tab of `viewport` showing the table, with `func`'s newest entry open when given. */
  async function openPage(viewport: typeof LAPTOP, func?: string, hash = ""): Promise<Page> {
    const page = await browser.context.newPage();
    await page.setViewportSize(viewport);
    const key = func === undefined ? undefined : await findKey(func);
    await page.goto(`${dashboard.url}#${key === undefined ? hash : `key=${key}`}`);
    await page.waitForSelector("tr[data-key]");
    await page.waitForFunction(() =>
      document.getElementById("totals")?.textContent?.includes("entries"),
    );
    if (key !== undefined) await page.waitForSelector(".detail-pane .value > *");
    return page;
  }

  /** How far the page scrolls sideways beyond the window (0 when it does not). */
  async function measurePageOverflow(page: Page): Promise<number> {
    return await page.evaluate(
      () => (document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY) - innerWidth,
    );
  }

  /** The cells of the columns headed `labels` that are cut, hidden or outside the table's box. */
  async function findCutCells(page: Page, labels: string[]): Promise<string[]> {
    return await page.evaluate((wanted) => {
      const container = document.querySelector(".table-scroll");
      const table = document.querySelector("table.tasks");
      if (container === null || table === null) return ["no table"];
      const box = container.getBoundingClientRect();
      const headers = [...table.querySelectorAll("thead th")];
      const problems: string[] = [];
      if (container.scrollWidth > container.clientWidth)
        problems.push(
          `table scrolls sideways by ${container.scrollWidth - container.clientWidth}px`,
        );
      for (const label of wanted) {
        const index = headers.findIndex((header) =>
          (header.textContent ?? "").trim().toLowerCase().startsWith(label.toLowerCase()),
        );
        if (index < 0) {
          problems.push(`no ${label} column`);
          continue;
        }
        const cells = [
          headers[index] as HTMLElement,
          ...[...table.querySelectorAll<HTMLTableRowElement>("tbody tr[data-key]")].map(
            (row) => row.cells[index] as HTMLElement,
          ),
        ];
        for (const cell of cells) {
          const rect = cell.getBoundingClientRect();
          const text = (cell.textContent ?? "").trim();
          if (rect.width === 0) problems.push(`${label} "${text}" is hidden`);
          else if (rect.left < box.left - 0.5 || rect.right > box.right + 0.5)
            problems.push(
              `${label} "${text}" reaches outside the table (${rect.right} > ${box.right})`,
            );
          else if (cell.scrollWidth > cell.clientWidth)
            problems.push(`${label} "${text}" is cut (${cell.scrollWidth} > ${cell.clientWidth})`);
        }
      }
      return problems;
    }, labels);
  }

  it("at 1440×900 with an entry open, nothing scrolls sideways and every column shown is whole, Size and Expires included", async () => {
    const page = await openPage(LAPTOP, "storeBytes");
    assert.equal(await measurePageOverflow(page), 0);
    assert.deepEqual(
      await findCutCells(page, [
        "Updated",
        "Function",
        "Version",
        "Content type",
        "Size",
        "Expires",
      ]),
      [],
    );
    await page.close();
  });

  it("at 1440×900 the hex dump in the open entry shows its ASCII column whole", async () => {
    const page = await openPage(LAPTOP, "storeBytes");
    const hex = await page.$eval(".value-hex", (element) => {
      const firstLine = (element.textContent ?? "").split("\n")[0] ?? "";
      return { scroll: element.scrollWidth, client: element.clientWidth, firstLine };
    });
    assert.match(hex.firstLine, /\|beautyspot raw b\|$/);
    assert.ok(hex.scroll <= hex.client, `hex dump cut: ${hex.scroll} > ${hex.client}`);
    await page.close();
  });

  it("on a 390×844 phone the page never scrolls sideways, with and without an entry open", async () => {
    const page = await openPage(PHONE);
    assert.equal(await measurePageOverflow(page), 0);
    await page.close();
    for (const func of ["storeBytes", "generateThumbnail", "tabulateCosts", "storeJson"]) {
      const withEntry = await openPage(PHONE, func);
      assert.equal(await measurePageOverflow(withEntry), 0, `${func} open`);
      await withEntry.close();
    }
  });

  it("on a phone, tapping a row far down the table brings its entry into view", async () => {
    const page = await openPage(PHONE);
    const lastRow = page.locator("tr[data-key]").last();
    await lastRow.scrollIntoViewIfNeeded();
    const func = (await lastRow.locator("td[data-column='function']").textContent()) ?? "";
    await lastRow.click();
    await page.waitForSelector(".detail-pane .value > *");
    const top = await page.$eval(".detail-pane h2", (heading) => ({
      text: heading.textContent,
      y: heading.getBoundingClientRect().top,
    }));
    assert.equal(top.text, func);
    assert.ok(top.y >= 0 && top.y < PHONE.height / 2, `the entry's heading is at ${top.y} px`);
    await page.close();
  });

  /** The image's natural and shown width, and the width of the pane's content box. */
  async function measureImage(
    page: Page,
  ): Promise<{ natural: number; shown: number; pane: number }> {
    await page.waitForFunction(() => {
      const image = document.querySelector<HTMLImageElement>(".value-image");
      return image?.complete === true && image.naturalWidth > 0;
    });
    return await page.evaluate(() => {
      const image = document.querySelector<HTMLImageElement>(".value-image");
      const value = document.querySelector<HTMLElement>(".detail-pane .value");
      if (image === null || value === null) throw new Error("no image");
      return {
        natural: image.naturalWidth,
        shown: image.getBoundingClientRect().width,
        pane: value.clientWidth,
      };
    });
  }

  it("shows a 96 px image scaled up to a size one can see, pixels kept sharp", async () => {
    const page = await openPage(LAPTOP, "generateThumbnail");
    const { natural, shown, pane } = await measureImage(page);
    assert.equal(natural, 96);
    assert.ok(shown >= 320, `a 96 px image shown ${shown} px wide`);
    assert.ok(shown <= pane + 0.5, `image ${shown} px wider than the pane's ${pane} px`);
    assert.equal(
      await page.$eval(".value-image", (image) => getComputedStyle(image).imageRendering),
      "pixelated",
    );
    await page.close();
  });

  it("shows a large image scaled down to the pane, at its own proportions", async () => {
    for (const viewport of [LAPTOP, PHONE]) {
      const page = await openPage(viewport, "takePhoto");
      const { natural, shown, pane } = await measureImage(page);
      assert.equal(natural, LARGE_IMAGE.width);
      assert.ok(shown <= pane + 0.5, `image ${shown} px wider than the pane's ${pane} px`);
      assert.ok(shown >= pane * 0.9, `image ${shown} px in a ${pane} px pane`);
      const box = await page.locator(".value-image").boundingBox();
      assert.ok(box !== null);
      assert.ok(Math.abs(box.width / box.height - LARGE_IMAGE.width / LARGE_IMAGE.height) < 0.02);
      assert.equal(
        await page.$eval(".value-image", (image) => getComputedStyle(image).imageRendering),
        "auto",
      );
      await page.close();
    }
  });

  it("has a Version column showing each entry's version", async () => {
    const page = await openPage(LAPTOP, undefined, "func=generateThumbnail");
    const headers = (await page.locator("thead th").allTextContents()).map((text) => text.trim());
    const index = headers.findIndex((header) => header.startsWith("Version"));
    assert.ok(index >= 0, `headers: ${headers.join(", ")}`);
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 2);
    const versions = await page
      .locator(`tr[data-key] td:nth-child(${index + 1})`)
      .allTextContents();
    assert.deepEqual(versions, ["v1", "v1"]);
    await page.close();
  });

  it("labels the result-type filter by where the value is stored", async () => {
    const page = await openPage(LAPTOP);
    const options = await page.locator('select[name="resultType"] option').allTextContents();
    assert.deepEqual(options, [
      "Stored: anywhere",
      "Stored: inline (in the database)",
      "Stored: blob (a file)",
    ]);
    assert.equal(
      await page.getAttribute('select[name="resultType"]', "aria-label"),
      "Where the value is stored",
    );
    await page.close();
  });

  it("keeps bulk delete out of the filters, saying how many entries it deletes", async () => {
    const page = await openPage(LAPTOP);
    assert.equal(await page.locator(".filters #delete-shown").count(), 0);
    assert.equal(await page.locator(".table-actions #delete-shown").count(), 1);
    await page.waitForFunction(
      (expected) =>
        document.getElementById("delete-shown")?.textContent === `Delete all ${expected} entries…`,
      rows,
    );
    await page.selectOption('select[name="contentType"]', "image/png");
    await page.waitForFunction(
      () =>
        document.getElementById("delete-shown")?.textContent ===
        "Delete the 3 entries matching the filter…",
    );
    await page.fill('input[name="search"]', await findKey("takePhoto"));
    await page.waitForFunction(
      () =>
        document.getElementById("delete-shown")?.textContent ===
        "Delete the 1 entry matching the filter…",
    );
    await page.close();
  });
});
