/** @module cli/suggestions.test — a typo gets the names it is close to, and only those. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { editDistance, findClosestNames } from "./suggestions.js";

describe("editDistance", () => {
  it("counts inserts, deletes, replacements and swapped neighbours as one edit each", () => {
    assert.equal(editDistance("summarize", "summarize"), 0);
    assert.equal(editDistance("summarise", "summarize"), 1);
    assert.equal(editDistance("rendr", "render"), 1);
    assert.equal(editDistance("rednre", "render"), 2);
    assert.equal(editDistance("porfile", "profile"), 1);
    assert.equal(editDistance("", "abc"), 3);
  });
});

describe("findClosestNames", () => {
  const known = ["summarize", "pages.render", "render", "profile"];

  it("suggests the closest names of a typo, ignoring case", () => {
    assert.deepEqual(findClosestNames("summarise", known), ["summarize"]);
    assert.deepEqual(findClosestNames("Render", known), ["render"]);
    assert.deepEqual(findClosestNames("pages.rendr", known), ["pages.render"]);
  });

  it("suggests nothing for a name that is not a near miss", () => {
    assert.deepEqual(findClosestNames("scrape", known), []);
    assert.deepEqual(findClosestNames("ab", ["ac", "b"]), []);
  });
});
