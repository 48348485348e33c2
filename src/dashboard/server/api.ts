/**
 * @module dashboard/server/api — the dashboard's JSON API over the public MaintenanceService:
 * pages, totals, details, raw values and deletions. No SQL here; what the service cannot do,
 * the dashboard does not do either.
 */

import type { ResultType, TaskQuery, TaskRecord, TaskSortField } from "../../db/types.js";
import { ContentType, STREAM_CONTENT_TYPE, ValidationError } from "../../index.js";
import { readStoredArguments } from "../../keys/arguments.js";
import type { CacheStats, MaintenanceService, SavedFigures } from "../../maintenance/service.js";
import type {
  DeleteMatchingRequest,
  FunctionOverview,
  RelatedEntries,
  SavedView,
  TableFilter,
  TableSummary,
  TaskPage,
  TaskView,
} from "../api-types.js";
import { readBaseType } from "./media.js";
import { describeValue, isBytes, joinStreamText, readRawBytes } from "./value.js";

/** Largest page the API serves: a screenful many times over, still one fast indexed query. */
export const MAX_PAGE_SIZE = 500;
/** Characters of text sent with a detail; the raw URL serves all of it. */
const MAX_DETAIL_TEXT = 2_000_000;
/** Entries listed per kind of related entry (other versions, other arguments). */
const RELATED_LIMIT = 20;
/**
 * Newest entries of a function looked at for related entries: a notebook compares recent trials,
 * and a bounded read keeps the detail as fast at a million rows as at a thousand.
 */
export const RELATED_SCAN = 500;
/** Rows deleted per round of a filtered bulk deletion. */
const DELETE_BATCH = 500;
/**
 * Totals need a scan at a million rows: recompute them at most once per this many times their
 * last cost, so a program writing continuously does not keep the server scanning.
 */
const SUMMARY_COST_FACTOR = 20;

const SORT_FIELDS: ReadonlySet<string> = new Set<TaskSortField>([
  "updatedAt",
  "funcName",
  "size",
  "expiresAt",
  "contentType",
]);
const RESULT_TYPES: ReadonlySet<string> = new Set<ResultType>(["DIRECT_BLOB", "FILE"]);

/** Content types whose value is shown as text (so bytes are decoded as UTF-8 for them). */
const TEXT_TYPES: ReadonlySet<string> = new Set([
  ContentType.TEXT,
  ContentType.JSON,
  ContentType.MARKDOWN,
  ContentType.HTML,
  ContentType.CSV,
  ContentType.MERMAID,
  ContentType.GRAPHVIZ,
  ContentType.SVG,
]);

function readOptionalText(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === "" ? undefined : value;
}

function readWholeNumber(params: URLSearchParams, name: string, fallback: number): number {
  const text = params.get(name);
  if (text === null || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      `Query parameter ${name} must be a whole number >= 0, got ${JSON.stringify(text)}.`,
    );
  }
  return value;
}

/** Validates a filter from query parameters or a request body. */
export function readFilter(source: URLSearchParams | TableFilter): TableFilter {
  const params =
    source instanceof URLSearchParams
      ? source
      : new URLSearchParams(
          Object.entries(source).filter(
            (entry): entry is [string, string] => typeof entry[1] === "string",
          ),
        );
  const filter: TableFilter = {};
  const func = readOptionalText(params, "func");
  if (func !== undefined) filter.func = func;
  const resultType = readOptionalText(params, "resultType");
  if (resultType !== undefined) {
    if (!RESULT_TYPES.has(resultType)) {
      throw new ValidationError(
        `resultType must be DIRECT_BLOB or FILE, got ${JSON.stringify(resultType)}.`,
      );
    }
    filter.resultType = resultType as ResultType;
  }
  const contentType = readOptionalText(params, "contentType");
  if (contentType !== undefined) filter.contentType = contentType;
  const search = readOptionalText(params, "search");
  if (search !== undefined) filter.search = search;
  return filter;
}

