/**
 * @module dashboard/web/renderers/json-tree — a collapsible tree of a value, built from native
 * `<details>` elements so folding needs no script of ours.
 */

import type { ValueNode } from "../../api-types.js";
import { createElement } from "../dom.js";

/** Levels open when the tree is first shown. */
const OPEN_DEPTH = 2;
/** Containers with more children than this start folded even near the root. */
const LARGE_CONTAINER = 50;

/** A parsed JSON value as a tree node (for JSON stored as text). */
export function describeJson(value: unknown): ValueNode {
  if (value === null) return { kind: "null" };
  if (typeof value === "boolean") return { kind: "boolean", value };
  if (typeof value === "number") return { kind: "number", value: String(value) };
  if (typeof value === "string")
    return { kind: "string", value, length: value.length, truncated: false };
  if (Array.isArray(value)) {
    return {
      kind: "array",
      typeName: "Array",
      items: value.map(describeJson),
      length: value.length,
      truncated: false,
    };
  }
  if (typeof value === "object") {
    return {
      kind: "object",
      className: null,
      entries: Object.entries(value).map(([key, entry]) => [key, describeJson(entry)]),
      truncated: false,
    };
  }
  return { kind: "other", text: String(value) };
}

function renderScalar(node: ValueNode): HTMLElement {
  switch (node.kind) {
    case "null":
      return createElement("span", { class: "tree-null" }, "null");
    case "undefined":
      return createElement("span", { class: "tree-null" }, "undefined");
    case "boolean":
      return createElement("span", { class: "tree-boolean" }, String(node.value));
    case "number":
      return createElement("span", { class: "tree-number" }, node.value);
    case "bigint":
      return createElement("span", { class: "tree-number" }, `${node.value}n`);
    case "string":
      return createElement(
        "span",
        { class: "tree-string" },
        JSON.stringify(node.value),
        node.truncated ? ` … (${node.length.toLocaleString("en-US")} characters)` : "",
      );
    case "date":
      return createElement("span", { class: "tree-date" }, `Date(${node.value})`);
    case "bytes":
      return createElement(
        "span",
        { class: "tree-bytes" },
        `<${node.size.toLocaleString("en-US")} bytes>`,
      );
    default:
      return createElement(
        "span",
        { class: "tree-other" },
        node.kind === "other" ? node.text : node.kind,
      );
  }
}

function describeContainer(
  node: ValueNode,
): { label: string; children: [HTMLElement, ValueNode][]; truncated: boolean } | undefined {
  switch (node.kind) {
    case "array":
      return {
        label: `${node.typeName === "Array" ? "" : node.typeName}[${node.length}]`,
        children: node.items.map((item, index) => [
          createElement("span", { class: "tree-index" }, index),
          item,
        ]),
        truncated: node.truncated,
      };
    case "object":
      return {
        label: `${node.className ?? ""}{${node.entries.length}${node.truncated ? "+" : ""}}`,
        children: node.entries.map(([key, entry]) => [
          createElement("span", { class: "tree-key" }, key),
          entry,
        ]),
        truncated: node.truncated,
      };
    case "map":
      return {
        label: `Map(${node.size})`,
        children: node.entries.map(([key, entry]) => [
          createElement("span", { class: "tree-key" }, renderScalarText(key)),
          entry,
        ]),
        truncated: node.truncated,
      };
    case "set":
      return {
        label: `Set(${node.size})`,
        children: node.items.map((item, index) => [
          createElement("span", { class: "tree-index" }, index),
          item,
        ]),
        truncated: node.truncated,
      };
    default:
      return undefined;
  }
}

function renderScalarText(node: ValueNode): string {
  return describeContainer(node)?.label ?? renderScalar(node).textContent ?? "";
}

function renderNode(node: ValueNode, depth: number): HTMLElement {
  const container = describeContainer(node);
  if (container === undefined) return renderScalar(node);
  const details = createElement("details", {
    class: "tree-node",
    open: depth < OPEN_DEPTH && container.children.length <= LARGE_CONTAINER,
  });
  details.append(createElement("summary", {}, container.label));
  const list = createElement("ul", { class: "tree-children" });
  for (const [label, child] of container.children) {
    list.append(
      createElement(
        "li",
        {},
        label,
        createElement("span", { class: "tree-colon" }, ": "),
        renderNode(child, depth + 1),
      ),
    );
  }
  if (container.truncated)
    list.append(createElement("li", { class: "hint" }, "… more entries not shown"));
  details.append(list);
  return details;
}

/** The value as a tree, with the first levels open. */
export function renderTree(node: ValueNode): HTMLElement {
  return createElement("div", { class: "value-tree" }, renderNode(node, 0));
}
