/**
 * @module dashboard/api-types — the JSON shapes the dashboard server sends and its page reads.
 * Type-only, so both the server (Node) and the page (browser) compile against one contract.
 */

import type { ResultType, TaskRecord } from "../db/types.js";

/** Filters of the task table, as query parameters and in bulk deletions. */
export interface TableFilter {
  /** Function identity or short name. */
  func?: string;
  resultType?: ResultType;
  contentType?: string;
  /** Substring of the cache key, input id, function identity or input preview. */
  search?: string;
}

/** `GET /api/tasks`: one page, newest first unless sorted otherwise. */
export interface TaskPage {
  rows: TaskRecord[];
  offset: number;
  limit: number;
  /** Whether a next page exists (found by reading one row more, so no count is needed). */
  hasMore: boolean;
}

/** `GET /api/summary`: totals, which cost a scan at a million rows and are therefore separate. */
export interface TableSummary {
  /** Rows matching the filter of the request. */
  matching: number;
  /** Rows in the whole database. */
  rows: number;
  /** Encoded bytes in the whole database. */
  bytes: number;
  functions: { funcIdentifier: string; funcName: string; rows: number }[];
  contentTypes: { contentType: string | null; rows: number; bytes: number }[];
  /** The data version these totals were computed at. */
  version: string;
}

/**
 * What the cache saved for one function, or in total. A figure is `null` when it was never
 * recorded for any of the entries (rows of the Python library or of older versions): the page
 * says "not recorded" rather than 0.
 */
export interface SavedView {
  rows: number;
  bytes: number;
  hits: number;
  /** hits / (hits + entries): the share of calls the entries answered without running the function. */
  hitRate: number;
  timeSavedMs: number | null;
  tokensSaved: number | null;
}

/** `GET /api/functions`: the function overview, one row per function identity, most entries first. */
export interface FunctionOverview {
  functions: (SavedView & { funcIdentifier: string })[];
  total: SavedView;
  /** The data version these figures were computed at. */
  version: string;
}

/** `GET /api/version`: a token that changes whenever the database changes. */
export interface DataVersion {
  version: string;
}

/**
 * A decoded value as a display tree. Every JavaScript value the serializer can return maps to
 * one node, so `undefined`, `NaN`, `Map`, `Date` and bytes stay distinguishable on screen.
 */
export type ValueNode =
  | { kind: "null" }
  | { kind: "undefined" }
  | { kind: "boolean"; value: boolean }
  /** Numbers as text so `NaN`, `Infinity` and `-0` survive JSON. */
  | { kind: "number"; value: string }
  | { kind: "bigint"; value: string }
  | { kind: "string"; value: string; length: number; truncated: boolean }
  | { kind: "date"; value: string }
  | { kind: "bytes"; size: number; hex: string; truncated: boolean }
  | { kind: "array"; typeName: string; items: ValueNode[]; length: number; truncated: boolean }
  | { kind: "object"; className: string | null; entries: [string, ValueNode][]; truncated: boolean }
  | { kind: "map"; entries: [ValueNode, ValueNode][]; size: number; truncated: boolean }
  | { kind: "set"; items: ValueNode[]; size: number; truncated: boolean }
  | { kind: "other"; text: string };

/** `GET /api/tasks/:key`: an entry's metadata and its value for display. */
export interface TaskView {
  record: TaskRecord;
  /** The value as a tree; `undefined` when `error` says why there is none. */
  value?: ValueNode;
  /** The value as text, when it is a string or bytes shown by a text-based renderer. */
  text?: string;
  /** Whether `text` was cut (the raw URL has all of it). */
  textTruncated?: boolean;
  /** The value is raw data rescued from an encoding that no longer decodes. */
  rescued: boolean;
  /** Why the value could not be read (missing blob, failed integrity check). */
  error?: string;
  /** Why the value had to be rescued. */
  decodeError?: string;
  /** Where the value's bytes are served, with range support, for images, audio, video and frames. */
  rawUrl: string;
  /** Size in bytes of what `rawUrl` serves, when the value has a byte form. */
  rawSize?: number;
  /** The call's arguments on one line, redacted, when they were stored. */
  inputPreview?: string;
  /** The stored arguments (redacted), when they were stored: absent means "not recorded". */
  arguments?: ArgumentsView;
  /** Whether Retry is offered here, and why not (set by the server for every entry). */
  retry?: RetryAvailability;
  /**
   * Set when this entry was stored under an older version (or source, for `version: "auto"`)
   * than its function's newest entry: that entry's version.
   */
  newerVersion?: string | null;
}

/** An entry's stored arguments, as the detail and compare views show them. */
export interface ArgumentsView {
  /** An object with one field per argument, named after its parameter. */
  tree: ValueNode;
  /** Whether the arguments are stored exactly (nothing redacted or replaced by a description). */
  complete: boolean;
  /** Paths of the fields that were redacted. */
  redacted: string[];
}

/** Whether Retry is offered for an entry. */
export interface RetryAvailability {
  available: boolean;
  /** Why not, when it is not. */
  reason?: string;
}

/** `POST /api/tasks/:key/retry`: the entry now holds the new result; the old one was copied. */
export interface RetryOutcome {
  cacheKey: string;
  /** Key of the copy of the old entry ("before retry"), or `null` when there was none. */
  previousKey: string | null;
}

/** `GET /api/tasks/:key/related`: the entries to compare an entry with. */
export interface RelatedEntries {
  /** Same function and input id, other versions (newest first). */
  otherVersions: TaskRecord[];
  /** Same function and version, other arguments (newest first). */
  otherArguments: TaskRecord[];
  /** How many of the function's newest entries were looked at. */
  scanned: number;
  /** Whether those were all of the function's entries. */
  complete: boolean;
}

/** `POST /api/tasks/delete-matching` body: the filter shown and the count the user confirmed. */
export interface DeleteMatchingRequest {
  filter: TableFilter;
  /** At most this many rows are deleted (oldest first), so rows written after the confirmation survive. */
  expected: number;
}

/** An error answer of the API. */
export interface ApiError {
  error: string;
}
