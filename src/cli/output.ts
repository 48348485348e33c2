/** @module cli/output — tables and colour on a terminal, plain text when piped, JSON for scripts. */

import Table from "cli-table3";
import picocolors from "picocolors";
import { escapeJson } from "./escape.js";

/** The colour functions the CLI uses; identity functions when colour is off. */
export type Colors = ReturnType<typeof picocolors.createColors>;

/** Column alignment in a table. */
export type Alignment = "left" | "right";

/** Whether a stream is an interactive terminal on which colour is wanted. */
export function isColorTerminal(stream: NodeJS.WriteStream): boolean {
  const environment = process.env;
  if ("NO_COLOR" in environment) return false;
  if ("FORCE_COLOR" in environment) return environment.FORCE_COLOR !== "0";
  return stream.isTTY === true && environment.TERM !== "dumb";
}

/** Stream errors that only mean the reader has gone (`beautyspot list | head -3`). */
const CLOSED_READER_CODES = new Set(["EPIPE", "ERR_STREAM_DESTROYED"]);

/**
 * Lets the command finish when the reader of stdout or stderr stops early: what it writes from
 * then on is dropped, and the exit code stays the command's own (0 when it succeeded). Ending
 * the process at the first failed write instead could cut a clean-up short between two steps.
 * Any other write error is reported once on stderr, with exit code 1.
 */
export function tolerateClosedReaders(): void {
  let reported = false;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== undefined && CLOSED_READER_CODES.has(error.code)) return;
      process.exitCode = 1;
      if (reported || stream === process.stderr) return;
      reported = true;
      process.stderr.write(
        `beautyspot: Cannot write the output: ${error.message}. Check where the output goes (a full disk, a closed terminal).\n`,
      );
    });
  }
}

/** Borderless, uncoloured characters for piped output: columns separated by two spaces. */
const PLAIN_CHARS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

/**
 * Where a command writes. Results go to stdout; progress, prompts and notes go to stderr so that
 * piping stdout into another program gets only the results.
 */
export class Output {
  /** Whether stdout is a terminal: tables get borders and colour. */
  readonly terminal: boolean;
  /** Whether results are printed as JSON. */
  readonly json: boolean;
  readonly colors: Colors;
  readonly errorColors: Colors;

  constructor(options: { json?: boolean } = {}) {
    this.json = options.json === true;
    this.terminal = process.stdout.isTTY === true;
    this.colors = picocolors.createColors(isColorTerminal(process.stdout));
    this.errorColors = picocolors.createColors(isColorTerminal(process.stderr));
  }

  /** Prints a line of results. */
  print(text = ""): void {
    process.stdout.write(`${text}\n`);
  }

  /** Prints a note (not a result) on stderr, so it never mixes into piped results. */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  /** Prints `value` as indented JSON, with every character a terminal would act on escaped. */
  printJson(value: unknown): void {
    process.stdout.write(`${escapeJson(JSON.stringify(value, null, 2))}\n`);
  }

  /** Prints rows under a header: boxed on a terminal, aligned plain columns otherwise. */
  printTable(
    head: readonly string[],
    rows: readonly (readonly string[])[],
    alignments: readonly Alignment[] = [],
  ): void {
    const colAligns = head.map((_, index) => alignments[index] ?? "left");
    const table = this.terminal
      ? new Table({
          head: head.map((title) => this.colors.bold(title)),
          colAligns,
          style: { head: [], border: this.colors.isColorSupported ? ["gray"] : [] },
        })
      : new Table({
          head: [...head],
          colAligns,
          chars: PLAIN_CHARS,
          style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
        });
    for (const row of rows) table.push([...row]);
    const text = table.toString();
    // Plain columns pad the last cell too; trailing blanks only get in the way of scripts.
    this.print(this.terminal ? text : text.replace(/[ \t]+$/gm, ""));
  }
}

const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

/** A byte count for people: `532 B`, `1.4 KB`, `12.0 MB` (powers of 1024). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "-";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** An ISO timestamp as `YYYY-MM-DD HH:MM:SS` (UTC), or a placeholder for none. */
export function formatTimestamp(iso: string | null | undefined, none = "-"): string {
  if (iso === null || iso === undefined) return none;
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Date(time).toISOString().slice(0, 19).replace("T", " ");
}

/** A duration for people: `850 ms`, `12.4 s`, `3.2 min`, `1.5 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A share from 0 to 1 as a percentage: `62.5%`. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** A count with thousands separators. */
export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/** `1 entry` / `3 entries`. */
export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : plural}`;
}
