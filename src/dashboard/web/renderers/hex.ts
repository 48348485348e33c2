/** @module dashboard/web/renderers/hex — bytes as a hex dump with their size. */

import type { ValueNode } from "../../api-types.js";
import { createElement, formatBytes } from "../dom.js";

export function renderHex(
  node: Extract<ValueNode, { kind: "bytes" }>,
  rawUrl: string,
): HTMLElement {
  return createElement(
    "div",
    { class: "hex-view" },
    createElement(
      "p",
      { class: "hint" },
      `${node.size.toLocaleString("en-US")} bytes (${formatBytes(node.size)})`,
      node.truncated ? " — first 4 KB shown. " : ". ",
      createElement("a", { href: rawUrl, download: true }, "Download"),
    ),
    createElement("pre", { class: "value-hex" }, node.hex),
  );
}
