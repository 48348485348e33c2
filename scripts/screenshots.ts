/**
 * @module scripts/screenshots — regenerates the dashboard pictures in docs/images/ from what
 * `npm run demo` stores: the demo runs in a temp folder, the built dashboard serves its database,
 * and Chromium takes the table and one detail view per kind of value. The few kinds the demo does
 * not produce (a video, bare bytes, rescued raw data) are added to that database afterwards. The
 * notebook views (inputs, comparisons, a retry in a dashboard the program serves) come from the
 * demo's entries too.
 * Run: `npm run screenshots` (builds first).
 */

import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import type { TaskPage } from "../src/dashboard/api-types.js";
import { ContentType, Spot } from "../src/index.js";
import { launchChromium } from "../test/dashboard/browser.js";
import {
  assertPageBuilt,
  createTempFolder,
  readMediaFixture,
  startQuietDashboard,
} from "../test/dashboard/fixtures.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const output = path.join(root, "docs/images");
/** A laptop screen: the size the layout is checked at (test/dashboard/layout.test.ts). */
const VIEWPORT = { width: 1440, height: 900 };

/** Picture name → function whose newest entry it shows, and what must be ready first. */
type Detail = [name: string, func: string, ready: string];

/** Kinds of value the demo stores. */
const DEMO_DETAILS: Detail[] = [
  ["image", "generateThumbnail", ".value-image.pixel-art"],
  ["audio", "synthesizeSpeech", "audio"],
  ["markdown", "writeNote", ".value-markdown"],
  ["mermaid", "planPipeline", '.value-diagram[data-state="rendered"] svg'],
  ["graphviz", "drawDependencies", '.value-diagram[data-state="rendered"] svg'],
  ["html", "renderCard", "iframe.value-html"],
  ["csv", "tabulateCosts", "table.value-csv"],
  ["json", "scrape", ".value-tree"],
];

/** Kinds the demo has no call for, written by `addExtraEntries`. */
const EXTRA_DETAILS: Detail[] = [
  ["video", "recordClip", "video"],
  ["hex", "fetchRobotsTxt", ".value-hex"],
  ["rescued", "embed", ".notice-rescued"],
];

/** Stored with a registered class; the dashboard, which lacks the class, rescues its raw data. */
class Embedding {
  constructor(
    readonly model: string,
    readonly vector: number[],
  ) {}
}

/** Writes a video, a byte value and a value of a registered class into the demo's database. */
async function addExtraEntries(workspace: string): Promise<void> {
  const spot = new Spot("demo", { workspace });
  const recordClip = spot.mark(
    async function recordClip(_scene: string) {
      return readMediaFixture("clip.mp4");
    },
    { contentType: ContentType.VIDEO_MP4, saveBlob: true },
  );
  await recordClip("opening");
  const fetchRobotsTxt = spot.mark(async function fetchRobotsTxt(_site: string) {
    return Buffer.from("User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n", "utf8");
  });
  await fetchRobotsTxt("https://example.com");
  spot.register(Embedding, {
    code: 21,
    encode: (embedding) => ({ model: embedding.model, vector: embedding.vector }),
    decode: (data) => new Embedding((data as Embedding).model, (data as Embedding).vector),
  });
  const embed = spot.mark(async function embed(text: string) {
    return new Embedding("fake-embedder", [text.length / 10, 0.25, -1, 0.5]);
  });
  await embed("a rose at dawn");
  await spot.shutdown();
}

/** Opens `func`'s newest entry and waits until `ready` shows. */
async function openEntry(page: Page, url: string, func: string, ready: string): Promise<void> {
  const response = await fetch(`${url}api/tasks?func=${encodeURIComponent(func)}`);
  const key = ((await response.json()) as TaskPage).rows[0]?.cacheKey;
  if (key === undefined) throw new Error(`The demo's database has no entry of ${func}.`);
  await page.goto(`${url}#key=${key}`);
  await page.reload();
  await page.waitForSelector(ready, { timeout: 20_000 });
  await page.waitForFunction(() =>
    document.getElementById("totals")?.textContent?.includes("entries"),
  );
  // Players show their controls once the metadata is in, a video its picture once a frame is.
  await page.waitForFunction(() =>
    [
      ...document.querySelectorAll<HTMLMediaElement>(".detail-pane audio, .detail-pane video"),
    ].every((media) => media.readyState >= (media instanceof HTMLVideoElement ? 2 : 1)),
  );
  await page.waitForTimeout(300); // media players and frames finish painting
}

async function shootDetails(page: Page, url: string, details: Detail[]): Promise<void> {
  for (const [name, func, ready] of details) {
    await openEntry(page, url, func, ready);
    await page
      .locator(".detail-pane")
      .screenshot({ path: path.join(output, `dashboard-${name}.png`) });
  }
}

/** The keys of `func`'s newest entries, newest first. */
async function findKeys(url: string, func: string, count: number): Promise<string[]> {
  const response = await fetch(`${url}api/tasks?func=${encodeURIComponent(func)}&limit=${count}`);
  const keys = ((await response.json()) as TaskPage).rows.map((row) => row.cacheKey);
  if (keys.length < count)
    throw new Error(`The demo's database has fewer than ${count} ${func} entries.`);
  return keys;
}

