/**
 * @module test/dashboard/http — the dashboard server over real HTTP on a real database: security
 * (Host check, token, headers), range requests, paging, filters and deletions.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { TableSummary, TaskPage, TaskView } from "../../src/dashboard/api-types.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { startDashboard } from "../../src/dashboard/index.js";
import { ConfigurationError } from "../../src/errors.js";
import { ContentType, Spot } from "../../src/index.js";
import {
  assertPageBuilt,
  createSampleDatabase,
  createTempFolder,
  readMediaFixture,
  startQuietDashboard,
} from "./fixtures.js";

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request with full control of the headers (fetch refuses to set Host). */
function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const call = http.request(
      url,
      { method: options.method ?? "GET", headers: options.headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    call.on("error", reject);
    call.end(options.body);
  });
}

async function getJson<T>(url: string): Promise<T> {
  const response = await request(url);
  assert.equal(response.status, 200, response.body.toString());
  return JSON.parse(response.body.toString()) as T;
}

async function findKey(dashboard: RunningDashboard, func: string): Promise<string> {
  const page = await getJson<TaskPage>(
    `${dashboard.url}api/tasks?func=${encodeURIComponent(func)}`,
  );
  const key = page.rows[0]?.cacheKey;
  assert.ok(key, `no entry of ${func}`);
  return key;
}

