/** @module cli/escape.test — control characters in stored text are shown, never acted on. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeInline, escapeJson, escapeText } from "./escape.js";

/** The code of the first control or bidi character in `text` a terminal would act on. */
function findRawControl(text: string): number | undefined {
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 0x20 && code !== 0x0a) return code;
    if ((code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e)) return code;
    if (code >= 0x2066 && code <= 0x2069) return code;
  }
  return undefined;
}

const HOSTILE =
  "a\u001b[2J\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007\u001b]52;c;aGk=\u0007\u009b31m\u007f\u202egnp.exe\u2066\u0000";

describe("escapeText", () => {
  it("escapes ESC, BEL, C1 controls, DEL, NUL and bidi overrides, keeping the visible text", () => {
    assert.equal(
      escapeText(HOSTILE),
      "a\\x1b[2J\\x1b]8;;https://evil.example\\x07link\\x1b]8;;\\x07\\x1b]52;c;aGk=\\x07\\x9b31m\\x7f\\u202egnp.exe\\u2066\\x00",
    );
  });

  it("keeps line breaks, tabs and CRLF of multi-line text, but escapes a lone carriage return", () => {
    assert.equal(escapeText("# Title\n\n\tcode\r\nnext"), "# Title\n\n\tcode\r\nnext");
    assert.equal(escapeText("safe\rspoofed"), "safe\\rspoofed");
  });

  it("returns ordinary text unchanged, accents and emoji included", () => {
    const text = "Zürich, 東京, 🎉 — “quotes”";
    assert.equal(escapeText(text), text);
    assert.equal(escapeInline(text), text);
  });
});

describe("escapeInline", () => {
  it("also escapes line breaks and tabs, so a table cell or a message stays one line", () => {
    assert.equal(escapeInline("run\n\tfake row\u001b[K"), "run\\n\\tfake row\\x1b[K");
  });
});

describe("escapeJson", () => {
  it("escapes C1 controls, DEL and bidi characters that JSON.stringify leaves, and parses back the same", () => {
    const json = escapeJson(JSON.stringify({ value: HOSTILE }));
    assert.equal(findRawControl(json), undefined);
    assert.deepEqual(JSON.parse(json), { value: HOSTILE });
  });
});
