/**
 * @module test/dashboard/attacks — hostile stored content and hostile requests: nothing runs in
 * the dashboard's origin (checked with window flags in a real Chromium), and paths that try to
 * leave the API or the page's folder are refused.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { TaskPage } from "../../src/dashboard/api-types.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { ContentType, type ContentTypeOption, Spot } from "../../src/index.js";
import { requireProgram } from "../system-programs.js";
import { launchChromium } from "./browser.js";
import { assertPageBuilt, createTempFolder, startQuietDashboard } from "./fixtures.js";

/** Each payload sets its own window flag if it ever runs. */
const PAYLOAD_FUNCTION_NAME = `<img src=x onerror="window.__nameRan=1">`;
const HOSTILE_MERMAID = `flowchart LR
  A["<img src=x onerror=window.__mermaidLabelRan=1>"] --> B["<script>window.__mermaidScriptRan=1</script>"]
  click A call window.__mermaidClickRan()
  click B href "javascript:window.__mermaidHrefRan=1"`;
const HOSTILE_GRAPHVIZ = `digraph { a [label=<<b>x</b>>, URL="javascript:window.__graphvizRan=1"]; a -> b }`;
const HOSTILE_TEXT = `</pre><script>window.__textRan=1</script><img src=x onerror="window.__textImgRan=1">`;

const FLAGS = [
  "__nameRan",
  "__mermaidLabelRan",
  "__mermaidScriptRan",
  "__mermaidClickRan",
  "__mermaidHrefRan",
  "__graphvizRan",
  "__textRan",
  "__textImgRan",
  "__jsonRan",
];

describe("dashboard under attack", { skip: requireProgram("chromium") }, () => {
  let folder: string;
  let dashboard: RunningDashboard;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  before(async () => {
    assertPageBuilt();
    folder = createTempFolder();
    const spot = new Spot("attacks", { workspace: folder, saveBlob: true });
    const store = (name: string, contentType: ContentTypeOption | undefined, value: unknown) =>
      spot.mark(async () => value, { name, ...(contentType ? { contentType } : {}) })();
    await store(PAYLOAD_FUNCTION_NAME, ContentType.TEXT, "a harmless value");
    await store("hostileMermaid", ContentType.MERMAID, HOSTILE_MERMAID);
    await store("hostileGraphviz", ContentType.GRAPHVIZ, HOSTILE_GRAPHVIZ);
    await store("hostileText", ContentType.TEXT, HOSTILE_TEXT);
    await store("hostileJson", undefined, {
      '<img src=x onerror="window.__jsonRan=1">': "<script>window.__jsonRan=1</script>",
    });
    await spot.shutdown();
    dashboard = await startQuietDashboard(path.join(folder, "attacks.db"));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  async function keyOf(func: string): Promise<string> {
    const response = await fetch(`${dashboard.url}api/tasks?func=${encodeURIComponent(func)}`);
    const key = ((await response.json()) as TaskPage).rows[0]?.cacheKey;
    assert.ok(key, `no entry of ${func}`);
    return key;
  }

  it("runs no script from function names, Mermaid, Graphviz, text or JSON values", async () => {
    const page = await browser.context.newPage();
    await page.goto(dashboard.url);
    await page.waitForSelector("table tbody tr");
    assert.ok((await page.content()).includes("onerror"), "the hostile name is shown, as text");
    for (const func of [
      PAYLOAD_FUNCTION_NAME,
      "hostileMermaid",
      "hostileGraphviz",
      "hostileText",
      "hostileJson",
    ]) {
      await page.goto(`${dashboard.url}#func=${encodeURIComponent(func)}&key=${await keyOf(func)}`);
      await page.waitForSelector(".detail-pane .value");
      // Give renderers (Mermaid, Graphviz) time to finish and any payload time to fire.
      await page.waitForTimeout(
        func.startsWith("hostileM") || func.startsWith("hostileG") ? 1500 : 300,
      );
      if (func === "hostileMermaid") {
        // Rendered (or shown as source when it does not parse): either way, click what is there.
        const node = await page.$(".detail-pane svg .node");
        await node?.click({ timeout: 1000 }).catch(() => undefined);
      }
      const ran = await page.evaluate(
        (flags) =>
          flags.filter(
            (flag) => (window as unknown as Record<string, unknown>)[flag] !== undefined,
          ),
        FLAGS,
      );
      assert.deepEqual(ran, [], `${func}: payloads ran: ${ran.join(", ")}`);
    }
    await page.close();
  });

  it("refuses keys that try to leave the API as paths", async () => {
    for (const attempt of [
      "api/tasks/..%2F..%2Fetc%2Fpasswd",
      "api/tasks/..%2F..%2Fetc%2Fpasswd/raw",
      "api/tasks/%2e%2e%5c%2e%2e%5cwindows/raw",
      "api/tasks/abc%00def/raw",
    ]) {
      const response = await fetch(`${dashboard.url}${attempt}`);
      const body = await response.text();
      assert.equal(response.status, 400, `${attempt}: ${response.status} ${body}`);
      assert.doesNotMatch(body, /root:/);
    }
  });

  it("never serves files from outside the page's folder", async () => {
    for (const attempt of [
      "../../../../etc/passwd",
      "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "..%2f..%2f..%2fetc%2fpasswd",
      "vendor/..%2f..%2f..%2f..%2fpackage.json",
    ]) {
      const response = await fetch(`${dashboard.url}${attempt}`);
      const body = await response.text();
      assert.ok(
        response.status === 400 || response.status === 404,
        `${attempt}: ${response.status}`,
      );
      assert.doesNotMatch(body, /root:|"name": "beautyspot"/);
    }
  });
});
