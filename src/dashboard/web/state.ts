/**
 * @module dashboard/web/state — what the table shows (filter, sort, page, selected entry), kept in
 * the URL hash so a reload or a shared link shows the same view.
 */

import type { ResultType } from "../../db/types.js";
import type { TableFilter } from "../api-types.js";
import type { PageRequest } from "./api.js";

export interface ViewState {
  func?: string;
  resultType?: ResultType;
  contentType?: string;
  search?: string;
  sort: string;
  order: "asc" | "desc";
  offset: number;
  limit: number;
  /** The entry open in the detail pane. */
  key?: string;
  /** Entries shown side by side, comma-separated keys. */
  compare?: string;
}

export const PAGE_SIZES = [25, 50, 100, 200];
const DEFAULT_LIMIT = 50;

function readText(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === "" ? undefined : value;
}

function readNumber(params: URLSearchParams, name: string, fallback: number): number {
  const value = Number(params.get(name) ?? Number.NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** The state in `location.hash`, with defaults for what it leaves out. */
export function readStateFromHash(hash: string = location.hash): ViewState {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const resultType = readText(params, "resultType");
  const limit = readNumber(params, "limit", DEFAULT_LIMIT);
  const state: ViewState = {
    sort: readText(params, "sort") ?? "updatedAt",
    order: params.get("order") === "asc" ? "asc" : "desc",
    offset: readNumber(params, "offset", 0),
    limit: PAGE_SIZES.includes(limit) ? limit : DEFAULT_LIMIT,
  };
  const func = readText(params, "func");
  if (func !== undefined) state.func = func;
  if (resultType === "DIRECT_BLOB" || resultType === "FILE") state.resultType = resultType;
  const contentType = readText(params, "contentType");
  if (contentType !== undefined) state.contentType = contentType;
  const search = readText(params, "search");
  if (search !== undefined) state.search = search;
  const key = readText(params, "key");
  if (key !== undefined) state.key = key;
  const compare = readText(params, "compare");
  if (compare !== undefined) state.compare = compare;
  return state;
}

/** Writes the state into the hash without adding a history entry per keystroke. */
export function writeStateToHash(state: ViewState): void {
  const params = new URLSearchParams();
  for (const name of ["func", "resultType", "contentType", "search", "key", "compare"] as const) {
    const value = state[name];
    if (value !== undefined) params.set(name, value);
  }
  if (state.sort !== "updatedAt") params.set("sort", state.sort);
  if (state.order !== "desc") params.set("order", state.order);
  if (state.offset !== 0) params.set("offset", String(state.offset));
  if (state.limit !== DEFAULT_LIMIT) params.set("limit", String(state.limit));
  const hash = params.toString();
  history.replaceState(null, "", hash === "" ? location.pathname : `#${hash}`);
}

export function selectFilter(state: ViewState): TableFilter {
  const filter: TableFilter = {};
  if (state.func !== undefined) filter.func = state.func;
  if (state.resultType !== undefined) filter.resultType = state.resultType;
  if (state.contentType !== undefined) filter.contentType = state.contentType;
  if (state.search !== undefined) filter.search = state.search;
  return filter;
}

export function selectPageRequest(state: ViewState): PageRequest {
  return {
    ...selectFilter(state),
    offset: state.offset,
    limit: state.limit,
    sort: state.sort,
    order: state.order,
  };
}

/** Whether any filter narrows the table. */
export function isFiltered(state: ViewState): boolean {
  return Object.keys(selectFilter(state)).length > 0;
}
