/**
 * @module test/integrations/types — the wrapped clients keep their SDK types (checked by the
 * typecheck step), and wrong arguments are refused with what to pass.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI, { AzureOpenAI } from "openai";
import { Spot, ValidationError } from "../../src/index.js";
import { wrapAnthropic } from "../../src/integrations/anthropic/index.js";
import { wrapOpenAI } from "../../src/integrations/openai/index.js";
import { makeTempDir } from "../helpers.js";

/** Compiles only when A and B are the same type. */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

describe("wrapped SDK clients", () => {
  it("have the type of the client they wrap", async () => {
    await using spot = new Spot("types", { workspace: makeTempDir() });
    const openai = wrapOpenAI(new OpenAI({ apiKey: "sk" }), spot, { version: "v1" });
    const azure = wrapOpenAI(
      new AzureOpenAI({ apiKey: "sk", endpoint: "https://example.invalid", apiVersion: "x" }),
      spot,
    );
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: "sk" }), spot, { name: "claude" });
    expectType<Equal<typeof openai, OpenAI>>(true);
    expectType<Equal<typeof azure, AzureOpenAI>>(true);
    expectType<Equal<typeof anthropic, Anthropic>>(true);
    assert.equal(openai.baseURL, "https://api.openai.com/v1");
    assert.equal(openai.chat.completions, openai.chat.completions, "a resource is one object");
  });

  it("refuse a missing client or Spot, saying what to pass", async () => {
    await using spot = new Spot("types", { workspace: makeTempDir() });
    assert.throws(
      () => wrapOpenAI(undefined as unknown as OpenAI, spot),
      (error: unknown) =>
        error instanceof ValidationError &&
        /wrapOpenAI\(new Client\(\), spot\)/.test(error.message),
    );
    assert.throws(
      () => wrapAnthropic(new Anthropic({ apiKey: "sk" }), {} as Spot),
      (error: unknown) =>
        error instanceof ValidationError && /new Spot\("name"\)/.test(error.message),
    );
  });
});
