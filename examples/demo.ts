/**
 * @module examples/demo — a small pipeline on the embedded defaults, run twice: the first run
 * computes (slow fake "scrape" and fake "LLM"), the second is served from the cache.
 * Run it with `npm run demo`.
 */

import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { ContentType, Spot } from "../src/index.js";
import { addMultimodalSamples } from "./multimodal.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const spot = new Spot("demo", { saveSync: false });

/** Pretends to download a page: slow, and the same URL always gives the same page. */
const scrape = spot.mark(
  async function scrape(url: string) {
    await sleep(150);
    const topic = url.split("/").pop() ?? "page";
    return {
      url,
      title: `All about ${topic}`,
      paragraphs: [`${topic} is a topic people write about.`, `Here is more about ${topic}.`],
      fetchedAt: new Date(),
    };
  },
  { contentType: ContentType.JSON, retention: "7d" },
);

/** Pretends to call a paid language model: slower, and it costs tokens. */
const summarize = spot.mark(
  async function summarize(text: string, options: { style: "short" | "bullet" }) {
    await sleep(400);
    const words = text.split(/\s+/).length;
    return options.style === "bullet"
      ? `- ${words} words\n- first sentence: ${text.split(".")[0]}.`
      : `A ${words}-word text. It begins: "${text.split(".")[0]}."`;
  },
  { version: "v1", contentType: ContentType.MARKDOWN },
);

async function runPipeline(label: string): Promise<void> {
  const started = performance.now();
  const topics = ["sqlite", "msgpack", "caching"];
  const summaries = await Promise.all(
    topics.map(async (topic) => {
      const page = await scrape(`https://example.com/wiki/${topic}`);
      return summarize(page.paragraphs.join(" "), { style: "short" });
    }),
  );
  const elapsed = performance.now() - started;
  console.log(`${label.padEnd(28)} ${elapsed.toFixed(1).padStart(8)} ms   ${summaries[0]}`);
}

// Start cold so the demo shows both sides every time it runs.
await spot.maintenance.clear({});

console.log("beautyspot demo: 3 pages scraped (150 ms each) and summarized (400 ms each)\n");
await runPipeline("first run (computes)");
await runPipeline("second run (from the cache)");
await spot.flush();

const stats = await spot.maintenance.stats();
console.log(`\n${stats.rows} results stored, ${stats.bytes} bytes`);
console.log(`database: ${relative(process.cwd(), join(spot.workspace, "demo.db"))}`);
console.log(`blobs:    ${relative(process.cwd(), spot.storage.description)}/`);

// A few generated results of other kinds (an image, a sound, a note, diagrams, HTML) to look at.
await addMultimodalSamples(spot);
const dbFile = relative(process.cwd(), join(spot.workspace, "demo.db"));
console.log(
  "\nLook at every stored result (image, audio, markdown, diagrams, HTML) in the dashboard:",
);
console.log(`  node dist/cli/main.js ui ${dbFile}     (in this checkout, after npm run build)`);
console.log(`  npx beautyspot ui ${dbFile}            (where beautyspot is installed)`);
await spot.shutdown();
