/**
 * @module test/dashboard/notebook — the dashboard as an experiment notebook, in a real headless
 * Chromium: the Inputs column and its search, the arguments tree, comparing entries side by side,
 * Retry in a dashboard served inside the program, keyboard navigation, the phone layout, and
 * that a secret argument reaches neither the files nor any page.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { drawSwatch } from "../../examples/multimodal.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { ContentType, type ServedDashboard, Spot } from "../../src/index.js";
import { requireProgram } from "../system-programs.js";
import { launchChromium } from "./browser.js";
import { assertPageBuilt, createTempFolder, startQuietDashboard } from "./fixtures.js";

/** A value no page, file or answer may contain. */
const SECRET = "sk-live-NOTEBOOK-SECRET-7f3a9c";

const PHONE = { width: 390, height: 844 };

/**
 * A database of experiments: one function tried on three inputs under two prompt versions, one
 * entry written without arguments (an explicit store), two images, and a call with an API key.
 */
async function createNotebookDatabase(folder: string): Promise<string> {
  const spot = new Spot("notebook", { workspace: folder });
  for (const version of ["v1", "v2"]) {
    const summarize = spot.mark(
      async function summarize(url: string, options: { words: number }) {
        return `# Summary of ${url}\n\nPrompt ${version}.\nAbout ${options.words} words.\nThe end.`;
      },
      { version, contentType: ContentType.MARKDOWN },
    );
    for (const url of ["https://a.example/alpha", "https://b.example/beta"]) {
      await summarize(url, { words: 50 });
    }
  }
  // As an older entry (or one the Python library wrote): no stored arguments.
  const legacyImport = spot.mark(
    async function legacyImport(name: string) {
      return `imported ${name}`;
    },
    { storeArguments: false },
  );
  await legacyImport("old");
  const drawPng = spot.mark(
    async function draw(hue: number) {
      return drawSwatch(hue);
    },
    { contentType: ContentType.PNG, saveBlob: true },
  );
  await drawPng(20);
  await drawPng(200);
  await spot.flush();
  await spot.shutdown();
  return path.join(folder, "notebook.db");
}

