/**
 * @module examples/demo — a small pipeline on the embedded defaults. The first run computes (slow
 * fake "scrape" and fake "LLM") and repeats itself from the cache; every later run, in a new
 * process, is served from the cache that run stored. `npm run demo -- --fresh` starts over.
 */

import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { ContentType, Spot } from "../src/index.js";
import { addMultimodalSamples } from "./multimodal.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const spot = new Spot("demo", { saveSync: false });

/** How many times the functions' bodies ran in this process: every other call was a hit. */
let computed = 0;

/** Pretends to download a page: slow, and the same URL always gives the same page. */
const scrape = spot.mark(
  async function scrape(url: string) {
    computed += 1;
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
    computed += 1;
    await sleep(400);
    const words = text.split(/\s+/).length;
    return options.style === "bullet"
      ? `- ${words} words\n- first sentence: ${text.split(".")[0]}.`
      : `A ${words}-word text. It begins: "${text.split(".")[0]}."`;
  },
  { version: "v1", contentType: ContentType.MARKDOWN },
);

const TOPICS = ["sqlite", "msgpack", "caching"];
/** Each topic is scraped, then summarized. */
const CALLS_PER_RUN = TOPICS.length * 2;

/** Runs the pipeline once and prints its time and how many calls the cache answered. */
async function runPipeline(label: string): Promise<{ ms: number; computed: number }> {
  const computedBefore = computed;
  const started = performance.now();
  const summaries = await Promise.all(
    TOPICS.map(async (topic) => {
      const page = await scrape(`https://example.com/wiki/${topic}`);
      return summarize(page.paragraphs.join(" "), { style: "short" });
    }),
  );
  const ms = performance.now() - started;
  const ran = computed - computedBefore;
  console.log(
    `${label.padEnd(10)} ${ms.toFixed(1).padStart(8)} ms   ${CALLS_PER_RUN} calls: ` +
      `${ran} computed, ${CALLS_PER_RUN - ran} from the cache   ${summaries[0]}`,
  );
  return { ms, computed: ran };
}

const display = (path: string) => relative(process.cwd(), path) || ".";
const dbFile = display(join(spot.workspace, "demo.db"));

if (process.argv.includes("--fresh")) {
  const removed = await spot.maintenance.clear({});
  console.log(`--fresh: removed the ${removed} results stored in ${dbFile}\n`);
}
const storedBefore = (await spot.maintenance.stats()).rows;

console.log("beautyspot demo: 3 pages scraped (150 ms each) and summarized (400 ms each)");
console.log(
  storedBefore === 0
    ? `The cache in ${dbFile} is empty: the first run computes, the second comes from the cache.\n`
    : `The cache in ${dbFile} holds ${storedBefore} results stored by an earlier run: ` +
        "what they answer is not computed again.\n",
);
const firstRun = await runPipeline("run 1");
await runPipeline("run 2");

// A few generated results of other kinds (images, a sound, a note, diagrams, HTML) to look at.
await addMultimodalSamples(spot);
await spot.flush();

const stats = await spot.maintenance.stats();
const blobFolder = spot.storage.description;
const blobFiles = existsSync(blobFolder)
  ? readdirSync(blobFolder).filter((file) => file.endsWith(".bin")).length
  : 0;
console.log(`\n${stats.rows} results stored, ${stats.bytes} bytes:`);
console.log(`  database: ${dbFile}`);
if (blobFiles > 0)
  console.log(`  blobs:    ${display(blobFolder)}/ (${blobFiles} files: images and sound)`);

console.log("");
if (firstRun.computed > 0) {
  console.log(
    "Run `npm run demo` again: a new process, and every call comes from the cache this run stored.",
  );
} else {
  console.log(
    `Every call came from the cache stored by an earlier run: run 1 took ${firstRun.ms.toFixed(1)} ms ` +
      "in this new process; computing takes at least 550 ms.",
  );
}
console.log("Start over: `npm run demo -- --fresh` (or delete the .beautyspot folder).");
console.log(
  "\nLook at every stored result (image, audio, markdown, diagrams, HTML) in the dashboard:",
);
console.log(`  npm run build && node dist/cli/main.js ui ${dbFile}   (in this checkout)`);
console.log(
  `  npx beautyspot ui ${dbFile}                           (where beautyspot is installed)`,
);
await spot.shutdown();
