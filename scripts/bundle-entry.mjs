/**
 * Bundles the library entry (`dist/index.js`) and its modules into one file. Loading one module
 * instead of about sixty halves the library's own share of `import "beautyspot"`; dependencies
 * stay external. The CLI and the dashboard import the library through this same entry, so every
 * class exists once.
 */

import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const entry = fileURLToPath(new URL("../dist/index.js", import.meta.url));

await build({
  entryPoints: [entry],
  outfile: entry,
  // The bundle replaces the compiled entry it starts from.
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
