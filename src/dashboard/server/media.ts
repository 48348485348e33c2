/**
 * @module dashboard/server/media — serving a stored value's bytes: the allow-listed Content-Type
 * and HTTP range requests (206), so audio and video players can seek.
 */

import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline, Readable } from "node:stream";
import { ContentType } from "../../index.js";

/** Media and image types served as themselves: the browser shows them in `<img>`, `<audio>`, `<video>`. */
const SERVED_AS_IS: ReadonlySet<string> = new Set([
  ContentType.PNG,
  ContentType.JPEG,
  ContentType.GIF,
  ContentType.WEBP,
  ContentType.SVG,
  ContentType.AUDIO_WAV,
  ContentType.AUDIO_MPEG,
  ContentType.AUDIO_OGG,
  ContentType.VIDEO_MP4,
  ContentType.VIDEO_WEBM,
  ContentType.PDF,
  ContentType.HTML,
]);

/** Common aliases browsers and tools write for the same media. */
const ALIASES: Readonly<Record<string, string>> = {
  "image/jpg": ContentType.JPEG,
  "audio/x-wav": ContentType.AUDIO_WAV,
  "audio/wave": ContentType.AUDIO_WAV,
  "audio/mp3": ContentType.AUDIO_MPEG,
};

/** The MIME type without parameters, lowercased (`"Text/Plain; charset=x"` → `"text/plain"`). */
export function readBaseType(contentType: string | null): string | null {
  if (contentType === null) return null;
  const base = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return ALIASES[base] ?? base;
}

/**
 * The Content-Type a stored value is served with. Only allow-listed media types are served as
 * themselves; every other text is `text/plain` and every other binary `application/octet-stream`,
 * so no stored type can make the browser interpret bytes in a way we did not plan for.
 */
export function chooseServedType(
  contentType: string | null,
  raw: { isText: boolean; isJson: boolean },
): string {
  const base = readBaseType(contentType);
  if (base !== null && SERVED_AS_IS.has(base)) {
    return base === ContentType.HTML || base === ContentType.SVG ? `${base}; charset=utf-8` : base;
  }
  if (raw.isJson || base === ContentType.JSON) return "application/json; charset=utf-8";
  if (raw.isText || base?.startsWith("text/")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

/** A byte range `[start, end]` (inclusive), `"unsatisfiable"`, or `undefined` for the whole body. */
export function parseRangeHeader(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges or another unit: answering with the whole body is allowed and simpler.
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/**
 * Answers the status and headers of a `Range` request for a value of `size` bytes. Returns the
 * inclusive byte range to send, or `undefined` when the response is complete (416, or HEAD).
 */
function writeRangeHead(
  request: IncomingMessage,
  response: ServerResponse,
  size: number,
  servedType: string,
): { start: number; end: number } | undefined {
  response.setHeader("Content-Type", servedType);
  response.setHeader("Accept-Ranges", "bytes");
  const range = parseRangeHeader(request.headers.range, size);
  if (range === "unsatisfiable") {
    response.writeHead(416, { "Content-Range": `bytes */${size}` });
    response.end();
    return undefined;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  response.setHeader("Content-Length", Math.max(0, end - start + 1));
  if (range !== undefined) {
    response.writeHead(206, { "Content-Range": `bytes ${start}-${end}/${size}` });
  } else {
    response.writeHead(200);
  }
  if (request.method === "HEAD" || end < start) {
    response.end();
    return undefined;
  }
  return { start, end };
}

/**
 * Sends the `length` bytes at `offset` of an open file honouring a `Range` header, reading only
 * the requested bytes. Takes ownership of `descriptor`: it is closed when the response ends or
 * the client goes away.
 */
export function sendFileWindow(
  request: IncomingMessage,
  response: ServerResponse,
  window: { descriptor: number; offset: number; length: number; isUnchanged(): boolean },
  servedType: string,
): void {
  let range: { start: number; end: number } | undefined;
  try {
    range = writeRangeHead(request, response, window.length, servedType);
  } catch (error) {
    fs.closeSync(window.descriptor);
    throw error;
  }
  if (range === undefined) {
    fs.closeSync(window.descriptor);
    return;
  }
  // pipeline destroys the file stream (which closes the descriptor) when the client hangs up.
  pipeline(new FileWindowStream(window, range.start, range.end), response, () => {});
}

/** Bytes read per chunk: what one socket write takes comfortably. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Bytes `[start, end]` of a verified window of an open file, read chunk by chunk. Each chunk is
 * passed on only if the file is still the verified one after it was read; otherwise the stream
 * fails and the response is cut short, which the client sees as a failed download, never as other
 * bytes. The stream owns the descriptor: it is closed exactly once, after any read in flight.
 */
class FileWindowStream extends Readable {
  readonly #window: { descriptor: number; offset: number; isUnchanged(): boolean };
  #position: number;
  readonly #end: number;
  #reading = false;
  #afterRead: (() => void) | undefined;

  constructor(
    window: { descriptor: number; offset: number; isUnchanged(): boolean },
    start: number,
    end: number,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
    this.#window = window;
    this.#position = start;
    this.#end = end;
  }

  override _read(): void {
    const length = Math.min(CHUNK_BYTES, this.#end - this.#position + 1);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    this.#reading = true;
    fs.read(
      this.#window.descriptor,
      buffer,
      0,
      length,
      this.#window.offset + this.#position,
      (error, bytesRead) => {
        this.#reading = false;
        const afterRead = this.#afterRead;
        if (afterRead !== undefined) {
          afterRead();
          return;
        }
        if (error !== null) this.destroy(error);
        else if (bytesRead === 0) this.destroy(new Error("the blob file is shorter than verified"));
        else if (!this.#window.isUnchanged())
          this.destroy(new Error("the blob file changed while it was being sent"));
        else {
          this.#position += bytesRead;
          this.push(buffer.subarray(0, bytesRead));
        }
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const close = () => fs.close(this.#window.descriptor, () => callback(error));
    // Closing under a read in flight could let the number be reused and read by that read.
    if (this.#reading) this.#afterRead = close;
    else close();
  }
}

/** Sends `bytes` honouring a `Range` header: 206 with `Content-Range`, 416 when out of bounds. */
export function sendBytes(
  request: IncomingMessage,
  response: ServerResponse,
  bytes: Uint8Array,
  servedType: string,
): void {
  const range = writeRangeHead(request, response, bytes.byteLength, servedType);
  if (range === undefined) return;
  response.end(
    Buffer.from(bytes.buffer, bytes.byteOffset + range.start, range.end - range.start + 1),
  );
}
