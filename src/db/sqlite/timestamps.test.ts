/** @module db/sqlite/timestamps.test — timestamp text in the Python format, and the variants other writers produce. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../../errors.js";
import { formatTimestamp, parseTimestamp, toIsoTimestamp } from "./timestamps.js";

describe("formatTimestamp", () => {
  it("writes UTC text with six fraction digits and a +00:00 offset", () => {
    assert.equal(
      formatTimestamp(Date.UTC(2026, 10, 28, 15, 30, 0, 123)),
      "2026-11-28 15:30:00.123000+00:00",
    );
  });

  it("pads every field", () => {
    assert.equal(
      formatTimestamp(Date.UTC(2001, 0, 2, 3, 4, 5, 6)),
      "2001-01-02 03:04:05.006000+00:00",
    );
    assert.equal(formatTimestamp(0), "1970-01-01 00:00:00.000000+00:00");
  });

  it("handles leap days and times before 1970", () => {
    assert.equal(
      formatTimestamp(Date.UTC(2024, 1, 29, 23, 59, 59, 999)),
      "2024-02-29 23:59:59.999000+00:00",
    );
    assert.equal(
      formatTimestamp(Date.UTC(1969, 11, 31, 23, 59, 59, 1)),
      "1969-12-31 23:59:59.001000+00:00",
    );
  });

  it("matches Date's calendar across four centuries of sampled times", () => {
    for (let ms = Date.UTC(1800, 0, 1); ms < Date.UTC(2200, 0, 1); ms += 7_777_777_777) {
      const expected = `${new Date(ms).toISOString().replace("T", " ").slice(0, 23)}000+00:00`;
      assert.equal(formatTimestamp(ms), expected);
    }
  });

  it("refuses values that are not finite Unix ms", () => {
    assert.throws(() => formatTimestamp(Number.NaN), ValidationError);
    assert.throws(() => formatTimestamp(Number.POSITIVE_INFINITY), ValidationError);
    assert.throws(() => formatTimestamp(1e16), ValidationError);
  });
});

describe("parseTimestamp", () => {
  it("round-trips what formatTimestamp writes", () => {
    for (let ms = Date.UTC(1900, 0, 1); ms < Date.UTC(2100, 0, 1); ms += 3_333_333_333) {
      assert.equal(parseTimestamp(formatTimestamp(ms)), ms);
    }
  });

  it("reads the Python format with microseconds, dropping below a millisecond", () => {
    assert.equal(
      parseTimestamp("2026-11-28 15:30:00.123456+00:00"),
      Date.UTC(2026, 10, 28, 15, 30, 0, 123),
    );
  });

  it("reads variants other writers produce", () => {
    const expected = Date.UTC(2026, 10, 28, 15, 30, 0);
    assert.equal(parseTimestamp("2026-11-28 15:30:00"), expected);
    assert.equal(parseTimestamp("2026-11-28T15:30:00Z"), expected);
    assert.equal(parseTimestamp("2026-11-28T15:30:00.000Z"), expected);
    assert.equal(parseTimestamp("2026-11-28 15:30:00+00:00"), expected);
    assert.equal(parseTimestamp("2026-11-28T15:30"), expected);
    assert.equal(parseTimestamp("2026-11-28 15:30:00.5"), expected + 500);
    assert.equal(parseTimestamp("2026-11-28 15:30:00.25"), expected + 250);
    assert.equal(parseTimestamp("2026-11-28"), Date.UTC(2026, 10, 28));
  });

  it("applies non-UTC offsets", () => {
    const expected = Date.UTC(2026, 10, 28, 15, 30, 0);
    assert.equal(parseTimestamp("2026-11-29 00:30:00+09:00"), expected);
    assert.equal(parseTimestamp("2026-11-28 10:00:00-0530"), expected);
    assert.equal(parseTimestamp("2026-11-28 17:30:00+02"), expected);
  });

  it("gives NaN for text that is not a timestamp", () => {
    for (const text of [
      "",
      "yesterday",
      "2026-13-01",
      "2026-11-28 25:00:00",
      "2026-11-28 15:30:00.",
      "2026-11-28 15:30:00 UTC",
      "2026-11-28 15:3",
    ]) {
      assert.ok(Number.isNaN(parseTimestamp(text)), text);
    }
  });
});

describe("toIsoTimestamp", () => {
  it("shows stored text as ISO 8601 UTC with milliseconds", () => {
    assert.equal(toIsoTimestamp("2026-11-28 15:30:00.123456+00:00"), "2026-11-28T15:30:00.123Z");
  });

  it("returns undefined for unreadable text, NULL and times no Date can hold, never throwing", () => {
    for (const value of ["someday", "", null, 1e20, -1e20, Number.NaN, 2n ** 63n - 1n]) {
      assert.equal(toIsoTimestamp(value), undefined, String(value));
    }
  });
});