/** A page query from query parameters: filter, `offset`, `limit`, `sort`, `order`. */
export function readPageQuery(
  params: URLSearchParams,
): TaskQuery & { limit: number; offset: number } {
  const limit = readWholeNumber(params, "limit", 50);
  if (limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError(`limit must be between 1 and ${MAX_PAGE_SIZE}, got ${limit}.`);
  }
  const query: TaskQuery & { limit: number; offset: number } = {
    ...readFilter(params),
    limit,
    offset: readWholeNumber(params, "offset", 0),
  };
  const sort = readOptionalText(params, "sort");
  if (sort !== undefined) {
    if (!SORT_FIELDS.has(sort)) {
      throw new ValidationError(
        `sort must be one of ${[...SORT_FIELDS].join(", ")}, got ${JSON.stringify(sort)}.`,
      );
    }
    query.sortBy = sort as TaskSortField;
  }
  const order = readOptionalText(params, "order");
  if (order !== undefined) {
    if (order !== "asc" && order !== "desc") {
      throw new ValidationError(`order must be asc or desc, got ${JSON.stringify(order)}.`);
    }
    query.sortOrder = order;
  }
  return query;
}

/** The page's view of saved figures: `null` where no entry of the group has one recorded. */
function toSavedView(figures: SavedFigures & { rows: number; bytes: number }): SavedView {
  return {
    rows: figures.rows,
    bytes: figures.bytes,
    hits: figures.hits,
    hitRate: figures.hitRate,
    timeSavedMs: figures.timedRows === 0 && figures.rows > 0 ? null : figures.timeSavedMs,
    tokensSaved: figures.tokenRows === 0 && figures.rows > 0 ? null : figures.tokensSaved,
  };
}

function isFunctionOnly(filter: TableFilter): boolean {
  return (
    filter.resultType === undefined &&
    filter.contentType === undefined &&
    filter.search === undefined
  );
}

/** The dashboard's operations, each one call or a short loop over the maintenance service. */
export class DashboardApi {
  readonly #service: MaintenanceService;
  /** Bumped on our own deletions, which do not change SQLite's data_version for this connection. */
  #localChanges = 0;
  #summary:
    | { version: string; computedAt: number; cost: number; value: Omit<TableSummary, "matching"> }
    | undefined;
  #matching = new Map<string, number>();
  #matchingVersion = "";
  /**
   * The last `stats` (a scan at a million rows), shared by the summary and the function
   * overview and kept like the summary: per data version, and at least
   * SUMMARY_COST_FACTOR × its cost while the database keeps changing.
   */
  #stats:
    | { version: string; computedAt: number; cost: number; value: Promise<CacheStats> }
    | undefined;

  /** Throws when the database file is no longer the one `service` has open: checked before each deletion. */
  readonly #requireSameFile: () => void;

  constructor(service: MaintenanceService, requireSameFile: () => void = () => {}) {
    this.#service = service;
    this.#requireSameFile = requireSameFile;
  }

  /** A token that changes when any connection commits, read with one cheap PRAGMA. */
  async readVersion(): Promise<string> {
    const db = this.#service.db;
    if (typeof db.dataVersion === "function") return `${db.dataVersion()}.${this.#localChanges}`;
    // A TaskDB without a change counter: the newest row tells about new writes.
    const [newest] = await this.#service.listTasks({ limit: 1 });
    return `${newest?.updatedAt ?? ""}.${newest?.cacheKey ?? ""}.${this.#localChanges}`;
  }

  /** One page, with one extra row read to know whether another page follows. */
  async listPage(query: TaskQuery & { limit: number; offset: number }): Promise<TaskPage> {
    const rows = await this.#service.listTasks({ ...query, limit: query.limit + 1 });
    const hasMore = rows.length > query.limit;
    if (hasMore) rows.pop();
    return { rows, offset: query.offset, limit: query.limit, hasMore };
  }

  /** Totals for the whole database and the count matching `filter`, cached per data version. */
  async summarize(filter: TableFilter): Promise<TableSummary> {
    const version = await this.readVersion();
    const cached = this.#summary;
    const fresh =
      cached !== undefined &&
      (cached.version === version ||
        Date.now() - cached.computedAt < cached.cost * SUMMARY_COST_FACTOR);
    let summary = cached?.value;
    if (!fresh || summary === undefined) {
      const started = performance.now();
      const [stats, functions] = await Promise.all([
        // The summary applied the freshness rule itself: only stats of this version will do.
        this.#readStats(version, false),
        this.#service.functions(),
      ]);
      summary = {
        rows: stats.rows,
        bytes: stats.bytes,
        functions,
        contentTypes: Object.entries(stats.byContentType).map(([contentType, group]) => ({
          contentType: contentType === "(none)" ? null : contentType,
          rows: group.rows,
          bytes: group.bytes,
        })),
        version,
      };
      this.#summary = {
        version,
        computedAt: Date.now(),
        cost: performance.now() - started,
        value: summary,
      };
    }
    return { ...summary, matching: await this.#countMatching(filter, summary) };
  }

