/** @module dashboard/web/renderers/markdown — markdown rendered with marked, then sanitized by DOMPurify. */

import DOMPurify from "dompurify";
import { marked } from "marked";
import { createElement } from "../dom.js";

/**
 * Rendered markdown. Raw HTML in the note is allowed by markdown, so the result is sanitized:
 * scripts, event handler attributes and `javascript:` links are removed before it touches the page.
 */
export function renderMarkdown(text: string): HTMLElement {
  const html = marked.parse(text, { async: false, gfm: true });
  const clean = DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
  // Parsed in an inert <template>: nothing in it loads or runs before it is in the page.
  const template = document.createElement("template");
  template.innerHTML = clean;
  const container = createElement("div", { class: "value-markdown" });
  container.append(template.content);
  return container;
}
