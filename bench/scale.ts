/**
 * @module bench/scale — W4: the same measurements at growing sizes (10k, 100k, 1M rows by
 * default): cold start in a new process, hit latency, and the maintenance operations with
 * their peak RSS. What matters is growth: the large size against the small one.
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { Packr } from "msgpackr";
import { SQLiteTaskDB } from "../src/db/sqlite/sqlite-task-db.js";
import { Spot } from "../src/index.js";
import {
  alternate,
  type BenchOptions,
  drawIndexes,
  type Measurement,
  median,
  type Section,
  timePerOp,
} from "./lib.js";
import { generateDatabase } from "./scale-data.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST_ENTRY = pathToFileURL(path.join(ROOT, "dist", "index.js")).href;
/** Entries written through a Spot so hits and cold starts find real entries among the rows. */
const PROBES = 1_000;

export const COLD_FLOOR = "cold start floor: import better-sqlite3 + msgpackr, open, one row";
export const COLD_BEAUTYSPOT = "cold start beautyspot: import, new Spot, one hit";

/** The per-size figures the growth targets compare. */
export interface ScaleResult {
  rows: number;
  sections: Section[];
  /** Median ms of each maintenance step and its peak RSS (MB). */
  maintenance: { name: string; ms: number; peakRssMb: number }[];
  maxRssMb: number;
  coldImport: { floorMs: number; beautyspotMs: number };
  coldTotal: { floorMs: number; beautyspotMs: number };
  hitMicros: { tiered: number; untiered: number };
  newestPageMs: number;
}

/** Builds dist/ so cold starts measure what users import. Compile errors elsewhere still emit. */
export function buildPackage(): void {
  try {
    execFileSync(
      process.execPath,
      [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
      {
        cwd: ROOT,
        stdio: "ignore",
      },
    );
  } catch {
    // tsc exits non-zero on type errors but writes the output anyway; checked just below.
  }
  // The published entry is one bundled module (see scripts/bundle-entry.mjs): measure that.
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "bundle-entry.mjs")], {
    cwd: ROOT,
    stdio: "ignore",
  });
  if (!fs.existsSync(path.join(ROOT, "dist", "index.js"))) {
    throw new Error(
      "dist/index.js is missing after the build: run `npx tsc -p tsconfig.build.json` and fix what it reports.",
    );
  }
}

function runColdStart(mode: "floor" | "beautyspot", dbPath: string, workspace: string) {
  const output = execFileSync(
    process.execPath,
    [path.join(ROOT, "bench", "cold-start.mjs"), mode, dbPath, workspace, DIST_ENTRY],
    { cwd: ROOT, encoding: "utf8" },
  );
  return JSON.parse(output) as { importMs: number; openHitMs: number };
}

