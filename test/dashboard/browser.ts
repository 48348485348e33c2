/** @module test/dashboard/browser — the system's Chromium driven by playwright-core, one profile per launch. */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { programPath } from "../system-programs.js";

/** A headless Chromium with a fresh profile; `close` also removes the profile. */
export async function launchChromium(viewport = { width: 1400, height: 860 }): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  // The system's package (README, "System programs"); the Playwright download is never used.
  const executablePath = programPath("chromium");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "bs-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
