/**
 * @module examples/web/stand-in-model — a local stand-in for a paid model API, so the web-server
 * recipes run without a key: it answers every POST after a pause, and says when it was asked.
 * Run it with `node --import tsx examples/web/stand-in-model.ts` (port 8787, or PORT).
 */

import http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

export interface StandInModelOptions {
  port?: number;
  /** How long each answer takes (ms). */
  delayMs?: number;
  /** Called with each prompt as it arrives. */
  onPrompt?: (prompt: string) => void;
}

export interface StandInModel {
  url: string;
  close(): Promise<void>;
}

export async function startStandInModel(options: StandInModelOptions = {}): Promise<StandInModel> {
  const server = http.createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    const { prompt } = JSON.parse(body || "{}") as { prompt?: string };
    options.onPrompt?.(prompt ?? "");
    await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 300));
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ answer: `an answer to "${prompt}"` }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const model = await startStandInModel({
    port: Number(process.env.PORT ?? 8787),
    onPrompt: (prompt) => console.log(`asked: ${prompt}`),
  });
  console.log(`stand-in model on ${model.url}`);
}
