/** @module bench/lib — timing helpers shared by the benchmarks (medians of alternating rounds). */

import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

/** A temp folder removed on exit. */
export function benchDir(prefix = "bs-bench-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One line describing the machine, for the results table. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpu.trim()}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

export interface Measurement {
  name: string;
  /** Per-operation times (µs), one per round. */
  samples: number[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Time per operation (µs) of `ops` operations run by `body`. */
export async function timePerOp(ops: number, body: () => unknown): Promise<number> {
  const started = performance.now();
  await body();
  return ((performance.now() - started) * 1000) / ops;
}

/**
 * Runs each contender `rounds` times, alternating them within each round so drift of the
 * machine affects all alike. Returns per-op samples per contender.
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
    }
  }
  return results;
}

/** Formats measurements as a table with ratios to `floorName`. */
export function formatTable(
  title: string,
  measurements: readonly Measurement[],
  floorName: string,
): string {
  const floor = median(
    measurements.find((measurement) => measurement.name === floorName)?.samples ?? [1],
  );
  const lines = [
    `\n${title}`,
    `${"contender".padEnd(44)} ${"median µs".padStart(11)} ${"min–max µs".padStart(19)} ${"× floor".padStart(8)}`,
  ];
  for (const measurement of measurements) {
    const value = median(measurement.samples);
    const range = `${Math.min(...measurement.samples).toFixed(2)}–${Math.max(...measurement.samples).toFixed(2)}`;
    lines.push(
      `${measurement.name.padEnd(44)} ${value.toFixed(2).padStart(11)} ${range.padStart(19)} ${(value / floor).toFixed(2).padStart(8)}`,
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