describe("dashboard HTTP server", () => {
  let folder: string;
  let dbPath: string;
  let rows: number;
  let dashboard: RunningDashboard;

  before(async () => {
    assertPageBuilt();
    folder = createTempFolder();
    ({ dbPath, rows } = await createSampleDatabase(folder));
    dashboard = await startQuietDashboard(dbPath);
  });

  after(async () => {
    await dashboard.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it("listens on 127.0.0.1 by default and prints the URL", async () => {
    const lines: string[] = [];
    const own = await startDashboard({ dbPath, port: 0, log: (line) => lines.push(line) });
    try {
      assert.match(own.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.ok(lines.some((line) => line.includes(own.url)));
    } finally {
      await own.close();
    }
  });

  it("picks a free port when the requested one is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const takenPort = (blocker.address() as net.AddressInfo).port;
    const lines: string[] = [];
    const own = await startDashboard({ dbPath, port: takenPort, log: (line) => lines.push(line) });
    try {
      assert.notEqual(new URL(own.url).port, String(takenPort));
      assert.ok(lines.some((line) => line.includes(`Port ${takenPort} is in use`)));
      assert.equal((await request(`${own.url}api/version`)).status, 200);
    } finally {
      await own.close();
      blocker.close();
    }
  });

  it("warns when bound to an address other sites could reach", async () => {
    const lines: string[] = [];
    const own = await startDashboard({
      dbPath,
      port: 0,
      host: "0.0.0.0",
      log: (line) => lines.push(line),
    });
    try {
      assert.ok(lines.some((line) => line.startsWith("Warning:") && line.includes("0.0.0.0")));
    } finally {
      await own.close();
    }
  });

  it("refuses a missing database with a message naming the path", async () => {
    await assert.rejects(
      startDashboard({ dbPath: path.join(folder, "missing.db"), port: 0, log: () => {} }),
      (error: unknown) =>
        error instanceof ConfigurationError && error.message.includes("missing.db"),
    );
  });

  it("serves the page with the session token and a strict Content-Security-Policy", async () => {
    const response = await request(dashboard.url);
    assert.equal(response.status, 200);
    const html = response.body.toString();
    assert.ok(dashboard.token);
    assert.ok(html.includes(`content="${dashboard.token}"`), html.slice(0, 400));
    const policy = String(response.headers["content-security-policy"]);
    const scriptSources = (
      policy.split(";").find((part) => part.trim().startsWith("script-src")) ?? ""
    )
      .trim()
      .split(/\s+/);
    // WebAssembly compilation (Graphviz) is allowed; inline script and eval are not.
    assert.deepEqual(scriptSources, ["script-src", "'self'", "'wasm-unsafe-eval'"]);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.equal(response.headers["x-content-type-options"], "nosniff");
  });

  it("refuses a request whose Host header names another site (DNS rebinding)", async () => {
    const port = new URL(dashboard.url).port;
    for (const host of [`evil.example:${port}`, `127.0.0.1.evil.example:${port}`, "localhost:1"]) {
      const response = await request(`${dashboard.url}api/tasks`, { headers: { Host: host } });
      assert.equal(response.status, 403, host);
      assert.ok(!response.body.toString().includes("cacheKey"));
    }
    const local = await request(`${dashboard.url}api/version`, {
      headers: { Host: `localhost:${port}` },
    });
    assert.equal(local.status, 200);
  });

  it("refuses a deletion without the session token (403) and keeps the entry", async () => {
    const key = await findKey(dashboard, "storeText");
    const withoutToken = await request(`${dashboard.url}api/tasks/${key}`, { method: "DELETE" });
    assert.equal(withoutToken.status, 403);
    const wrongToken = await request(`${dashboard.url}api/tasks/${key}`, {
      method: "DELETE",
      headers: { "X-Beautyspot-Token": "guessed" },
    });
    assert.equal(wrongToken.status, 403);
    const bulk = await request(`${dashboard.url}api/tasks/delete-matching`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ filter: {}, expected: 100 }),
    });
    assert.equal(bulk.status, 403);
    assert.equal(
      (await getJson<TaskView>(`${dashboard.url}api/tasks/${key}`)).record.cacheKey,
      key,
    );
  });

  it("refuses a token-bearing mutation sent from a foreign Origin", async () => {
    const key = await findKey(dashboard, "storeText");
    const response = await request(`${dashboard.url}api/tasks/${key}`, {
      method: "DELETE",
      headers: { "X-Beautyspot-Token": String(dashboard.token), Origin: "http://evil.example" },
    });
    assert.equal(response.status, 403);
  });

  it("answers a range request with 206 and exactly the requested bytes", async () => {
    const key = await findKey(dashboard, "store_mp3");
    const file = readMediaFixture("tone.mp3");
    const url = `${dashboard.url}api/tasks/${key}/raw`;
    const partial = await request(url, { headers: { Range: "bytes=100-199" } });
    assert.equal(partial.status, 206);
    assert.equal(partial.headers["content-range"], `bytes 100-199/${file.byteLength}`);
    assert.deepEqual(partial.body, file.subarray(100, 200));
    assert.equal(partial.headers["content-type"], "audio/mpeg");
    const suffix = await request(url, { headers: { Range: "bytes=-10" } });
    assert.equal(suffix.status, 206);
    assert.deepEqual(suffix.body, file.subarray(file.byteLength - 10));
    const whole = await request(url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers["accept-ranges"], "bytes");
    assert.deepEqual(whole.body, file);
    const outside = await request(url, { headers: { Range: `bytes=${file.byteLength}-` } });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers["content-range"], `bytes */${file.byteLength}`);
  });

  it("serves stored values sandboxed, so an SVG or HTML opened directly cannot script the origin", async () => {
    for (const func of ["hostile_svg", "hostile_html"]) {
      const key = await findKey(dashboard, func);
      const response = await request(`${dashboard.url}api/tasks/${key}/raw`);
      assert.equal(response.status, 200);
      assert.match(String(response.headers["content-security-policy"]), /^sandbox;/);
      assert.equal(response.headers["x-content-type-options"], "nosniff");
    }
  });

  it("serves an unknown stored content type as plain text, never as itself", async () => {
    const spotFolder = createTempFolder();
    const spot = new Spot("odd", { workspace: spotFolder });
    const store = spot.mark(
      async function store() {
        return "<script>alert(1)</script>";
      },
      { contentType: "application/xhtml+xml" },
    );
    await store();
    await spot.shutdown();
    const own = await startQuietDashboard(path.join(spotFolder, "odd.db"));
    try {
      const key = await findKey(own, "store");
      const response = await request(`${own.url}api/tasks/${key}/raw`);
      assert.equal(response.headers["content-type"], "text/plain; charset=utf-8");
    } finally {
      await own.close();
      fs.rmSync(spotFolder, { recursive: true, force: true });
    }
  });

  it("pages newest first and says whether another page follows", async () => {
    const first = await getJson<TaskPage>(`${dashboard.url}api/tasks?limit=5`);
    assert.equal(first.rows.length, 5);
    assert.equal(first.hasMore, true);
    const times = first.rows.map((row) => row.updatedAt);
    assert.deepEqual(times, [...times].sort().reverse());
    const last = await getJson<TaskPage>(`${dashboard.url}api/tasks?limit=5&offset=${rows - 2}`);
    assert.equal(last.rows.length, 2);
    assert.equal(last.hasMore, false);
    const firstKeys = new Set(first.rows.map((row) => row.cacheKey));
    assert.ok(last.rows.every((row) => !firstKeys.has(row.cacheKey)));
  });

  it("sorts by size when asked", async () => {
    const page = await getJson<TaskPage>(`${dashboard.url}api/tasks?sort=size&order=asc&limit=100`);
    const sizes = page.rows.map((row) => row.size ?? 0);
    assert.deepEqual(
      sizes,
      [...sizes].sort((a, b) => a - b),
    );
  });

  it("filters by function, content type and search text, with matching totals", async () => {
    const byFunction = await getJson<TaskPage>(`${dashboard.url}api/tasks?func=generateThumbnail`);
    assert.equal(byFunction.rows.length, 2);
    const byType = await getJson<TaskPage>(
      `${dashboard.url}api/tasks?contentType=${encodeURIComponent(ContentType.HTML)}`,
    );
    assert.deepEqual(byType.rows.map((row) => row.funcName).sort(), ["hostile_html", "renderCard"]);
    const target = byFunction.rows[0]!;
    const bySearch = await getJson<TaskPage>(
      `${dashboard.url}api/tasks?search=${target.inputId.slice(5, 20)}`,
    );
    assert.deepEqual(
      bySearch.rows.map((row) => row.cacheKey),
      [target.cacheKey],
    );
    const summary = await getJson<TableSummary>(
      `${dashboard.url}api/summary?func=generateThumbnail`,
    );
    assert.equal(summary.matching, 2);
    assert.equal(summary.rows, rows);
    assert.ok(summary.bytes > 0);
    assert.equal(
      summary.functions.find((entry) => entry.funcIdentifier === "generateThumbnail")?.rows,
      2,
    );
  });

  it("answers a bad query with 400 and a message saying what is allowed", async () => {
    const response = await request(`${dashboard.url}api/tasks?sort=secret`);
    assert.equal(response.status, 400);
    assert.match(JSON.parse(response.body.toString()).error, /sort must be one of/);
    assert.equal((await request(`${dashboard.url}api/tasks/${"0".repeat(64)}`)).status, 404);
  });

  it("shows a rescued value and says so", async () => {
    const key = await findKey(dashboard, "embed");
    const view = await getJson<TaskView>(`${dashboard.url}api/tasks/${key}`);
    assert.equal(view.rescued, true);
    assert.ok(JSON.stringify(view.value).includes("fake-embedder"));
  });

  it("changes the data version when another connection writes", async () => {
    const before = (await getJson<{ version: string }>(`${dashboard.url}api/version`)).version;
    const spot = new Spot("samples", { workspace: folder });
    const write = spot.mark(async function lateWriter(value: number) {
      return value;
    });
    await write(Date.now());
    await spot.shutdown();
    const afterWrite = (await getJson<{ version: string }>(`${dashboard.url}api/version`)).version;
    assert.notEqual(afterWrite, before);
  });
});

