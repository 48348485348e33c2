/**
 * @module dashboard/web/renderers/media — images, audio and video from the raw value URL, which
 * the server streams with range support. SVG goes through `<img>`, where its scripts never run.
 */

import { createElement } from "../dom.js";

export function renderImage(rawUrl: string): HTMLElement {
  return createElement(
    "div",
    { class: "media-view" },
    createElement("img", { class: "value-image", src: rawUrl, alt: "stored image" }),
  );
}

export function renderAudio(rawUrl: string): HTMLElement {
  return createElement(
    "div",
    { class: "media-view" },
    createElement("audio", {
      class: "value-audio",
      src: rawUrl,
      controls: true,
      preload: "metadata",
    }),
  );
}

export function renderVideo(rawUrl: string): HTMLElement {
  return createElement(
    "div",
    { class: "media-view" },
    createElement("video", {
      class: "value-video",
      src: rawUrl,
      controls: true,
      preload: "metadata",
    }),
  );
}

/** Documents the dashboard cannot show inline (PDF): a link to open or save them. */
export function renderDownload(rawUrl: string, label: string): HTMLElement {
  return createElement(
    "p",
    {},
    createElement("a", { href: rawUrl, download: true, class: "button" }, label),
  );
}
