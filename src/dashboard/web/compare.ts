/**
 * @module dashboard/web/compare — entries side by side: arguments and results, a line diff of
 * text, markdown and JSON values against the first entry, images and audio next to each other.
 * Also where a retry shows the old and the new result, with the choice to keep or discard the old.
 */

import type { ArgumentsView, RetryOutcome, TaskView, ValueNode } from "../api-types.js";
import { deleteTask, fetchTask, NotFoundError } from "./api.js";
import { diffLines } from "./diff.js";
import { createElement, formatTimestamp, replaceChildren, shortenKey } from "./dom.js";
import { readBaseType, renderValue } from "./renderers/index.js";
import { renderTree } from "./renderers/json-tree.js";

export interface CompareEvents {
  onClose(): void;
  /** Open one of the compared entries in the detail pane. */
  onOpen(cacheKey: string): void;
  /** Something was deleted here (the old entry of a retry): the table must reload. */
  onChanged(): void;
}

/** Content types whose values are compared as whole media, not as text. */
const MEDIA_PREFIXES = ["image/", "audio/", "video/"];

/** A value as lines of text to diff, or `undefined` when it is media or has no value. */
export function readDiffText(view: TaskView): string | undefined {
  const base = readBaseType(view.record.contentType);
  if (base !== null && MEDIA_PREFIXES.some((prefix) => base.startsWith(prefix))) {
    return base === "image/svg+xml" ? view.text : undefined;
  }
  if (view.text !== undefined) {
    if (base === "application/json") {
      try {
        return JSON.stringify(JSON.parse(view.text), null, 2);
      } catch {
        return view.text;
      }
    }
    return view.text;
  }
  if (view.value === undefined || view.value.kind === "bytes") return undefined;
  return formatNode(view.value, "");
}

/** A display tree as indented JSON-like text (one field per line, so diffs are by field). */
function formatNode(node: ValueNode, indent: string): string {
  const inner = `${indent}  `;
  switch (node.kind) {
    case "null":
    case "undefined":
      return node.kind;
    case "boolean":
      return String(node.value);
    case "number":
      return node.value;
    case "bigint":
      return `${node.value}n`;
    case "string":
      return JSON.stringify(node.value) + (node.truncated ? " …" : "");
    case "date":
      return node.value;
    case "bytes":
      return `<${node.size} bytes>`;
    case "other":
      return node.text;
    case "array":
    case "set": {
      if (node.items.length === 0) return node.kind === "set" ? "Set []" : "[]";
      const items = node.items.map((item) => `${inner}${formatNode(item, inner)}`);
      if (node.truncated) items.push(`${inner}…`);
      return `${node.kind === "set" ? "Set " : ""}[\n${items.join(",\n")}\n${indent}]`;
    }
    case "object": {
      if (node.entries.length === 0) return "{}";
      const fields = node.entries.map(
        ([key, value]) => `${inner}${JSON.stringify(key)}: ${formatNode(value, inner)}`,
      );
      if (node.truncated) fields.push(`${inner}…`);
      return `${node.className === null ? "" : `${node.className} `}{\n${fields.join(",\n")}\n${indent}}`;
    }
    case "map": {
      const fields = node.entries.map(
        ([key, value]) => `${inner}${formatNode(key, inner)} => ${formatNode(value, inner)}`,
      );
      return `Map {\n${fields.join(",\n")}\n${indent}}`;
    }
  }
}

/** The stored arguments as a tree, or "not recorded". */
export function renderArguments(view: ArgumentsView | undefined): HTMLElement {
  if (view === undefined) {
    return createElement(
      "p",
      { class: "hint arguments-missing", "data-arguments": "not-recorded" },
      "not recorded (an entry written before arguments were stored, by the Python library, or without them)",
    );
  }
  return createElement(
    "div",
    { class: "arguments", "data-arguments": "recorded" },
    renderTree(view.tree),
    view.redacted.length > 0
      ? createElement("p", { class: "hint" }, `Redacted: ${view.redacted.join(", ")}`)
      : view.complete
        ? null
        : createElement(
            "p",
            { class: "hint" },
            "Not stored in full: some values were replaced by a description.",
          ),
  );
}

function renderDiff(before: string, after: string): HTMLElement {
  const { lines, cut } = diffLines(before, after);
  const changed = lines.filter((line) => line.kind !== "same").length;
  const pre = createElement("pre", { class: "diff" });
  for (const line of lines) {
    const sign = line.kind === "added" ? "+ " : line.kind === "removed" ? "- " : "  ";
    pre.append(createElement("span", { class: `diff-${line.kind}` }, `${sign}${line.text}\n`));
  }
  return createElement(
    "div",
    { class: "diff-view" },
    createElement(
      "p",
      { class: "hint" },
      changed === 0
        ? "Same text as the first entry."
        : `${changed} line${changed === 1 ? "" : "s"} differ from the first entry (− first, + this one).`,
      cut ? " Long texts: only their first lines are compared." : "",
    ),
    changed === 0 ? null : pre,
  );
}

export class ComparePane {
  readonly element = createElement("section", {
    class: "compare-pane",
    id: "compare",
    hidden: true,
    "aria-label": "Compare entries",
  });
  readonly #events: CompareEvents;
  #request = 0;
  #keys: string[] = [];