describe("dashboard deletions over HTTP", () => {
  it("deletes one entry with the token: row and blob file are gone", async () => {
    const folder = createTempFolder();
    const { dbPath } = await createSampleDatabase(folder);
    const dashboard = await startQuietDashboard(dbPath);
    try {
      const key = await findKey(dashboard, "store_webm");
      const blob = path.join(folder, "blobs", "samples", `${key}.bin`);
      assert.ok(fs.existsSync(blob));
      const response = await request(`${dashboard.url}api/tasks/${key}`, {
        method: "DELETE",
        headers: { "X-Beautyspot-Token": String(dashboard.token) },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body.toString()), { deleted: true });
      assert.equal(fs.existsSync(blob), false);
      assert.equal((await request(`${dashboard.url}api/tasks/${key}`)).status, 404);
    } finally {
      await dashboard.close();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it("deletes the entries matching a filter, never more than the confirmed count", async () => {
    const folder = createTempFolder();
    const { dbPath, rows } = await createSampleDatabase(folder);
    const dashboard = await startQuietDashboard(dbPath);
    const deleteMatching = (body: unknown) =>
      request(`${dashboard.url}api/tasks/delete-matching`, {
        method: "POST",
        headers: {
          "X-Beautyspot-Token": String(dashboard.token),
          "Content-Type": "application/json",
        },
        body: JSON.stringify(body),
      });
    try {
      const images = { contentType: ContentType.PNG };
      const capped = await deleteMatching({ filter: images, expected: 1 });
      assert.deepEqual(JSON.parse(capped.body.toString()), { deleted: 1 });
      const rest = await deleteMatching({ filter: images, expected: 5 });
      assert.deepEqual(JSON.parse(rest.body.toString()), { deleted: 1 });
      const summary = await getJson<TableSummary>(`${dashboard.url}api/summary`);
      assert.equal(summary.rows, rows - 2);
      const wholeFunction = await deleteMatching({ filter: { func: "renderCard" }, expected: 1 });
      assert.deepEqual(JSON.parse(wholeFunction.body.toString()), { deleted: 1 });
      assert.equal(
        (await getJson<TaskPage>(`${dashboard.url}api/tasks?func=renderCard`)).rows.length,
        0,
      );
    } finally {
      await dashboard.close();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
