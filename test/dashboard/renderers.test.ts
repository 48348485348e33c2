/**
 * @module test/dashboard/renderers — every content type rendered in a real headless Chromium by
 * the built page, served by a real dashboard on a real database; stored script never runs.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { TaskPage } from "../../src/dashboard/api-types.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { requireProgram } from "../system-programs.js";
import { launchChromium } from "./browser.js";
import {
  assertPageBuilt,
  createSampleDatabase,
  createTempFolder,
  startQuietDashboard,
} from "./fixtures.js";

describe("dashboard detail view in Chromium", { skip: requireProgram("chromium") }, () => {
  let folder: string;
  let dashboard: RunningDashboard;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  const policyViolations: string[] = [];

  before(async () => {
    assertPageBuilt();
    folder = createTempFolder();
    const { dbPath } = await createSampleDatabase(folder);
    dashboard = await startQuietDashboard(dbPath);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  /** Opens the detail view of `func`'s newest entry in a fresh tab. */
  async function openEntry(func: string): Promise<Page> {
    const response = await fetch(`${dashboard.url}api/tasks?func=${encodeURIComponent(func)}`);
    const key = ((await response.json()) as TaskPage).rows[0]?.cacheKey;
    assert.ok(key, `no entry of ${func}`);
    const page = await browser.context.newPage();
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy"))
        policyViolations.push(`${func}: ${message.text()}`);
    });
    await page.goto(`${dashboard.url}#func=${encodeURIComponent(func)}&key=${key}`);
    await page.waitForSelector(".detail-pane .value");
    return page;
  }

  async function waitForImage(page: Page): Promise<number> {
    await page.waitForFunction(() => {
      const image = document.querySelector<HTMLImageElement>(".value-image");
      return image?.complete === true && image.naturalWidth > 0;
    });
    return await page.$eval(".value-image", (image) => (image as HTMLImageElement).naturalWidth);
  }

  async function waitForDuration(page: Page, selector: string): Promise<number> {
    await page.waitForFunction((query) => {
      const media = document.querySelector<HTMLMediaElement>(query);
      return media !== null && media.readyState >= 1 && media.duration > 0;
    }, selector);
    return await page.$eval(selector, (media) => (media as HTMLMediaElement).duration);
  }

  for (const [func, width] of [
    ["generateThumbnail", 96],
    ["store_jpg", 96],
    ["store_gif", 96],
    ["store_webp", 96],
    ["hostile_svg", 80],
  ] as const) {
    it(`shows the ${func} image (naturalWidth ${width})`, async () => {
      const page = await openEntry(func);
      assert.equal(await waitForImage(page), width);
      await page.close();
    });
  }

  for (const [func, selector] of [
    ["synthesizeSpeech", "audio.value-audio"],
    ["store_mp3", "audio.value-audio"],
    ["store_ogg", "audio.value-audio"],
    ["store_mp4", "video.value-video"],
    ["store_webm", "video.value-video"],
  ] as const) {
    it(`plays ${func} in the native player: metadata loads with a duration`, async () => {
      const page = await openEntry(func);
      const duration = await waitForDuration(page, selector);
      assert.ok(duration > 0.3 && duration < 2, `duration ${duration}`);
      await page.close();
    });
  }

  it("runs no script of an SVG shown as an image", async () => {
    const page = await openEntry("hostile_svg");
    await waitForImage(page);
    assert.equal(
      await page.evaluate(() => (window as { __svgScriptRan?: boolean }).__svgScriptRan),
      undefined,
    );
    await page.close();
  });

  it("renders a Mermaid diagram as SVG with its labels", async () => {
    const page = await openEntry("planPipeline");
    await page.waitForSelector('.value-diagram[data-state="rendered"] svg', { timeout: 20_000 });
    const text = await page.textContent(".value-diagram svg");
    assert.match(text ?? "", /scrape.*summarize/s);
    await page.close();
  });

  it("shows the source and the error when a Mermaid diagram does not parse", async () => {
    const page = await openEntry("brokenDiagram");
    await page.waitForSelector('.value-diagram[data-state="failed"]', { timeout: 20_000 });
    assert.match((await page.textContent(".value-diagram")) ?? "", /could not be rendered/);
    assert.ok(await page.isVisible("details.source[open] pre"));
    assert.match((await page.textContent("details.source pre")) ?? "", /unclosed/);
    await page.close();
  });

  it("renders a Graphviz diagram as SVG through WebAssembly", async () => {
    const page = await openEntry("drawDependencies");
    await page.waitForSelector('.value-diagram[data-state="rendered"] svg', { timeout: 20_000 });
    const text = await page.textContent(".value-diagram svg");
    assert.match(text ?? "", /spot.*serializer/s);
    await page.close();
  });

  it("renders markdown while its <script> and onerror attribute do nothing", async () => {
    const page = await openEntry("hostile_markdown");
    assert.equal(await page.textContent(".value-markdown h1"), "Hostile note");
    assert.equal(await page.textContent(".value-markdown strong"), "bold");
    await page.waitForTimeout(300);
    // The rendered markdown lives in a shadow root: look inside it.
    const state = await page.evaluate(() => {
      const root = document.querySelector(".value-markdown .isolated-content")?.shadowRoot;
      return {
        script: (window as { __markdownScriptRan?: boolean }).__markdownScriptRan,
        onerror: (window as { __markdownOnerrorRan?: boolean }).__markdownOnerrorRan,
        rendered: root?.querySelector("h1")?.textContent,
        scripts: root?.querySelectorAll("script").length,
        handlers: root?.querySelectorAll("[onerror]").length,
      };
    });
    assert.deepEqual(state, {
      script: undefined,
      onerror: undefined,
      rendered: "Hostile note",
      scripts: 0,
      handlers: 0,
    });
    await page.close();
  });

  it("renders a markdown table", async () => {
    const page = await openEntry("writeNote");
    assert.equal(await page.locator(".value-markdown table tbody tr").count(), 2);
    await page.close();
  });

  it("shows HTML in a sandboxed frame whose script cannot touch the parent", async () => {
    const page = await openEntry("hostile_html");
    const frameElement = await page.waitForSelector("iframe.value-html");
    assert.equal(await frameElement.getAttribute("sandbox"), "");
    const frame = await frameElement.contentFrame();
    assert.ok(frame);
    await frame.waitForSelector("#inside");
    assert.equal(await frame.textContent("#inside"), "Inside the frame");
    await page.waitForTimeout(300);
    const touched = await page.evaluate(() => ({
      global: (window as { __frameScriptRan?: boolean }).__frameScriptRan,
      attribute: document.body.getAttribute("data-touched-by-frame"),
    }));
    assert.deepEqual(touched, { global: undefined, attribute: null });
    await page.close();
  });

  it("shows CSV as a table", async () => {
    const page = await openEntry("tabulateCosts");
    assert.deepEqual(await page.locator("table.value-csv th").allTextContents(), [
      "model",
      "calls",
      "tokens",
      "cost",
    ]);
    assert.equal(await page.locator("table.value-csv tbody tr").count(), 2);
    assert.equal(
      await page.locator("table.value-csv tbody tr").nth(1).locator("td").nth(3).textContent(),
      "0,02",
    );
    await page.close();
  });

  it("shows JSON as a collapsible tree", async () => {
    const page = await openEntry("storeJson");
    const tree = page.locator(".value .value-tree");
    assert.match((await tree.textContent()) ?? "", /choices.*score.*0\.5/s);
    const root = page.locator(".value .value-tree > details");
    assert.equal(await root.getAttribute("open"), "");
    await page.locator(".value .value-tree > details > summary").click();
    assert.equal(await root.getAttribute("open"), null);
    await page.close();
  });

  it("shows long text collapsed, then all of it on request", async () => {
    const page = await openEntry("storeText");
    assert.ok(!((await page.textContent("pre.value-text")) ?? "").includes("line 120"));
    await page.click(".text-view button");
    assert.ok(((await page.textContent("pre.value-text")) ?? "").includes("line 120"));
    await page.close();
  });

  it("shows an object without content type as a tree, Dates and undefined included", async () => {
    const page = await openEntry("storeObject");
    const text = (await page.textContent(".value .value-tree")) ?? "";
    assert.match(text, /nested/);
    assert.match(text, /Date\(2024-01-02T03:04:05\.000Z\)/);
    assert.match(text, /undefined/);
    await page.close();
  });

  it("shows bytes without content type as a hex dump with their size", async () => {
    const page = await openEntry("storeBytes");
    assert.match((await page.textContent(".value-hex")) ?? "", /62 65 61 75 74 79 73 70/);
    assert.match((await page.textContent(".hex-view .hint")) ?? "", /^24 bytes/);
    await page.close();
  });

  it("marks rescued raw data with a visible notice", async () => {
    const page = await openEntry("embed");
    assert.ok(await page.isVisible(".notice-rescued"));
    assert.match((await page.textContent(".value .value-tree")) ?? "", /fake-embedder/);
    await page.close();
  });

  it("shows metadata: key, function, input id, version, content type, size, dates", async () => {
    const page = await openEntry("generateThumbnail");
    const terms = await page.locator(".metadata dt").allTextContents();
    for (const term of [
      "Key",
      "Function",
      "Input id",
      "Version",
      "Content type",
      "Size",
      "Created / updated",
      "Expires",
    ]) {
      assert.ok(terms.includes(term), term);
    }
    assert.match((await page.textContent(".metadata")) ?? "", /v1/);
    await page.close();
  });

  it("needs no exception to the Content-Security-Policy to render benign values", () => {
    // Parsing hostile markdown for the sanitizer makes Chromium report (and block) its onerror
    // handler; every other page must render without touching the policy at all.
    assert.deepEqual(
      policyViolations.filter((violation) => !violation.startsWith("hostile_")),
      [],
    );
  });
});
