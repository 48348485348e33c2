/**
 * @module examples/graduation/bullmq — one step of a pipeline moved to a BullMQ queue: the job's
 * processor calls the marked function, so a job added again (a retry, a re-run of the pipeline,
 * a duplicate) is answered from the cache. docs/graduation.md walks through it;
 * test/graduation/bullmq.test.ts runs it against a real Redis server.
 * Run: `REDIS_PORT=6379 SOURCE_URL=https://example.com/ node --import tsx examples/graduation/bullmq.ts`
 */

import { Queue, QueueEvents, Worker } from "bullmq";
import { Spot } from "../../src/index.js";

// BullMQ's workers block on Redis: their connection must retry for ever (maxRetriesPerRequest).
const connection = {
  host: process.env.REDIS_HOST ?? "127.0.0.1",
  port: Number(process.env.REDIS_PORT ?? 6379),
  maxRetriesPerRequest: null,
};

// The memo layer of the workers. A team's workers share one: `db: "postgres://…"` and
// `storage: "s3://…"`; one machine's share the default SQLite file.
const spot = new Spot("pipeline");

interface Summary {
  url: string;
  title: string;
  words: number;
}

// The expensive step, unchanged from the notebook days: one paid, slow call per document.
const summarize = spot.mark(
  async function summarize(url: string): Promise<Summary> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`); // BullMQ retries
    const text = await response.text();
    const title = /<title>([^<]*)<\/title>/.exec(text)?.[1] ?? url;
    return { url, title, words: text.split(/\s+/).filter(Boolean).length };
  },
  { retention: "30d" },
);

// The queue: retries with backoff, and finished jobs kept a day (the queue's result TTL).
const queue = new Queue<{ url: string }, Summary>("summaries", {
  connection,
  defaultJobOptions: {
    attempts: 3,
    backoff: { type: "exponential", delay: 1000 },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
});

// The processor is a thin shell around the marked function. The queue's limiter paces jobs for
// every worker on every machine; it counts each job, cache hits included.
const worker = new Worker<{ url: string }, Summary>(
  "summaries",
  async (job) => summarize(job.data.url),
  { connection, concurrency: 4, limiter: { max: 20, duration: 1000 } },
);

const events = new QueueEvents("summaries", { connection });
await Promise.all([queue.waitUntilReady(), worker.waitUntilReady(), events.waitUntilReady()]);

// Add a job per document, the first one twice: the duplicate is a cache hit (or joins the
// run in progress), never a second paid call.
const base = process.env.SOURCE_URL ?? "https://example.com/";
const urls = [new URL("a", base).href, new URL("b", base).href, new URL("a", base).href];
const jobs = await Promise.all(urls.map((url) => queue.add("summarize", { url })));
for (const job of jobs) {
  const summary = await job.waitUntilFinished(events);
  console.log(`${summary.title}: ${summary.words} words`);
}

// Shut down in this order: stop taking jobs (waits for the active ones), then write what the
// Spot still holds, then close the connections.
await worker.close();
await spot.shutdown();
await Promise.all([events.close(), queue.close()]);