/** Opens `hash` on a fresh load and waits for the compared values to show. */
async function openComparison(page: Page, url: string, keys: string[]): Promise<void> {
  await page.goto(`${url}#compare=${keys.join(",")}`);
  await page.reload();
  await page.waitForFunction(
    (count) => document.querySelectorAll("#compare .compare-column .value > *").length === count,
    keys.length,
  );
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLImageElement>("#compare img")].every(
      (image) => image.complete,
    ),
  );
  await page.waitForTimeout(200);
}

/**
 * The notebook views: the Inputs column, comparisons of text and images (light, dark, phone),
 * and a retry in the dashboard served by a program (`spot.serveDashboard`).
 */
async function shootNotebookViews(page: Page, url: string, workspace: string): Promise<void> {
  await page.goto(`${url}#func=scrape`);
  await page.reload();
  await page.waitForSelector("tr[data-key]");
  await page.waitForFunction(() =>
    document.getElementById("totals")?.textContent?.includes("entries"),
  );
  await page.screenshot({ path: path.join(output, "dashboard-inputs.png") });
  const [scrapeKey] = await findKeys(url, "scrape", 1);
  await page.goto(`${url}#func=scrape&key=${scrapeKey}`);
  await page.reload();
  await page.waitForSelector(".detail-pane [data-related='loaded']");
  await page
    .locator(".detail-pane")
    .screenshot({ path: path.join(output, "dashboard-arguments.png") });
  const summaries = await findKeys(url, "summarize", 2);
  await openComparison(page, url, summaries);
  await page.locator("#compare").screenshot({ path: path.join(output, "dashboard-compare.png") });
  await openComparison(page, url, await findKeys(url, "generateThumbnail", 2));
  await page
    .locator("#compare")
    .screenshot({ path: path.join(output, "dashboard-compare-images.png") });
  await page.emulateMedia({ colorScheme: "dark" });
  await openComparison(page, url, summaries);
  await page
    .locator("#compare")
    .screenshot({ path: path.join(output, "dashboard-compare-dark.png") });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 390, height: 844 });
  await openComparison(page, url, summaries);
  await page.screenshot({ path: path.join(output, "dashboard-phone.png"), fullPage: false });
  await page.setViewportSize(VIEWPORT);

  // Retry lives in the program: this one marks the demo's summarize (same identity and version)
  // and serves the dashboard itself.
  const spot = new Spot("demo", { workspace });
  spot.mark(
    async function summarize(text: string, options: { style: "short" | "bullet" }) {
      const words = text.split(/\s+/).length;
      return options.style === "bullet"
        ? `- ${words} words`
        : `A ${words}-word text, summarized again. It begins: "${text.split(".")[0]}."`;
    },
    { version: "v1", contentType: ContentType.MARKDOWN },
  );
  const served = await spot.serveDashboard({ port: 0, log: () => {} });
  try {
    const [summaryKey] = await findKeys(served.url, "summarize", 1);
    await page.goto(`${served.url}#key=${summaryKey}`);
    await page.reload();
    await page.click(".detail-pane [data-action='retry-entry']:not([disabled])");
    await page.waitForFunction(
      () => document.querySelectorAll("#compare .compare-column .value > *").length === 2,
    );
    await page.waitForTimeout(200);
    await page.locator("#compare").screenshot({ path: path.join(output, "dashboard-retry.png") });
    await page.click("#compare [data-action='discard-old']");
  } finally {
    await served.close();
    await spot.shutdown();
  }
}

/** What the cache saved, per function and in total (`#view=functions`). */
async function shootFunctionOverview(page: Page, url: string): Promise<void> {
  await page.setViewportSize(VIEWPORT);
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(`${url}#view=functions`);
  await page.waitForSelector("#function-table tbody tr");
  await page.screenshot({ path: path.join(output, "dashboard-functions.png") });
}

assertPageBuilt();
fs.mkdirSync(output, { recursive: true });
const folder = createTempFolder();
try {
  // Twice, as a user would: the second run is served from the cache, so the function overview
  // has hits and time saved to show.
  for (let run = 0; run < 2; run++) {
    await promisify(execFile)(
      process.execPath,
      // tsx by its resolved address: the temp folder, where the demo runs, has no node_modules.
      ["--import", import.meta.resolve("tsx"), path.join(root, "examples/demo.ts")],
      { cwd: folder },
    );
  }
  const workspace = path.join(folder, ".beautyspot");
  const dashboard = await startQuietDashboard(path.join(workspace, "demo.db"));
  const browser = await launchChromium(VIEWPORT);
  try {
    const page = await browser.context.newPage();
    await page.emulateMedia({ colorScheme: "light" });
    // The table as the demo leaves it, with its image open beside it.
    await openEntry(page, dashboard.url, "generateThumbnail", ".value-image.pixel-art");
    await page.screenshot({ path: path.join(output, "dashboard-table.png") });
    await shootDetails(page, dashboard.url, DEMO_DETAILS);
    await shootNotebookViews(page, dashboard.url, workspace);
    await shootFunctionOverview(page, dashboard.url);
    await addExtraEntries(workspace);
    await shootDetails(page, dashboard.url, EXTRA_DETAILS);
  } finally {
    await browser.close();
    await dashboard.close();
  }
  console.log(`screenshots written to ${path.relative(root, output)}`);
} finally {
  fs.rmSync(folder, { recursive: true, force: true });
}
