/**
 * @module scripts/build-dashboard — bundles the dashboard page into dist/dashboard/web/: app.js
 * (the page with marked and DOMPurify), app.css, index.html, and the diagram renderers in vendor/
 * (loaded only when a diagram is shown), stored brotli-compressed: they are two thirds of the
 * package otherwise. The installed package needs none of these at run time.
 */

import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants } from "node:zlib";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "src/dashboard/web");
const output = path.join(root, "dist/dashboard/web");
const require = createRequire(import.meta.url);

rmSync(output, { recursive: true, force: true });
mkdirSync(path.join(output, "vendor"), { recursive: true });

await build({
  entryPoints: [path.join(source, "main.ts")],
  outfile: path.join(output, "app.js"),
  bundle: true,
  format: "iife",
  minify: true,
  target: ["chrome110", "firefox110", "safari16"],
  legalComments: "none",
  tsconfig: path.join(source, "tsconfig.json"),
  logLevel: "warning",
});

copyFileSync(path.join(source, "index.html"), path.join(output, "index.html"));
copyFileSync(path.join(source, "app.css"), path.join(output, "app.css"));
// Prebuilt browser bundles, as they are; each sets a global (mermaid, Viz). The server sends the
// .br bytes to browsers that accept brotli and decompresses them for the others.
function writeCompressed(source, name) {
  const bytes = readFileSync(source);
  const compressed = brotliCompressSync(bytes, {
    params: {
      // Quality 9: within 11% of the maximum (11) in a tenth of the time (about a second).
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
    },
  });
  writeFileSync(path.join(output, "vendor", `${name}.br`), compressed);
}
writeCompressed(require.resolve("mermaid/dist/mermaid.min.js"), "mermaid.min.js");
writeCompressed(
  path.join(path.dirname(require.resolve("@viz-js/viz")), "viz-global.js"),
  "viz-global.js",
);
console.log(`dashboard page built into ${path.relative(root, output)}`);