/** Stores the probe entries through a Spot and the floor's copy of them in a table of its own. */
async function addProbes(workspace: string, dbPath: string): Promise<void> {
  const spot = new Spot("bench", { workspace, db: dbPath });
  const probe = spot.markSync(function probe(index: number) {
    return { index };
  });
  for (let index = 0; index < PROBES; index++) probe(index);
  await spot.shutdown();
  const db = new Database(dbPath);
  const packr = new Packr({ useRecords: false });
  db.exec("CREATE TABLE probe (cache_key TEXT PRIMARY KEY, result_data BLOB)");
  const insert = db.prepare("INSERT INTO probe VALUES (?, ?)");
  db.transaction(() => {
    for (let index = 0; index < PROBES; index++) {
      const key = createHash("sha256")
        .update(JSON.stringify([index]))
        .digest("hex");
      insert.run(key, packr.pack({ index }));
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

async function measureHits(workspace: string, dbPath: string, quick: boolean) {
  const hits = quick ? 5_000 : 50_000;
  const indexes = drawIndexes(hits, PROBES);
  const tiered = new Spot("bench", { workspace, db: dbPath });
  const untiered = new Spot("bench", {
    workspace,
    db: new SQLiteTaskDB(dbPath, { memoryCacheBytes: 0 }),
  });
  const wrappers = [tiered, untiered].map((spot) =>
    spot.markSync(function probe(index: number) {
      return { index };
    }),
  );
  let sink = 0;
  const [withTier, withoutTier] = [wrappers[0]!, wrappers[1]!];
  const measurements = await alternate(quick ? 3 : 5, {
    "hit, markSync (memory tier)": () =>
      timePerOp(hits, () => {
        for (const index of indexes) sink += withTier(index).index;
      }),
    "hit, markSync (memoryCacheBytes: 0)": () =>
      timePerOp(hits, () => {
        for (const index of indexes) sink += withoutTier(index).index;
      }),
  });
  if (sink === -1) console.log(sink);
  await tiered.shutdown();
  await untiered.shutdown();
  return measurements;
}

/** W4 at one size. */
export async function benchScaleAt(rows: number, options: BenchOptions): Promise<ScaleResult> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "bs-bench-"));
  try {
    const { dbPath } = generateDatabase(workspace, rows);
    await addProbes(workspace, dbPath);
    const coldRuns = options.quick ? 3 : 7;
    const cold: Record<string, { importMs: number[]; totalMs: number[] }> = {
      floor: { importMs: [], totalMs: [] },
      beautyspot: { importMs: [], totalMs: [] },
    };
    for (let run = 0; run < coldRuns; run++) {
      for (const mode of ["floor", "beautyspot"] as const) {
        const result = runColdStart(mode, dbPath, workspace);
        cold[mode]?.importMs.push(result.importMs);
        cold[mode]?.totalMs.push(result.importMs + result.openHitMs);
      }
    }
    const hitMeasurements = await measureHits(workspace, dbPath, options.quick);
    const output = execFileSync(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "bench", "maintenance-child.ts"), dbPath],
      { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 20 },
    );
    const { steps, maxRssMb } = JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as {
      steps: ScaleResult["maintenance"];
      maxRssMb: number;
    };
    const coldMeasurements: Measurement[] = [
      { name: `${COLD_FLOOR}: import`, samples: cold.floor!.importMs },
      {
        name: `${COLD_BEAUTYSPOT}: import`,
        samples: cold.beautyspot!.importMs,
        floor: `${COLD_FLOOR}: import`,
      },
      { name: `${COLD_FLOOR}: total`, samples: cold.floor!.totalMs, floor: `${COLD_FLOOR}: total` },
      {
        name: `${COLD_BEAUTYSPOT}: total`,
        samples: cold.beautyspot!.totalMs,
        floor: `${COLD_FLOOR}: total`,
      },
    ];
    const label = rows.toLocaleString("en-US");
    return {
      rows,
      maintenance: steps,
      maxRssMb,
      sections: [
        {
          id: `W4 ${label} rows`,
          title: "cold start in a new process (ms; ratios: beautyspot against the floor)",
          unit: "ms",
          floor: `${COLD_FLOOR}: import`,
          measurements: coldMeasurements,
        },
        {
          id: `W4 ${label} rows`,
          title: `hit latency on ${PROBES} entries among ${label} rows`,
          unit: "µs/hit",
          floor: "hit, markSync (memoryCacheBytes: 0)",
          measurements: hitMeasurements,
        },
      ],
      coldImport: {
        floorMs: median(cold.floor!.importMs),
        beautyspotMs: median(cold.beautyspot!.importMs),
      },
      coldTotal: {
        floorMs: median(cold.floor!.totalMs),
        beautyspotMs: median(cold.beautyspot!.totalMs),
      },
      hitMicros: {
        tiered: median(hitMeasurements[0]?.samples ?? []),
        untiered: median(hitMeasurements[1]?.samples ?? []),
      },
      newestPageMs: steps.find((step) => step.name === "newest page")?.ms ?? Number.NaN,
    };
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** The maintenance steps of every size as one markdown table. */
export function formatMaintenance(results: readonly ScaleResult[]): string {
  const names = results[0]?.maintenance.map((step) => step.name) ?? [];
  const header = results.map(
    (result) => `${result.rows.toLocaleString("en-US")} rows: ms (peak RSS MB)`,
  );
  const lines = [
    "\n### W4 maintenance — median time and peak RSS of its own process",
    "",
    `| operation | ${header.join(" | ")} |`,
    `| --- | ${header.map(() => "---:").join(" | ")} |`,
  ];
  for (const name of names) {
    const cells = results.map((result) => {
      const step = result.maintenance.find((candidate) => candidate.name === name);
      if (step === undefined) return "—";
      const time = step.ms < 10 ? step.ms.toFixed(3) : step.ms.toFixed(0);
      return `${time} (${step.peakRssMb})`;
    });
    lines.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  lines.push(
    `| process max RSS | ${results.map((result) => `${result.maxRssMb} MB`).join(" | ")} |`,
  );
  return lines.join("\n");
}
