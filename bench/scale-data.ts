/**
 * @module bench/maintenance — times the maintenance service at 10k rows and at a large row count
 * (default one million): the newest page, filtered counts and pages, clean-up and prune, with peak
 * memory. Run: `node --import tsx bench/maintenance.ts [--rows 1000000]`.
 */

import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { SQLiteTaskDB } from "../src/db/sqlite/sqlite-task-db.js";
import { formatTimestamp } from "../src/db/sqlite/timestamps.js";
import { MaintenanceService } from "../src/maintenance/service.js";

const SMALL_ROWS = 10_000;
/** Blob rows per database: enough to exercise the blob paths without a million files. */
const BLOB_ROWS = 1_000;
/** Unreferenced blobs planted for the clean-up to find. */
const ORPHAN_BLOBS = 100;
const FUNCTIONS = 20;
/** Rows per INSERT transaction: large enough that commits do not dominate. */
const INSERT_BATCH = 50_000;
const DAY_MS = 86_400_000;
const CONTENT_TYPES = ["text/plain", "application/json", "text/markdown", "image/png", null];

interface StepResult {
  name: string;
  ms: number;
  peakRssMb: number;
  detail?: string;
}

function readRowCount(): number {
  const index = process.argv.indexOf("--rows");
  if (index === -1) return 1_000_000;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`--rows needs a positive whole number, got ${process.argv[index + 1]}.`);
  }
  return value;
}

function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

