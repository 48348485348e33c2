/** @module dashboard/web/detail — the detail pane: an entry's metadata, its rendered value, and delete. */

import type { TaskView } from "../api-types.js";
import { deleteTask, fetchTask, NotFoundError } from "./api.js";
import { askConfirmation } from "./dialog.js";
import { createElement, formatBytes, formatTimestamp, replaceChildren } from "./dom.js";
import { renderValue } from "./renderers/index.js";

export interface DetailEvents {
  onClose(): void;
  /** The entry was deleted here: the table must drop it. */
  onDeleted(cacheKey: string): void;
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
    ...(view.inputPreview === undefined
      ? []
      : [["Arguments", view.inputPreview] as [string, string]]),
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
      const remove = createElement(
        "button",
        { type: "button", class: "button danger", "data-action": "delete-entry" },
        "Delete",
      );
      remove.addEventListener("click", () => void this.#confirmDelete(cacheKey));
      actions.append(remove);
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
    replaceChildren(
      this.element,
      this.#renderHeader(view.record.cacheKey, view),
      metadata,
      ...notices,
      createElement(
        "section",
        { class: "value" },
        view.error === undefined ? renderValue(view) : null,
      ),
    );
  }

  async #confirmDelete(cacheKey: string): Promise<void> {
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
