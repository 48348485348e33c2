/**
 * @module dashboard/web/renderers/diagram — the frame shared by diagram renderers: a placeholder
 * while the renderer loads, the sanitized SVG when it succeeds, the error and the source when not.
 */

import DOMPurify from "dompurify";
import { createElement, replaceChildren } from "../dom.js";
import { showIsolated } from "./isolate.js";
import { renderText } from "./text.js";

/** Fits the diagram to the pane; the page's rules do not reach inside its shadow root. */
const DIAGRAM_CSS = "svg { max-width: 100%; height: auto; }";

/**
 * Shows the SVG that `render` produces from `source`. The SVG is sanitized before insertion:
 * diagram sources can carry links and labels, and nothing in them may run in the page.
 */
export function renderDiagram(
  source: string,
  kind: string,
  render: (source: string) => Promise<string>,
): HTMLElement {
  const target = createElement(
    "div",
    { class: "value-diagram", "data-state": "loading" },
    `Rendering ${kind} diagram…`,
  );
  const sourceView = createElement(
    "details",
    { class: "source" },
    createElement("summary", {}, "Source"),
    renderText(source),
  );
  render(source)
    .then((svg) => {
      const clean = DOMPurify.sanitize(svg, {
        USE_PROFILES: { svg: true, svgFilters: true, html: true },
        RETURN_DOM_FRAGMENT: true,
      });
      // Mermaid's SVG carries its own <style>: isolated, it styles the diagram and nothing else.
      showIsolated(target, DIAGRAM_CSS, clean);
      target.dataset.state = "rendered";
    })
    .catch((error: unknown) => {
      replaceChildren(
        target,
        createElement(
          "p",
          { class: "notice notice-error" },
          `The ${kind} diagram could not be rendered: ${error instanceof Error ? error.message : String(error)}. Its source is shown below.`,
        ),
      );
      target.dataset.state = "failed";
      sourceView.open = true;
    });
  return createElement("div", { class: "diagram-view" }, target, sourceView);
}
