/** @module dashboard/web/detail — the detail pane: an entry's metadata, its rendered value, and delete. */

import type { TaskRecord } from "../../db/types.js";
import type { RelatedEntries, RetryOutcome, TaskView } from "../api-types.js";
import { canDelete, deleteTask, fetchRelated, fetchTask, NotFoundError, retryTask } from "./api.js";
import { renderArguments } from "./compare.js";
import { askConfirmation } from "./dialog.js";
import {
  createElement,
  formatBytes,
  formatCount,
  formatTimestamp,
  replaceChildren,
  shortenKey,
} from "./dom.js";
import { formatDuration } from "./overview.js";
import { renderValue } from "./renderers/index.js";

export interface DetailEvents {
  onClose(): void;
  /** The entry was deleted here: the table must drop it. */
  onDeleted(cacheKey: string): void;
  /** Show these entries side by side. */
  onCompare(cacheKeys: string[]): void;
  /** The entry was retried: show old and new side by side. */
  onRetried(outcome: RetryOutcome): void;
  /** Open another entry in this pane. */
  onOpen(cacheKey: string): void;
}

function describeRecord(view: TaskView): [string, string][] {
  const { record } = view;
  const problems = record.problems ?? {};
  /** The field's text, or "invalid" when the row holds no usable value there (the notice says why). */
  const shown = (field: keyof typeof problems, text: string) =>
    problems[field] === undefined ? text : "invalid (see below)";
  return [
    ["Key", record.cacheKey],
    ["Function", shown("funcName", record.funcName)],
    ["Identity", shown("funcIdentifier", record.funcIdentifier)],
    ["Input id", record.inputId],
    [
      "Version",
      view.newerVersion === undefined
        ? (record.version ?? "–")
        : `${record.version ?? "–"} — older: the function's newest entry is under ${view.newerVersion ?? "no version"}`,
    ],
    ["Content type", record.contentType ?? "–"],
    [
      "Stored",
      shown(
        "resultType",
        record.resultType === "FILE" ? `blob ${record.resultValue ?? ""}` : "inline in the row",
      ),
    ],
    [
      "Size",
      shown(
        "size",
        record.size === null
          ? "unknown"
          : `${formatBytes(record.size)} (${record.size.toLocaleString("en-US")} bytes)`,
      ),
    ],
    ["Created / updated", shown("updatedAt", formatTimestamp(record.updatedAt))],
    ["Expires", shown("expiresAt", formatTimestamp(record.expiresAt))],
    [
      "Call took",
      record.durationMs === null || record.durationMs === undefined
        ? "not recorded"
        : formatDuration(record.durationMs),
    ],
    [
      "Tokens",
      record.tokens === null || record.tokens === undefined
        ? "not recorded"
        : formatCount(record.tokens),
    ],
    // Counted in batches by the programs using the cache: the newest few may be on their way.
    ["Hits", formatCount(record.hits ?? 0)],
  ];
}

export class DetailPane {
  readonly element = createElement("aside", {
    class: "detail-pane",
    hidden: true,
    "aria-live": "polite",
  });
  readonly #events: DetailEvents;
  #shownKey: string | undefined;
  /** Increases per request, so a slow answer for an entry no longer selected is dropped. */
  #request = 0;

  constructor(events: DetailEvents) {
    this.#events = events;
  }

  get shownKey(): string | undefined {
    return this.#shownKey;
  }

  hide(): void {
    this.#shownKey = undefined;
    this.#request += 1;
    this.element.hidden = true;
    replaceChildren(this.element);
  }

