/**
 * @module cli/escape — stored text made safe for a terminal. A value, a function name or a file
 * name from a hostile database could otherwise clear the screen, plant OSC 8 links, write the
 * clipboard (OSC 52) or reorder what is shown (bidi overrides).
 */

/**
 * Characters a terminal acts on instead of showing, besides C0 controls: DEL, C1 controls
 * (U+0080–U+009F, which some terminals read as ESC sequences), the line and paragraph separators,
 * and the bidirectional marks, embeddings, overrides and isolates that reorder a line.
 */
const OTHER_CONTROLS =
  "\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";

/** Every control character: what one-line text (a table cell, a name, a message) escapes. */
const INLINE_CONTROLS = new RegExp(`[\\u0000-\\u001f${OTHER_CONTROLS}]`, "g");

/** Control characters except the layout of multi-line text: `\n`, `\t` and `\r` before `\n`. */
const MULTILINE_CONTROLS = new RegExp(
  `\\r(?!\\n)|[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f${OTHER_CONTROLS}]`,
  "g",
);

/** Any character that `escapeInline` would change: a quick test that spares the common case. */
const ANY_CONTROL = new RegExp(`[\\u0000-\\u001f${OTHER_CONTROLS}]`);

/** What `JSON.stringify` leaves as it is but a terminal may act on. */
const JSON_UNESCAPED_CONTROLS = new RegExp(`[${OTHER_CONTROLS}]`, "g");

const NAMED_ESCAPES: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `\n`, `\r`, `\t`; `\x1b` for another control character below U+0100; `\u202e` above. */
function escapeCharacter(character: string): string {
  const named = NAMED_ESCAPES[character];
  if (named !== undefined) return named;
  const code = character.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * Text that may span lines (a stored value) with every control character shown as an escape
 * (`\x1b`, `\u202e`) except line breaks and tabs, so it prints as text and never acts on the
 * terminal. `show --raw` prints the exact characters instead.
 */
export function escapeText(text: string): string {
  return ANY_CONTROL.test(text) ? text.replace(MULTILINE_CONTROLS, escapeCharacter) : text;
}

/** One-line text (a table cell, a name, a path, a message) with every control character escaped. */
export function escapeInline(text: string): string {
  return ANY_CONTROL.test(text) ? text.replace(INLINE_CONTROLS, escapeCharacter) : text;
}

/**
 * JSON text with C1 controls, DEL and bidirectional characters written as `\u` escapes.
 * `JSON.stringify` escapes only C0 controls; these can only occur inside strings, where the
 * escape parses back to the same character.
 */
export function escapeJson(json: string): string {
  return json.replace(
    JSON_UNESCAPED_CONTROLS,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
