/**
 * @module dashboard/web/main — the page: wires the table, the detail pane and live updates to the
 * server API, and keeps the view state in the URL hash.
 */

import type { RetryOutcome, TableSummary } from "../api-types.js";
import {
  canDelete,
  deleteMatching,
  fetchFunctionOverview,
  fetchPage,
  fetchSummary,
} from "./api.js";
import { ComparePane } from "./compare.js";
import { DetailPane } from "./detail.js";
import { askConfirmation } from "./dialog.js";
import { createElement, formatBytes, formatCount } from "./dom.js";
import { watchForChanges } from "./live.js";
import { FunctionOverviewPane, isOverviewHash, OVERVIEW_HASH } from "./overview.js";
import {
  readStateFromHash,
  selectFilter,
  selectPageRequest,
  type ViewState,
  writeStateToHash,
} from "./state.js";
import { TaskTable } from "./table.js";

/** When the detail pane sits above the table instead of beside it (the breakpoint in app.css). */
const STACKED_LAYOUT = "(max-width: 1000px)";

let state: ViewState = readStateFromHash();
let summary: TableSummary | undefined;
/** Increases per load, so an answer overtaken by a newer one is dropped. */
let loadNumber = 0;

const totals = createElement("span", { class: "totals", id: "totals" }, "…");
const liveStatus = createElement(
  "span",
  { class: "live", title: "New results appear as they are written" },
  "● live",
);
const statusLine = createElement("p", { class: "status", role: "status" });
/** What keeps the whole page from being current: the database file was deleted or replaced. */
const databaseProblem = createElement("p", {
  class: "notice notice-error database-problem",
  id: "database-problem",
  role: "alert",
  hidden: true,
});
const refreshButton = createElement(
  "button",
  { type: "button", class: "button", id: "refresh" },
  "Refresh",
);

const overview = new FunctionOverviewPane();
const layout = createElement("main", { class: "layout" });
const viewLinks = createElement(
  "nav",
  { class: "views", "aria-label": "Views" },
  createElement("a", { href: "#", id: "view-entries" }, "Entries"),
  createElement("a", { href: OVERVIEW_HASH, id: "view-functions" }, "Functions"),
);

/** Shows the function overview or the table, as the hash says; loads the overview when shown. */
async function showView(): Promise<void> {
  const onOverview = isOverviewHash();
  // In the page only while shown: the table's selectors never meet the overview's cells.
  if (onOverview) {
    overview.element.hidden = false;
    if (!overview.element.isConnected) layout.before(overview.element);
  } else {
    overview.element.remove();
  }
  layout.hidden = onOverview;
  for (const link of viewLinks.querySelectorAll("a")) {
    const current = (link.id === "view-functions") === onOverview;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!onOverview) return;
  try {
    overview.render(await fetchFunctionOverview());
    statusLine.textContent = "";
  } catch (error) {
    statusLine.textContent = (error as Error).message;
  }
}

const table = new TaskTable({
  onChange: (update) => updateState(update),
  onSelect: (cacheKey) => {
    state = { ...state, key: cacheKey };
    writeStateToHash(state);
    highlightSelection();
    void detail.show(cacheKey);
    // Narrow screens stack the pane above the table (app.css): bring it into view.
    if (matchMedia(STACKED_LAYOUT).matches) detail.element.scrollIntoView({ block: "start" });
  },
  onDeleteShown: () => void confirmDeleteShown(),
  onCompare: (keys) => openComparison(keys),
  onDeleteRow: (cacheKey) => {
    if (!canDelete) return;
    // Shown first, so the question is asked about the entry in view.
    openEntry(cacheKey);
    void detail.confirmDelete(cacheKey);
  },
});

function openEntry(cacheKey: string): void {
  state = { ...state, key: cacheKey };
  writeStateToHash(state);
  highlightSelection();
  void detail.show(cacheKey);
}

/** Shows `keys` side by side; `retry` adds the keep-or-discard choice of a retry. */
function openComparison(keys: string[], retry?: RetryOutcome): void {
  state = { ...state, compare: keys.join(",") };
  writeStateToHash(state);
  table.clearPicked();
  void comparison.show(keys, retry);
  comparison.element.scrollIntoView({ block: "start" });
}

