/**
 * @module dashboard/server/app — the request handler: security checks first, then routing to the
 * page, its assets and the JSON API.
 */

import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { describeError } from "../../errors.js";
import { BeautySpotError, ValidationError } from "../../index.js";
import type { DeleteMatchingRequest, RetryAvailability, RetryOutcome } from "../api-types.js";
import { readFilter, readPageQuery } from "./api.js";
import { type DashboardDatabase, DatabaseFileGoneError } from "./database-file.js";
import { chooseServedType, sendBytes, sendFileWindow } from "./media.js";
import {
  isAllowedHost,
  isLoopbackPeer,
  isTrustedMutation,
  setCommonHeaders,
  setPageHeaders,
  setRawValueHeaders,
} from "./security.js";
import type { StaticFiles } from "./static.js";

/**
 * Retry, offered by a dashboard served inside the program that marks the functions
 * (`spot.serveDashboard`); `beautyspot ui` has none.
 */
export interface RetrySupport {
  /** Whether Retry is possible for an entry, and why not. */
  check(cacheKey: string): Promise<RetryAvailability>;
  /** Runs the entry's function again; see `core/retry.ts` for where the old entry is kept. */
  run(cacheKey: string): Promise<RetryOutcome>;
}

/** What `beautyspot ui` says on its disabled Retry button. */
export const RETRY_NEEDS_PROGRAM =
  "Retry needs the in-program dashboard: call spot.serveDashboard() in the program that marks this function, and open the page it prints.";

/** What the handler needs; `allowedHosts` is filled once the port is known. */
export interface DashboardContext {
  database: DashboardDatabase;
  /** Retry of entries, when the dashboard runs inside the program. */
  retry?: RetrySupport;
  files: StaticFiles;
  token: string;
  allowedHosts: Set<string>;
  /**
   * Whether other machines may delete. When not, deletions are only accepted from loopback peers
   * and other machines get the page without the session token (read-only).
   */
  allowRemoteDelete: boolean;
  log: (line: string) => void;
}

/** Request bodies are small JSON documents; anything larger is not from our page. */
const MAX_BODY_BYTES = 64 * 1024;

const TASK_PATH = /^\/api\/tasks\/([^/]+)$/;
const RAW_PATH = /^\/api\/tasks\/([^/]+)\/raw$/;
const RELATED_PATH = /^\/api\/tasks\/([^/]+)\/related$/;
const RETRY_PATH = /^\/api\/tasks\/([^/]+)\/retry$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  response.end(text);
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, "Request body too large: send only a filter and a count.");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "The request body is not JSON. Send a JSON object.");
  }
}

/** Cache keys are hashes: letters, digits and a few separators, never a path. */
const CACHE_KEY_SHAPE = /^[A-Za-z0-9_:-]{1,256}$/;

function decodeKey(segment: string): string {
  let key: string;
  try {
    key = decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `Malformed key in the URL: ${segment}.`);
  }
  if (!CACHE_KEY_SHAPE.test(key)) {
    throw new HttpError(
      400,
      "Not a cache key: keys are hex digests (letters and digits only). Copy the key from the table.",
    );
  }
  return key;
}

/** Whether this request's peer may delete: a browser on this machine, or anyone when allowed. */
function mayDelete(request: IncomingMessage, context: DashboardContext): boolean {
  return context.allowRemoteDelete || isLoopbackPeer(request);
}

function requireMutationRights(request: IncomingMessage, context: DashboardContext): void {
  if (!mayDelete(request, context)) {
    throw new HttpError(
      403,
      "Deletions are only accepted from the machine running the dashboard: it listens on the network without --allow-remote-delete. Delete from a browser on that machine, or restart `beautyspot ui` with --allow-remote-delete.",
    );
  }
  if (!isTrustedMutation(request, context.token, context.allowedHosts)) {
    throw new HttpError(
      403,
      "This request needs the session token of the dashboard page. Reload the dashboard and try again.",
    );
  }
}

