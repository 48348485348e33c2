/**
 * @module dashboard/web/overview — the function overview (`#view=functions`): per function and in
 * total, entries, hits, hit rate, time and tokens saved; each function links to the table
 * filtered by it. Figures never recorded (the Python library's entries) read "not recorded".
 */

import type { FunctionOverview, SavedView } from "../api-types.js";
import { createElement, formatBytes, formatCount, replaceChildren } from "./dom.js";

/** The hash of the overview; any other hash is the table. */
export const OVERVIEW_HASH = "#view=functions";

/** Whether `hash` asks for the function overview. */
export function isOverviewHash(hash: string = location.hash): boolean {
  return new URLSearchParams(hash.replace(/^#/, "")).get("view") === "functions";
}

const NOT_RECORDED = "not recorded";

/** A duration for people: `850 ms`, `12.4 s`, `3.2 min`, `1.5 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function formatTimeSaved(view: SavedView): string {
  return view.timeSavedMs === null ? NOT_RECORDED : formatDuration(view.timeSavedMs);
}

function formatTokensSaved(view: SavedView): string {
  return view.tokensSaved === null ? NOT_RECORDED : formatCount(view.tokensSaved);
}

/** One figure cell; unknown figures are marked so they read (and style) as such. */
function figureCell(text: string, column: string): HTMLTableCellElement {
  return createElement(
    "td",
    { class: text === NOT_RECORDED ? "number not-recorded" : "number", "data-figure": column },
    text,
  );
}

/** The columns after the function's name, in order: header, and the cell of a row's figures. */
const COLUMNS: readonly [name: string, label: string, cell: (view: SavedView) => string][] = [
  ["entries", "Entries", (view) => formatCount(view.rows)],
  ["hits", "Hits", (view) => formatCount(view.hits)],
  ["hit-rate", "Hit rate", (view) => formatPercent(view.hitRate)],
  ["time-saved", "Time saved", formatTimeSaved],
  ["tokens-saved", "Tokens saved", formatTokensSaved],
  ["size", "Size", (view) => formatBytes(view.bytes)],
];

/** The overview pane: rendered from one `GET /api/functions` answer. */
export class FunctionOverviewPane {
  readonly element: HTMLElement;
  readonly #cards: HTMLElement;
  readonly #body: HTMLTableSectionElement;

  constructor() {
    this.#cards = createElement("div", { class: "overview-cards", id: "overview-totals" });
    this.#body = createElement("tbody");
    this.element = createElement(
      "section",
      { class: "overview-pane", id: "function-overview", "aria-label": "Functions", hidden: true },
      createElement("h2", {}, "What the cache saved"),
      this.#cards,
      createElement(
        "div",
        { class: "table-scroll" },
        createElement(
          "table",
          { class: "overview-table", id: "function-table" },
          createElement(
            "thead",
            {},
            createElement(
              "tr",
              {},
              createElement("th", { "data-figure": "function" }, "Function"),
              ...COLUMNS.map(([name, label]) =>
                createElement("th", { class: "number", "data-figure": name }, label),
              ),
            ),
          ),
          this.#body,
        ),
      ),
      createElement(
        "p",
        { class: "overview-note" },
        "Hit rate: hits / (hits + entries), each entry counting as the one call that computed it. Time saved: hits × the duration of the call that made the entry; tokens likewise, where usage was reported. Hits are written by the program in batches, every few seconds and when it ends.",
      ),
    );
  }

  render(overview: FunctionOverview): void {
    const { total } = overview;
    replaceChildren(
      this.#cards,
      ...(
        [
          ["Entries", formatCount(total.rows)],
          ["Hits", formatCount(total.hits)],
          ["Hit rate", formatPercent(total.hitRate)],
          ["Time saved", formatTimeSaved(total)],
          ["Tokens saved", formatTokensSaved(total)],
        ] as const
      ).map(([label, value]) =>
        createElement(
          "div",
          { class: "overview-card", "data-figure": label.toLowerCase().replaceAll(" ", "-") },
          createElement("span", { class: "overview-label" }, label),
          createElement("strong", {}, value),
        ),
      ),
    );
    if (overview.functions.length === 0) {
      replaceChildren(
        this.#body,
        createElement(
          "tr",
          { class: "empty" },
          createElement("td", { colspan: COLUMNS.length + 1 }, "No entries yet."),
        ),
      );
      return;
    }
    replaceChildren(
      this.#body,
      ...overview.functions.map((row) =>
        createElement(
          "tr",
          { "data-function": row.funcIdentifier },
          createElement(
            "td",
            { "data-figure": "function", title: row.funcIdentifier },
            // Rows without an identity (damaged) cannot be filtered on.
            row.funcIdentifier === ""
              ? "(no function)"
              : createElement(
                  "a",
                  {
                    href: `#${new URLSearchParams({ func: row.funcIdentifier }).toString()}`,
                    title: `Show the entries of ${row.funcIdentifier}`,
                  },
                  row.funcIdentifier,
                ),
          ),
          ...COLUMNS.map(([name, , cell]) => figureCell(cell(row), name)),
        ),
      ),
    );
  }
}
