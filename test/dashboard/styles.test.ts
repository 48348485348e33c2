/**
 * @module test/dashboard/styles — stored markdown and diagrams cannot restyle the dashboard: no
 * hidden Delete button, no fake banner over the page, in a real headless Chromium.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { TaskPage } from "../../src/dashboard/api-types.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { ContentType, type ContentTypeOption, Spot } from "../../src/index.js";
import { requireProgram } from "../system-programs.js";
import { launchChromium } from "./browser.js";
import { assertPageBuilt, createTempFolder, startQuietDashboard } from "./fixtures.js";

/** Every way we know for markdown to carry CSS into the page. */
const RESTYLING_MARKDOWN = `# Restyling note

<style>button { display: none !important } body { background: rgb(255, 0, 0) !important }</style>

<link rel="stylesheet" href="data:text/css,button{display:none!important}">

<svg><style>button { visibility: hidden !important }</style></svg>

<math><mtext><table><mglyph><style>header { display: none !important }</style></mglyph></table></mtext></math>

<div id="fake-banner" style="position: fixed; inset: 0; z-index: 99999; background: rgb(0, 0, 255)">Your cache is corrupted: click here</div>

<p class="notice notice-error" id="fake-notice">Looks like the page's own error notice</p>

Plain text after the attempts.
`;

/** Mermaid's init directive can carry theme CSS; closing its scope would reach the page. */
const RESTYLING_MERMAID = `%%{init: {"themeCSS": "} button { display: none !important } body { background: rgb(255, 0, 0) !important } :host { position: fixed !important; inset: 0 !important; z-index: 99999 !important } #x {"}}%%
flowchart LR
  a[first] --> b[second]
`;

/** Computed styles of the page's own chrome, compared before and after a value is shown. */
const PROBES = ["body", "header.topbar", "#refresh", '[data-action="delete-entry"]'] as const;

async function readChrome(page: Page): Promise<Record<string, string>> {
  return await page.evaluate((selectors) => {
    const styles: Record<string, string> = {};
    for (const selector of selectors) {
      const element = document.querySelector(selector);
      if (element === null) {
        styles[selector] = "missing";
        continue;
      }
      const style = getComputedStyle(element);
      styles[selector] = [
        style.display,
        style.visibility,
        style.backgroundColor,
        style.color,
        style.position,
        style.opacity,
      ].join(" | ");
    }
    return styles;
  }, PROBES);
}

describe("stored values cannot restyle the dashboard", { skip: requireProgram("chromium") }, () => {
  let folder: string;
  let dashboard: RunningDashboard;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  before(async () => {
    assertPageBuilt();
    folder = createTempFolder();
    const spot = new Spot("styles", { workspace: folder });
    const values: [string, string, ContentTypeOption][] = [
      ["plainText", "Nothing but text.", ContentType.TEXT],
      ["restyleMarkdown", RESTYLING_MARKDOWN, ContentType.MARKDOWN],
      ["restyleMermaid", RESTYLING_MERMAID, ContentType.MERMAID],
    ];
    for (const [name, value, contentType] of values) {
      await spot.mark(async () => value, { name, contentType })();
    }
    await spot.shutdown();
    dashboard = await startQuietDashboard(path.join(folder, "styles.db"));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  async function openEntry(page: Page, func: string): Promise<void> {
    const response = await fetch(`${dashboard.url}api/tasks?func=${func}`);
    const key = ((await response.json()) as TaskPage).rows[0]?.cacheKey;
    assert.ok(key);
    await page.goto(`${dashboard.url}#key=${key}`);
    await page.waitForSelector(".detail-pane .value");
  }

  /** The page's chrome as it looks with a harmless value shown. */
  async function readBaseline(page: Page): Promise<Record<string, string>> {
    await openEntry(page, "plainText");
    return await readChrome(page);
  }

  it("keeps the Delete button visible and the page's styles unchanged under markdown", async () => {
    const page = await browser.context.newPage();
    const baseline = await readBaseline(page);
    await openEntry(page, "restyleMarkdown");
    await page.waitForSelector(".value-markdown h1");
    assert.equal(
      await page.locator(".value-markdown p", { hasText: "Plain text after" }).count(),
      1,
    );
    assert.deepEqual(await readChrome(page), baseline);
    assert.ok(await page.isVisible('[data-action="delete-entry"]'));
    // The would-be banner stays inside the markdown box, and the Delete button can be clicked.
    const banner = await page.locator("#fake-banner").boundingBox();
    const box = await page.locator(".value-markdown").boundingBox();
    assert.ok(banner !== null && box !== null);
    assert.ok(banner.y >= box.y - 1 && banner.y + banner.height <= box.y + box.height + 1);
    await page.click('[data-action="delete-entry"]', { trial: true, timeout: 2_000 });
    // The page's own classes do not apply inside a stored value.
    const notice = await page.locator("#fake-notice").evaluate((element) => {
      const style = getComputedStyle(element);
      return `${style.borderTopStyle} ${style.color}`;
    });
    const realNotice = await page.evaluate(() => {
      const probe = document.createElement("p");
      probe.className = "notice notice-error";
      document.body.append(probe);
      const style = getComputedStyle(probe);
      const described = `${style.borderTopStyle} ${style.color}`;
      probe.remove();
      return described;
    });
    assert.notEqual(notice, realNotice);
    await page.close();
  });

  it("keeps the page's styles unchanged under a Mermaid diagram with theme CSS", async () => {
    const page = await browser.context.newPage();
    const baseline = await readBaseline(page);
    await openEntry(page, "restyleMermaid");
    await page.waitForSelector('.value-diagram[data-state="rendered"] svg', { timeout: 20_000 });
    assert.deepEqual(await readChrome(page), baseline);
    assert.ok(await page.isVisible('[data-action="delete-entry"]'));
    await page.click('[data-action="delete-entry"]', { trial: true, timeout: 2_000 });
    await page.close();
  });
});
