/**
 * @module cli/function-filter — what a `--func` value names in a database: one function, several
 * (an error), or none (a typo, or a function whose entries are gone).
 */

import type { MaintenanceService } from "../index.js";
import type { FunctionSummary } from "../maintenance/service.js";
import { showDatabase } from "./database.js";
import { UsageError } from "./errors.js";
import { escapeInline } from "./escape.js";
import type { Output } from "./output.js";
import { findClosestNames } from "./suggestions.js";

/** `name (identity)` or just the name when both are the same. */
function describeFunction(summary: FunctionSummary): string {
  return summary.funcName === summary.funcIdentifier
    ? summary.funcName
    : `${summary.funcName} (${summary.funcIdentifier})`;
}

/** What a `--func` value names in a database. */
export type FunctionLookup =
  | { found: true; identity: string }
  | {
      found: false;
      /** Every function of the database, to list. */
      known: FunctionSummary[];
      /** Names or identities close to the typed name: likely typos. */
      closest: string[];
    };

/** Functions listed in an "unknown function" message; more are counted, not listed. */
const MAX_FUNCTIONS_LISTED = 20;

/**
 * Looks a `--func` value up among the functions of the database: the function whose identity it
 * is, else the one function whose short name it is. A short name several functions share is a
 * usage error listing their identities, so a command never covers more functions than meant. A
 * name no function has is reported (with the names it is close to), for the caller to decide:
 * the function may have had entries once, which were removed since.
 */
export async function lookUpFunction(
  service: MaintenanceService,
  databasePath: string,
  func: string,
): Promise<FunctionLookup> {
  const known = await service.functions();
  if (known.some((summary) => summary.funcIdentifier === func)) {
    return { found: true, identity: func };
  }
  const owners = known.filter((summary) => summary.funcName === func);
  const [owner] = owners;
  if (owners.length === 1 && owner !== undefined) {
    return { found: true, identity: owner.funcIdentifier };
  }
  if (owner !== undefined) {
    throw new UsageError(
      `--func ${func} is ambiguous in ${showDatabase(databasePath)}: it is the short name of ${owners.length} functions (${owners.map((summary) => summary.funcIdentifier).join(", ")}). Pass the full identity of the one you mean, such as --func ${owner.funcIdentifier}.`,
    );
  }
  return { found: false, known, closest: findClosestNames(func, listFunctionNames(known)) };
}

/** What `--func` takes for each function: its identity, and its short name when only it has it. */
function listFunctionNames(known: readonly FunctionSummary[]): string[] {
  const owners = new Map<string, number>();
  for (const summary of known)
    owners.set(summary.funcName, (owners.get(summary.funcName) ?? 0) + 1);
  return known.flatMap((summary) =>
    owners.get(summary.funcName) === 1 && summary.funcName !== summary.funcIdentifier
      ? [summary.funcIdentifier, summary.funcName]
      : [summary.funcIdentifier],
  );
}

/**
 * "No function named "x" in db. Did you mean y? Known functions: …": why a `--func` value
 * matched nothing, and what it could be instead.
 */
export function describeUnknownFunction(
  func: string,
  databasePath: string,
  lookup: { known: readonly FunctionSummary[]; closest: readonly string[] },
): string {
  const where = `No function named ${JSON.stringify(func)} in ${showDatabase(databasePath)}`;
  if (lookup.known.length === 0) return `${where}: the database has no entries.`;
  const guess = lookup.closest.length === 0 ? "" : ` Did you mean ${lookup.closest.join(" or ")}?`;
  const listed = lookup.known.slice(0, MAX_FUNCTIONS_LISTED).map(describeFunction).join(", ");
  const more =
    lookup.known.length > MAX_FUNCTIONS_LISTED
      ? ` and ${lookup.known.length - MAX_FUNCTIONS_LISTED} more`
      : "";
  return `${where}.${guess} Known functions: ${listed}${more}.`;
}

/**
 * Turns a `--func` value into the identity of one function in the database (see
 * `lookUpFunction`). A name no function has is a usage error here: read commands use it, where
 * such a name is most likely a typo.
 */
export async function requireKnownFunction(
  service: MaintenanceService,
  databasePath: string,
  func: string | undefined,
): Promise<string | undefined> {
  if (func === undefined) return undefined;
  const lookup = await lookUpFunction(service, databasePath, func);
  if (lookup.found) return lookup.identity;
  const hint =
    lookup.known.length === 0
      ? " Leave out --func."
      : " Pass one of them (short name or identity) to --func.";
  throw new UsageError(`${describeUnknownFunction(func, databasePath, lookup)}${hint}`);
}

/**
 * The function a destructive command's `--func` covers. A name no function has means nothing to
 * remove, not a mistake: its entries may be gone already (`clear --func x` run twice). The name
 * is returned as typed, so the command finds no entries and says so; a note on stderr names
 * what the user may have meant. A short name several functions share stays a usage error.
 */
export async function resolveFunctionToRemove(
  service: MaintenanceService,
  databasePath: string,
  func: string | undefined,
  output: Output,
): Promise<string | undefined> {
  if (func === undefined) return undefined;
  const lookup = await lookUpFunction(service, databasePath, func);
  if (lookup.found) return lookup.identity;
  if (lookup.known.length > 0) {
    output.note(
      output.errorColors.yellow(escapeInline(describeUnknownFunction(func, databasePath, lookup))),
    );
  }
  return func;
}
