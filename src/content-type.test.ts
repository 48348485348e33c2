/** @module content-type.test — the known content types and the check for free-form ones. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ContentType, validateContentType } from "./content-type.js";
import { ValidationError } from "./errors.js";

describe("ContentType", () => {
  it("has a member for each kind of value the dashboard renders", () => {
    assert.equal(ContentType.MARKDOWN, "text/markdown");
    assert.equal(ContentType.AUDIO_WAV, "audio/wav");
    assert.equal(ContentType.AUDIO_MPEG, "audio/mpeg");
    assert.equal(ContentType.VIDEO_MP4, "video/mp4");
    assert.equal(ContentType.SVG, "image/svg+xml");
    assert.equal(ContentType.MERMAID, "text/vnd.mermaid");
    assert.equal(ContentType.GRAPHVIZ, "text/vnd.graphviz");
  });

  it("accepts every member as a valid content type", () => {
    for (const value of Object.values(ContentType)) {
      assert.equal(validateContentType(value, "contentType of render"), value);
    }
  });
});

describe("validateContentType", () => {
  const valid = [
    "application/x-custom",
    "text/plain; charset=utf-8",
    'text/plain;charset="utf-8"',
    "application/vnd.api+json",
  ];
  for (const value of valid) {
    it(`accepts ${JSON.stringify(value)}`, () => {
      assert.equal(validateContentType(value, "contentType of render"), value);
    });
  }

  const invalid: unknown[] = [
    "",
    "markdown",
    "text/",
    "/plain",
    "text/plain/extra",
    "text plain",
    "text/plain; charset",
    42,
    undefined,
    `text/${"x".repeat(300)}`,
  ];
  for (const value of invalid) {
    it(`refuses ${typeof value === "string" ? JSON.stringify(value.slice(0, 20)) : String(value)}, naming where`, () => {
      assert.throws(
        () => validateContentType(value, "contentType of render"),
        (error: unknown) =>
          error instanceof ValidationError &&
          error.message.startsWith("contentType of render") &&
          error.message.includes("ContentType."),
      );
    });
  }
});
