/** @module cli/commands/show.test — a long value is cut to a screenful on a terminal, saying how much is left. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cutForTerminal } from "./show.js";

describe("cutForTerminal", () => {
  it("keeps a value that fits a screen whole", () => {
    assert.equal(cutForTerminal("short"), undefined);
    assert.equal(cutForTerminal(Array(40).fill("line").join("\n")), undefined);
  });

  it("cuts after 40 lines and counts the lines left out", () => {
    const text = Array.from({ length: 100 }, (_, index) => `line ${index}`).join("\n");
    const cut = cutForTerminal(text);
    assert.equal(cut?.shown.split("\n").length, 40);
    assert.equal(cut?.shown.endsWith("line 39"), true);
    assert.equal(cut?.hiddenLines, 60);
  });

  it("cuts one long line at 4096 characters and counts the characters left out", () => {
    const cut = cutForTerminal("x".repeat(10_000));
    assert.equal(cut?.shown.length, 4096);
    assert.equal(cut?.hiddenLines, 0);
    assert.equal(cut?.hiddenCharacters, 10_000 - 4096);
  });

  it("never splits a surrogate pair", () => {
    const cut = cutForTerminal(`${"x".repeat(4095)}😀${"y".repeat(10)}`);
    assert.equal(cut?.shown, "x".repeat(4095));
  });
});