  /**
   * Stats for `version`: the cached ones when they are of that version or, with `allowOlder`,
   * recent enough for their cost (see `#stats`); else computed once for every caller.
   */
  #readStats(version: string, allowOlder = true): Promise<CacheStats> {
    const cached = this.#stats;
    if (
      cached !== undefined &&
      (cached.version === version ||
        (allowOlder && Date.now() - cached.computedAt < cached.cost * SUMMARY_COST_FACTOR))
    ) {
      return cached.value;
    }
    const started = performance.now();
    const entry = {
      version,
      computedAt: Date.now(),
      // Until it is known, the cost counts as infinite: concurrent requests share this scan.
      cost: Number.POSITIVE_INFINITY,
      value: this.#service.stats(),
    };
    this.#stats = entry;
    entry.value.then(
      () => {
        entry.cost = performance.now() - started;
        entry.computedAt = Date.now();
      },
      () => {
        if (this.#stats === entry) this.#stats = undefined;
      },
    );
    return entry.value;
  }

  /** The function overview: per function and in total, entries, hits, hit rate, time and tokens saved. */
  async functionOverview(): Promise<FunctionOverview> {
    const version = await this.readVersion();
    const stats = await this.#readStats(version);
    const functions = Object.entries(stats.byFunction)
      .map(([funcIdentifier, group]) => ({ funcIdentifier, ...toSavedView(group) }))
      .sort(
        (left, right) =>
          right.rows - left.rows || left.funcIdentifier.localeCompare(right.funcIdentifier),
      );
    return { functions, total: toSavedView(stats), version };
  }

