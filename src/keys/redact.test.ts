/** @module keys/redact.test — the one redaction rule. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRedactor, isSecretName, REDACTED, redactSecretsInText } from "./redact.js";

describe("redaction", () => {
  it("redacts secret field names in any spelling, and leaves token counts alone", () => {
    for (const name of [
      "apiKey",
      "api_key",
      "X-Api-Key",
      "openaiApiKey",
      "Authorization",
      "accessToken",
      "password",
      "client_secret",
      "credentials",
      "token",
    ]) {
      assert.equal(isSecretName(name), true, name);
    }
    for (const name of [
      "maxTokens",
      "max_tokens",
      "tokens",
      "prompt",
      "temperature",
      "keyword",
      "author",
    ]) {
      assert.equal(isSecretName(name), false, name);
    }
  });

  it("replaces secret-looking values inside texts and keeps the rest", () => {
    assert.equal(
      redactSecretsInText("use sk-ant-api03-abcdefghijklmnop please"),
      `use ${REDACTED} please`,
    );
    assert.equal(
      redactSecretsInText("Authorization: Bearer abc.def-ghi_jkl"),
      `Authorization: ${REDACTED}`,
    );
    assert.equal(redactSecretsInText("task-list and sk-1 stay"), "task-list and sk-1 stay");
  });

  it("adds names, paths, patterns and functions from the redact options", () => {
    const redactor = createRedactor(
      [["email", "opts.user.phone", /^x-/i], ({ key }) => key === "ssn"],
      "test",
    );
    assert.equal(redactor("Email", "user.Email", "a@b"), true);
    assert.equal(redactor("phone", "opts.user.phone", "1"), true);
    assert.equal(redactor("phone", "other.phone", "1"), false);
    assert.equal(redactor("X-Trace", "headers.X-Trace", "1"), true);
    assert.equal(redactor("ssn", "ssn", "1"), true);
    assert.equal(redactor("name", "name", "1"), false);
  });
});
