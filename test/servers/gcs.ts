/**
 * @module test/servers/gcs — a small GCS JSON-API server on 127.0.0.1 for cloud tests: multipart,
 * media and resumable uploads, object metadata, `alt=media` downloads, paged listing, delete.
 * Objects live in memory and survive `stop`/`restart`.
 */

import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestServer } from "./s3.js";

interface StoredObject {
  data: Buffer;
  contentType: string;
  generation: number;
  created: Date;
  updated: Date;
}

interface ResumableSession {
  bucket: string;
  name: string;
  contentType: string;
  chunks: Buffer[];
  received: number;
}

/** Castagnoli polynomial (reversed), the checksum GCS reports as `crc32c`. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index += 1) {
    let value = index;
    for (let bit = 0; bit < 8; bit += 1)
      value = value & 1 ? (value >>> 1) ^ 0x82f63b78 : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
})();

/** The crc32c of `data`, base64 of its four big-endian bytes, as GCS writes it. */
export function computeCrc32c(data: Uint8Array): string {
  let crc = 0xffffffff;
  for (let index = 0; index < data.length; index += 1) {
    crc = CRC32C_TABLE[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  }
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return bytes.toString("base64");
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, message: string): void {
  const reason = status === 404 ? "notFound" : "invalid";
  sendJson(response, status, { error: { code: status, message, errors: [{ message, reason }] } });
}

/** Splits a `multipart/related` body into its parts' bodies (headers dropped). */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next === -1) break;
    const part = body.subarray(afterDelimiter, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    // The part ends with the CRLF that precedes the next delimiter.
    parts.push(part.subarray(headerEnd + 4, part.length - 2));
    start = next;
  }
  return parts;
}

