/**
 * @module test/package/node-version — one statement of the Node.js versions the package runs on:
 * `engines` in package.json, the README and the developer notes say the same, the minimum is
 * as high as the newest Node API the library calls, and the dependencies install on it.
 */

import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { repoRoot } from "../helpers.js";

interface Manifest {
  engines: { node: string };
  dependencies: Record<string, string>;
}

const manifest = JSON.parse(
  fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"),
) as Manifest;

/** `[major, minor]` of a ">=20.12"-style range; the only form `engines` uses. */
function minimumOf(range: string): [number, number] {
  const match = /^>=(\d+)(?:\.(\d+))?$/.exec(range.trim());
  assert.ok(match, `engines.node should be a plain minimum like ">=20.12", got ${range}`);
  return [Number(match[1]), Number(match[2] ?? 0)];
}

function atLeast([major, minor]: [number, number], [wantMajor, wantMinor]: [number, number]) {
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

const minimum = minimumOf(manifest.engines.node);
const statement = `Node.js ${minimum[0]}.${minimum[1]} or later`;

/**
 * Node APIs the library calls that are younger than Node 20.0, with the release that brought
 * each. The library's files are searched for the call, so a line here cannot outlive its use.
 */
const NEWER_APIS = [
  {
    api: "crypto.hash (the one-shot digest behind every cache key)",
    since: [20, 12] as [number, number],
    pattern: /import \{[^}]*\bhash\b[^}]*\} from "node:crypto"/,
    available: () => typeof crypto.hash === "function",
  },
  {
    api: "Symbol.asyncDispose (`await using spot`)",
    since: [20, 4] as [number, number],
    pattern: /Symbol\.asyncDispose/,
    available: () => typeof Symbol.asyncDispose === "symbol",
  },
];

function librarySources(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === "web" ? [] : librarySources(file);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [file] : [];
  });
}

describe("the Node.js versions the package runs on", () => {
  test(`README and docs/development.md say "${statement}", as engines does`, () => {
    for (const document of ["README.md", "docs/development.md"]) {
      const text = fs.readFileSync(path.join(repoRoot, document), "utf8");
      assert.ok(text.includes(statement), `${document} should say "${statement}"`);
      // Any other "Node N or later" / "Node N only" would be a second, diverging statement.
      for (const other of text.matchAll(/Node(?:\.js)? \d+(?:\.\d+)?(?: or later| only|\+)/g)) {
        assert.equal(other[0], statement, `${document} says "${other[0]}"`);
      }
    }
  });

  test("the minimum is as high as the newest Node API the library calls", () => {
    const sources = librarySources(path.join(repoRoot, "src")).map((file) =>
      fs.readFileSync(file, "utf8"),
    );
    for (const { api, since, pattern, available } of NEWER_APIS) {
      assert.ok(
        sources.some((source) => pattern.test(source)),
        `src no longer uses ${api}: drop it from this list`,
      );
      assert.ok(atLeast(minimum, since), `${api} needs Node ${since.join(".")}`);
      assert.ok(available(), `${api} is missing in this Node ${process.version}`);
    }
    const newest = NEWER_APIS.map(({ since }) => since).reduce((a, b) => (atLeast(a, b) ? a : b));
    assert.deepEqual(minimum, newest, "the minimum should be what the code needs, no higher");
  });

  test("every runtime dependency declares support for the minimum", () => {
    const version = `${minimum[0]}.${minimum[1]}.0`;
    for (const name of Object.keys(manifest.dependencies)) {
      const dependency = JSON.parse(
        fs.readFileSync(path.join(repoRoot, "node_modules", name, "package.json"), "utf8"),
      ) as { engines?: { node?: string } };
      const range = dependency.engines?.node;
      if (range === undefined) continue;
      // The ranges in use: ">=20", "10.* || >= 12.*", "20.x || 22.x || ...", ">=4".
      const allows = range.split("||").some((part) => {
        const bound = /^\s*(>=)?\s*(\d+)(?:\.(\d+|x|\*))?/.exec(part);
        if (bound === null) return false;
        const major = Number(bound[2]);
        const minor =
          bound[3] === undefined || Number.isNaN(Number(bound[3])) ? 0 : Number(bound[3]);
        return bound[1] === ">="
          ? atLeast(minimum, [major, minor])
          : major === minimum[0] && (bound[3] === undefined || Number.isNaN(Number(bound[3])));
      });
      assert.ok(allows, `${name} declares engines.node "${range}", which excludes Node ${version}`);
    }
  });
});
