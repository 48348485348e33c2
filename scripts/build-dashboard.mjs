/**
 * @module scripts/build-dashboard — bundles the dashboard page into dist/dashboard/web/: app.js
 * (the page with marked and DOMPurify), app.css, index.html, and the diagram renderers in vendor/
 * (loaded only when a diagram is shown). The installed package needs none of these at run time.
 */

import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
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
// Prebuilt browser bundles, copied as they are; each sets a global (mermaid, Viz).
copyFileSync(
  require.resolve("mermaid/dist/mermaid.min.js"),
  path.join(output, "vendor/mermaid.min.js"),
);
copyFileSync(
  path.join(path.dirname(require.resolve("@viz-js/viz")), "viz-global.js"),
  path.join(output, "vendor/viz-global.js"),
);
console.log(`dashboard page built into ${path.relative(root, output)}`);
