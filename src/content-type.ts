/** @module content-type — MIME types that tell the CLI and dashboard how to show a stored value. */

import { ValidationError } from "./errors.js";

/**
 * Content types the dashboard knows how to render. Any other MIME type may be given as
 * a plain string; the dashboard shows it as text or hex.
 */
export const ContentType = {
  /** Plain text, shown as is. */
  TEXT: "text/plain",
  /** JSON, shown as a collapsible tree. */
  JSON: "application/json",
  /** Markdown, rendered and sanitized. */
  MARKDOWN: "text/markdown",
  /** HTML, shown in a sandboxed frame with scripts disabled. */
  HTML: "text/html",
  /** Comma-separated values, shown as a table. */
  CSV: "text/csv",
  /** PNG image. */
  PNG: "image/png",
  /** JPEG image. */
  JPEG: "image/jpeg",
  /** GIF image. */
  GIF: "image/gif",
  /** WebP image. */
  WEBP: "image/webp",
  /** SVG image, shown as an image so its scripts never run. */
  SVG: "image/svg+xml",
  /** WAV audio. */
  AUDIO_WAV: "audio/wav",
  /** MP3 audio. */
  AUDIO_MPEG: "audio/mpeg",
  /** Ogg audio. */
  AUDIO_OGG: "audio/ogg",
  /** MP4 video. */
  VIDEO_MP4: "video/mp4",
  /** WebM video. */
  VIDEO_WEBM: "video/webm",
  /** Mermaid diagram source, rendered as a diagram. */
  MERMAID: "text/vnd.mermaid",
  /** Graphviz DOT source, rendered as a diagram. */
  GRAPHVIZ: "text/vnd.graphviz",
  /** PDF document. */
  PDF: "application/pdf",
  /** Arbitrary bytes, shown as hex. */
  BINARY: "application/octet-stream",
} as const;

/** One of the {@link ContentType} members. */
/**
 * Content type of a stored stream: the value is a recording `{ stream, chunks, at }` (what
 * `mark` stores for a function that streams). Set by beautyspot, never by users.
 */
export const STREAM_CONTENT_TYPE = "application/x-beautyspot-stream";

export type ContentTypeValue = (typeof ContentType)[keyof typeof ContentType];

/**
 * What the `contentType` option takes: a {@link ContentType} member (offered by completion) or
 * any other MIME type written `type/subtype` (`"application/x-ndjson"`). A text without a slash
 * (`"markdown"`) is a type error, as it is a ValidationError when marking.
 */
export type ContentTypeOption = ContentTypeValue | `${string}/${string}`;

/** RFC 2045 token characters, the alphabet of MIME type, subtype and parameter names. */
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const MIME_TYPE_PATTERN = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[^"\\\\]*"))*$`,
);

/**
 * Returns `value` if it has the form of a MIME type (`type/subtype`, optional
 * `; name=value` parameters); otherwise throws a `ValidationError` naming `where`.
 * Any such type is accepted, known to the dashboard or not.
 */
export function validateContentType(value: unknown, where: string): string {
  if (typeof value === "string" && value.length <= 255 && MIME_TYPE_PATTERN.test(value)) {
    return value;
  }
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new ValidationError(
    `${where} is ${shown}, which is not a MIME type; pass a ContentType member such as ContentType.MARKDOWN or a string like "text/plain".`,
  );
}
