/**
 * @module dashboard/web/renderers/media — images, audio and video from the raw value URL, which
 * the server streams with range support. SVG goes through `<img>`, where its scripts never run.
 */

import { createElement } from "../dom.js";

/** At most this many pixels a side, an image is drawn with sharp pixels when scaled up. */
const PIXEL_ART_SIZE = 128;

export function renderImage(rawUrl: string): HTMLElement {
  const image = createElement("img", { class: "value-image", src: rawUrl, alt: "stored image" });
  image.addEventListener("load", () => {
    const tiny =
      image.naturalWidth > 0 &&
      image.naturalWidth <= PIXEL_ART_SIZE &&
      image.naturalHeight <= PIXEL_ART_SIZE;
    image.classList.toggle("pixel-art", tiny);
  });
  return createElement("div", { class: "media-view" }, image);
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
