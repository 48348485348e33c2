/**
 * @module bench/dashboard-ranges — what HTTP byte ranges of one large binary value cost the
 * dashboard: the first range (which verifies the blob), 1-byte ranges after it, and 8 ranges in
 * parallel with the server's peak memory. Run after `npm run build`:
 * `node --import tsx bench/dashboard-ranges.ts [--mb 200] [--dashboard <path to dashboard/index.ts>]`
 * (`--dashboard` points at another checkout's sources to measure it the same way).
 */

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ContentType, Spot } from "../src/index.js";

const SEQUENTIAL_RANGES = 10;
const PARALLEL_RANGES = 8;

function readOption(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

/** Writes one `megabytes` MB video value as a blob; run in a child so its memory is not counted. */
async function writeDatabase(folder: string, megabytes: number): Promise<void> {
  const spot = new Spot("media", { workspace: folder, saveBlob: true });
  const record = spot.mark(async (_name: string) => randomBytes(megabytes * 1024 * 1024), {
    name: "recordVideo",
    contentType: ContentType.VIDEO_MP4,
  });
  await record("clip");
  await spot.shutdown();
}

async function fetchRange(url: string, start: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { headers: { Range: `bytes=${start}-${start}` } });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 206 || body.byteLength !== 1) {
    throw new Error(`Range ${start} answered ${response.status} with ${body.byteLength} bytes.`);
  }
  return performance.now() - started;
}

async function measure(megabytes: number, dashboardModule: string): Promise<void> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "bs-ranges-"));
  try {
    const self = fileURLToPath(import.meta.url);
    const writer = spawnSync(
      process.execPath,
      ["--import", "tsx", self, "--write", folder, "--mb", String(megabytes)],
      { stdio: "inherit" },
    );
    if (writer.status !== 0) throw new Error("Writing the sample database failed.");
    const { startDashboard } = (await import(pathToFileURL(dashboardModule).href)) as {
      startDashboard(options: object): Promise<{ url: string; close(): Promise<void> }>;
    };
    const dashboard = await startDashboard({
      dbPath: path.join(folder, "media.db"),
      port: 0,
      log: () => {},
    });
    try {
      const page = (await (await fetch(`${dashboard.url}api/tasks`)).json()) as {
        rows: { cacheKey: string }[];
      };
      const rawUrl = `${dashboard.url}api/tasks/${page.rows[0]?.cacheKey}/raw`;
      const size = megabytes * 1024 * 1024;
      const baselineRss = process.memoryUsage().rss;
      const first = await fetchRange(rawUrl, 0);
      const peakBefore = process.resourceUsage().maxRSS * 1024;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: PARALLEL_RANGES }, (_, index) =>
          fetchRange(rawUrl, Math.floor((size / PARALLEL_RANGES) * index)),
        ),
      );
      const parallel = performance.now() - started;
      const peak = process.resourceUsage().maxRSS * 1024;
      const sequential: number[] = [];
      for (let index = 0; index < SEQUENTIAL_RANGES; index++) {
        sequential.push(await fetchRange(rawUrl, Math.floor((size / SEQUENTIAL_RANGES) * index)));
      }
      const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
      console.log(`dashboard: ${dashboardModule}`);
      console.log(`value: ${megabytes} MB raw binary (video/mp4) in a blob file`);
      console.log(`first 1-byte range (verifies the blob): ${first.toFixed(1)} ms`);
      console.log(
        `1-byte range after it: median ${median(sequential).toFixed(1)} ms of ${SEQUENTIAL_RANGES}`,
      );
      console.log(
        `${PARALLEL_RANGES} parallel 1-byte ranges: ${parallel.toFixed(0)} ms; process RSS before the first range ${mb(baselineRss)}, peak ${mb(Math.max(peak, peakBefore))} (${mb(peakBefore)} after the first range)`,
      );
    } finally {
      await dashboard.close();
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

const megabytes = Number(readOption("--mb", "200"));
if (!Number.isSafeInteger(megabytes) || megabytes < 1) {
  throw new Error(`--mb needs a whole number of megabytes >= 1, got ${readOption("--mb", "")}.`);
}
const writeFolder = readOption("--write", "");
if (writeFolder !== "") {
  await writeDatabase(writeFolder, megabytes);
} else {
  const here = path.dirname(fileURLToPath(import.meta.url));
  await measure(
    megabytes,
    path.resolve(readOption("--dashboard", path.join(here, "../src/dashboard/index.ts"))),
  );
}