function closeComparison(): void {
  state = { ...state, compare: undefined };
  writeStateToHash(state);
  comparison.hide();
}

const comparison = new ComparePane({
  onClose: () => closeComparison(),
  onOpen: (cacheKey) => {
    closeComparison();
    openEntry(cacheKey);
  },
  onChanged: () => void reload({ summary: true }),
});

const detail = new DetailPane({
  onClose: () => {
    state = { ...state, key: undefined };
    writeStateToHash(state);
    detail.hide();
    highlightSelection();
  },
  onDeleted: () => {
    state = { ...state, key: undefined };
    writeStateToHash(state);
    detail.hide();
    void reload({ summary: true });
  },
  onCompare: (keys) => openComparison(keys),
  onRetried: (outcome) => {
    void reload({ summary: true });
    void detail.show(outcome.cacheKey);
    openComparison(
      outcome.previousKey === null ? [outcome.cacheKey] : [outcome.previousKey, outcome.cacheKey],
      outcome,
    );
  },
  onOpen: (cacheKey) => openEntry(cacheKey),
});

/** Whether a key press belongs to a control that uses keys itself. */
function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLSelectElement ||
    target instanceof HTMLTextAreaElement ||
    document.querySelector("dialog[open]") !== null
  );
}

/** The rows on the page, in order. */
function pageKeys(): string[] {
  return [...table.element.querySelectorAll<HTMLTableRowElement>("tr[data-key]")].map(
    (row) => row.dataset.key ?? "",
  );
}

/**
 * Keys outside the table rows (which handle their own): Escape closes the comparison or the
 * detail, arrows step through the table's entries while the detail is open, Delete asks to delete
 * the entry shown.
 */
function handlePageKey(event: KeyboardEvent): void {
  if (event.defaultPrevented || isTyping(event.target)) return;
  if ((event.target as Element).closest?.("tr[data-key]")) return;
  if (event.key === "Escape") {
    if (!comparison.element.hidden) closeComparison();
    else if (state.key !== undefined) {
      const key = state.key;
      state = { ...state, key: undefined };
      writeStateToHash(state);
      detail.hide();
      highlightSelection();
      table.focusRow(key);
    }
    return;
  }
  const shown = state.key;
  if (shown === undefined) return;
  if (event.key === "Delete" && canDelete) {
    event.preventDefault();
    void detail.confirmDelete(shown);
    return;
  }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    const keys = pageKeys();
    const at = keys.indexOf(shown);
    const next = keys[at + (event.key === "ArrowDown" ? 1 : -1)];
    if (at === -1 || next === undefined) return;
    event.preventDefault();
    openEntry(next);
    table.focusRow(next);
  }
}

function highlightSelection(): void {
  for (const row of table.element.querySelectorAll<HTMLTableRowElement>("tr[data-key]")) {
    row.classList.toggle("selected", row.dataset.key === state.key);
  }
}

function updateState(update: Partial<ViewState>): void {
  state = { ...state, ...update };
  for (const name of Object.keys(update) as (keyof ViewState)[]) {
    if (update[name] === undefined) delete state[name];
  }
  writeStateToHash(state);
  void reload({ summary: true });
}

function renderTotals(): void {
  if (summary === undefined) return;
  const parts = [`${formatCount(summary.rows)} entries`, formatBytes(summary.bytes)];
  if (Object.keys(selectFilter(state)).length > 0)
    parts.push(`${formatCount(summary.matching)} match the filter`);
  totals.textContent = parts.join(" · ");
}

