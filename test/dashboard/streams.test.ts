/**
 * @module test/dashboard/streams — a stream recorded by a real Spot shows in the dashboard as its
 * joined text and its chunks, in a real headless Chromium.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { TaskPage, TaskView } from "../../src/dashboard/api-types.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { Spot, STREAM_CONTENT_TYPE } from "../../src/index.js";
import { requireProgram } from "../system-programs.js";
import { launchChromium } from "./browser.js";
import { assertPageBuilt, createTempFolder, startQuietDashboard } from "./fixtures.js";

describe("dashboard: stored streams", { skip: requireProgram("chromium") }, () => {
  let folder: string;
  let dashboard: RunningDashboard;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  before(async () => {
    assertPageBuilt();
    folder = createTempFolder();
    const spot = new Spot("streams", { workspace: folder, db: path.join(folder, "streams.db") });
    const chat = spot.mark(async function* chat(prompt: string) {
      for (const content of ["Once ", "upon ", "a time", ` (${prompt})`]) {
        yield { choices: [{ delta: { content } }] };
      }
    });
    for await (const _ of chat("story")) {
      // Read to the end: the recording is stored when the stream completes.
    }
    await spot.shutdown();
    dashboard = await startQuietDashboard(path.join(folder, "streams.db"));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  async function readKey(): Promise<string> {
    const response = await fetch(`${dashboard.url}api/tasks?func=chat`);
    const key = ((await response.json()) as TaskPage).rows[0]?.cacheKey;
    assert.ok(key, "no entry of chat");
    return key;
  }

  it("serves a stored stream with its joined text", async () => {
    const response = await fetch(`${dashboard.url}api/tasks/${await readKey()}`);
    const view = (await response.json()) as TaskView;
    assert.equal(view.record.contentType, STREAM_CONTENT_TYPE);
    assert.equal(view.text, "Once upon a time (story)");
  });

  it("shows the joined text and the chunks of a stored stream", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${dashboard.url}#func=chat&key=${await readKey()}`);
    await page.waitForSelector(".detail-pane .value .stream");
    const shown = (await page.textContent(".detail-pane .value .stream")) ?? "";
    assert.match(shown, /Stream of 4 chunks/);
    assert.match(shown, /Once upon a time \(story\)/);
    assert.match(shown, /delta/);
    await page.close();
  });
});
