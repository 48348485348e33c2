/**
 * @module examples/recipes/scraping — a small crawler: pages fetched once and kept as blobs, a
 * polite pace per host that is spent only on misses, and parsing left out of the cache.
 * docs/recipes/scraping.md shows this file; test/recipes/scraping.test.ts runs it.
 */

import * as cheerio from "cheerio";
import { ContentType, Spot, TokenBucket } from "../../src/index.js";

const spot = new Spot("scraping");

// One budget per host: a slow site is never hammered, a fast one never waits for a slow one.
const paceByHost = new Map<string, TokenBucket>();
function paceFor(url: string): TokenBucket {
  const host = new URL(url).host;
  let pace = paceByHost.get(host);
  if (pace === undefined) {
    pace = new TokenBucket({ tokensPerMinute: 120 }); // two pages a second
    paceByHost.set(host, pace);
  }
  return pace;
}

// Pages are the expensive, remote part: cache them, as files (saveBlob), for a week.
const fetchPage = spot.mark(
  async function fetchPage(url: string): Promise<string> {
    await paceFor(url).consume(1); // inside the marked function: a hit never waits
    const response = await fetch(url);
    // A thrown error is never cached: a 503 today is fetched again tomorrow.
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
    return await response.text();
  },
  { contentType: ContentType.HTML, saveBlob: true, retention: "7d" },
);

// Parsing is cheap and changes while you work on it: keep it out of the cache, so editing the
// selectors never serves an old result.
function readPage(html: string, url: string) {
  const $ = cheerio.load(html);
  const links = $("a[href]")
    .map((_, link) => new URL($(link).attr("href") ?? "", url).href)
    .get();
  return { title: $("title").text().trim(), links };
}

async function crawl(start: string, maxPages: number) {
  const seen = new Set([start]);
  const queue = [start];
  const titles: string[] = [];
  while (queue.length > 0 && titles.length < maxPages) {
    const url = queue.shift() as string;
    const page = readPage(await fetchPage(url), url);
    titles.push(page.title);
    for (const link of page.links) {
      if (new URL(link).host === new URL(start).host && !seen.has(link)) {
        seen.add(link);
        queue.push(link);
      }
    }
  }
  return titles;
}

const started = performance.now();
const titles = await crawl(process.env.SITE_URL ?? "http://127.0.0.1:8080/", 20);
console.log(titles.join("\n"));
console.log(`${titles.length} pages in ${Math.round(performance.now() - started)} ms`);
await spot.shutdown();
