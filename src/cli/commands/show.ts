/** @module cli/commands/show — one entry: its metadata and its decoded (or rescued) value. */

import type { MaintenanceService, TaskRecord } from "../../index.js";
import { closeDatabase, describeDatabase, openDatabase, showDatabase } from "../database.js";
import { CommandFailedError, UsageError } from "../errors.js";
import { escapeInline, escapeText } from "../escape.js";
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatTimestamp,
  Output,
  pluralize,
} from "../output.js";
import { listProblems, showField } from "../records.js";
import { renderValue, toJsonValue } from "../values.js";

/** Options of `beautyspot show`. */
export interface ShowCommandOptions {
  json?: boolean;
  /**
   * Print binary values as a hex dump, and text exactly as stored: control characters (escape
   * sequences, bidi overrides) are otherwise shown escaped. @default false
   */
  raw?: boolean;
  /**
   * Print the whole value on a terminal too, where a long one is otherwise cut to the first
   * lines. Piped output is never cut. @default false
   */
  full?: boolean;
  blobDir?: string;
}

/**
 * A value shown on a terminal is cut after this many lines or characters, whichever comes first:
 * about a screenful, so that the metadata above it stays in view. Scripts read a pipe, which is
 * never cut.
 */
const TERMINAL_VALUE_LINES = 40;
const TERMINAL_VALUE_CHARACTERS = 4096;

/** The start of `text` that fits a screen, and what was left out; `undefined` when all fits. */
export function cutForTerminal(
  text: string,
): { shown: string; hiddenLines: number; hiddenCharacters: number } | undefined {
  let end = 0;
  let lines = 0;
  while (lines < TERMINAL_VALUE_LINES && end < text.length) {
    const newline = text.indexOf("\n", end);
    const lineEnd = newline === -1 ? text.length : newline + 1;
    lines += 1;
    if (lineEnd > TERMINAL_VALUE_CHARACTERS) {
      end = Math.max(end, TERMINAL_VALUE_CHARACTERS);
      break;
    }
    end = lineEnd;
  }
  if (end >= text.length) return undefined;
  // Never split a surrogate pair: half of it would print as a replacement character.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  const shown = text.slice(0, end);
  const rest = text.slice(end);
  // Lines wholly left out; the rest of a line cut in the middle does not count as one.
  const restLines = rest.split("\n").length - (rest.endsWith("\n") ? 1 : 0);
  const hiddenLines = restLines - (shown.endsWith("\n") ? 0 : 1);
  return { shown: shown.replace(/\n$/, ""), hiddenLines, hiddenCharacters: rest.length };
}

/** The full key for what was typed, or a usage error naming the candidates. */
async function resolveKey(
  service: MaintenanceService,
  databasePath: string,
  prefix: string,
): Promise<string> {
  const resolved = await service.resolveKeyPrefix(prefix);
  if (resolved === undefined) {
    throw new UsageError(
      `No entry in ${showDatabase(databasePath)} has a key starting with ${prefix}. \`beautyspot list ${showDatabase(databasePath)}\` shows the keys.`,
    );
  }
  if (typeof resolved === "string") return resolved;
  // The service returns at most 20 candidates: with 20 there may be more.
  const count = resolved.length >= 20 ? `at least ${resolved.length}` : `${resolved.length}`;
  throw new UsageError(
    `Key prefix ${prefix} is ambiguous: it matches ${count} entries (${resolved.join(", ")}). Type more characters of the key.`,
  );
}

/**
 * The value as `show` prints it: text as stored with `--raw`; otherwise with every control
 * character escaped, inspected data included (uncoloured, so that no escape sequence of its own
 * has to pass).
 */
function renderShownValue(value: unknown, contentType: string | null, raw: boolean): string {
  if (raw && typeof value === "string") return value;
  return escapeText(renderValue(value, { contentType, raw, colors: false }));
}

/**
 * Prints the value: whole into a pipe, with --full or --raw; on a terminal, a long value is cut
 * to a screenful with a note saying how much more there is and how to see it.
 */
