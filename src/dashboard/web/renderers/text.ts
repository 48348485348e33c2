/** @module dashboard/web/renderers/text — preformatted text; long text starts collapsed. */

import { createElement } from "../dom.js";

/** Lines shown before "Show all": a screenful that keeps the metadata in view. */
const COLLAPSED_LINES = 40;
const COLLAPSED_CHARACTERS = 4_000;

/** Text in a `<pre>`; text longer than a screen is cut with a button to show all of it. */
export function renderText(text: string, truncatedOnServer = false): HTMLElement {
  const lines = text.split("\n");
  const isLong = lines.length > COLLAPSED_LINES || text.length > COLLAPSED_CHARACTERS;
  const preview = isLong
    ? lines.slice(0, COLLAPSED_LINES).join("\n").slice(0, COLLAPSED_CHARACTERS)
    : text;
  const pre = createElement("pre", { class: "value-text" }, preview);
  const container = createElement("div", { class: "text-view" }, pre);
  if (isLong) {
    const toggle = createElement(
      "button",
      { type: "button", class: "link-button" },
      `Show all (${lines.length.toLocaleString("en-US")} lines, ${text.length.toLocaleString("en-US")} characters)`,
    );
    let expanded = false;
    toggle.addEventListener("click", () => {
      expanded = !expanded;
      pre.textContent = expanded ? text : preview;
      toggle.textContent = expanded ? "Show less" : "Show all";
      pre.classList.toggle("collapsed", !expanded);
    });
    pre.classList.add("collapsed");
    container.append(toggle);
  }
  if (truncatedOnServer) {
    container.append(
      createElement(
        "p",
        { class: "hint" },
        "The text is longer than shown here; open the raw value for all of it.",
      ),
    );
  }
  return container;
}
