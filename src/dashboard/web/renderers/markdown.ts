/** @module dashboard/web/renderers/markdown — markdown rendered with marked, then sanitized by DOMPurify. */

import DOMPurify from "dompurify";
import { marked } from "marked";
import { createElement } from "../dom.js";
import { showIsolated } from "./isolate.js";

/** The look of rendered markdown; the page's own rules do not reach inside its shadow root. */
const MARKDOWN_CSS = `
:host { display: block; overflow-wrap: anywhere; }
* { box-sizing: border-box; }
pre { white-space: pre; overflow-x: auto; }
pre, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
img { max-width: 100%; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--border); padding: 4px 8px; }
`;

/**
 * Rendered markdown. Raw HTML in the note is allowed by markdown, so the result is sanitized:
 * scripts, event handler attributes and `javascript:` links are removed before it touches the page,
 * and so is every way to carry CSS (`<style>`, also inside SVG or MathML, `<link>`, `style`
 * attributes). What remains is shown isolated, so not even the page's classes apply to it.
 */
export function renderMarkdown(text: string): HTMLElement {
  const html = marked.parse(text, { async: false, gfm: true });
  const clean = DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "link"],
    FORBID_ATTR: ["style"],
  });
  // Parsed in an inert <template>: nothing in it loads or runs before it is in the page.
  const template = document.createElement("template");
  template.innerHTML = clean;
  const container = createElement("div", { class: "value-markdown" });
  showIsolated(container, MARKDOWN_CSS, template.content);
  return container;
}