function printValue(output: Output, text: string, options: ShowCommandOptions): void {
  const cut =
    output.terminal && options.full !== true && options.raw !== true
      ? cutForTerminal(text)
      : undefined;
  if (cut === undefined) {
    output.print(text);
    return;
  }
  output.print(cut.shown);
  const more =
    cut.hiddenLines > 0
      ? pluralize(cut.hiddenLines, "more line")
      : pluralize(cut.hiddenCharacters, "more character");
  output.note(
    output.errorColors.dim(
      `… ${more} not shown (${formatBytes(Buffer.byteLength(text))} in all); --full prints everything (or --raw, --json, or pipe the output).`,
    ),
  );
}

/** How long the call that made the entry took, and its tokens: "412 ms, 300 tokens". */
function describeOriginalCall(record: TaskRecord): string {
  const duration =
    record.durationMs === null || record.durationMs === undefined
      ? "not recorded"
      : formatDuration(record.durationMs);
  return record.tokens === null || record.tokens === undefined
    ? duration
    : `${duration}, ${formatCount(record.tokens)} tokens`;
}

/** Runs `beautyspot show <db> <key-or-prefix>`. */
export async function runShow(
  databasePath: string,
  keyOrPrefix: string,
  options: ShowCommandOptions,
): Promise<void> {
  const output = new Output(options);
  const service = openDatabase(databasePath, { readonly: true, blobDir: options.blobDir });
  try {
    const key = await resolveKey(service, databasePath, keyOrPrefix);
    const detail = await service.getTaskDetail(key);
    if (detail === undefined) {
      throw new CommandFailedError(
        `Entry ${key} was deleted while it was being read. Run \`beautyspot list ${showDatabase(databasePath)}\` to see what is left.`,
      );
    }
    const { record } = detail;
    if (output.json) {
      output.printJson({
        database: describeDatabase(databasePath),
        record,
        rescued: detail.rescued,
        ...(detail.decodeError === undefined ? {} : { decodeError: detail.decodeError }),
        ...(detail.error === undefined
          ? { value: toJsonValue(detail.value, record.contentType) }
          : { error: detail.error }),
      });
    } else {
      const { colors } = output;
      const fields: [string, string][] = [
        ["Key", escapeInline(record.cacheKey)],
        [
          "Function",
          `${showField(record, "funcName", record.funcName, colors)} (${showField(record, "funcIdentifier", record.funcIdentifier, colors)})`,
        ],
        ["Version", escapeInline(record.version ?? "-")],
        ["Input id", escapeInline(record.inputId)],
        [
          "Stored",
          showField(
            record,
            "resultType",
            record.resultType === "FILE"
              ? `blob ${record.resultValue ?? "(no location)"}`
              : "inline",
            colors,
          ),
        ],
        ["Content type", escapeInline(record.contentType ?? "-")],
        ["Size", showField(record, "size", formatBytes(record.size), colors)],
        [
          "Updated",
          showField(record, "updatedAt", `${formatTimestamp(record.updatedAt)} UTC`, colors),
        ],
        [
          "Expires",
          showField(
            record,
            "expiresAt",
            record.expiresAt === null ? "never" : `${formatTimestamp(record.expiresAt)} UTC`,
            colors,
          ),
        ],
        ["Call took", describeOriginalCall(record)],
        ["Hits", formatCount(record.hits ?? 0)],
      ];
      for (const [label, value] of fields)
        output.print(`${colors.bold(`${label}:`.padEnd(14))}${value}`);
      const problems = listProblems(record);
      if (problems.length > 0) {
        output.print(
          colors.yellow(
            `DAMAGED ROW: ${escapeInline(problems.join(" "))} Delete the entry in the dashboard (\`beautyspot ui ${showDatabase(databasePath)}\`); a call recomputes it.`,
          ),
        );
      }
      output.print();
      if (detail.error === undefined) {
        if (detail.rescued) {
          output.print(
            colors.yellow(
              escapeInline(
                `RESCUED RAW DATA: the stored value no longer decodes${detail.decodeError === undefined ? "" : ` (${detail.decodeError})`}; below is the raw data of its encoding.`,
              ),
            ),
          );
        }
        printValue(
          output,
          renderShownValue(detail.value, record.contentType, options.raw === true),
          options,
        );
      }
    }
    if (detail.error !== undefined) {
      throw new CommandFailedError(`The value of ${key} cannot be shown: ${detail.error}`);
    }
  } finally {
    closeDatabase(service);
  }
}
