/**
 * @module dashboard/web/table — the filter bar, the task table and the pager. It only draws and
 * reports what the user picked; `main.ts` fetches.
 */

import type { RecordProblemField, TaskRecord } from "../../db/types.js";
import type { TableSummary, TaskPage } from "../api-types.js";
import {
  createElement,
  formatAge,
  formatBytes,
  formatCount,
  formatTimestamp,
  replaceChildren,
  shortenKey,
} from "./dom.js";
import { isFiltered, PAGE_SIZES, type ViewState } from "./state.js";

export interface TableEvents {
  /** The user changed a filter, the sort, the page or the page size. */
  onChange(update: Partial<ViewState>): void;
  onSelect(cacheKey: string): void;
  onDeleteShown(): void;
  /** Compare the entries ticked in the table. */
  onCompare(cacheKeys: string[]): void;
  /** The Delete key on a row: delete that entry (after confirmation). */
  onDeleteRow(cacheKey: string): void;
}

/**
 * The table's columns; `name` marks header and cells (`data-column`), so the style sheet can drop
 * the less telling columns when the table is narrow (app.css) and tests can find a column.
 */
const COLUMNS: { name: string; label: string; sort?: string; className?: string }[] = [
  { name: "pick", label: "" },
  { name: "updated", label: "Updated", sort: "updatedAt" },
  { name: "function", label: "Function", sort: "funcName" },
  { name: "inputs", label: "Inputs" },
  { name: "version", label: "Version" },
  { name: "input-id", label: "Input id", className: "mono" },
  { name: "key", label: "Key", className: "mono" },
  { name: "content-type", label: "Content type", sort: "contentType" },
  { name: "stored", label: "Stored" },
  { name: "size", label: "Size", sort: "size", className: "number" },
  { name: "expires", label: "Expires", sort: "expiresAt" },
];

/**
 * A table cell for a field: its text, or "invalid" (with the stored value explained on hover)
 * when the row holds no usable value there.
 */
function createFieldCell(
  record: TaskRecord,
  field: RecordProblemField,
  text: string,
  attributes: Record<string, string | undefined> = {},
): HTMLTableCellElement {
  const problem = record.problems?.[field];
  if (problem === undefined) return createElement("td", attributes, text);
  return createElement(
    "td",
    { ...attributes, class: `${attributes.class ?? ""} invalid`.trim(), title: problem },
    "invalid",
  );
}

/** The bulk delete button's label: how many entries it removes, and which. */
function describeBulkDelete(count: number, filtered: boolean): string {
  const entries = count === 1 ? "entry" : "entries";
  if (filtered) return `Delete the ${formatCount(count)} ${entries} matching the filter…`;
  return count === 1 ? "Delete the 1 entry…" : `Delete all ${formatCount(count)} entries…`;
}

/** Search waits for a pause in typing so each keystroke does not cost a query. */
const SEARCH_DELAY_MS = 250;

function createSelect(name: string, label: string): HTMLSelectElement {
  return createElement("select", { name, "aria-label": label });
}

function fillSelect(
  select: HTMLSelectElement,
  options: [value: string, label: string][],
  selected: string,
): void {
  replaceChildren(
    select,
    ...options.map(([value, label]) => createElement("option", { value }, label)),
  );
  select.value = selected;
}

