/** @module test/cli/ui — `beautyspot ui` refuses what every other command refuses, before it serves. */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { ContentType, Spot } from "../../src/index.js";
import { writeSampleCache } from "./fixtures.js";
import { makeTempDir, runCli, startCli } from "./run-cli.js";

describe("beautyspot ui on a file that is not a beautyspot database", () => {
  it("refuses a zero-byte .db file without writing a tasks table into it (exit 1)", () => {
    const cwd = makeTempDir();
    const file = path.join(cwd, "empty.db");
    fs.writeFileSync(file, "");
    const result = runCli(["ui", "empty.db", "--port", "0"], cwd);
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /empty\.db is not a beautyspot database: it has no `tasks` table/);
    assert.equal(fs.statSync(file).size, 0);
    // Every other command still gives the same answer: nothing was written.
    assert.match(
      runCli(["stats", "empty.db"], cwd).stderr,
      /empty\.db is not a beautyspot database: it has no `tasks` table/,
    );
  });

  it("refuses an empty SQLite database without creating tables in it (exit 1)", () => {
    const cwd = makeTempDir();
    const file = path.join(cwd, "blank.db");
    const blank = new Database(file);
    blank.pragma("user_version = 0");
    blank.exec("VACUUM");
    blank.close();
    const result = runCli(["ui", "blank.db", "--port", "0"], cwd);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /blank\.db is not a beautyspot database/);
    const reopened = new Database(file, { readonly: true });
    const tables = reopened.prepare("SELECT name FROM sqlite_master").pluck().all();
    reopened.close();
    assert.deepEqual(tables, []);
  });
});

describe("beautyspot ui on a network address", () => {
  it("says that other machines can read and that deletions need --allow-remote-delete", async () => {
    const cwd = makeTempDir();
    await writeSampleCache(path.join(cwd, ".beautyspot"));
    const db = path.join(".beautyspot", "my_app.db");
    for (const [flags, expected] of [
      [[], /deletions are accepted only from this machine/],
      [["--allow-remote-delete"], /read every cached value and delete entries/],
    ] as const) {
      const child = startCli(["ui", db, "--port", "0", "--host", "0.0.0.0", ...flags], cwd);
      let stdout = "";
      let both = "";
      // "Press Ctrl+C" comes once the command listens for the signal that stops it.
      const ready = new Promise<void>((resolve) => {
        const collect = (chunk: Buffer, toStdout: boolean) => {
          if (toStdout) stdout += chunk;
          both += chunk;
          if (both.includes("Ctrl+C")) resolve();
        };
        child.stdout.on("data", (chunk: Buffer) => collect(chunk, true));
        child.stderr.on("data", (chunk: Buffer) => collect(chunk, false));
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      await Promise.race([ready, exited]);
      // One request through the dashboard first, as a user would, before Ctrl+C.
      const url = /https?:\/\/\S+/.exec(stdout)?.[0];
      assert.ok(url, stdout);
      assert.equal((await fetch(url)).status, 200);
      child.kill("SIGINT");
      assert.equal(await exited, 0);
      assert.match(stdout, /Warning: the dashboard listens on 0\.0\.0\.0/);
      assert.match(stdout, expected);
    }
  });
});

describe("beautyspot ui serving a large binary value", () => {
  it("answers byte ranges from the blob file, without reading the whole value for each", async () => {
    const cwd = makeTempDir();
    const video = randomBytes(30 * 1024 * 1024);
    const spot = new Spot("media", { workspace: path.join(cwd, ".beautyspot"), saveBlob: true });
    await spot.mark(async () => video, {
      name: "recordVideo",
      contentType: ContentType.VIDEO_MP4,
    })();
    await spot.shutdown();
    const child = startCli(["ui", path.join(".beautyspot", "media.db"), "--port", "0"], cwd);
    let both = "";
    const ready = new Promise<void>((resolve) => {
      const collect = (chunk: Buffer) => {
        both += chunk;
        if (both.includes("Ctrl+C")) resolve();
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await Promise.race([ready, exited]);
      const url = /https?:\/\/\S+/.exec(both)?.[0];
      assert.ok(url, both);
      const page = (await (await fetch(`${url}api/tasks`)).json()) as {
        rows: { cacheKey: string }[];
      };
      const rawUrl = `${url}api/tasks/${page.rows[0]?.cacheKey}/raw`;
      const timeRange = async (offset: number) => {
        const started = performance.now();
        const response = await fetch(rawUrl, { headers: { Range: `bytes=${offset}-${offset}` } });
        const body = Buffer.from(await response.arrayBuffer());
        assert.equal(response.status, 206);
        assert.deepEqual(body, video.subarray(offset, offset + 1));
        return performance.now() - started;
      };
      const verifying = await timeRange(0);
      const times: number[] = [];
      for (let index = 1; index <= 9; index++) times.push(await timeRange(index * 3_000_000));
      const median = [...times].sort((a, b) => a - b)[times.length >> 1] ?? 0;
      assert.ok(
        median < verifying / 4,
        `a 1-byte range took ${median.toFixed(1)} ms (median), the first (verifying) one ${verifying.toFixed(1)} ms`,
      );
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
