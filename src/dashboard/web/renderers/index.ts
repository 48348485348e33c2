/**
 * @module dashboard/web/renderers — picks how to show a value: by its content type when the value
 * fits it, otherwise by what the value is (tree for objects, text for strings, hex for bytes).
 */

import { ContentType, STREAM_CONTENT_TYPE } from "../../../content-type.js";
import type { TaskView, ValueNode } from "../../api-types.js";
import { createElement } from "../dom.js";
import { renderCsv } from "./csv.js";
import { renderGraphviz } from "./graphviz.js";
import { renderHex } from "./hex.js";
import { renderHtml } from "./html.js";
import { describeJson, renderTree } from "./json-tree.js";
import { renderMarkdown } from "./markdown.js";
import { renderAudio, renderDownload, renderImage, renderVideo } from "./media.js";
import { renderMermaid } from "./mermaid.js";
import { renderText } from "./text.js";

const IMAGE_TYPES: ReadonlySet<string> = new Set([
  ContentType.PNG,
  ContentType.JPEG,
  ContentType.GIF,
  ContentType.WEBP,
  ContentType.SVG,
  "image/jpg",
]);
const AUDIO_TYPES: ReadonlySet<string> = new Set([
  ContentType.AUDIO_WAV,
  ContentType.AUDIO_MPEG,
  ContentType.AUDIO_OGG,
  "audio/x-wav",
  "audio/wave",
  "audio/mp3",
]);
const VIDEO_TYPES: ReadonlySet<string> = new Set([ContentType.VIDEO_MP4, ContentType.VIDEO_WEBM]);

/** The MIME type without parameters, lowercased. */
export function readBaseType(contentType: string | null): string | null {
  if (contentType === null) return null;
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** What the value is, regardless of its content type. */
function renderByShape(node: ValueNode, view: TaskView): HTMLElement {
  if (node.kind === "bytes") return renderHex(node, view.rawUrl);
  if (node.kind === "string")
    return renderText(view.text ?? node.value, view.textTruncated === true || node.truncated);
  return renderTree(node);
}

function renderJson(view: TaskView, node: ValueNode): HTMLElement {
  if (view.text === undefined) return renderTree(node);
  try {
    return renderTree(describeJson(JSON.parse(view.text)));
  } catch {
    // Not valid JSON after all: the text itself is the most useful view.
    return createElement(
      "div",
      {},
      createElement("p", { class: "notice" }, "Stored as JSON but not valid JSON; shown as text."),
      renderText(view.text),
    );
  }
}

/** A stored stream: its joined text (when its chunks carry text), then the recording's tree. */
function renderStream(view: TaskView, node: ValueNode): HTMLElement {
  const chunks =
    node.kind === "object" ? node.entries.find(([key]) => key === "chunks")?.[1] : undefined;
  const count = chunks?.kind === "array" ? chunks.length : 0;
  return createElement(
    "div",
    { class: "stream" },
    createElement(
      "p",
      { class: "hint" },
      `Stream of ${count} chunk${count === 1 ? "" : "s"}, replayed on a hit.`,
    ),
    ...(view.text === undefined
      ? []
      : [
          createElement("h4", {}, "Joined text"),
          renderText(view.text, view.textTruncated === true),
        ]),
    createElement("h4", {}, "Chunks"),
    renderTree(chunks ?? node),
  );
}

/** The element showing a task's value. */
export function renderValue(view: TaskView): HTMLElement {
  const node = view.value;
  if (node === undefined) return createElement("p", { class: "hint" }, "No value to show.");
  // Rescued raw data has lost the shape its content type describes: show what it is.
  if (view.rescued) return renderByShape(node, view);
  const base = readBaseType(view.record.contentType);
  if (base === STREAM_CONTENT_TYPE) return renderStream(view, node);
  const isBinaryOrText = node.kind === "bytes" || node.kind === "string";
  const text = view.text;
  if (base !== null && isBinaryOrText) {
    if (IMAGE_TYPES.has(base)) return renderImage(view.rawUrl);
    if (AUDIO_TYPES.has(base)) return renderAudio(view.rawUrl);
    if (VIDEO_TYPES.has(base)) return renderVideo(view.rawUrl);
    if (base === ContentType.PDF) return renderDownload(view.rawUrl, "Open the PDF");
  }
  if (base !== null && text !== undefined) {
    switch (base) {
      case ContentType.MARKDOWN:
        return renderMarkdown(text);
      case ContentType.HTML:
        return renderHtml(view.rawUrl, text);
      case ContentType.MERMAID:
        return renderMermaid(text);
      case ContentType.GRAPHVIZ:
        return renderGraphviz(text);
      case ContentType.CSV:
        return renderCsv(text);
      case ContentType.JSON:
        return renderJson(view, node);
    }
  }
  return renderByShape(node, view);
}