export class TaskTable {
  readonly element: HTMLElement;
  readonly #events: TableEvents;
  readonly #func = createSelect("func", "Function");
  readonly #resultType = createSelect("resultType", "Where the value is stored");
  readonly #contentType = createSelect("contentType", "Content type");
  readonly #search = createElement("input", {
    type: "search",
    name: "search",
    placeholder: "Search inputs, function, key or input id",
    "aria-label": "Search",
    autocomplete: "off",
  });
  readonly #limit = createSelect("limit", "Rows per page");
  readonly #deleteShown = createElement(
    "button",
    { type: "button", class: "button danger", id: "delete-shown" },
    "Delete…",
  );
  readonly #compare = createElement(
    "button",
    { type: "button", class: "button", id: "compare-selected" },
    "Compare…",
  );
  /** Entries ticked for comparison, kept across pages and filters. */
  readonly #picked = new Set<string>();
  readonly #head = createElement("thead");
  readonly #body = createElement("tbody");
  readonly #range = createElement("span", { class: "page-range" });
  readonly #previous = createElement(
    "button",
    { type: "button", class: "button", "data-action": "previous-page" },
    "‹ Newer",
  );
  readonly #next = createElement(
    "button",
    { type: "button", class: "button", "data-action": "next-page" },
    "Older ›",
  );
  #searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(events: TableEvents) {
    this.#events = events;
    fillSelect(
      this.#resultType,
      [
        ["", "Stored: anywhere"],
        ["DIRECT_BLOB", "Stored: inline (in the database)"],
        ["FILE", "Stored: blob (a file)"],
      ],
      "",
    );
    fillSelect(
      this.#limit,
      PAGE_SIZES.map((size) => [String(size), `${size} rows`]),
      "50",
    );
    this.#func.addEventListener("change", () =>
      events.onChange({ func: this.#func.value || undefined, offset: 0 }),
    );
    this.#resultType.addEventListener("change", () =>
      events.onChange({
        resultType: (this.#resultType.value || undefined) as ViewState["resultType"],
        offset: 0,
      }),
    );
    this.#contentType.addEventListener("change", () =>
      events.onChange({ contentType: this.#contentType.value || undefined, offset: 0 }),
    );
    this.#search.addEventListener("input", () => {
      clearTimeout(this.#searchTimer);
      this.#searchTimer = setTimeout(
        () => events.onChange({ search: this.#search.value.trim() || undefined, offset: 0 }),
        SEARCH_DELAY_MS,
      );
    });
    this.#limit.addEventListener("change", () =>
      events.onChange({ limit: Number(this.#limit.value), offset: 0 }),
    );
    this.#deleteShown.addEventListener("click", () => events.onDeleteShown());
    this.#compare.addEventListener("click", () => {
      // The first click shows the tick boxes; with two or more ticked, it compares them.
      if (!this.element.classList.contains("picking")) this.#startPicking();
      else if (this.#picked.size >= 2) events.onCompare([...this.#picked]);
      else {
        this.element.classList.remove("picking");
        this.#renderCompareButton();
      }
    });
    this.#body.addEventListener("change", (event) => {
      const box = event.target as HTMLInputElement;
      const key = box.closest<HTMLTableRowElement>("tr[data-key]")?.dataset.key;
      if (box.name !== "pick" || key === undefined) return;
      this.#setPicked(key, box.checked);
    });
    this.#body.addEventListener("click", (event) => {
      const target = event.target as Element;
      if (target.closest("[data-column='pick']") !== null) return;
      const row = target.closest<HTMLTableRowElement>("tr[data-key]");
      if (row?.dataset.key !== undefined) events.onSelect(row.dataset.key);
    });
    this.#body.addEventListener("keydown", (event) => this.#handleRowKey(event));
    this.element = createElement(
      "section",
      { class: "table-pane" },
      createElement(
        "div",
        { class: "filters" },
        this.#func,
        this.#resultType,
        this.#contentType,
        this.#search,
      ),
      createElement(
        "div",
        { class: "table-scroll" },
        createElement("table", { class: "tasks" }, this.#head, this.#body),
      ),
      // Acting on the entries is kept apart from choosing which ones are shown.
      createElement(
        "div",
        { class: "table-footer" },
        createElement("div", { class: "table-actions" }, this.#compare, this.#deleteShown),
        createElement(
          "div",
          { class: "pager" },
          this.#limit,
          this.#previous,
          this.#range,
          this.#next,
        ),
      ),
    );
  }

  /** The keys ticked for comparison. */
  get picked(): string[] {
    return [...this.#picked];
  }

  /** Unticks every entry (after a comparison was opened, or entries were deleted). */
  clearPicked(): void {
    this.#picked.clear();
    for (const box of this.#body.querySelectorAll<HTMLInputElement>("input[name='pick']"))
      box.checked = false;
    this.element.classList.remove("picking");
    this.#renderCompareButton();
  }

  #startPicking(): void {
    this.element.classList.add("picking");
    this.#renderCompareButton();
  }

  #setPicked(key: string, picked: boolean): void {
    if (picked) this.#picked.add(key);
    else this.#picked.delete(key);
    this.#renderCompareButton();
  }

  #renderCompareButton(): void {
    const count = this.#picked.size;
    const picking = this.element.classList.contains("picking");
    this.#compare.setAttribute("aria-pressed", String(picking));
    this.#compare.textContent = !picking
      ? "Compare…"
      : count < 2
        ? `Tick 2 or more to compare (${count})`
        : `Compare ${count}`;
  }

  /**
   * Keys on a focused row: arrows move between rows (and across pages at the ends), Enter opens
   * the entry, Delete asks to delete it, x (or the space bar) ticks it for comparison.
   */
  #handleRowKey(event: KeyboardEvent): void {
    const target = event.target as Element;
    if (target instanceof HTMLInputElement) return;
    const row = target.closest<HTMLTableRowElement>("tr[data-key]");
    const key = row?.dataset.key;
    if (row === null || key === undefined) return;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp": {
        event.preventDefault();
        const next = (
          event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling
        ) as HTMLTableRowElement | null;
        if (next?.dataset.key !== undefined) {
          next.focus();
          this.#events.onSelect(next.dataset.key);
        }
        return;
      }
      case "Enter":
        event.preventDefault();
        this.#events.onSelect(key);
        return;
      case "Delete":
      case "Backspace":
        event.preventDefault();
        this.#events.onDeleteRow(key);
        return;
      case "x":
      case " ": {
        event.preventDefault();
        const box = row.querySelector<HTMLInputElement>("input[name='pick']");
        if (box === null) return;
        this.#startPicking();
        box.checked = !box.checked;
        this.#setPicked(key, box.checked);
        return;
      }
    }
  }

  /** Focuses the row of `cacheKey` when it is on the page (keyboard navigation). */
  focusRow(cacheKey: string): void {
    for (const row of this.#body.querySelectorAll<HTMLTableRowElement>("tr[data-key]")) {
      if (row.dataset.key === cacheKey) row.focus();
    }
  }

  /** Puts the controls in line with `state` (after a hash change or a reload). */
  renderControls(state: ViewState, onPage: (direction: -1 | 1) => void): void {
    this.#resultType.value = state.resultType ?? "";
    this.#limit.value = String(state.limit);
    if (document.activeElement !== this.#search) this.#search.value = state.search ?? "";
    this.#previous.disabled = state.offset === 0;
    this.#previous.onclick = () => onPage(-1);
    this.#next.onclick = () => onPage(1);
    const cells = COLUMNS.map((column) => {
      if (column.sort === undefined)
        return createElement(
          "th",
          { class: column.className, "data-column": column.name },
          column.label,
        );
      const active = state.sort === column.sort;
      const arrow = active ? (state.order === "desc" ? " ▼" : " ▲") : "";
      const button = createElement(
        "button",
        { type: "button", class: "sort", "data-sort": column.sort },
        column.label + arrow,
      );
      button.addEventListener("click", () =>
        this.#events.onChange({
          sort: column.sort,
          order: active && state.order === "desc" ? "asc" : "desc",
          offset: 0,
        }),
      );
      return createElement(
        "th",
        {
          class: column.className,
          "data-column": column.name,
          "aria-sort": active ? (state.order === "desc" ? "descending" : "ascending") : undefined,
        },
        button,
      );
    });
    replaceChildren(this.#head, createElement("tr", {}, ...cells));
  }

  /** Draws one page of rows; `selectedKey` is highlighted. */
  renderRows(page: TaskPage, state: ViewState): void {
    const now = Date.now();
    const rows = page.rows.map((record) =>
      createElement(
        "tr",
        {
          "data-key": record.cacheKey,
          tabindex: 0,
          class: record.cacheKey === state.key ? "selected" : undefined,
        },
        createElement(
          "td",
          { "data-column": "pick" },
          createElement("input", {
            type: "checkbox",
            name: "pick",
            "aria-label": "Tick to compare",
            tabindex: -1,
            checked: this.#picked.has(record.cacheKey),
          }),
        ),
        createFieldCell(record, "updatedAt", formatTimestamp(record.updatedAt), {
          "data-column": "updated",
          title: formatAge(record.updatedAt, now),
        }),
        createFieldCell(record, "funcName", record.funcName, {
          "data-column": "function",
          title: record.funcIdentifier,
          // Shown under the name where the table is too narrow for the Inputs column (app.css).
          "data-inputs": record.inputPreview ?? "not recorded",
        }),
        record.inputPreview === null
          ? createElement(
              "td",
              {
                class: "muted",
                "data-column": "inputs",
                title: "Arguments not recorded (an older entry, or one the Python library wrote)",
              },
              "not recorded",
            )
          : createElement(
              "td",
              { class: "mono", "data-column": "inputs", title: record.inputPreview },
              record.inputPreview,
            ),
        createElement(
          "td",
          { "data-column": "version", title: record.version ?? undefined },
          record.version ?? "–",
        ),
        createElement(
          "td",
          { class: "mono", "data-column": "input-id", title: record.inputId },
          shortenKey(record.inputId),
        ),
        createElement(
          "td",
          { class: "mono", "data-column": "key", title: record.cacheKey },
          shortenKey(record.cacheKey),
        ),
        createElement(
          "td",
          { "data-column": "content-type", title: record.contentType ?? undefined },
          record.contentType ?? "–",
        ),
        createFieldCell(record, "resultType", record.resultType === "FILE" ? "blob" : "inline", {
          "data-column": "stored",
        }),
        createFieldCell(record, "size", formatBytes(record.size), {
          class: "number",
          "data-column": "size",
        }),
        createFieldCell(record, "expiresAt", formatTimestamp(record.expiresAt), {
          "data-column": "expires",
        }),
      ),
    );
    if (rows.length === 0) {
      rows.push(
        createElement(
          "tr",
          { class: "empty" },
          createElement(
            "td",
            { colspan: COLUMNS.length },
            isFiltered(state)
              ? "No entry matches the filter."
              : "No cached results yet. Run your program and they appear here.",
          ),
        ),
      );
    }
    replaceChildren(this.#body, ...rows);
    this.#next.disabled = !page.hasMore;
    this.#renderRange(page, undefined);
  }

  #lastPage: TaskPage | undefined;

  #renderRange(page: TaskPage | undefined, matching: number | undefined): void {
    if (page !== undefined) this.#lastPage = page;
    const shown = this.#lastPage;
    if (shown === undefined) return;
    const first = shown.rows.length === 0 ? 0 : shown.offset + 1;
    const last = shown.offset + shown.rows.length;
    const total = matching ?? Number(this.#range.dataset.matching ?? Number.NaN);
    this.#range.textContent = Number.isNaN(total)
      ? `${formatCount(first)}–${formatCount(last)}`
      : `${formatCount(first)}–${formatCount(last)} of ${formatCount(total)}`;
  }

  /** Fills the filter choices and counts from the totals. */
  renderSummary(summary: TableSummary, state: ViewState): void {
    const functions: [string, string][] = [
      ["", `All functions (${formatCount(summary.functions.length)})`],
    ];
    for (const entry of summary.functions) {
      // Rows without an identity (damaged) cannot be filtered on; they show under "All functions".
      if (entry.funcIdentifier === "") continue;
      const label =
        entry.funcName === entry.funcIdentifier
          ? entry.funcName
          : `${entry.funcName} — ${entry.funcIdentifier}`;
      functions.push([entry.funcIdentifier, `${label} (${formatCount(entry.rows)})`]);
    }
    if (state.func !== undefined && !functions.some(([value]) => value === state.func)) {
      functions.push([state.func, state.func]);
    }
    fillSelect(this.#func, functions, state.func ?? "");
    const contentTypes: [string, string][] = [["", "All content types"]];
    for (const entry of summary.contentTypes) {
      if (entry.contentType !== null)
        contentTypes.push([entry.contentType, `${entry.contentType} (${formatCount(entry.rows)})`]);
    }
    if (
      state.contentType !== undefined &&
      !contentTypes.some(([value]) => value === state.contentType)
    ) {
      contentTypes.push([state.contentType, state.contentType]);
    }
    fillSelect(this.#contentType, contentTypes, state.contentType ?? "");
    this.#range.dataset.matching = String(summary.matching);
    this.#renderRange(undefined, summary.matching);
    this.#renderCompareButton();
    this.#deleteShown.disabled = summary.matching === 0;
    this.#deleteShown.textContent = describeBulkDelete(summary.matching, isFiltered(state));
  }
}
