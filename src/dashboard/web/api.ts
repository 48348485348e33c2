/** @module dashboard/web/api — calls to the dashboard server; mutations carry the page's session token. */

import type {
  DataVersion,
  DeleteMatchingRequest,
  FunctionOverview,
  RelatedEntries,
  RetryOutcome,
  TableFilter,
  TableSummary,
  TaskPage,
  TaskView,
} from "../api-types.js";

/** The table's query: a filter plus paging and sorting. */
export interface PageRequest extends TableFilter {
  offset: number;
  limit: number;
  sort: string;
  order: "asc" | "desc";
}

function readToken(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="beautyspot-token"]');
  return meta?.content ?? "";
}

const token = readToken();

/** Whether this page may delete: the server leaves the token out for other machines it keeps read-only. */
export const canDelete = token !== "";

function toQuery(values: object): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== "") params.set(name, String(value));
  }
  return params.toString();
}

async function requestJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, {
    ...init,
    headers: { ...init.headers, Accept: "application/json" },
  });
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) {
    throw new Error(body.error ?? `The server answered ${response.status} for ${path}.`);
  }
  return body;
}

/** Error for a request that found nothing (a key deleted meanwhile). */
export class NotFoundError extends Error {}

export function fetchVersion(): Promise<DataVersion> {
  return requestJson<DataVersion>("/api/version");
}

export function fetchPage(request: PageRequest): Promise<TaskPage> {
  return requestJson<TaskPage>(`/api/tasks?${toQuery(request)}`);
}

export function fetchSummary(filter: TableFilter): Promise<TableSummary> {
  return requestJson<TableSummary>(`/api/summary?${toQuery(filter)}`);
}

export function fetchFunctionOverview(): Promise<FunctionOverview> {
  return requestJson<FunctionOverview>("/api/functions");
}

export async function fetchTask(cacheKey: string): Promise<TaskView> {
  const response = await fetch(`/api/tasks/${encodeURIComponent(cacheKey)}`);
  if (response.status === 404) throw new NotFoundError(`Entry ${cacheKey} no longer exists.`);
  const body = (await response.json()) as TaskView & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `The server answered ${response.status}.`);
  return body;
}

export function deleteTask(cacheKey: string): Promise<{ deleted: boolean }> {
  return requestJson(`/api/tasks/${encodeURIComponent(cacheKey)}`, {
    method: "DELETE",
    headers: { "X-Beautyspot-Token": token },
  });
}

export function deleteMatching(request: DeleteMatchingRequest): Promise<{ deleted: number }> {
  return requestJson("/api/tasks/delete-matching", {
    method: "POST",
    headers: { "X-Beautyspot-Token": token, "Content-Type": "application/json" },
    body: JSON.stringify(request),
  });
}

export function fetchRelated(cacheKey: string): Promise<RelatedEntries> {
  return requestJson<RelatedEntries>(`/api/tasks/${encodeURIComponent(cacheKey)}/related`);
}

/** Runs the entry's function again (in-program dashboard only); the old entry is kept as a copy. */
export function retryTask(cacheKey: string): Promise<RetryOutcome> {
  return requestJson<RetryOutcome>(`/api/tasks/${encodeURIComponent(cacheKey)}/retry`, {
    method: "POST",
    headers: { "X-Beautyspot-Token": token },
  });
}