/** Starts the server with `buckets` created. */
export async function startGcsServer(buckets: readonly string[]): Promise<TestServer> {
  const store = new Map<string, Map<string, StoredObject>>(
    buckets.map((bucket) => [bucket, new Map()]),
  );
  const sessions = new Map<string, ResumableSession>();
  let generation = 1;
  let port = 0;
  let server: Server | undefined;

  const describeObject = (bucket: string, name: string, object: StoredObject) => ({
    kind: "storage#object",
    id: `${bucket}/${name}/${object.generation}`,
    name,
    bucket,
    generation: String(object.generation),
    metageneration: "1",
    contentType: object.contentType,
    size: String(object.data.byteLength),
    md5Hash: createHash("md5").update(object.data).digest("base64"),
    crc32c: computeCrc32c(object.data),
    etag: `e${object.generation}`,
    timeCreated: object.created.toISOString(),
    updated: object.updated.toISOString(),
  });

  const storeObject = (bucket: string, name: string, data: Buffer, contentType: string) => {
    const objects = store.get(bucket)!;
    const now = new Date();
    const object: StoredObject = {
      data,
      contentType,
      generation: generation++,
      created: objects.get(name)?.created ?? now,
      updated: now,
    };
    objects.set(name, object);
    return describeObject(bucket, name, object);
  };

  const handleUpload = async (
    request: IncomingMessage,
    response: ServerResponse,
    bucket: string,
    url: URL,
  ) => {
    const type = url.searchParams.get("uploadType");
    const body = await readBody(request);
    if (request.method === "POST" && type === "media") {
      const name = url.searchParams.get("name") ?? "";
      sendJson(
        response,
        200,
        storeObject(bucket, name, body, request.headers["content-type"] ?? ""),
      );
      return;
    }
    if (request.method === "POST" && type === "multipart") {
      const boundary = /boundary="?([^";]+)"?/.exec(request.headers["content-type"] ?? "")?.[1];
      const [metadataPart, dataPart] = splitMultipart(body, boundary ?? "");
      if (metadataPart === undefined || dataPart === undefined) {
        sendError(response, 400, "Malformed multipart body.");
        return;
      }
      const metadata = JSON.parse(metadataPart.toString()) as {
        name?: string;
        contentType?: string;
      };
      const name = metadata.name ?? url.searchParams.get("name") ?? "";
      sendJson(
        response,
        200,
        storeObject(bucket, name, Buffer.from(dataPart), metadata.contentType ?? ""),
      );
      return;
    }
    if (request.method === "POST" && type === "resumable") {
      const metadata = (body.length > 0 ? JSON.parse(body.toString()) : {}) as {
        name?: string;
        contentType?: string;
      };
      const id = randomUUID();
      sessions.set(id, {
        bucket,
        name: metadata.name ?? url.searchParams.get("name") ?? "",
        contentType: metadata.contentType ?? "",
        chunks: [],
        received: 0,
      });
      const location = new URL(url.href);
      location.searchParams.set("upload_id", id);
      response.writeHead(200, { location: location.href, "content-length": 0 });
      response.end();
      return;
    }
    if (request.method === "PUT" && type === "resumable") {
      const session = sessions.get(url.searchParams.get("upload_id") ?? "");
      if (session === undefined) {
        sendError(response, 404, "No such upload session.");
        return;
      }
      // `bytes A-B/T`, `bytes A-*/T` (the rest, in this request) or `bytes */T` (a status query).
      const range = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(
        String(request.headers["content-range"] ?? "bytes 0-*/*"),
      );
      if (range === null) {
        sendError(response, 400, "Malformed Content-Range.");
        return;
      }
      if (range[1] !== "*" && body.length > 0) {
        const start = Number(range[2]);
        // Bytes the server already has are not stored twice.
        const fresh = body.subarray(Math.max(0, session.received - start));
        session.chunks.push(fresh);
        session.received += fresh.length;
      }
      const total = range[4] === "*" ? undefined : Number(range[4]);
      const complete =
        (range[3] === "*" && range[1] !== "*") ||
        (total !== undefined && session.received >= total);
      if (!complete) {
        const headers: Record<string, string | number> = { "content-length": 0 };
        if (session.received > 0) headers.range = `bytes=0-${session.received - 1}`;
        response.writeHead(308, headers);
        response.end();
        return;
      }
      sessions.delete(url.searchParams.get("upload_id") ?? "");
      const data = Buffer.concat(session.chunks);
      sendJson(response, 200, storeObject(session.bucket, session.name, data, session.contentType));
      return;
    }
    sendError(response, 400, `Unsupported upload ${request.method} ${type}.`);
  };

  const handleList = (response: ServerResponse, bucket: string, url: URL) => {
    const prefix = url.searchParams.get("prefix") ?? "";
    const delimiter = url.searchParams.get("delimiter") ?? "";
    const pageSize = Math.min(1000, Number(url.searchParams.get("maxResults") ?? 1000));
    const token = url.searchParams.get("pageToken");
    const after = token === null ? undefined : Buffer.from(token, "base64url").toString();
    const objects = store.get(bucket)!;
    const items: unknown[] = [];
    const prefixes = new Set<string>();
    let last: string | undefined;
    let more = false;
    for (const name of [...objects.keys()].sort()) {
      if (!name.startsWith(prefix) || (after !== undefined && name <= after)) continue;
      if (items.length + prefixes.size >= pageSize) {
        more = true;
        break;
      }
      const cut = delimiter === "" ? -1 : name.indexOf(delimiter, prefix.length);
      if (cut !== -1) prefixes.add(name.slice(0, cut + delimiter.length));
      else items.push(describeObject(bucket, name, objects.get(name)!));
      last = name;
    }
    sendJson(response, 200, {
      kind: "storage#objects",
      items,
      prefixes: [...prefixes],
      ...(more && last !== undefined
        ? { nextPageToken: Buffer.from(last).toString("base64url") }
        : {}),
    });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", `http://127.0.0.1:${port}`);
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    // STORAGE_EMULATOR_HOST clients leave out the /storage/v1 part of the path.
    const api = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    const bucket = decodeURIComponent((upload ?? api)?.[1] ?? "");
    if ((upload === null && api === null) || !store.has(bucket)) {
      await readBody(request);
      sendError(response, 404, `The bucket ${bucket} does not exist.`);
      return;
    }
    if (upload !== null) {
      await handleUpload(request, response, bucket, url);
      return;
    }
    await readBody(request);
    const encodedName = api?.[2];
    if (encodedName === undefined) {
      if (request.method === "GET") handleList(response, bucket, url);
      else sendError(response, 405, "Only GET lists objects.");
      return;
    }
    const name = decodeURIComponent(encodedName);
    const objects = store.get(bucket)!;
    const object = objects.get(name);
    if (object === undefined) {
      sendError(response, 404, `No such object: ${bucket}/${name}`);
      return;
    }
    if (request.method === "DELETE") {
      objects.delete(name);
      response.writeHead(204);
      response.end();
    } else if (request.method === "GET" && url.searchParams.get("alt") === "media") {
      response.writeHead(200, {
        "content-type": object.contentType || "application/octet-stream",
        "content-length": object.data.byteLength,
        "x-goog-hash": `crc32c=${computeCrc32c(object.data)},md5=${createHash("md5").update(object.data).digest("base64")}`,
        "x-goog-generation": String(object.generation),
      });
      response.end(object.data);
    } else if (request.method === "GET") {
      sendJson(response, 200, describeObject(bucket, name, object));
    } else {
      sendError(response, 405, `Unsupported method ${request.method}.`);
    }
  };

  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (server !== undefined) {
        resolve();
        return;
      }
      const instance = createServer((request, response) => {
        handle(request, response).catch((error: unknown) => {
          if (!response.headersSent) sendError(response, 500, String(error));
          else response.destroy();
        });
      });
      instance.once("error", reject);
      instance.listen(port, "127.0.0.1", () => {
        port = (instance.address() as AddressInfo).port;
        server = instance;
        resolve();
      });
    });

  const stop = async (): Promise<void> => {
    const running = server;
    if (running === undefined) return;
    server = undefined;
    running.closeAllConnections();
    await new Promise<void>((resolve) => running.close(() => resolve()));
  };

  await start();
  return { endpoint: `http://127.0.0.1:${port}`, stop, restart: start, dispose: stop };
}