  /** Loads and shows an entry. */
  async show(cacheKey: string): Promise<void> {
    const request = ++this.#request;
    this.#shownKey = cacheKey;
    this.element.hidden = false;
    replaceChildren(
      this.element,
      this.#renderHeader(cacheKey, undefined),
      createElement("p", { class: "hint" }, "Loading…"),
    );
    let view: TaskView;
    try {
      view = await fetchTask(cacheKey);
    } catch (error) {
      if (request !== this.#request) return;
      const message =
        error instanceof NotFoundError
          ? `${error.message} It was deleted.`
          : String((error as Error).message);
      replaceChildren(
        this.element,
        this.#renderHeader(cacheKey, undefined),
        createElement("p", { class: "notice notice-error" }, message),
      );
      return;
    }
    if (request !== this.#request) return;
    this.#render(view);
  }

  #renderHeader(cacheKey: string, view: TaskView | undefined): HTMLElement {
    const close = createElement(
      "button",
      { type: "button", class: "button", "aria-label": "Close", "data-action": "close-detail" },
      "✕",
    );
    close.addEventListener("click", () => this.#events.onClose());
    const actions = createElement("div", { class: "detail-actions" });
    if (view !== undefined) {
      if (view.error === undefined) {
        actions.append(
          createElement(
            "a",
            { class: "button", href: view.rawUrl, target: "_blank", rel: "noopener" },
            "Raw",
          ),
        );
      }
      const retry = view.retry ?? { available: false, reason: "Retry is not offered here." };
      const retryButton = createElement(
        "button",
        {
          type: "button",
          class: "button",
          "data-action": "retry-entry",
          disabled: !retry.available || !canDelete,
          title: retry.available ? "Run the function again with these arguments" : retry.reason,
        },
        "Retry",
      );
      retryButton.addEventListener("click", () => void this.#retry(cacheKey, retryButton));
      const remove = createElement(
        "button",
        { type: "button", class: "button danger", "data-action": "delete-entry" },
        "Delete",
      );
      remove.addEventListener("click", () => void this.confirmDelete(cacheKey));
      actions.append(retryButton, remove);
    }
    actions.append(close);
    return createElement(
      "header",
      { class: "detail-header" },
      createElement("h2", {}, view?.record.funcName ?? "Entry"),
      actions,
    );
  }

  #render(view: TaskView): void {
    const metadata = createElement("dl", { class: "metadata" });
    for (const [term, description] of describeRecord(view)) {
      metadata.append(
        createElement("dt", {}, term),
        createElement(
          "dd",
          { class: term === "Key" || term === "Input id" ? "mono" : undefined },
          description,
        ),
      );
    }
    const notices: HTMLElement[] = [];
    if (view.rescued) {
      notices.push(
        createElement(
          "p",
          { class: "notice notice-rescued" },
          createElement("strong", {}, "Rescued raw data. "),
          "This value no longer decodes with the type that wrote it (the schema changed); what is shown is the raw data inside it.",
          view.decodeError === undefined ? "" : ` Reason: ${view.decodeError}`,
        ),
      );
    }
    const problems = Object.values(view.record.problems ?? {});
    if (problems.length > 0) {
      notices.push(
        createElement(
          "p",
          { class: "notice notice-error", "data-notice": "damaged-row" },
          createElement("strong", {}, "Damaged row. "),
          `${problems.join(" ")} Delete the entry; the next call with these inputs computes it again.`,
        ),
      );
    }
    if (view.error !== undefined) {
      notices.push(createElement("p", { class: "notice notice-error" }, view.error));
    }
    const retry = view.retry;
    if (retry !== undefined && !retry.available && retry.reason !== undefined) {
      notices.push(
        createElement(
          "p",
          { class: "hint retry-reason", "data-retry": "unavailable" },
          `Retry is not available: ${retry.reason}`,
        ),
      );
    }
    const related = createElement(
      "section",
      { class: "related", "data-related": "loading" },
      createElement("h3", {}, "Compare with"),
      createElement("p", { class: "hint" }, "Loading…"),
    );
    void this.#loadRelated(view.record, related);
    replaceChildren(
      this.element,
      this.#renderHeader(view.record.cacheKey, view),
      metadata,
      ...notices,
      createElement(
        "section",
        { class: "inputs-section" },
        createElement("h3", {}, "Arguments"),
        renderArguments(view.arguments),
      ),
      related,
      createElement(
        "section",
        { class: "value" },
        view.error === undefined ? renderValue(view) : null,
      ),
    );
  }

  /** Fills the "Compare with" section: other versions of this call, other arguments. */
  async #loadRelated(record: TaskRecord, section: HTMLElement): Promise<void> {
    const request = this.#request;
    let related: RelatedEntries;
    try {
      related = await fetchRelated(record.cacheKey);
    } catch (error) {
      if (request !== this.#request) return;
      replaceChildren(
        section,
        createElement("h3", {}, "Compare with"),
        createElement("p", { class: "hint" }, (error as Error).message),
      );
      return;
    }
    if (request !== this.#request) return;
    section.dataset.related = "loaded";
    const group = (
      kind: string,
      title: string,
      rows: TaskRecord[],
      describe: (row: TaskRecord) => string,
      empty: string,
    ) => {
      const compareAll = createElement(
        "button",
        { type: "button", class: "button", "data-action": `compare-${kind}` },
        `Compare all ${rows.length + 1}`,
      );
      compareAll.addEventListener("click", () =>
        this.#events.onCompare([record.cacheKey, ...rows.map((row) => row.cacheKey)]),
      );
      const list = createElement("ul", { class: "related-list" });
      for (const row of rows) {
        const open = createElement(
          "button",
          { type: "button", class: "link-button", "data-key": row.cacheKey, title: row.cacheKey },
          describe(row),
        );
        open.addEventListener("click", () => this.#events.onOpen(row.cacheKey));
        const compare = createElement(
          "button",
          { type: "button", class: "link-button", "data-action": "compare-one" },
          "compare",
        );
        compare.addEventListener("click", () =>
          this.#events.onCompare([record.cacheKey, row.cacheKey]),
        );
        list.append(createElement("li", {}, open, " · ", compare));
      }
      return createElement(
        "div",
        { class: "related-group", "data-related-kind": kind },
        createElement("h4", {}, title, " ", rows.length === 0 ? null : compareAll),
        rows.length === 0 ? createElement("p", { class: "hint" }, empty) : list,
      );
    };
    replaceChildren(
      section,
      createElement("h3", {}, "Compare with"),
      group(
        "versions",
        "Other versions of this call",
        related.otherVersions,
        (row) => `${row.version ?? "no version"} · ${formatTimestamp(row.updatedAt)}`,
        "None: this call is stored under this version only.",
      ),
      group(
        "arguments",
        "Same version, other arguments",
        related.otherArguments,
        (row) => row.inputPreview ?? `input ${shortenKey(row.inputId)} (arguments not recorded)`,
        "None: no other arguments are stored under this version.",
      ),
      related.complete
        ? null
        : createElement(
            "p",
            { class: "hint" },
            `Looked at the newest ${related.scanned} entries of this function; filter the table by it to see older ones.`,
          ),
    );
  }

  async #retry(cacheKey: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    button.textContent = "Retrying…";
    try {
      const outcome = await retryTask(cacheKey);
      this.#events.onRetried(outcome);
    } catch (error) {
      button.textContent = "Retry";
      button.disabled = false;
      this.element.append(
        createElement(
          "p",
          { class: "notice notice-error", "data-retry": "failed" },
          (error as Error).message,
        ),
      );
    }
  }

  /** Asks, then deletes `cacheKey` (the Delete button and the Delete key). */
  async confirmDelete(cacheKey: string): Promise<void> {
    const confirmed = await askConfirmation({
      title: "Delete this entry?",
      message: [
        createElement(
          "p",
          {},
          "The row and its stored value are removed; the next call with these inputs runs the function again.",
        ),
        createElement("p", { class: "mono confirm-key" }, cacheKey),
      ],
      confirmLabel: "Delete entry",
    });
    if (!confirmed) return;
    try {
      await deleteTask(cacheKey);
    } catch (error) {
      this.element.append(
        createElement("p", { class: "notice notice-error" }, (error as Error).message),
      );
      return;
    }
    this.#events.onDeleted(cacheKey);
  }
}
