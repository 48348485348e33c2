/**
 * @module test/servers/openai-compatible — a local HTTP server on 127.0.0.1 speaking the OpenAI
 * wire protocol (`POST /v1/responses` and `POST /v1/chat/completions`, JSON or SSE), for the AI
 * SDK and LangChain integrations. It counts requests, so a test can prove a hit sends none.
 *
 * The reply is `Echo: <last user text>` in three chunks; a request for JSON output gets
 * `{"answer":"<last user text>"}`. The model name picks a behaviour: `fail-midstream` sends two
 * chunks then drops the connection; `slow` waits 200 ms before each chunk.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface OpenAICompatibleServer {
  /** Base URL including `/v1`, as SDKs take it (`baseURL`). */
  readonly baseURL: string;
  /** Requests received, by path. */
  readonly requests: { path: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startOpenAICompatibleServer(): Promise<OpenAICompatibleServer> {
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    void handle(req, res, requests).catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** The text of the last user message, in either API's request shape. */
function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.input ?? body.messages ?? []) as {
    role?: string;
    content?: unknown;
  }[];
  const user = [...messages].reverse().find((message) => message.role === "user");
  const content = user?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part: { text?: string }) => part.text ?? "").join("");
  }
  return "";
}

function wantsJson(body: Record<string, unknown>): boolean {
  const text = body.text as { format?: { type?: string } } | undefined;
  const format = body.response_format as { type?: string } | undefined;
  return (
    text?.format?.type?.startsWith("json") === true || format?.type?.startsWith("json") === true
  );
}

function replyChunks(body: Record<string, unknown>): string[] {
  const prompt = lastUserText(body);
  if (wantsJson(body)) {
    const json = JSON.stringify({ answer: prompt });
    const third = Math.ceil(json.length / 3);
    return [json.slice(0, third), json.slice(third, 2 * third), json.slice(2 * third)];
  }
  return ["Echo", ": ", prompt];
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  requests: { path: string; body: Record<string, unknown> }[],
): Promise<void> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const body = await readBody(req);
  requests.push({ path, body });
  const model = String(body.model ?? "gpt-test");
  const chunks = replyChunks(body);
  const created = 1_767_225_600; // 2026-01-01T00:00:00Z, so replies are the same every run
  const usage = { input_tokens: 5, output_tokens: 3, total_tokens: 8 };
  if (path === "/v1/responses") {
    const message = {
      type: "message",
      id: "msg_1",
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: chunks.join(""), annotations: [] }],
    };
    const response = {
      id: "resp_1",
      object: "response",
      created_at: created,
      model,
      status: "completed",
    };
    if (body.stream !== true) {
      sendJson(res, { ...response, output: [message], usage });
      return;
    }
    const events: Record<string, unknown>[] = [
      { type: "response.created", response: { ...response, status: "in_progress", output: [] } },
      { type: "response.output_item.added", output_index: 0, item: { ...message, content: [] } },
      ...chunks.map((delta) => ({
        type: "response.output_text.delta",
        item_id: "msg_1",
        output_index: 0,
        content_index: 0,
        delta,
      })),
      { type: "response.output_item.done", output_index: 0, item: message },
      { type: "response.completed", response: { ...response, output: [message], usage } },
    ];
    await sendEvents(res, model, events, false);
    return;
  }
  if (path === "/v1/chat/completions") {
    const chatUsage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
    const base = { id: "chatcmpl-1", created, model };
    if (body.stream !== true) {
      sendJson(res, {
        ...base,
        object: "chat.completion",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: chunks.join("") },
            finish_reason: "stop",
          },
        ],
        usage: chatUsage,
      });
      return;
    }
    const events: Record<string, unknown>[] = [
      ...chunks.map((content, index) => ({
        ...base,
        object: "chat.completion.chunk",
        choices: [
          {
            index: 0,
            delta: index === 0 ? { role: "assistant", content } : { content },
            finish_reason: null,
          },
        ],
      })),
      {
        ...base,
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
        usage: chatUsage,
      },
    ];
    await sendEvents(res, model, events, true);
    return;
  }
  res.writeHead(404, { "content-type": "application/json" });
  res.end(
    JSON.stringify({ error: { message: `No route ${path}`, type: "invalid_request_error" } }),
  );
}

/** A cookie the server sets on JSON answers: a cache must not store response headers. */
export const SESSION_COOKIE = "session=do-not-store-this-cookie";

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { "content-type": "application/json", "set-cookie": SESSION_COOKIE });
  res.end(JSON.stringify(value));
}

async function sendEvents(
  res: ServerResponse,
  model: string,
  events: Record<string, unknown>[],
  doneMarker: boolean,
): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let sent = 0;
  for (const event of events) {
    if (model.includes("slow")) await sleep(200);
    if (res.destroyed) return;
    if (model.includes("fail-midstream") && sent === 3) {
      res.destroy();
      return;
    }
    res.write(`data: ${JSON.stringify(event)}\n\n`);
    sent += 1;
  }
  if (doneMarker) res.write("data: [DONE]\n\n");
  res.end();
}
