/** @module serializer/sdk-advice.test — an SDK value that cannot be stored gets advice one can follow. */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import {
  AIMessage,
  DefaultGenerateObjectResult,
  DefaultGenerateTextResult,
  DefaultStreamTextResult,
} from "../../test/sdk-shapes.js";
import { SerializationError } from "../errors.js";
import { MsgpackSerializer } from "./msgpack.js";

/** The message `dumps(value)` throws. */
function dumpsMessage(value: unknown): string {
  try {
    new MsgpackSerializer().dumps(value);
  } catch (error) {
    assert.ok(error instanceof SerializationError, `expected a SerializationError, got ${error}`);
    return error.message;
  }
  assert.fail("expected dumps to throw");
}

/** Advice that cannot be followed: the SDKs do not export these classes. */
function assertNoRegisterAdvice(message: string): void {
  assert.doesNotMatch(message, /spot\.register|Register it/, message);
}

describe("an AI SDK result that cannot be stored", () => {
  it("names .text and the beautyspot/ai integration for a generateText result", () => {
    const message = dumpsMessage(new DefaultGenerateTextResult("hi"));
    assert.match(
      message,
      /^Cannot serialize the result: result is an AI SDK generateText result \(class DefaultGenerateTextResult/,
    );
    assert.match(message, /Return `\.text`/);
    assert.match(message, /the integration `beautyspotMiddleware` from `beautyspot\/ai`/);
    assertNoRegisterAdvice(message);
  });

  it("names .object for a generateObject result, wherever it sits", () => {
    const message = dumpsMessage({ answer: new DefaultGenerateObjectResult({ city: "Oslo" }) });
    assert.match(message, /result\.answer is an AI SDK generateObject result/);
    assert.match(message, /Return `\.object`/);
    assertNoRegisterAdvice(message);
  });

  it("points a streamText result at its stream (streams are cached)", () => {
    const message = dumpsMessage(new DefaultStreamTextResult());
    assert.match(message, /return r\.textStream \(streams are cached\)/);
    assertNoRegisterAdvice(message);
  });
});

describe("a LangChain message that cannot be stored", () => {
  it("names .content, registerLangChainMessages and BeautySpotCache from beautyspot/langchain", () => {
    const message = dumpsMessage(new AIMessage("hi"));
    assert.match(message, /result is a LangChain message \(class AIMessage\)/);
    assert.match(message, /Return its `\.content`/);
    assert.match(message, /`await registerLangChainMessages\(spot\)` from `beautyspot\/langchain`/);
    assert.match(message, /`BeautySpotCache` from `beautyspot\/langchain`/);
    assertNoRegisterAdvice(message);
  });
});

describe("a fetch-API or stream value inside a result", () => {
  it("tells how to read a Response", () => {
    const message = dumpsMessage({ data: 1, response: new Response("{}", { status: 201 }) });
    assert.match(message, /result\.response is a fetch Response \(status 201\)/);
    assert.match(message, /await response\.json\(\)`, `await response\.text\(\)`/);
    assert.match(message, /response\.arrayBuffer\(\)/);
    assertNoRegisterAdvice(message);
  });

  it("tells how to turn Headers into a plain object", () => {
    const message = dumpsMessage({ headers: new Headers({ "x-id": "1" }) });
    assert.match(message, /result\.headers is a fetch Headers object/);
    assert.match(message, /Object\.fromEntries\(headers\)/);
  });

  it("tells how to read a Blob", () => {
    assert.match(dumpsMessage(new Blob(["ab"])), /await blob\.arrayBuffer\(\)/);
  });

  it("says to await a Promise", () => {
    assert.match(
      dumpsMessage({ later: Promise.resolve(1) }),
      /result\.later is a Promise\. Await it/,
    );
  });

  for (const [label, stream] of [
    ["a ReadableStream", () => new ReadableStream()],
    ["an async generator", () => (async function* chunks() {})()],
    ["a Node Readable", () => Readable.from(["a"])],
  ] as const) {
    it(`says to return ${label} itself, since streams are cached`, () => {
      const message = dumpsMessage({ stream: stream() });
      assert.match(message, /result\.stream is a/);
      assert.match(message, /return the stream itself/);
      assertNoRegisterAdvice(message);
    });
  }
});

describe("OpenAI and Anthropic helpers inside a result", () => {
  it("names the final-value reader of a stream helper and the integration", () => {
    class MessageStream {
      readonly messages: unknown[] = [];
      finalMessage(): Promise<unknown> {
        return Promise.resolve({});
      }
      async *[Symbol.asyncIterator]() {}
    }
    const message = dumpsMessage({ stream: new MessageStream() });
    assert.match(message, /Return `await stream\.finalMessage\(\)`/);
    assert.match(message, /`wrapAnthropic` from `beautyspot\/anthropic`/);
  });

  it("names page.data for a page of a list", () => {
    class CursorPage {
      readonly data = [{ id: "m1" }];
      readonly body = {};
      getPaginatedItems() {
        return this.data;
      }
    }
    assert.match(dumpsMessage(new CursorPage()), /Return `page\.data`/);
  });
});
