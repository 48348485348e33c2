/**
 * @module dashboard/server/static — the prebuilt page (`dist/dashboard/web/`): found next to the
 * compiled server, read once, served with the session token written into the HTML.
 */

import fs from "node:fs";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigurationError } from "../../index.js";

/** Marker in the built `index.html` replaced by the session token on every page load. */
export const TOKEN_PLACEHOLDER = "__BEAUTYSPOT_SESSION_TOKEN__";

const FILE_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
};

/**
 * Where the built page is. From the compiled package it sits beside this module
 * (`dist/dashboard/web`); run from the sources, it is the build output of the same checkout.
 */
export function locateWebRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve(here, "../web"),
    path.resolve(here, "../../../dist/dashboard/web"),
  ];
  for (const candidate of candidates) {
    if (
      fs.existsSync(path.join(candidate, "index.html")) &&
      fs.existsSync(path.join(candidate, "app.js"))
    ) {
      return candidate;
    }
  }
  throw new ConfigurationError(
    "The dashboard page is not built (no dist/dashboard/web/index.html). Run `npm run build` in the beautyspot checkout, or reinstall the package.",
  );
}

/** The page and its assets, served from memory once read. */
export class StaticFiles {
  readonly root: string;
  readonly #page: string;
  readonly #files = new Map<string, Buffer>();

  constructor(root: string) {
    this.root = root;
    this.#page = fs.readFileSync(path.join(root, "index.html"), "utf8");
  }

  /** The HTML page with `token` in its meta tag. */
  renderPage(token: string): string {
    return this.#page.replace(TOKEN_PLACEHOLDER, token);
  }

  /**
   * Sends the asset at URL path `urlPath` (such as `/app.js` or `/vendor/mermaid.min.js`).
   * Returns `false` when there is no such asset; paths never leave the web root.
   */
  sendAsset(urlPath: string, response: ServerResponse): boolean {
    const type = FILE_TYPES[path.extname(urlPath)];
    if (type === undefined || urlPath.includes("..") || urlPath.includes("\\")) return false;
    let content = this.#files.get(urlPath);
    if (content === undefined) {
      const file = path.join(this.root, urlPath);
      if (!file.startsWith(this.root + path.sep) || !fs.existsSync(file)) return false;
      content = fs.readFileSync(file);
      this.#files.set(urlPath, content);
    }
    response.writeHead(200, { "Content-Type": type, "Content-Length": content.byteLength });
    response.end(content);
    return true;
  }
}