function megabytes(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

/** Fills a fresh database: half the rows expired, `BLOB_ROWS` of them with a tiny blob file. */
function generateDatabase(workspace: string, rows: number): { dbPath: string; blobDir: string } {
  const dbPath = path.join(workspace, "bench.db");
  const blobDir = path.join(workspace, "blobs", "bench");
  fs.mkdirSync(blobDir, { recursive: true });
  // The real TaskDB creates the schema and indexes; rows then go in through one prepared INSERT.
  new SQLiteTaskDB(dbPath).close();
  const sqlite = new Database(dbPath);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  const insert = sqlite.prepare(
    `INSERT INTO tasks (cache_key, func_name, func_identifier, input_id, result_type, result_value,
      result_data, content_type, version, expires_at, updated_at, size, digest)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const payloads = Array.from({ length: 64 }, (_, index) => {
    const bytes = Buffer.from(`{"answer":"${"x".repeat(40 + index)}","n":${index}}`);
    return { bytes, digest: sha256(bytes) };
  });
  const now = Date.now();
  const blobEvery = Math.max(1, Math.floor(rows / BLOB_ROWS));
  const oldEnough = new Date(now - 2 * 3600_000);
  const insertBatch = sqlite.transaction((start: number, end: number) => {
    for (let index = start; index < end; index += 1) {
      const key = sha256(`row-${index}`);
      const payload = payloads[index % payloads.length]!;
      const isBlob = index % blobEvery === 0 && index / blobEvery < BLOB_ROWS;
      const location = isBlob ? `${key}.bin` : null;
      if (location !== null) {
        const file = path.join(blobDir, location);
        fs.writeFileSync(file, payload.bytes);
        fs.utimesSync(file, oldEnough, oldEnough);
      }
      const updatedAt = now - Math.floor((((index * 7919) % rows) / rows) * 60 * DAY_MS);
      // Every other row expired an hour ago; the rest expire in a week.
      const expiresAt = index % 2 === 0 ? now - 3600_000 : now + 7 * DAY_MS;
      insert.run(
        key,
        `fn${index % FUNCTIONS}`,
        `bench.module.fn${index % FUNCTIONS}`,
        sha256(`input-${index}`),
        isBlob ? "FILE" : "DIRECT_BLOB",
        location,
        isBlob ? null : payload.bytes,
        CONTENT_TYPES[index % CONTENT_TYPES.length],
        index % 3 === 0 ? "v1" : null,
        formatTimestamp(expiresAt),
        formatTimestamp(updatedAt),
        payload.bytes.byteLength,
        payload.digest,
      );
    }
  });
  for (let start = 0; start < rows; start += INSERT_BATCH) {
    insertBatch(start, Math.min(rows, start + INSERT_BATCH));
  }
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
  for (let index = 0; index < ORPHAN_BLOBS; index += 1) {
    const file = path.join(blobDir, `${sha256(`orphan-${index}`)}.bin`);
    fs.writeFileSync(file, "orphan");
    fs.utimesSync(file, oldEnough, oldEnough);
  }
  return { dbPath, blobDir };
}

/** Runs `work` once, sampling RSS every few ms (the work yields between batches). */
async function measureOnce(name: string, work: () => Promise<unknown>): Promise<StepResult> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const start = performance.now();
  const result = await work();
  const ms = performance.now() - start;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { name, ms, peakRssMb: megabytes(peak), detail: JSON.stringify(result) };
}

/** Median time of `runs` calls after one warm-up call. */
async function measureMedian(
  name: string,
  runs: number,
  work: () => Promise<unknown>,
): Promise<StepResult> {
  let detail = JSON.stringify(await work()).slice(0, 60);
  const times: number[] = [];
  let peak = process.memoryUsage.rss();
  for (let run = 0; run < runs; run += 1) {
    const start = performance.now();
    const result = await work();
    times.push(performance.now() - start);
    peak = Math.max(peak, process.memoryUsage.rss());
    if (run === 0 && Array.isArray(result)) detail = `${result.length} records`;
    else if (run === 0) detail = JSON.stringify(result);
  }
  times.sort((left, right) => left - right);
  return { name, ms: times[Math.floor(times.length / 2)]!, peakRssMb: megabytes(peak), detail };
}

async function runSize(rows: number): Promise<StepResult[]> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "bs-bench-"));
  try {
    const generateStart = performance.now();
    const { dbPath } = generateDatabase(workspace, rows);
    const generateMs = performance.now() - generateStart;
    const results: StepResult[] = [
      { name: "generate", ms: generateMs, peakRssMb: megabytes(process.memoryUsage.rss()) },
    ];
    const service = MaintenanceService.fromPath(dbPath);
    try {
      results.push(
        await measureMedian("listTasks newest page (limit 50)", 20, () =>
          service.listTasks({ limit: 50 }),
        ),
      );
      results.push(
        await measureMedian("listTasks page 100 (offset 5000)", 5, () =>
          service.listTasks({ limit: 50, offset: 5000 }),
        ),
      );
      results.push(
        await measureMedian("countTasks({ func: 'fn3' })", 5, () =>
          service.countTasks({ func: "fn3" }),
        ),
      );
      results.push(
        await measureMedian("listTasks({ func: 'fn3' }) page", 20, () =>
          service.listTasks({ func: "fn3", limit: 50 }),
        ),
      );
      results.push(await measureMedian("stats()", 3, () => service.stats()));
      results.push(await measureOnce("cleanGarbage (half expired)", () => service.cleanGarbage()));
      results.push(
        await measureOnce("prune({ olderThanDays: 30 })", () =>
          service.prune({ olderThanDays: 30 }),
        ),
      );
    } finally {
      service.close();
    }
    return results;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

function printResults(rows: number, results: readonly StepResult[]): void {
  console.log(`\n${rows.toLocaleString("en-US")} rows`);
  for (const result of results) {
    const time = result.ms < 10 ? result.ms.toFixed(3) : result.ms.toFixed(0);
    console.log(
      `  ${result.name.padEnd(36)} ${time.padStart(10)} ms   peak RSS ${String(result.peakRssMb).padStart(6)} MB   ${result.detail ?? ""}`,
    );
  }
}

async function main(): Promise<void> {
  const largeRows = readRowCount();
  const small = await runSize(SMALL_ROWS);
  printResults(SMALL_ROWS, small);
  const large = await runSize(largeRows);
  printResults(largeRows, large);
  const newestPage = (results: readonly StepResult[]) =>
    results.find((result) => result.name.startsWith("listTasks newest"))!.ms;
  const ratio = newestPage(large) / newestPage(small);
  console.log(
    `\nnewest page ${largeRows.toLocaleString("en-US")} / ${SMALL_ROWS.toLocaleString("en-US")} rows: ${ratio.toFixed(2)}x (target < 2x)`,
  );
  const cleanup = large.find((result) => result.name.startsWith("cleanGarbage"))!;
  console.log(`peak RSS during clean-up: ${cleanup.peakRssMb} MB (target < 300 MB)`);
  console.log(`process maxRSS: ${megabytes(process.resourceUsage().maxRSS * 1024)} MB`);
}

await main();
