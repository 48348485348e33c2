/**
 * @module cli/commands/why — `beautyspot why <db> <key-prefix | --func name>`: why an entry
 * exists beside the others of its function (the nearest ones and what differs), the same
 * explanation `wrapper.explain(...)` gives in a program.
 */

import type { Explanation } from "../../index.js";
import { closeDatabase, describeDatabase, openDatabase, showDatabase } from "../database.js";
import { UsageError } from "../errors.js";
import { escapeText } from "../escape.js";
import { Output } from "../output.js";

/** Options of `beautyspot why`. */
export interface WhyCommandOptions {
  json?: boolean;
  /** Explain the newest entry of this function instead of one given by key. */
  func?: string;
  blobDir?: string;
}

/** Runs `beautyspot why <db> [key-prefix] [--func name]`. */
export async function runWhy(
  databasePath: string,
  keyPrefix: string | undefined,
  options: WhyCommandOptions,
): Promise<void> {
  if ((keyPrefix === undefined) === (options.func === undefined)) {
    throw new UsageError(
      `beautyspot why needs either a key prefix or --func <name>, not ${keyPrefix === undefined ? "neither" : "both"}. Examples: \`beautyspot why ${showDatabase(databasePath)} 3f9a2c\`, \`beautyspot why ${showDatabase(databasePath)} --func summarize\`.`,
    );
  }
  const output = new Output(options);
  const service = openDatabase(databasePath, { readonly: true, blobDir: options.blobDir });
  try {
    let explanation: Explanation | undefined;
    if (keyPrefix !== undefined) {
      const resolved = await service.resolveKeyPrefix(keyPrefix);
      if (resolved === undefined) {
        throw new UsageError(
          `No entry in ${showDatabase(databasePath)} has a key starting with ${keyPrefix}: it was never stored (a miss that was not saved, or an entry since deleted). \`beautyspot why ${showDatabase(databasePath)} --func <name>\` compares a function's newest entry with the others; in a program, wrapper.explain(...args) explains any call.`,
        );
      }
      if (typeof resolved !== "string") {
        const count = resolved.length >= 20 ? `at least ${resolved.length}` : `${resolved.length}`;
        throw new UsageError(
          `Key prefix ${keyPrefix} is ambiguous: it matches ${count} entries (${resolved.join(", ")}). Type more characters of the key.`,
        );
      }
      explanation = await service.explainEntry(resolved);
    } else {
      explanation = await service.explainFunction(options.func as string);
      if (explanation === undefined) {
        const names = (await service.functions()).map((summary) => summary.funcIdentifier);
        throw new UsageError(
          `No function ${JSON.stringify(options.func)} has entries in ${showDatabase(databasePath)}.${names.length === 0 ? " The database is empty." : ` Functions with entries: ${names.slice(0, 20).join(", ")}.`}`,
        );
      }
    }
    if (explanation === undefined) {
      throw new UsageError(
        `The entry was deleted while it was being read. Run \`beautyspot list ${showDatabase(databasePath)}\` to see what is left.`,
      );
    }
    if (output.json) {
      output.printJson({ database: describeDatabase(databasePath), ...explanation });
    } else {
      output.print(escapeText(explanation.summary));
    }
  } finally {
    closeDatabase(service);
  }
}
