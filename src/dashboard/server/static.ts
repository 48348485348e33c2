/**
 * @module dashboard/server/static — the prebuilt page (`dist/dashboard/web/`): found next to the
 * compiled server, read once, served with the session token written into the HTML.
 */

import fs from "node:fs";
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync } from "node:zlib";
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

/**
 * The diagram renderers ship brotli-compressed (`vendor/mermaid.min.js.br`): a quarter of their
 * size in the package. A browser that accepts br gets the bytes as they are; any other client
 * gets them decompressed (Chromium offers br to http://127.0.0.1; a client such as curl does not).
 */
const BROTLI_SUFFIX = ".br";

/** An asset as read from the web root. */
interface Asset {
  bytes: Buffer;
  /** `bytes` are brotli-compressed; `plain` is filled on first need. */
  brotli: boolean;
  plain?: Buffer;
}

/** Whether an Accept-Encoding header value admits `br` (present and not `q=0`). */
export function acceptsBrotli(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? "").split(",").some((part) => {
    const [coding, ...parameters] = part.split(";").map((piece) => piece.trim().toLowerCase());
    if (coding !== "br") return false;
    const quality = parameters.find((parameter) => parameter.startsWith("q="));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}

/** The page and its assets, served from memory once read. */
export class StaticFiles {
  readonly root: string;
  readonly #page: string;
  readonly #files = new Map<string, Asset>();

  constructor(root: string) {
    this.root = root;
    this.#page = fs.readFileSync(path.join(root, "index.html"), "utf8");
  }

  /** The HTML page with `token` in its meta tag. */
  renderPage(token: string): string {
    return this.#page.replace(TOKEN_PLACEHOLDER, token);
  }

  /**
   * Sends the asset at URL path `urlPath` (such as `/app.js` or `/vendor/mermaid.min.js`),
   * compressed when it is stored so and `acceptEncoding` (the request's header) admits it.
   * Returns `false` when there is no such asset; paths never leave the web root.
   */
  sendAsset(urlPath: string, response: ServerResponse, acceptEncoding?: string): boolean {
    const type = FILE_TYPES[path.extname(urlPath)];
    if (type === undefined || urlPath.includes("..") || urlPath.includes("\\")) return false;
    const asset = this.#read(urlPath);
    if (asset === undefined) return false;
    const headers: OutgoingHttpHeaders = { "Content-Type": type };
    let body = asset.bytes;
    if (asset.brotli) {
      headers.Vary = "Accept-Encoding";
      if (acceptsBrotli(acceptEncoding)) headers["Content-Encoding"] = "br";
      else body = asset.plain ??= brotliDecompressSync(asset.bytes);
    }
    headers["Content-Length"] = body.byteLength;
    response.writeHead(200, headers);
    response.end(body);
    return true;
  }

  #read(urlPath: string): Asset | undefined {
    let asset = this.#files.get(urlPath);
    if (asset !== undefined) return asset;
    const file = path.join(this.root, urlPath);
    if (!file.startsWith(this.root + path.sep)) return undefined;
    if (fs.existsSync(file)) asset = { bytes: fs.readFileSync(file), brotli: false };
    else if (fs.existsSync(file + BROTLI_SUFFIX)) {
      asset = { bytes: fs.readFileSync(file + BROTLI_SUFFIX), brotli: true };
    } else return undefined;
    this.#files.set(urlPath, asset);
    return asset;
  }
}
