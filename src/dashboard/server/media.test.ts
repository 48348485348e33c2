/** @module dashboard/server/media.test — range parsing and the served Content-Type allow-list. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseServedType, parseRangeHeader } from "./media.js";

describe("parseRangeHeader", () => {
  it("reads a closed range, an open range and a suffix", () => {
    assert.deepEqual(parseRangeHeader("bytes=0-9", 100), { start: 0, end: 9 });
    assert.deepEqual(parseRangeHeader("bytes=90-", 100), { start: 90, end: 99 });
    assert.deepEqual(parseRangeHeader("bytes=-5", 100), { start: 95, end: 99 });
  });

  it("clips an end past the last byte", () => {
    assert.deepEqual(parseRangeHeader("bytes=50-500", 100), { start: 50, end: 99 });
  });

  it("calls a range starting past the end unsatisfiable", () => {
    assert.equal(parseRangeHeader("bytes=100-", 100), "unsatisfiable");
    assert.equal(parseRangeHeader("bytes=9-3", 100), "unsatisfiable");
  });

  it("answers several ranges or another unit with the whole body", () => {
    assert.equal(parseRangeHeader("bytes=0-1,5-6", 100), undefined);
    assert.equal(parseRangeHeader("items=0-1", 100), undefined);
    assert.equal(parseRangeHeader(undefined, 100), undefined);
  });
});

describe("chooseServedType", () => {
  const binary = { isText: false, isJson: false };
  const text = { isText: true, isJson: false };

  it("serves allow-listed media as themselves", () => {
    assert.equal(chooseServedType("image/png", binary), "image/png");
    assert.equal(chooseServedType("audio/x-wav", binary), "audio/wav");
    assert.equal(chooseServedType("Video/WebM; codecs=vp8", binary), "video/webm");
  });

  it("serves any other stored type as plain text or octets, never as itself", () => {
    assert.equal(chooseServedType("application/xhtml+xml", text), "text/plain; charset=utf-8");
    assert.equal(chooseServedType("text/javascript", text), "text/plain; charset=utf-8");
    assert.equal(chooseServedType("application/x-custom", binary), "application/octet-stream");
    assert.equal(chooseServedType(null, binary), "application/octet-stream");
  });
});
