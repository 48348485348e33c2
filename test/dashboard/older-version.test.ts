/** @module test/dashboard/older-version — the detail view tells entries stored under an older version. */

import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import type { TaskView } from "../../src/dashboard/api-types.js";
import { Spot } from "../../src/index.js";
import { createTempFolder, startQuietDashboard } from "./fixtures.js";

describe("dashboard detail of an entry", () => {
  it("shows the redacted arguments and marks an entry stored under an older version", async () => {
    const workspace = createTempFolder();
    const first = new Spot("app", { workspace });
    const v1 = first.mark(async (prompt: string, apiKey: string) => prompt.length + apiKey.length, {
      name: "ask",
      version: "v1",
    });
    await v1("hello", "sk-live-0123456789abcdefghij");
    const oldKey = v1.key("hello", "sk-live-0123456789abcdefghij");
    await first.shutdown();
    const second = new Spot("app", { workspace });
    const v2 = second.mark(
      async (prompt: string, apiKey: string) => prompt.length * apiKey.length,
      {
        name: "ask",
        version: "v2",
      },
    );
    await v2("hello", "sk-live-0123456789abcdefghij");
    const newKey = v2.key("hello", "sk-live-0123456789abcdefghij");
    await second.shutdown();

    const dashboard = await startQuietDashboard(path.join(workspace, "app.db"));
    try {
      const read = async (key: string) =>
        (await (await fetch(`${dashboard.url}api/tasks/${key}`)).json()) as TaskView;
      const old = await read(oldKey);
      assert.equal(old.newerVersion, "v2");
      assert.equal(old.inputPreview, 'prompt="hello", apiKey="[redacted]"');
      const current = await read(newKey);
      assert.equal(current.newerVersion, undefined);
    } finally {
      await dashboard.close();
    }
  });
});
