/** @module cli/commands/show — one entry: its metadata and its decoded (or rescued) value. */

import path from "node:path";
import type { MaintenanceService } from "../../index.js";
import { closeDatabase, openDatabase } from "../database.js";
import { CommandFailedError, UsageError } from "../errors.js";
import { escapeInline, escapeText } from "../escape.js";
import { formatBytes, formatTimestamp, Output } from "../output.js";
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
  blobDir?: string;
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
      `No entry in ${databasePath} has a key starting with ${prefix}. \`beautyspot list ${databasePath}\` shows the keys.`,
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
        `Entry ${key} was deleted while it was being read. Run \`beautyspot list ${databasePath}\` to see what is left.`,
      );
    }
    const { record } = detail;
    if (output.json) {
      output.printJson({
        database: path.resolve(databasePath),
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
      ];
      for (const [label, value] of fields)
        output.print(`${colors.bold(`${label}:`.padEnd(14))}${value}`);
      const problems = listProblems(record);
      if (problems.length > 0) {
        output.print(
          colors.yellow(
            `DAMAGED ROW: ${escapeInline(problems.join(" "))} Delete the entry in the dashboard (\`beautyspot ui ${databasePath}\`); a call recomputes it.`,
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
        output.print(renderShownValue(detail.value, record.contentType, options.raw === true));
      }
    }
    if (detail.error !== undefined) {
      throw new CommandFailedError(`The value of ${key} cannot be shown: ${detail.error}`);
    }
  } finally {
    closeDatabase(service);
  }
}
