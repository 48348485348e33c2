/**
 * Bundles each entry point of the package, as listed in package.json `exports`, into one ES
 * module (`dist/<name>.js`, replacing tsc's output) and one CommonJS module
 * (`dist/cjs/<name>.js`, for `require`), with types for each format (`dist/<name>.d.ts`, and a
 * copy of the declarations under `dist/cjs/`, read as CommonJS there). Loading one module instead
 * of about sixty halves the library's own share of `import "beautyspot"`; dependencies stay
 * external. The CLI and the dashboard import the library through the ES entry, so every class
 * exists once in their process.
 *
 * Adding a subpath (`beautyspot/openai` from src/integrations/openai/index.ts) is one entry in
 * `exports`, shaped like ".":
 *   "./openai": {
 *     "import": { "types": "./dist/integrations/openai/index.d.ts",
 *                 "default": "./dist/integrations/openai/index.js" },
 *     "require": { "types": "./dist/cjs/integrations/openai/index.d.ts",
 *                  "default": "./dist/cjs/integrations/openai/index.js" } }
 * A subpath module imports the library through src/index.ts; its bundle loads that as
 * "beautyspot", so the subpath shares the entry's classes instead of carrying a copy.
 */

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const cjsDist = path.join(dist, "cjs");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

/**
 * The entry points named in `exports`, as paths below dist without ".js" (`index`), each checked
 * for the shape every entry needs: the CommonJS files mirror the ES ones below dist/cjs/.
 */
function entryPoints() {
  const entries = [];
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === "string") continue; // "./package.json"
    const name = /^\.\/dist\/(.+)\.js$/.exec(target.import?.default ?? "")?.[1];
    const expected = {
      import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
      require: { types: `./dist/cjs/${name}.d.ts`, default: `./dist/cjs/${name}.js` },
    };
    if (
      name === undefined ||
      JSON.stringify({ import: target.import, require: target.require }) !==
        JSON.stringify(expected)
    ) {
      throw new Error(
        `package.json exports[${JSON.stringify(subpath)}] must look like ${JSON.stringify(expected)}`,
      );
    }
    entries.push(name);
  }
  return entries;
}

/**
 * Keeps the library's own entry out of a subpath's bundle: a subpath module imports it by
 * relative path in the sources, and the bundle loads it as "beautyspot" (the package's
 * self-reference), in the same format as itself. One copy of every class per format.
 */
function libraryEntryAsPackage(entry) {
  const libraryEntry = path.join(dist, "index.js");
  return {
    name: "library-entry-as-package",
    setup(builder) {
      builder.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (entry === libraryEntry) return undefined;
        const target = path.resolve(args.resolveDir, args.path);
        return target === libraryEntry ? { path: manifest.name, external: true } : undefined;
      });
    },
  };
}

/** The declaration files `entry` needs: itself and every relative import, transitively. */
function declarationGraph(entry) {
  const found = new Set();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (found.has(file)) continue;
    found.add(file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)\.js"/g)) {
      const next = path.resolve(path.dirname(file), `${match[1]}.d.ts`);
      if (!existsSync(next)) throw new Error(`${file} imports ${match[1]}.js, which has no types`);
      pending.push(next);
    }
  }
  return found;
}

const entries = entryPoints();
rmSync(cjsDist, { recursive: true, force: true });
mkdirSync(cjsDist, { recursive: true });
// Every .js and .d.ts below dist/cjs is CommonJS, whatever the package's own "type" says.
writeFileSync(path.join(cjsDist, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);

for (const name of entries) {
  const compiled = path.join(dist, `${name}.js`);
  const common = {
    entryPoints: [compiled],
    plugins: [libraryEntryAsPackage(compiled)],
    bundle: true,
    platform: "node",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    logLevel: "warning",
  };
  await build({
    ...common,
    outfile: path.join(cjsDist, `${name}.js`),
    format: "cjs",
    // CommonJS has no import.meta: the module's own file URL, as the ES build sees it.
    inject: [path.join(root, "scripts/cjs-import-meta-url.mjs")],
    define: { "import.meta.url": "importMetaUrl" },
  });
  await build({
    ...common,
    outfile: compiled,
    // The bundle replaces the compiled entry it starts from.
    allowOverwrite: true,
    format: "esm",
  });
  for (const file of declarationGraph(path.join(dist, `${name}.d.ts`))) {
    const copy = path.join(cjsDist, path.relative(dist, file));
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(file, copy);
  }
}
