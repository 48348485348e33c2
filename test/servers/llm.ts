/**
 * @module test/servers/llm — an HTTP server on 127.0.0.1 that speaks the wire protocols of the
 * OpenAI API (chat completions, responses, embeddings) and the Anthropic Messages API, JSON and
 * server-sent events, and counts the requests it answers. Answers are deterministic: the text is
 * "echo: " and the last user message, streamed one word per chunk.
 *
 * Words in the prompt steer a stream: `FAIL_MID_STREAM` sends two chunks then an error event;
 * `SLOW_STREAM` waits 100 ms between chunks (time to abort the request).
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the server answered. */
export interface LlmRequest {
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** The last user message's text: tests pick their requests by it. */
  readonly prompt: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface LlmServer {
  /** `http://127.0.0.1:<port>`; the OpenAI base URL is this plus `/v1`. */
  readonly url: string;
  readonly requests: LlmRequest[];
  /** How many requests carried `prompt` (all requests without one). */
  count(prompt?: string): number;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;

function lastUserText(body: Body): string {
  const input = body.input ?? body.messages;
  if (typeof input === "string") return input;
  if (Array.isArray(input)) {
    for (let i = input.length - 1; i >= 0; i--) {
      const message = input[i] as { role?: string; content?: unknown } | string;
      if (typeof message === "string") return message;
      if (message.role !== undefined && message.role !== "user") continue;
      const content = message.content;
      if (typeof content === "string") return content;
      if (Array.isArray(content)) {
        return content.map((part) => (part as { text?: string }).text ?? "").join("");
      }
    }
  }
  return "";
}

/** A deterministic vector for `text` (embeddings). */
function embed(text: string): number[] {
  const vector = [0, 0, 0, 0];
  for (let i = 0; i < text.length; i++)
    vector[i % 4] = (vector[i % 4] as number) + text.charCodeAt(i) / 1000;
  return vector;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startLlmServer(): Promise<LlmServer> {
  const requests: LlmRequest[] = [];
  const server = createServer(async (request, response) => {
    let raw = "";
    for await (const part of request) raw += part;
    const body = (raw === "" ? {} : JSON.parse(raw)) as Body;
    const path = (request.url ?? "").split("?")[0] as string;
    const prompt = lastUserText(body);
    requests.push({ path, body, prompt, headers: request.headers });
    const text = `echo: ${prompt}`;
    const words = text.split(" ").map((word, i) => (i === 0 ? word : ` ${word}`));
    const model = String(body.model ?? "unknown");
    const failMidStream = prompt.includes("FAIL_MID_STREAM");
    const gap = prompt.includes("SLOW_STREAM") ? 100 : 0;
    const json = (value: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    const startEvents = () =>
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = async (data: unknown, event?: string) => {
      if (response.destroyed) return;
      response.write(
        `${event === undefined ? "" : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`,
      );
      if (gap > 0) await sleep(gap);
    };
    const usage = { prompt_tokens: prompt.length, completion_tokens: words.length };

    if (path === "/v1/chat/completions") {
      const id = `chatcmpl-${requests.length}`;
      if (body.stream !== true) {
        return json({
          id,
          object: "chat.completion",
          created: 1700000000,
          model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: text },
              finish_reason: "stop",
              logprobs: null,
            },
          ],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        });
      }
      startEvents();
      const chunk = (delta: unknown, finish: string | null) => ({
        id,
        object: "chat.completion.chunk",
        created: 1700000000,
        model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      });
      await send(chunk({ role: "assistant", content: "" }, null));
      for (const [i, word] of words.entries()) {
        if (failMidStream && i === 2) {
          await send({
            error: {
              message: "The server had an error while processing your request.",
              type: "server_error",
            },
          });
          return response.end();
        }
        await send(chunk({ content: word }, null));
      }
      await send(chunk({}, "stop"));
      response.end("data: [DONE]\n\n");
      return;
    }

    if (path === "/v1/responses") {
      const id = `resp_${requests.length}`;
      const output = [
        {
          type: "message",
          id: `msg_${requests.length}`,
          status: "completed",
          role: "assistant",
          content: [{ type: "output_text", text, annotations: [] }],
        },
      ];
      const result = (status: string, withOutput: boolean) => ({
        id,
        object: "response",
        created_at: 1700000000,
        status,
        model,
        output: withOutput ? output : [],
        usage: {
          input_tokens: usage.prompt_tokens,
          output_tokens: usage.completion_tokens,
          total_tokens: 0,
        },
      });
      if (body.stream !== true) return json(result("completed", true));
      startEvents();
      let sequence = 0;
      await send(
        {
          type: "response.created",
          sequence_number: sequence++,
          response: result("in_progress", false),
        },
        "response.created",
      );
      for (const [i, word] of words.entries()) {
        if (failMidStream && i === 2) {
          await send(
            {
              type: "error",
              code: "server_error",
              message: "The server had an error.",
              sequence_number: sequence++,
            },
            "error",
          );
          return response.end();
        }
        await send(
          {
            type: "response.output_text.delta",
            item_id: `msg_${requests.length}`,
            output_index: 0,
            content_index: 0,
            delta: word,
            sequence_number: sequence++,
          },
          "response.output_text.delta",
        );
      }
      await send(
        {
          type: "response.completed",
          sequence_number: sequence++,
          response: result("completed", true),
        },
        "response.completed",
      );
      response.end();
      return;
    }

    if (path === "/v1/embeddings") {
      const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
      const base64 = body.encoding_format === "base64";
      return json({
        object: "list",
        model,
        data: inputs.map((input, index) => {
          const vector = embed(input);
          return {
            object: "embedding",
            index,
            embedding: base64
              ? Buffer.from(new Float32Array(vector).buffer).toString("base64")
              : vector,
          };
        }),
        usage: { prompt_tokens: inputs.join("").length, total_tokens: inputs.join("").length },
      });
    }

    if (path === "/v1/messages") {
      const id = `msg_${requests.length}`;
      const message = (content: unknown[], stop: string | null) => ({
        id,
        type: "message",
        role: "assistant",
        model,
        content,
        stop_reason: stop,
        stop_sequence: null,
        usage: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens },
      });
      if (body.stream !== true) return json(message([{ type: "text", text }], "end_turn"));
      startEvents();
      await send({ type: "message_start", message: message([], null) }, "message_start");
      await send(
        { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        "content_block_start",
      );
      await send({ type: "ping" }, "ping");
      for (const [i, word] of words.entries()) {
        if (failMidStream && i === 2) {
          await send(
            { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
            "error",
          );
          return response.end();
        }
        await send(
          { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: word } },
          "content_block_delta",
        );
      }
      await send({ type: "content_block_stop", index: 0 }, "content_block_stop");
      await send(
        {
          type: "message_delta",
          delta: { stop_reason: "end_turn", stop_sequence: null },
          usage: { output_tokens: usage.completion_tokens },
        },
        "message_delta",
      );
      await send({ type: "message_stop" }, "message_stop");
      response.end();
      return;
    }

    response.writeHead(404, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        error: { message: `No route ${path} on the test server.`, type: "not_found" },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (prompt) =>
      prompt === undefined ? requests.length : requests.filter((r) => r.prompt === prompt).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
