/**
 * @module bench/maintenance-child — runs the maintenance operations on one database in a process
 * of its own, so the peak RSS it reports belongs to them alone. Prints one JSON line of steps.
 * Run by bench/scale.ts: `node --import tsx bench/maintenance-child.ts <db file>`.
 */

import { MaintenanceService } from "../src/maintenance/service.js";

interface StepResult {
  name: string;
  ms: number;
  peakRssMb: number;
}

const megabytes = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Runs `work` `runs` times after a warm-up; the median time and the RSS peak sampled meanwhile. */
async function measure(
  name: string,
  runs: number,
  work: () => Promise<unknown>,
): Promise<StepResult> {
  let peak = process.memoryUsage.rss();
  // The operations yield between batches, so the sampler sees the memory while they run.
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  if (runs > 1) await work();
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
    peak = Math.max(peak, process.memoryUsage.rss());
  }
  clearInterval(sampler);
  times.sort((left, right) => left - right);
  return { name, ms: times[times.length >> 1] ?? Number.NaN, peakRssMb: megabytes(peak) };
}

const dbPath = process.argv[2];
if (dbPath === undefined) throw new Error("Pass the database file to work on.");
const service = MaintenanceService.fromPath(dbPath);
const steps: StepResult[] = [];
try {
  steps.push(await measure("newest page", 21, () => service.listTasks({ limit: 50 })));
  steps.push(
    await measure("filtered page (func)", 21, () => service.listTasks({ func: "fn3", limit: 50 })),
  );
  steps.push(await measure("countTasks (func)", 5, () => service.countTasks({ func: "fn3" })));
  steps.push(await measure("countTasks (all)", 5, () => service.countTasks()));
  steps.push(await measure("cleanGarbage (half expired)", 1, () => service.cleanGarbage()));
  steps.push(
    await measure("prune (older than 30 days)", 1, () => service.prune({ olderThanDays: 30 })),
  );
} finally {
  service.close();
}
console.log(JSON.stringify({ steps, maxRssMb: megabytes(process.resourceUsage().maxRSS * 1024) }));
