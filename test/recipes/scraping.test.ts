/**
 * @module test/recipes/scraping.test — the scraping recipe's code, run as its own process against
 * a local site: the first run fetches each page once, paced per host; the second fetches nothing.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { makeTempDir, repoRoot } from "../helpers.js";

const example = path.join(repoRoot, "examples", "recipes", "scraping.ts");
const recipe = path.join(repoRoot, "docs", "recipes", "scraping.md");
const tsxLoader = pathToFileURL(
  path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs"),
).href;

/** Three pages linking to each other, and one link off the site (never followed). */
const PAGES: Record<string, string> = {
  "/": `<title>Home</title><a href="/a">A</a> <a href="/b">B</a> <a href="http://elsewhere.invalid/">x</a>`,
  "/a": `<title>Page A</title><a href="/">home</a> <a href="/b">B</a>`,
  "/b": `<title>Page B</title><a href="/a">A</a>`,
};

function runExample(cwd: string, siteUrl: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(
      process.execPath,
      ["--import", tsxLoader, example],
      { cwd, timeout: 60_000, env: { ...process.env, SITE_URL: siteUrl } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the example failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolveRun(stdout);
      },
    );
  });
}

describe("the scraping recipe", () => {
  const requests: { path: string; at: number }[] = [];
  let server: http.Server;
  let siteUrl = "";

  before(async () => {
    server = http.createServer((request, response) => {
      requests.push({ path: request.url ?? "", at: performance.now() });
      const page = PAGES[request.url ?? ""];
      response.writeHead(page === undefined ? 404 : 200, { "content-type": "text/html" });
      response.end(page ?? "not found");
    });
    await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
    siteUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(() => new Promise<void>((resolveClose) => server.close(() => resolveClose())));

  it("fetches each page once, paced, and a second run fetches nothing", async () => {
    const folder = makeTempDir("bs-scraping-");
    const first = await runExample(folder, siteUrl);
    assert.match(first, /^Home\nPage A\nPage B\n3 pages in \d+ ms\n$/);
    assert.deepEqual(requests.map((request) => request.path).sort(), ["/", "/a", "/b"]);
    // Two pages a second for one host: the three fetches span at least one pacing interval.
    const times = requests.map((request) => request.at);
    assert.ok(Math.max(...times) - Math.min(...times) >= 400, "the host budget paces fetches");
    const blobs = fs.readdirSync(path.join(folder, ".beautyspot", "blobs", "scraping"));
    assert.equal(blobs.filter((name) => name.endsWith(".bin")).length, 3, "pages are blobs");

    const second = await runExample(folder, siteUrl);
    assert.equal(requests.length, 3, "the second run is served from the cache");
    assert.equal(second.split("\n").slice(0, 3).join("\n"), "Home\nPage A\nPage B");
  });

  it("is the code the recipe page shows", () => {
    const page = fs.readFileSync(recipe, "utf8");
    const shown = /```ts\n([\s\S]*?)```/.exec(page)?.[1];
    const code = fs.readFileSync(example, "utf8");
    const body = code.slice(code.indexOf("import * as cheerio"));
    assert.equal(shown, body.replace('"../../src/index.js"', '"beautyspot"'));
  });
});
