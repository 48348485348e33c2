/**
 * @module scripts/screenshots — regenerates the dashboard pictures in docs/images/: the table and
 * one detail view per kind of value, from a sample database in a temp folder.
 * Run after `npm run build`: `node --import tsx scripts/screenshots.ts`.
 */

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TaskPage } from "../src/dashboard/api-types.js";
import { launchChromium } from "../test/dashboard/browser.js";
import {
  assertPageBuilt,
  createSampleDatabase,
  createTempFolder,
  startQuietDashboard,
} from "../test/dashboard/fixtures.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const output = path.join(root, "docs/images");

/** Picture name → function whose newest entry it shows, and what must be ready first. */
const DETAILS: [name: string, func: string, ready: string][] = [
  ["image", "generateThumbnail", ".value-image"],
  ["audio", "synthesizeSpeech", "audio"],
  ["video", "store_mp4", "video"],
  ["markdown", "writeNote", ".value-markdown"],
  ["mermaid", "planPipeline", '.value-diagram[data-state="rendered"] svg'],
  ["graphviz", "drawDependencies", '.value-diagram[data-state="rendered"] svg'],
  ["html", "renderCard", "iframe.value-html"],
  ["csv", "tabulateCosts", "table.value-csv"],
  ["json", "storeJson", ".value-tree"],
  ["hex", "storeBytes", ".value-hex"],
  ["rescued", "embed", ".notice-rescued"],
];

assertPageBuilt();
fs.mkdirSync(output, { recursive: true });
const folder = createTempFolder();
const { dbPath } = await createSampleDatabase(folder);
const dashboard = await startQuietDashboard(dbPath);
const browser = await launchChromium({ width: 1360, height: 760 });
try {
  const page = await browser.context.newPage();
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(dashboard.url);
  await page.waitForSelector("tr[data-key]");
  await page.waitForFunction(() =>
    document.getElementById("totals")?.textContent?.includes("entries"),
  );
  await page.screenshot({ path: path.join(output, "dashboard-table.png") });
  for (const [name, func, ready] of DETAILS) {
    const response = await fetch(`${dashboard.url}api/tasks?func=${encodeURIComponent(func)}`);
    const key = ((await response.json()) as TaskPage).rows[0]?.cacheKey;
    await page.goto(`${dashboard.url}#func=${encodeURIComponent(func)}&key=${key}`);
    await page.reload();
    await page.waitForSelector(ready, { timeout: 20_000 });
    await page.waitForTimeout(300); // media players and frames finish painting
    await page
      .locator(".detail-pane")
      .screenshot({ path: path.join(output, `dashboard-${name}.png`) });
  }
  console.log(`screenshots written to ${path.relative(root, output)}`);
} finally {
  await browser.close();
  await dashboard.close();
  fs.rmSync(folder, { recursive: true, force: true });
}
