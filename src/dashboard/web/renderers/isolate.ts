/**
 * @module dashboard/web/renderers/isolate — stored content that carries markup (markdown,
 * diagrams) shown where its styles cannot reach the page: in a shadow root, whose style rules
 * apply inside it only, and inside a box that clips whatever it positions, so a stored value can
 * neither hide the page's buttons nor lay a fake banner over it.
 */

/**
 * Puts `content` in a shadow root styled by `css` alone (the page's classes do not apply inside),
 * in a host element inside `box`. The box is the page's: `contain: paint` there keeps even a
 * `position: fixed` element, or a `:host` rule in the content, within the box.
 */
export function showIsolated(box: HTMLElement, css: string, content: Node): void {
  const host = document.createElement("div");
  host.className = "isolated-content";
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = css;
  root.append(style, content);
  box.classList.add("isolated-box");
  box.replaceChildren(host);
}
