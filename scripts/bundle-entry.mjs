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
 * A subpath module imports the library through src/index.ts; its bundle loads the built entry of
 * its own format, so the subpath shares the entry's classes instead of carrying a copy.
 */

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const cjsDist = path.join(dist, "cjs");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

/**
 * The entry points named in `exports`, as paths below dist without ".js" (`index`), each checked
 * for the shape every entry needs: the CommonJS files mirror the ES ones below dist/cjs/, and
 * `types` comes first in each condition (resolvers take the first condition that matches).
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
 * relative path in the sources, and its bundle loads the built entry of the same format
 * (`outfile` → `libraryBundle`) instead of carrying a copy. One copy of every class per format.
 */
function libraryEntryShared(compiled, outfile, libraryBundle) {
  const libraryEntry = path.join(dist, "index.js");
  return {
    name: "library-entry-shared",
    setup(builder) {
      builder.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (compiled === libraryEntry) return undefined;
        if (path.resolve(args.resolveDir, args.path) !== libraryEntry) return undefined;
        const relative = path
          .relative(path.dirname(outfile), libraryBundle)
          .split(path.sep)
          .join("/");
        return { path: relative.startsWith(".") ? relative : `./${relative}`, external: true };
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

/**
 * The compiled modules something still loads: the bundles and the commands in `bin`, then what
 * they import by relative path or locate with `new URL("….js", import.meta.url)` (the CLI finds
 * the dashboard so).
 */
function modulesInUse(starts) {
  const found = new Set();
  const pending = [...starts];
  while (pending.length > 0) {
    const file = pending.pop();
    if (found.has(file)) continue;
    if (!existsSync(file)) throw new Error(`${file} is loaded but was not built`);
    found.add(file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?:from|import\(|new URL\()\s*"(\.{1,2}\/[^"]+\.js)"/g)) {
      pending.push(path.resolve(path.dirname(file), match[1]));
    }
  }
  return found;
}

/**
 * Deletes compiled modules that only went into a bundle (with their source maps): nothing loads
 * them, and they would double the package's JavaScript. Their declaration files stay.
 */
function removeBundledModules(starts) {
  const inUse = modulesInUse(starts);
  const skipped = new Set([cjsDist, path.join(dist, "dashboard", "web")]);
  const visit = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skipped.has(file)) visit(file);
      } else if (entry.name.endsWith(".js") && !inUse.has(file)) {
        rmSync(file);
        rmSync(`${file}.map`, { force: true });
      }
    }
  };
  visit(dist);
}

const entries = entryPoints();
rmSync(cjsDist, { recursive: true, force: true });
mkdirSync(cjsDist, { recursive: true });
// Every .js and .d.ts below dist/cjs is CommonJS, whatever the package's own "type" says.
writeFileSync(path.join(cjsDist, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);

for (const name of entries) {
  const compiled = path.join(dist, `${name}.js`);
  const cjsOutfile = path.join(cjsDist, `${name}.js`);
  const common = {
    entryPoints: [compiled],
    bundle: true,
    platform: "node",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    // Stack traces need the mappings, not a second copy of the code: the sources are not shipped,
    // and their text would double the package's size.
    sourcesContent: false,
    logLevel: "warning",
  };
  await build({
    ...common,
    outfile: cjsOutfile,
    plugins: [libraryEntryShared(compiled, cjsOutfile, path.join(cjsDist, "index.js"))],
    format: "cjs",
    // CommonJS has no import.meta: the module's own file URL, as the ES build sees it.
    inject: [path.join(root, "scripts/cjs-import-meta-url.mjs")],
    define: { "import.meta.url": "importMetaUrl" },
  });
  await build({
    ...common,
    outfile: compiled,
    plugins: [libraryEntryShared(compiled, compiled, path.join(dist, "index.js"))],
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

removeBundledModules([
  ...entries.map((name) => path.join(dist, `${name}.js`)),
  ...Object.values(manifest.bin ?? {}).map((bin) => path.resolve(root, bin)),
]);
