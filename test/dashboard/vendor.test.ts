/**
 * @module test/dashboard/vendor — the diagram renderers ship brotli-compressed; the server sends
 * them compressed to clients that accept br and decompressed to the others, byte for byte the
 * bundles the build started from.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { brotliDecompressSync } from "node:zlib";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { acceptsBrotli } from "../../src/dashboard/server/static.js";
import {
  assertPageBuilt,
  createSampleDatabase,
  createTempFolder,
  startQuietDashboard,
} from "./fixtures.js";

const require = createRequire(import.meta.url);

const BUNDLES = {
  "mermaid.min.js": require.resolve("mermaid/dist/mermaid.min.js"),
  "viz-global.js": path.join(path.dirname(require.resolve("@viz-js/viz")), "viz-global.js"),
};

function get(url: string, headers: Record<string, string>) {
  return new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ headers: response.headers, body: Buffer.concat(chunks) }),
        );
      })
      .on("error", reject);
  });
}

describe("diagram bundles", () => {
  let folder: string;
  let dashboard: RunningDashboard;

  before(async () => {
    assertPageBuilt();
    folder = createTempFolder();
    const { dbPath } = await createSampleDatabase(folder);
    dashboard = await startQuietDashboard(dbPath);
  });

  after(async () => {
    await dashboard.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  for (const [name, source] of Object.entries(BUNDLES)) {
    it(`${name} goes brotli-compressed to a client that accepts br`, async () => {
      const response = await get(`${dashboard.url}vendor/${name}`, {
        "Accept-Encoding": "gzip, deflate, br",
      });
      assert.equal(response.headers["content-encoding"], "br");
      assert.equal(response.headers.vary, "Accept-Encoding");
      assert.equal(response.headers["content-type"], "text/javascript; charset=utf-8");
      assert.ok(brotliDecompressSync(response.body).equals(fs.readFileSync(source)));
    });

    it(`${name} goes decompressed to a client that does not accept br`, async () => {
      for (const encodings of ["gzip, deflate", "br;q=0, gzip"]) {
        const response = await get(`${dashboard.url}vendor/${name}`, {
          "Accept-Encoding": encodings,
        });
        assert.equal(response.headers["content-encoding"], undefined);
        assert.equal(Number(response.headers["content-length"]), response.body.byteLength);
        assert.ok(response.body.equals(fs.readFileSync(source)));
      }
    });
  }

  it("reads Accept-Encoding as HTTP defines it", () => {
    assert.equal(acceptsBrotli("br"), true);
    assert.equal(acceptsBrotli("gzip, BR;q=0.5"), true);
    assert.equal(acceptsBrotli("gzip, br;q=0"), false);
    assert.equal(acceptsBrotli("gzip, brotli"), false);
    assert.equal(acceptsBrotli(undefined), false);
  });
});
