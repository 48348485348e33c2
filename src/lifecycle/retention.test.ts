/** @module lifecycle/retention.test — which retention forms are accepted and what they mean. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../errors.js";
import { parseRetention, Retention } from "./retention.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("parseRetention", () => {
  const valid: [unknown, number | null][] = [
    ["10s", 10 * SECOND],
    ["30m", 30 * MINUTE],
    ["12h", 12 * HOUR],
    ["7d", 7 * DAY],
    ["2w", 14 * DAY],
    ["1.5h", 90 * MINUTE],
    ["0.5s", 500],
    [" 3d ", 3 * DAY],
    ["3 d", 3 * DAY],
    [3600, HOUR],
    [0.25, 250],
    [Retention.FOREVER, null],
    ["forever", null],
  ];
  for (const [spec, expected] of valid) {
    it(`reads ${JSON.stringify(spec)} as ${expected === null ? "forever" : `${expected} ms`}`, () => {
      assert.equal(parseRetention(spec, "retention of summarize"), expected);
    });
  }

  const invalid: unknown[] = [
    "",
    "7",
    "3600",
    "7days",
    "7D",
    "1h30m",
    "-1d",
    "0d",
    "0s",
    ".5h",
    "d",
    "never",
    0,
    -5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    undefined,
    true,
    {},
    "2000000w",
  ];
  for (const spec of invalid) {
    it(`refuses ${typeof spec === "string" ? JSON.stringify(spec) : String(spec)} naming where it came from`, () => {
      assert.throws(
        () => parseRetention(spec, "retention of summarize"),
        (error: unknown) => {
          assert.ok(error instanceof ValidationError);
          assert.match(error.message, /^retention of summarize /);
          assert.match(error.message, /Retention\.FOREVER/);
          return true;
        },
      );
    });
  }

  it("lists the accepted forms in its error", () => {
    assert.throws(() => parseRetention("soon", "retention of fetch"), /"7d"/);
  });
});
