/**
 * @module durability — how much of what a Spot stores survives: a crash of the process
 * (`"normal"`, the default) or a power loss and OS crash too (`"full"`). See docs/durability.md.
 */

import { ValidationError } from "./errors.js";

/**
 * `"normal"`: rows are committed with SQLite's `synchronous = NORMAL` and blobs are renamed into
 * place without an fsync; both survive a crash of the process, and what a power loss tears is
 * caught by the size and digest check and recomputed. `"full"`: every row commit and every blob
 * is fsynced, so each stored result survives a power loss (slower: see BENCHMARKS.md).
 */
export type Durability = "normal" | "full";

const DURABILITIES: readonly Durability[] = ["normal", "full"];

/** Throws a ValidationError unless `value` is a durability level; `option` names it in the message. */
export function requireDurability(value: unknown, option: string): Durability {
  if (!DURABILITIES.includes(value as Durability)) {
    throw new ValidationError(
      `Option \`${option}\` must be "normal" (survives a crash of the process) or "full" (also survives a power loss, slower), got ${typeof value === "string" ? JSON.stringify(value) : String(value)}.`,
    );
  }
  return value as Durability;
}