  constructor(events: CompareEvents) {
    this.#events = events;
  }

  get keys(): readonly string[] {
    return this.#keys;
  }

  hide(): void {
    this.#request += 1;
    this.#keys = [];
    this.element.hidden = true;
    replaceChildren(this.element);
  }

  /** Loads and shows the entries side by side; `retry` adds the keep-or-discard choice. */
  async show(keys: readonly string[], retry?: RetryOutcome): Promise<void> {
    const request = ++this.#request;
    this.#keys = [...keys];
    this.element.hidden = false;
    replaceChildren(
      this.element,
      this.#renderHeader(keys.length),
      createElement("p", { class: "hint" }, "Loading…"),
    );
    const views = await Promise.all(
      keys.map((key) =>
        fetchTask(key).catch((error: unknown) =>
          error instanceof NotFoundError ? key : Promise.reject(error),
        ),
      ),
    ).catch((error: unknown) => error as Error);
    if (request !== this.#request) return;
    if (views instanceof Error) {
      replaceChildren(
        this.element,
        this.#renderHeader(keys.length),
        createElement("p", { class: "notice notice-error" }, views.message),
      );
      return;
    }
    const first = views.find((view): view is TaskView => typeof view !== "string");
    const firstText = first === undefined ? undefined : readDiffText(first);
    const columns = views.map((view, index) =>
      typeof view === "string"
        ? createElement(
            "article",
            { class: "compare-column", "data-key": view },
            createElement("p", { class: "notice notice-error" }, `Entry ${view} no longer exists.`),
          )
        : this.#renderColumn(view, index, view === first ? undefined : firstText, retry),
    );
    replaceChildren(
      this.element,
      this.#renderHeader(keys.length),
      retry === undefined ? null : this.#renderRetryChoice(retry),
      createElement(
        "div",
        { class: "compare-grid", style: `--compare-columns: ${Math.max(1, columns.length)}` },
        ...columns,
      ),
    );
  }

  #renderHeader(count: number): HTMLElement {
    const close = createElement(
      "button",
      { type: "button", class: "button", "data-action": "close-compare", "aria-label": "Close" },
      "✕",
    );
    close.addEventListener("click", () => this.#events.onClose());
    return createElement(
      "header",
      { class: "detail-header" },
      createElement("h2", {}, `Compare ${count} entries`),
      close,
    );
  }

  #renderRetryChoice(retry: RetryOutcome): HTMLElement {
    const box = createElement("div", { class: "notice retry-choice", "data-retry": "choice" });
    if (retry.previousKey === null) {
      box.append("Retried: the entry holds the new result (there was no old one left to keep).");
      return box;
    }
    const previousKey = retry.previousKey;
    const keep = createElement(
      "button",
      { type: "button", class: "button", "data-action": "keep-old" },
      "Keep old",
    );
    const discard = createElement(
      "button",
      { type: "button", class: "button danger", "data-action": "discard-old" },
      "Discard old",
    );
    keep.addEventListener("click", () => {
      replaceChildren(
        box,
        "Kept: the old result stays as its own entry (version “… (before retry)”); calls get the new one.",
      );
      box.dataset.retry = "kept";
    });
    discard.addEventListener("click", async () => {
      try {
        await deleteTask(previousKey);
      } catch (error) {
        box.append(createElement("p", { class: "notice-error" }, (error as Error).message));
        return;
      }
      this.#events.onChanged();
      this.#events.onOpen(retry.cacheKey);
    });
    box.append(
      createElement(
        "p",
        {},
        "Retried: the entry now holds the new result (right), and calls get it. The old result (left) is kept as a separate entry until you choose.",
      ),
      createElement("div", { class: "detail-actions" }, keep, discard),
    );
    return box;
  }

  #renderColumn(
    view: TaskView,
    index: number,
    firstText: string | undefined,
    retry: RetryOutcome | undefined,
  ): HTMLElement {
    const { record } = view;
    const open = createElement(
      "button",
      {
        type: "button",
        class: "link-button mono",
        "data-action": "open-entry",
        title: record.cacheKey,
      },
      shortenKey(record.cacheKey),
    );
    open.addEventListener("click", () => this.#events.onOpen(record.cacheKey));
    const label =
      retry === undefined
        ? `#${index + 1}`
        : record.cacheKey === retry.cacheKey
          ? "New (after retry)"
          : "Old (before retry)";
    const text = firstText === undefined ? undefined : readDiffText(view);
    return createElement(
      "article",
      { class: "compare-column", "data-key": record.cacheKey },
      createElement(
        "h3",
        {},
        createElement("span", { class: "compare-label" }, label),
        ` ${record.funcName}`,
      ),
      createElement(
        "p",
        { class: "hint" },
        `version ${record.version ?? "–"} · ${formatTimestamp(record.updatedAt)} · `,
        open,
      ),
      createElement("h4", {}, "Arguments"),
      renderArguments(view.arguments),
      createElement("h4", {}, "Result"),
      createElement(
        "div",
        { class: "value" },
        view.error === undefined
          ? renderValue(view)
          : createElement("p", { class: "notice notice-error" }, view.error),
      ),
      firstText !== undefined && text !== undefined ? renderDiff(firstText, text) : null,
    );
  }
}