describe("dashboard notebook in Chromium", { skip: requireProgram("chromium") }, () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let folder: string;
  let dashboard: RunningDashboard;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    assertPageBuilt();
    browser = await launchChromium();
    folder = createTempFolder();
    dashboard = await startQuietDashboard(await createNotebookDatabase(folder));
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await dashboard?.close();
    await browser?.close();
    if (folder !== undefined) fs.rmSync(folder, { recursive: true, force: true });
  });

  async function openPage(url: string, hash = "", viewport?: typeof PHONE): Promise<Page> {
    const page = await browser.context.newPage();
    if (viewport !== undefined) await page.setViewportSize(viewport);
    cleanups.push(() => page.close());
    await page.goto(`${url}${hash}`);
    await page.waitForSelector("tr[data-key]");
    return page;
  }

  const inputsShown = (page: Page) =>
    page.locator("tbody td[data-column='inputs']").allTextContents();

  it("shows each entry's inputs in the table, and 'not recorded' for an entry without them", async () => {
    const page = await openPage(dashboard.url);
    const inputs = await inputsShown(page);
    assert.ok(
      inputs.includes('url="https://a.example/alpha", options={words: 50}'),
      inputs.join(" | "),
    );
    assert.ok(inputs.includes("not recorded"), inputs.join(" | "));
  });

  it("the search box finds entries by their inputs (server-side)", async () => {
    const page = await openPage(dashboard.url);
    await page.fill('input[name="search"]', "b.example/beta");
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 2);
    const inputs = await inputsShown(page);
    assert.deepEqual(
      inputs.map((text) => text.includes("b.example/beta")),
      [true, true],
    );
    assert.match(page.url(), /search=b\.example%2Fbeta/);
    const response = await fetch(`${dashboard.url}api/tasks?search=a.example`);
    const body = (await response.json()) as { rows: { inputPreview: string | null }[] };
    assert.equal(body.rows.length, 2);
  });

  it("the detail shows the stored arguments as a tree, or says they were not recorded", async () => {
    const page = await openPage(dashboard.url);
    await page.locator("tr[data-key]", { hasText: "alpha" }).first().click();
    const tree = page.locator(".detail-pane [data-arguments='recorded']");
    await tree.waitFor();
    const text = (await tree.textContent()) ?? "";
    assert.match(text, /url/);
    assert.match(text, /https:\/\/a\.example\/alpha/);
    assert.match(text, /words/);
    await page.locator("tr[data-key]", { hasText: "not recorded" }).click();
    await page.waitForSelector(".detail-pane [data-arguments='not-recorded']");
  });

  it("compares two text entries side by side with a line diff", async () => {
    const page = await openPage(dashboard.url);
    await page.fill('input[name="search"]', "a.example/alpha");
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 2);
    await page.click("#compare-selected");
    for (const box of await page.locator("input[name='pick']").all()) await box.check();
    await page.click("#compare-selected");
    await page.waitForSelector("#compare .compare-column .value > *");
    assert.equal(await page.locator("#compare .compare-column").count(), 2);
    const removed = await page.locator("#compare .diff-removed").allTextContents();
    const added = await page.locator("#compare .diff-added").allTextContents();
    assert.equal(removed.length, 1);
    assert.equal(added.length, 1);
    assert.match(removed[0] ?? "", /Prompt v\d\./);
    assert.match(added[0] ?? "", /Prompt v\d\./);
    assert.notEqual(removed[0], added[0]);
    // Each column shows its arguments; side by side on a wide screen.
    assert.equal(await page.locator("#compare [data-arguments='recorded']").count(), 2);
    const boxes = await page
      .locator("#compare .compare-column")
      .evaluateAll((columns) => columns.map((column) => column.getBoundingClientRect().toJSON()));
    assert.equal(Math.round(boxes[0].top), Math.round(boxes[1].top));
    assert.ok(boxes[0].right <= boxes[1].left);
  });

  it("compares two images next to each other", async () => {
    const page = await openPage(dashboard.url, "#func=draw");
    await page.waitForFunction(() => document.querySelectorAll("tr[data-key]").length === 2);
    await page.click("#compare-selected");
    for (const box of await page.locator("input[name='pick']").all()) await box.check();
    await page.click("#compare-selected");
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLImageElement>("#compare img.value-image")].filter(
          (image) => image.complete && image.naturalWidth > 0,
        ).length === 2,
    );
    const images = await page
      .locator("#compare img.value-image")
      .evaluateAll((found) => found.map((image) => image.getBoundingClientRect().toJSON()));
    assert.ok(images[0].right <= images[1].left, "the images sit next to each other");
    // Media are compared as pictures, not as text.
    assert.equal(await page.locator("#compare .diff-view").count(), 0);
  });

  it("offers one click to the other versions of a call and to the same version's other arguments", async () => {
    const page = await openPage(dashboard.url, "#func=summarize");
    await page.locator("tr[data-key]", { hasText: "alpha" }).first().click();
    await page.waitForSelector(".detail-pane [data-related='loaded']");
    const versions = page.locator("[data-related-kind='versions'] .related-list li");
    const others = page.locator("[data-related-kind='arguments'] .related-list li");
    assert.equal(await versions.count(), 1);
    assert.match((await versions.textContent()) ?? "", /^v1 ·/);
    assert.equal(await others.count(), 1);
    assert.match((await others.textContent()) ?? "", /b\.example\/beta/);
    await page.click("[data-related-kind='versions'] [data-action='compare-one']");
    await page.waitForSelector("#compare .compare-column .value > *");
    assert.equal(await page.locator("#compare .compare-column").count(), 2);
  });

  it("beautyspot ui keeps Delete and says that Retry needs the in-program dashboard", async () => {
    const page = await openPage(dashboard.url);
    await page.locator("tr[data-key]").first().click();
    const retry = page.locator(".detail-pane [data-action='retry-entry']");
    await retry.waitFor();
    assert.equal(await retry.isDisabled(), true);
    assert.match((await retry.getAttribute("title")) ?? "", /in-program dashboard/);
    assert.match(
      (await page.textContent(".detail-pane [data-retry='unavailable']")) ?? "",
      /spot\.serveDashboard/,
    );
    assert.equal(await page.locator(".detail-pane [data-action='delete-entry']").isEnabled(), true);
    const refused = await fetch(
      `${dashboard.url}api/tasks/${await firstKey(dashboard.url)}/retry`,
      { method: "POST", headers: { "X-Beautyspot-Token": dashboard.token ?? "" } },
    );
    assert.equal(refused.status, 409);
  });

  it("the keyboard moves through the table and the detail, opens with Enter, deletes with Delete after confirmation", async () => {
    const keyboardFolder = createTempFolder();
    const own = await startQuietDashboard(await createNotebookDatabase(keyboardFolder));
    cleanups.push(async () => {
      await own.close();
      fs.rmSync(keyboardFolder, { recursive: true, force: true });
    });
    const page = await openPage(own.url);
    const keys = await page
      .locator("tr[data-key]")
      .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.key ?? ""));
    await page.locator("tr[data-key]").first().focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (key) => document.querySelector("tr.selected")?.getAttribute("data-key") === key,
      keys[0],
    );
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(
      (key) => document.querySelector("tr.selected")?.getAttribute("data-key") === key,
      keys[1],
    );
    assert.equal(
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.key),
      keys[1],
    );
    await page.waitForSelector(".detail-pane .value > *");
    await page.keyboard.press("ArrowUp");
    await page.waitForFunction(
      (key) => document.querySelector("tr.selected")?.getAttribute("data-key") === key,
      keys[0],
    );
    // Delete asks first; Escape (Cancel) keeps the entry.
    await page.keyboard.press("Delete");
    await page.waitForSelector("dialog[open]");
    await page.keyboard.press("Escape");
    await page.waitForSelector("dialog[open]", { state: "detached" });
    assert.equal(await page.locator(`tr[data-key="${keys[0]}"]`).count(), 1);
    await page.locator(`tr[data-key="${keys[0]}"]`).focus();
    await page.keyboard.press("Delete");
    await page.waitForSelector("dialog[open]");
    await page.click("dialog[open] button[value='confirm']");
    await page.waitForFunction(
      (key) => document.querySelector(`tr[data-key="${key}"]`) === null,
      keys[0],
    );
    const gone = await fetch(`${own.url}api/tasks/${keys[0]}`);
    assert.equal(gone.status, 404);
    // Escape closes the detail.
    await page.locator("tr[data-key]").first().focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector(".detail-pane:not([hidden])");
    await page.locator(".detail-pane h2").click();
    await page.keyboard.press("Escape");
    await page.waitForSelector(".detail-pane", { state: "hidden" });
  });

  it("at 390 px wide the table, the detail and the comparison never scroll the page sideways", async () => {
    const page = await openPage(dashboard.url, "#func=summarize", PHONE);
    const overflow = () =>
      page.evaluate(
        () => (document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY) - innerWidth,
      );
    assert.equal(await overflow(), 0);
    await page.locator("tr[data-key]").first().click();
    await page.waitForSelector(".detail-pane [data-related='loaded']");
    assert.equal(await overflow(), 0);
    await page.click("#compare-selected");
    for (const box of (await page.locator("input[name='pick']").all()).slice(0, 3))
      await box.check();
    await page.click("#compare-selected");
    await page.waitForSelector("#compare .compare-column .value > *");
    assert.equal(await page.locator("#compare .compare-column").count(), 3);
    assert.equal(await overflow(), 0);
  });

  async function firstKey(url: string): Promise<string> {
    const body = (await (await fetch(`${url}api/tasks?limit=1`)).json()) as {
      rows: { cacheKey: string }[];
    };
    return body.rows[0]?.cacheKey ?? "";
  }

  describe("Retry in a dashboard served inside the program", () => {
    let retryFolder: string;
    let spot: Spot;
    let served: ServedDashboard;
    let runs: string[];
    let ask: (topic: string, options: { style: string }) => Promise<string>;

    before(async () => {
      retryFolder = createTempFolder();
      spot = new Spot("program", { workspace: retryFolder });
      runs = [];
      ask = spot.mark(
        async function ask(topic: string, options: { style: string }) {
          runs.push(topic);
          const attempt = runs.filter((done) => done === topic).length;
          return `${options.style} answer about ${topic}, attempt ${attempt}`;
        },
        { version: "v1", contentType: ContentType.TEXT },
      );
      served = await spot.serveDashboard({ port: 0, log: () => {} });
    });

    after(async () => {
      await served?.close();
      await spot?.shutdown();
      fs.rmSync(retryFolder, { recursive: true, force: true });
    });

    async function retryFromPage(topic: string): Promise<Page> {
      await ask(topic, { style: "short" });
      const key = (ask as unknown as { key(...args: unknown[]): string }).key(topic, {
        style: "short",
      });
      const page = await openPage(served.url, `#key=${key}`);
      const retry = page.locator(".detail-pane [data-action='retry-entry']");
      await retry.waitFor();
      assert.equal(await retry.isEnabled(), true);
      await retry.click();
      await page.waitForSelector("#compare [data-retry='choice']");
      await page.waitForFunction(
        () => document.querySelectorAll("#compare .compare-column .value > *").length === 2,
      );
      return page;
    }

    it("runs the function again exactly once, stores the new result and shows old and new side by side; Discard old removes the old", async () => {
      const page = await retryFromPage("tides");
      assert.deepEqual(runs, ["tides", "tides"]);
      const columns = await page.locator("#compare .compare-column").allTextContents();
      assert.match(columns[0] ?? "", /Old \(before retry\)[\s\S]*attempt 1/);
      assert.match(columns[1] ?? "", /New \(after retry\)[\s\S]*attempt 2/);
      // The program's next call gets the new result without running again.
      assert.equal(await ask("tides", { style: "short" }), "short answer about tides, attempt 2");
      assert.equal(runs.length, 2);
      const before = await spot.maintenance.listTasks({ search: "tides" });
      assert.deepEqual(before.map((record) => record.version).sort(), ["v1", "v1 (before retry)"]);
      await page.click("#compare [data-action='discard-old']");
      await page.waitForSelector("#compare", { state: "hidden" });
      const after = await spot.maintenance.listTasks({ search: "tides" });
      assert.deepEqual(
        after.map((record) => record.version),
        ["v1"],
      );
    });

    it("Keep old leaves the old result as its own entry beside the new one", async () => {
      const page = await retryFromPage("comets");
      await page.click("#compare [data-action='keep-old']");
      await page.waitForSelector("#compare [data-retry='kept']");
      const records = await spot.maintenance.listTasks({ search: "comets" });
      assert.equal(records.length, 2);
      const old = records.find((record) => record.version === "v1 (before retry)");
      assert.ok(old);
      const detail = await spot.maintenance.getTaskDetail(old.cacheKey);
      assert.equal(detail?.value, "short answer about comets, attempt 1");
      assert.equal(await ask("comets", { style: "short" }), "short answer about comets, attempt 2");
    });

    it("disables Retry with the reason where it is not possible", async () => {
      const withKey = spot.mark(async function withKey(topic: string, apiKey: string) {
        return `${topic}:${apiKey.length}`;
      });
      await withKey("moons", SECRET);
      await spot.store("notMarked", ["x"], "stored by hand");
      await spot.flush();
      const page = await openPage(served.url, "#search=moons");
      await page.locator("tr[data-key]").first().click();
      await page.waitForSelector(".detail-pane [data-retry='unavailable']");
      assert.match(
        (await page.textContent(".detail-pane [data-retry='unavailable']")) ?? "",
        /redacted \(apiKey\)/,
      );
      assert.equal(
        await page.locator(".detail-pane [data-action='retry-entry']").isDisabled(),
        true,
      );
      await page.fill('input[name="search"]', "notMarked");
      await page.waitForFunction(
        () =>
          document.querySelector("tbody td[data-column='function']")?.textContent === "notMarked",
      );
      await page.locator("tr[data-key]").first().click();
      await page.waitForFunction(() =>
        document
          .querySelector(".detail-pane [data-retry='unavailable']")
          ?.textContent?.includes("not marked in this program"),
      );
    });

    it("refuses a retry without the page's session token", async () => {
      const key = await firstKey(served.url);
      const response = await fetch(`${served.url}api/tasks/${key}/retry`, { method: "POST" });
      assert.equal(response.status, 403);
    });
  });

  it("a secret passed as apiKey appears nowhere: database files, blob files, pages and API answers", async () => {
    const secretFolder = createTempFolder();
    const spot = new Spot("secrets", { workspace: secretFolder, saveBlob: true });
    const complete = spot.mark(
      async function complete(prompt: string, settings: { apiKey: string; model: string }) {
        return `completion of ${prompt} with ${settings.model}`;
      },
      { contentType: ContentType.TEXT },
    );
    await complete("haiku", { apiKey: SECRET, model: "m1" });
    const served = await spot.serveDashboard({ port: 0, log: () => {} });
    try {
      const answers: string[] = [];
      const read = async (route: string) => {
        const response = await fetch(`${served.url}${route}`);
        answers.push(await response.text());
      };
      await read("");
      await read("api/tasks");
      await read("api/summary");
      const key = await firstKey(served.url);
      await read(`api/tasks/${key}`);
      await read(`api/tasks/${key}/related`);
      await read(`api/tasks/${key}/raw`);
      await read(`api/tasks?search=${encodeURIComponent(SECRET)}`);
      const page = await openPage(served.url, `#key=${key}`);
      await page.waitForSelector(".detail-pane [data-arguments='recorded']");
      await page.waitForSelector(".detail-pane [data-related='loaded']");
      answers.push(await page.content());
      for (const answer of answers) assert.ok(!answer.includes(SECRET), answer.slice(0, 300));
      assert.match(
        (await page.textContent(".detail-pane [data-arguments='recorded']")) ?? "",
        /\[redacted\]/,
      );
    } finally {
      await served.close();
      await spot.shutdown();
    }
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else files.push(file);
      }
    };
    walk(secretFolder);
    assert.ok(files.some((file) => file.endsWith(".db")));
    assert.ok(files.some((file) => file.endsWith(".bin")));
    for (const file of files) {
      assert.ok(!fs.readFileSync(file).includes(SECRET), `${file} holds the secret`);
    }
    fs.rmSync(secretFolder, { recursive: true, force: true });
  });
});