async function routeApi(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  context: DashboardContext,
): Promise<void> {
  // Every request looks at the file first: nothing is read from, or deleted in, a file that is gone.
  const database = context.database.current();
  const { api } = database;
  const method = request.method ?? "GET";
  const pathname = url.pathname;
  if (pathname === "/api/version" && method === "GET") {
    sendJson(response, 200, { version: `${database.generation}:${await api.readVersion()}` });
    return;
  }
  if (pathname === "/api/tasks" && method === "GET") {
    sendJson(response, 200, await api.listPage(readPageQuery(url.searchParams)));
    return;
  }
  if (pathname === "/api/functions" && method === "GET") {
    sendJson(response, 200, await api.functionOverview());
    return;
  }
  if (pathname === "/api/summary" && method === "GET") {
    sendJson(response, 200, await api.summarize(readFilter(url.searchParams)));
    return;
  }
  if (pathname === "/api/tasks/delete-matching") {
    if (method !== "POST")
      throw new HttpError(405, "Use POST to delete the rows matching a filter.");
    requireMutationRights(request, context);
    const body = (await readJsonBody(request)) as Partial<DeleteMatchingRequest> | null;
    if (body === null || typeof body !== "object")
      throw new HttpError(400, "Send { filter, expected }.");
    const deleted = await api.deleteMatching({
      filter: body.filter ?? {},
      expected: body.expected ?? -1,
    });
    sendJson(response, 200, { deleted });
    return;
  }
  const raw = RAW_PATH.exec(pathname);
  if (raw !== null && (method === "GET" || method === "HEAD")) {
    const key = decodeKey(raw[1] ?? "");
    const window = await database.rawFiles.open(key);
    if (window !== undefined) {
      setRawValueHeaders(response);
      const servedType = chooseServedType(window.contentType, { isText: false, isJson: false });
      sendFileWindow(request, response, window, servedType);
      return;
    }
    const value = await api.readRaw(key);
    if (value === undefined)
      throw new HttpError(404, "No readable value for this key: it was deleted or is damaged.");
    setRawValueHeaders(response);
    sendBytes(request, response, value.bytes, chooseServedType(value.contentType, value));
    return;
  }
  const related = RELATED_PATH.exec(pathname);
  if (related !== null && method === "GET") {
    const key = decodeKey(related[1] ?? "");
    const found = await api.findRelated(key);
    if (found === undefined)
      throw new HttpError(404, `No entry with key ${key}: it was deleted. Refresh the table.`);
    sendJson(response, 200, found);
    return;
  }
  const retry = RETRY_PATH.exec(pathname);
  if (retry !== null) {
    if (method !== "POST") throw new HttpError(405, "Use POST to retry an entry.");
    const key = decodeKey(retry[1] ?? "");
    requireMutationRights(request, context);
    if (context.retry === undefined) throw new HttpError(409, RETRY_NEEDS_PROGRAM);
    const outcome = await context.retry.run(key);
    api.noteLocalChange();
    sendJson(response, 200, outcome);
    return;
  }
  const task = TASK_PATH.exec(pathname);
  if (task !== null) {
    const key = decodeKey(task[1] ?? "");
    if (method === "GET") {
      const view = await api.readTask(key, `/api/tasks/${encodeURIComponent(key)}/raw`);
      if (view === undefined)
        throw new HttpError(404, `No entry with key ${key}: it was deleted. Refresh the table.`);
      view.retry =
        context.retry === undefined
          ? { available: false, reason: RETRY_NEEDS_PROGRAM }
          : await context.retry.check(key);
      sendJson(response, 200, view);
      return;
    }
    if (method === "DELETE") {
      requireMutationRights(request, context);
      sendJson(response, 200, { deleted: await api.deleteTask(key) });
      return;
    }
  }
  throw new HttpError(404, `No API route ${method} ${pathname}.`);
}

/** The dashboard's request handler. */
export function createDashboardHandler(context: DashboardContext): RequestListener {
  return (request, response) => {
    setCommonHeaders(response);
    // Checked before anything else: a foreign Host means another site's page reached us (DNS rebinding).
    if (!isAllowedHost(request, context.allowedHosts)) {
      sendText(response, 403, "Unknown Host header: open the dashboard at the URL it printed.");
      return;
    }
    const url = new URL(request.url ?? "/", "http://dashboard.invalid");
    const method = request.method ?? "GET";
    if (url.pathname.startsWith("/api/")) {
      routeApi(request, response, url, context).catch((error: unknown) => {
        const status =
          error instanceof HttpError
            ? error.status
            : error instanceof DatabaseFileGoneError
              ? 410
              : error instanceof ValidationError
                ? 400
                : 500;
        if (status === 500)
          context.log(
            `dashboard: ${request.method} ${url.pathname} failed: ${describeError(error)}`,
          );
        const message =
          error instanceof HttpError ||
          error instanceof BeautySpotError ||
          error instanceof DatabaseFileGoneError
            ? error.message
            : `Internal error: ${describeError(error)}. See the terminal running the dashboard.`;
        if (!response.headersSent) sendJson(response, status, { error: message });
        else response.end();
      });
      return;
    }
    if (method !== "GET" && method !== "HEAD") {
      sendText(response, 405, "Only GET is served outside /api/.");
      return;
    }
    setPageHeaders(response);
    if (url.pathname === "/" || url.pathname === "/index.html") {
      // Other machines get no token when they may not delete: their page is read-only.
      const page = context.files.renderPage(mayDelete(request, context) ? context.token : "");
      response.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Length": Buffer.byteLength(page),
      });
      response.end(method === "HEAD" ? undefined : page);
      return;
    }
    const encodings = request.headers["accept-encoding"];
    if (!context.files.sendAsset(url.pathname, response, encodings)) {
      sendText(response, 404, "Not found.");
    }
  };
}