  async #countMatching(
    filter: TableFilter,
    summary: Omit<TableSummary, "matching">,
  ): Promise<number> {
    if (Object.keys(filter).length === 0) return summary.rows;
    if (this.#matchingVersion !== summary.version) {
      this.#matching.clear();
      this.#matchingVersion = summary.version;
    }
    const key = JSON.stringify(filter);
    let count = this.#matching.get(key);
    if (count === undefined) {
      count = await this.#service.countTasks(filter);
      this.#matching.set(key, count);
    }
    return count;
  }

  /** An entry for the detail view, or `undefined` when the key does not exist. */
  async readTask(cacheKey: string, rawUrl: string): Promise<TaskView | undefined> {
    const detail = await this.#service.getTaskDetail(cacheKey);
    if (detail === undefined) return undefined;
    const view: TaskView = { record: detail.record, rescued: detail.rescued, rawUrl };
    await this.#describeInputs(view);
    if (detail.error !== undefined) view.error = detail.error;
    if (detail.decodeError !== undefined) view.decodeError = detail.decodeError;
    if (detail.error !== undefined) return view;
    const value = detail.value;
    view.value = describeValue(value);
    const base = readBaseType(detail.record.contentType);
    let text: string | undefined;
    if (typeof value === "string") text = value;
    else if (base === STREAM_CONTENT_TYPE) text = joinStreamText(value);
    else if (isBytes(value) && base !== null && TEXT_TYPES.has(base)) {
      text = Buffer.from(value instanceof Uint8Array ? value : new Uint8Array(value)).toString(
        "utf8",
      );
    }
    if (text !== undefined) {
      view.textTruncated = text.length > MAX_DETAIL_TEXT;
      view.text = view.textTruncated ? text.slice(0, MAX_DETAIL_TEXT) : text;
    }
    if (text !== undefined || isBytes(value)) view.rawSize = readRawBytes(value).bytes.byteLength;
    return view;
  }

  /** Adds the stored argument preview, and the newer version when the entry's is an older one. */
  async #describeInputs(view: TaskView): Promise<void> {
    const { db } = this.#service;
    const { record } = view;
    const inputs =
      typeof db.inputsOf === "function" ? await db.inputsOf(record.cacheKey) : undefined;
    if (inputs?.inputPreview != null) view.inputPreview = inputs.inputPreview;
    const stored = readStoredArguments(inputs?.arguments);
    if (stored !== undefined) {
      const named: Record<string, unknown> = {};
      stored.names.forEach((name, index) => {
        Object.defineProperty(named, name, {
          value: stored.values[index],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      });
      view.arguments = {
        tree: describeValue(named),
        complete: stored.complete,
        redacted: [...stored.redacted],
      };
    }
    if (record.funcIdentifier === "") return;
    const [newest] = await db.list({ func: record.funcIdentifier, limit: 1 });
    if (newest !== undefined && newest.version !== record.version)
      view.newerVersion = newest.version;
  }

  /** The value's bytes and content type, or `undefined` when the entry or its value is missing. */
  async readRaw(
    cacheKey: string,
  ): Promise<
    { bytes: Uint8Array; isText: boolean; isJson: boolean; contentType: string | null } | undefined
  > {
    const detail = await this.#service.getTaskDetail(cacheKey);
    if (detail === undefined || detail.error !== undefined) return undefined;
    return { ...readRawBytes(detail.value), contentType: detail.record.contentType };
  }

  /**
   * Entries to compare `cacheKey` with: the same call under other versions, and the same version
   * with other arguments, found among the newest `RELATED_SCAN` entries of its function (one
   * indexed query of bounded size, as fast at a million rows as at a thousand). `undefined` when
   * the entry does not exist.
   */
  async findRelated(cacheKey: string): Promise<RelatedEntries | undefined> {
    const { db } = this.#service;
    const record =
      (await db.getRecord?.(cacheKey)) ?? (await this.#service.getTaskDetail(cacheKey))?.record;
    if (record === undefined) return undefined;
    if (record.funcIdentifier === "") {
      return { otherVersions: [], otherArguments: [], scanned: 0, complete: true };
    }
    const recent = await db.list({ func: record.funcIdentifier, limit: RELATED_SCAN + 1 });
    const complete = recent.length <= RELATED_SCAN;
    if (!complete) recent.pop();
    const otherVersions: TaskRecord[] = [];
    const otherArguments: TaskRecord[] = [];
    for (const row of recent) {
      if (row.cacheKey === cacheKey) continue;
      if (row.inputId === record.inputId) {
        if (otherVersions.length < RELATED_LIMIT) otherVersions.push(row);
      } else if (row.version === record.version && otherArguments.length < RELATED_LIMIT) {
        otherArguments.push(row);
      }
    }
    return { otherVersions, otherArguments, scanned: recent.length, complete };
  }

  /** Notes a change this server made itself (a retry), so the page's data version moves. */
  noteLocalChange(): void {
    this.#localChanges += 1;
  }

  /** Deletes one entry (row and blob). */
  async deleteTask(cacheKey: string): Promise<boolean> {
    this.#requireSameFile();
    const removed = await this.#service.deleteTask(cacheKey);
    if (removed) this.#localChanges += 1;
    return removed;
  }

  /**
   * Deletes the entries matching a filter, at most `expected` of them (the count the user
   * confirmed), oldest first: rows a running program writes after the confirmation survive.
   */
  async deleteMatching(request: DeleteMatchingRequest): Promise<number> {
    const filter = readFilter(request.filter ?? {});
    const expected = request.expected;
    if (!Number.isSafeInteger(expected) || expected < 0) {
      throw new ValidationError(
        `expected must be the confirmed row count (a whole number), got ${String(expected)}.`,
      );
    }
    let deleted = 0;
    this.#requireSameFile();
    if (isFunctionOnly(filter) && (await this.#service.countTasks(filter)) <= expected) {
      // The service removes a whole function (or everything) in batches, far faster than row by row.
      deleted = await this.#service.clear(filter.func === undefined ? {} : { func: filter.func });
    } else {
      while (deleted < expected) {
        this.#requireSameFile();
        const batch = await this.#service.listTasks({
          ...filter,
          sortBy: "updatedAt",
          sortOrder: "asc",
          limit: Math.min(DELETE_BATCH, expected - deleted),
        });
        let deletedInBatch = 0;
        // A row someone else deleted meanwhile is simply gone: it does not come back next round.
        for (const record of batch) {
          if (await this.#service.deleteTask(record.cacheKey)) deletedInBatch += 1;
        }
        deleted += deletedInBatch;
        if (deletedInBatch === 0) break;
      }
    }
    if (deleted > 0) this.#localChanges += 1;
    return deleted;
  }
}
