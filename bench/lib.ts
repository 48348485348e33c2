/** @module bench/lib — timing helpers, options and the results table shared by the workloads. */

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

/** What the command line asked for. */
export interface BenchOptions {
  /** Small sizes and few rounds: a smoke run of every workload in well under a minute. */
  quick: boolean;
  /** Print one JSON document instead of tables. */
  json: boolean;
  /** Workloads to run (W1..W6); all when empty. */
  only: ReadonlySet<string>;
  /** Largest W4 size (rows). */
  maxRows: number;
}

/** Reads `--quick`, `--json`, `--only W1,W4` and `--rows N` from the arguments. */
export function readOptions(argv: readonly string[]): BenchOptions {
  const readFlagValue = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index === -1 ? undefined : argv[index + 1];
  };
  const quick = argv.includes("--quick");
  const only = new Set(
    (readFlagValue("--only") ?? "")
      .split(",")
      .map((name) => name.trim().toUpperCase())
      .filter((name) => name !== ""),
  );
  const rowsText = readFlagValue("--rows");
  const maxRows = rowsText === undefined ? (quick ? 20_000 : 1_000_000) : Number(rowsText);
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) {
    throw new Error(`--rows needs a positive whole number, got ${rowsText}.`);
  }
  return { quick, json: argv.includes("--json"), only, maxRows };
}

/** A temp folder removed on exit. */
export function createBenchDir(prefix = "bs-bench-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One line describing the machine, for the results table. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpu.trim()}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

/** Samples of one contender in one workload: per-operation times, or sizes. */
export interface Measurement {
  name: string;
  /** One value per round (µs per operation unless the section says otherwise). */
  samples: number[];
  /** Contender this one is compared with, when not the section's floor. */
  floor?: string;
}

/** One table of the report: contenders of one workload, compared with its floor. */
export interface Section {
  id: string;
  title: string;
  unit: string;
  /** Name of the contender the ratios are taken against. */
  floor: string;
  measurements: Measurement[];
}

/** A target of the issue, checked against the measured ratio. */
export interface TargetCheck {
  target: string;
  ratio: number;
  limit: number;
  met: boolean;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The median of the named contender in a section (NaN when it did not run). */
export function medianOf(section: Section | undefined, name: string): number {
  const measurement = section?.measurements.find((candidate) => candidate.name === name);
  return median(measurement?.samples ?? []);
}

/** Time per operation (µs) of `ops` operations run by `body`. */
export async function timePerOp(ops: number, body: () => unknown): Promise<number> {
  const started = performance.now();
  await body();
  return ((performance.now() - started) * 1000) / ops;
}

/** Writes every dirty page back to disk (`sync`), where the command exists. */
export function flushFileSystems(): void {
  try {
    execFileSync("sync", { stdio: "ignore" });
  } catch {
    // No `sync` command (Windows): runs then share the machine with the kernel's write-back.
  }
}

/**
 * Runs each contender `rounds` times, alternating them within each round so drift of the
 * machine (other work, thermal state) affects all alike. Dirty pages a contender leaves are
 * written back before the next one starts, so none pays for another's writes. Returns per-op
 * samples per contender.
 */
export async function alternate(
  rounds: number,
  contenders: Record<string, () => Promise<number>>,
): Promise<Measurement[]> {
  const results = Object.keys(contenders).map((name) => ({ name, samples: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    for (const result of results) {
      const run = contenders[result.name];
      if (run) result.samples.push(await run());
      flushFileSystems();
    }
  }
  return results;
}

/** Compares `ratio` with `limit` (lower is better). */
export function checkTarget(target: string, ratio: number, limit: number): TargetCheck {
  return { target, ratio, limit, met: Number.isFinite(ratio) && ratio <= limit };
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (value >= 1000) return value.toFixed(0);
  if (value >= 100) return value.toFixed(1);
  return value.toFixed(2);
}

/** A section as a markdown table: median, min–max and the ratio to the floor. */
export function formatSection(section: Section): string {
  const lines = [
    `\n### ${section.id} — ${section.title}`,
    "",
    `| contender | median ${section.unit} | min–max | × floor |`,
    "| --- | ---: | ---: | ---: |",
  ];
  for (const measurement of section.measurements) {
    const value = median(measurement.samples);
    const range = `${formatNumber(Math.min(...measurement.samples))}–${formatNumber(Math.max(...measurement.samples))}`;
    const floor = medianOf(section, measurement.floor ?? section.floor);
    const ratio = Number.isFinite(floor) && floor > 0 ? (value / floor).toFixed(2) : "—";
    lines.push(`| ${measurement.name} | ${formatNumber(value)} | ${range} | ${ratio} |`);
  }
  return lines.join("\n");
}

/** The target list as a markdown table. */
export function formatTargets(targets: readonly TargetCheck[]): string {
  const lines = [
    "\n### Targets",
    "",
    "| target | measured | limit | met |",
    "| --- | ---: | ---: | --- |",
  ];
  for (const target of targets) {
    lines.push(
      `| ${target.target} | ${formatNumber(target.ratio)}× | ${target.limit}× | ${target.met ? "yes" : "**no**"} |`,
    );
  }
  return lines.join("\n");
}

/** A JSON-like object of about `bytes` encoded bytes, like a typical API response. */
export function makeValue(seed: number, bytes = 1024): Record<string, unknown> {
  const words = Math.max(1, Math.floor((bytes - 120) / 12));
  return {
    id: seed,
    model: "fake-model-1",
    created: 1_700_000_000 + seed,
    choices: [
      {
        index: 0,
        finish_reason: "stop",
        message: { role: "assistant", content: "lorem ipsum ".repeat(words) },
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: words * 2, total_tokens: 12 + words * 2 },
  };
}

/** Random integers below `limit`, drawn once so every contender looks up the same keys. */
export function drawIndexes(count: number, limit: number): number[] {
  return Array.from({ length: count }, () => Math.floor(Math.random() * limit));
}
