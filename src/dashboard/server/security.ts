/**
 * @module dashboard/server/security — what keeps other sites out: the Host check against DNS
 * rebinding, the per-session token for mutations, and the response headers (CSP and friends).
 */

import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import os from "node:os";

/** Header that carries the session token on mutating requests. */
export const TOKEN_HEADER = "x-beautyspot-token";

/** A fresh random session token: 192 bits, URL-safe. */
export function createSessionToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Whether `presented` equals `token`, compared in constant time. */
export function isValidToken(presented: string | string[] | undefined, token: string): boolean {
  if (typeof presented !== "string") return false;
  const expected = Buffer.from(token);
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

/** Whether `host` only listens on this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return (
    host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

/** Whether a connection comes from this machine: its peer address is a loopback address. */
export function isLoopbackPeer(request: IncomingMessage): boolean {
  const address = request.socket.remoteAddress ?? "";
  // An IPv4 peer on a dual-stack socket shows as ::ffff:127.0.0.1.
  return isLoopbackHost(address.startsWith("::ffff:") ? address.slice(7) : address);
}

function bracketIPv6(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * The `Host` header values the server answers: the bound address and the loopback names, each
 * with the port. Bound to a wildcard address, the machine's own interface addresses too. Any
 * other name means a page on a foreign origin reached us through DNS rebinding.
 */
export function listAllowedHosts(boundHost: string, port: number): Set<string> {
  const names = new Set(["localhost", "127.0.0.1", "[::1]", bracketIPv6(boundHost).toLowerCase()]);
  if (isWildcardHost(boundHost)) {
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const address of addresses ?? []) names.add(bracketIPv6(address.address).toLowerCase());
    }
  }
  const allowed = new Set<string>();
  for (const name of names) allowed.add(`${name}:${port}`);
  return allowed;
}

/** Whether the request's `Host` header names this server. */
export function isAllowedHost(
  request: IncomingMessage,
  allowedHosts: ReadonlySet<string>,
): boolean {
  const host = request.headers.host;
  return typeof host === "string" && allowedHosts.has(host.toLowerCase());
}

/**
 * Whether a mutating request comes from our own page: the token matches and, when the browser
 * names an origin, it is one of ours.
 */
export function isTrustedMutation(
  request: IncomingMessage,
  token: string,
  allowedHosts: ReadonlySet<string>,
): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      return false;
    }
    if (!allowedHosts.has(originHost)) return false;
  }
  return isValidToken(request.headers[TOKEN_HEADER], token);
}

/**
 * The page's policy: scripts only from our own files (no inline script, no eval; WebAssembly
 * for Graphviz), stored values only through our API, no framing of the dashboard.
 * Inline styles stay allowed because Mermaid writes its diagram styles inline.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self'",
  "frame-src 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Stored values are sandboxed even when opened directly: an SVG or HTML value runs no script and
 * gets an opaque origin, and may only be framed by the dashboard itself.
 */
export const RAW_VALUE_CONTENT_SECURITY_POLICY =
  "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'";

/** Headers on every response. */
export function setCommonHeaders(response: ServerResponse): void {
  response.setHeader("X-Content-Type-Options", "nosniff");
  response.setHeader("Referrer-Policy", "no-referrer");
  response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  response.setHeader("Cache-Control", "no-store");
}

/** Headers of the page and its assets. */
export function setPageHeaders(response: ServerResponse): void {
  response.setHeader("Content-Security-Policy", PAGE_CONTENT_SECURITY_POLICY);
  response.setHeader("X-Frame-Options", "DENY");
  response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
}

/** Headers of a raw stored value. */
export function setRawValueHeaders(response: ServerResponse): void {
  response.setHeader("Content-Security-Policy", RAW_VALUE_CONTENT_SECURITY_POLICY);
  response.setHeader("X-Frame-Options", "SAMEORIGIN");
}