/** Reloads the page of rows (and the totals when asked), keeping the selection. */
async function reload(options: { summary: boolean }): Promise<void> {
  const current = ++loadNumber;
  table.renderControls(state, (direction) =>
    updateState({ offset: Math.max(0, state.offset + direction * state.limit) }),
  );
  try {
    const pagePromise = fetchPage(selectPageRequest(state));
    const summaryPromise = options.summary ? fetchSummary(selectFilter(state)) : undefined;
    const page = await pagePromise;
    if (current !== loadNumber) return;
    if (page.rows.length === 0 && state.offset > 0) {
      // The page emptied (rows deleted): step back to the last page that has rows.
      updateState({ offset: Math.max(0, state.offset - state.limit) });
      return;
    }
    table.renderRows(page, state);
    statusLine.textContent = "";
    if (summaryPromise !== undefined) {
      const fresh = await summaryPromise;
      if (current !== loadNumber) return;
      summary = fresh;
      table.renderSummary(fresh, state);
      renderTotals();
    }
  } catch (error) {
    if (current === loadNumber) statusLine.textContent = (error as Error).message;
  }
}

async function confirmDeleteShown(): Promise<void> {
  const filter = selectFilter(state);
  const count = summary?.matching ?? 0;
  if (count === 0) return;
  const described = Object.entries(filter).map(([name, value]) => `${name} = ${value}`);
  const confirmed = await askConfirmation({
    title: `Delete ${formatCount(count)} entries?`,
    message: [
      createElement(
        "p",
        {},
        described.length === 0
          ? `Every entry in this database (${formatCount(count)}) and its stored value will be removed.`
          : `The ${formatCount(count)} entries matching ${described.join(", ")} and their stored values will be removed.`,
      ),
      createElement("p", {}, "The next calls with these inputs run their functions again."),
    ],
    confirmLabel: `Delete ${formatCount(count)} entries`,
  });
  if (!confirmed) return;
  try {
    const { deleted } = await deleteMatching({ filter, expected: count });
    statusLine.textContent = `Deleted ${formatCount(deleted)} entries.`;
  } catch (error) {
    statusLine.textContent = (error as Error).message;
  }
  detail.hide();
  state = { ...state, key: undefined, offset: 0 };
  writeStateToHash(state);
  await reload({ summary: true });
}

function mount(): void {
  const app = document.getElementById("app");
  if (app === null) return;
  // The server leaves the token out for other machines when they may not delete.
  if (!canDelete) document.body.classList.add("read-only");
  refreshButton.addEventListener("click", () => {
    if (isOverviewHash()) void showView();
    void reload({ summary: true });
    if (state.key !== undefined) void detail.show(state.key);
  });
  app.append(
    createElement(
      "header",
      { class: "topbar" },
      createElement("h1", {}, "beautyspot"),
      viewLinks,
      totals,
      createElement("span", { class: "spacer" }),
      liveStatus,
      refreshButton,
    ),
    ...(canDelete
      ? []
      : [
          createElement(
            "p",
            { class: "notice read-only-notice", id: "read-only" },
            "Read-only: this dashboard accepts deletions only from the machine it runs on.",
          ),
        ]),
    databaseProblem,
    statusLine,
    comparison.element,
    layout,
  );
  layout.append(table.element, detail.element);
  document.addEventListener("keydown", handlePageKey);
  window.addEventListener("hashchange", () => {
    void showView();
    if (isOverviewHash()) return;
    const next = readStateFromHash();
    const keyChanged = next.key !== state.key;
    const compareChanged = next.compare !== state.compare;
    state = next;
    void reload({ summary: true });
    if (keyChanged) {
      if (state.key === undefined) detail.hide();
      else void detail.show(state.key);
    }
    if (compareChanged) {
      if (state.compare === undefined) comparison.hide();
      else void comparison.show(state.compare.split(","));
    }
  });
  void showView();
  void reload({ summary: true });
  if (state.key !== undefined) void detail.show(state.key);
  if (state.compare !== undefined) void comparison.show(state.compare.split(","));
  watchForChanges(
    () => {
      void reload({ summary: true });
      if (isOverviewHash()) void showView();
    },
    (online, problem) => {
      liveStatus.classList.toggle("offline", !online);
      liveStatus.textContent = online ? "● live" : "● offline";
      databaseProblem.textContent = problem ?? "";
      databaseProblem.hidden = problem === undefined;
    },
  );
}

mount();
