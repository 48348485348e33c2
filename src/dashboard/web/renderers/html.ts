/**
 * @module dashboard/web/renderers/html — stored HTML in an `<iframe sandbox>` without
 * `allow-scripts`: it is laid out and shown, but none of its script runs, and it gets an opaque
 * origin so it cannot reach the dashboard.
 */

import { createElement } from "../dom.js";
import { renderText } from "./text.js";

export function renderHtml(rawUrl: string, source: string | undefined): HTMLElement {
  const frame = createElement("iframe", {
    class: "value-html",
    sandbox: "",
    src: rawUrl,
    referrerpolicy: "no-referrer",
    title: "stored HTML (scripts disabled)",
  });
  const container = createElement("div", { class: "html-view" }, frame);
  if (source !== undefined) {
    const details = createElement(
      "details",
      { class: "source" },
      createElement("summary", {}, "Source"),
    );
    details.append(renderText(source));
    container.append(details);
  }
  return container;
}
