/** @module cli/records — how commands show a record's fields when some hold unusable stored values. */

import type { RecordProblemField, TaskRecord } from "../index.js";
import { escapeInline } from "./escape.js";
import type { Colors } from "./output.js";

/** `text` made safe for a terminal, or `invalid` (in red) when the record names a problem with `field`. */
export function showField(
  record: TaskRecord,
  field: RecordProblemField,
  text: string,
  colors: Colors,
): string {
  return record.problems?.[field] === undefined ? escapeInline(text) : colors.red("invalid");
}

/** The problem messages of a record, one a line, or none for a sound record. */
export function listProblems(record: TaskRecord): string[] {
  return record.problems === undefined ? [] : Object.values(record.problems);
}
