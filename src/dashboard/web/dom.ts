/** @module dashboard/web/dom — small helpers to build elements and format numbers and dates. */

type Child = Node | string | number | null | undefined | false;

/** Attributes to set; `undefined` and `false` leave one out, `true` sets it empty. */
export type Attributes = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes and children (strings become text, never HTML). */
export function createElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  appendChildren(element, children);
  return element;
}

/** Appends children, turning strings and numbers into text nodes. */
export function appendChildren(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Removes every child of `element` and appends `children`. */
export function replaceChildren(element: Element, ...children: Child[]): void {
  element.textContent = "";
  appendChildren(element, children);
}

const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB"];

/** `1536` → `"1.5 KB"`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** `1234567` → `"1,234,567"`. */
export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/** An ISO timestamp as local `YYYY-MM-DD HH:MM:SS`. */
export function formatTimestamp(iso: string | null): string {
  if (iso === null) return "never";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** How long ago an ISO timestamp was, roughly (`"3 min ago"`). */
export function formatAge(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.max(0, seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** The first characters of a long hex key, enough to tell rows apart. */
export function shortenKey(key: string, length = 12): string {
  return key.length > length ? `${key.slice(0, length)}…` : key;
}
