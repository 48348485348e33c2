/**
 * @module test/toolchains — the library as other toolchains deliver it: code run by tsx
 * (esbuild renames shadowing parameters), and decorators compiled by `tsc` in both flavours.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { makeTempDir, repoRoot, runScript } from "./helpers.js";

const execFileAsync = promisify(execFile);

describe("code run by tsx (esbuild)", () => {
  it("resolves KeyGen.ignore(name) for a parameter esbuild renamed because it shadows a module-level name", async () => {
    const dir = makeTempDir();
    const result = await runScript(
      `import { KeyGen, Spot } from "$ENTRY";
const client = { name: "module-level client" };
const spot = new Spot("renamed", { workspace: ${JSON.stringify(dir)} });
let runs = 0;
async function ask(client: { id: number }, prompt: string) {
  runs++;
  return \`\${prompt}:\${client.id}\`;
}
console.log(ask.toString().split(")")[0]);
const cachedAsk = spot.mark(ask, { keygen: KeyGen.ignore("client") });
await cachedAsk({ id: 1 }, "hello");
await cachedAsk({ id: 2 }, "hello");
console.log(JSON.stringify({ runs, unused: client.name }));
await spot.shutdown();
`,
      dir,
    );
    assert.equal(result.code, 0, result.stderr);
    const [source = "", summary = ""] = result.stdout.trim().split("\n");
    // The trap itself: the function the library sees has a renamed parameter.
    assert.match(source, /client2/);
    assert.deepEqual(JSON.parse(summary), { runs: 1, unused: "module-level client" });
  });
});

/**
 * A consumer project using every decorator form, compiled by `tsc` with `flavour`'s tsconfig and
 * run by plain Node against the built package. The `@ts-expect-error` lines are part of the check:
 * if a synchronous method could be decorated, tsc would report the directive as unused.
 */
const DECORATED_CONSUMER = `import { Spot } from "beautyspot";

const spot = new Spot("decorated", { workspace: process.argv[2]! });
let runs = 0;

@spot.registerType({
  code: 20,
  encode: (point: Point) => [point.x, point.y],
  decode: ([x, y]) => new Point(x, y),
})
class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

class Pipeline {
  @spot.mark({ version: "v1" })
  async summarize(text: string): Promise<string> {
    runs++;
    return text.toUpperCase();
  }

  @spot.mark()
  static async origin(scale: number) {
    runs++;
    return new Point(scale, scale);
  }

  @spot.mark()
  async echo<T>(value: T): Promise<T> {
    runs++;
    return value;
  }

  @spot.mark()
  async *tokens(prompt: string): AsyncGenerator<string> {
    runs++;
    for (const word of prompt.split(" ")) yield word;
  }
}

class Strict {
  // @ts-expect-error: a cached method returns a promise, so a synchronous one cannot be decorated
  @spot.mark()
  add(a: number, b: number): number {
    return a + b;
  }
}
void Strict;

const pipeline = new Pipeline();
const texts = [await pipeline.summarize("a"), await pipeline.summarize("a")];
const origins = [await Pipeline.origin(2), await Pipeline.origin(2)];
const echoed: string = await pipeline.echo("same");
await pipeline.echo("same");
const streamed: string[][] = [];
for (let round = 0; round < 2; round++) {
  const words: string[] = [];
  for await (const word of pipeline.tokens("to be")) words.push(word);
  streamed.push(words);
}

// Another class named Pipeline with a method of the same name but other code: another function.
let collision = "none";
try {
  class Pipeline {
    @spot.mark({ version: "v1" })
    async summarize(text: string): Promise<string> {
      return text.toLowerCase();
    }
  }
  await new Pipeline().summarize("b");
} catch (error) {
  collision = (error as Error).name;
}

await spot.flush();
const functions = (await spot.maintenance.listTasks({ limit: 10 }))
  .map((task) => task.funcIdentifier ?? task.funcName)
  .sort();
console.log(
  JSON.stringify({
    runs,
    texts,
    origins: origins.map((point) => point instanceof Point && point.x),
    echoed,
    streamed,
    collision,
    functions,
  }),
);
await spot.shutdown();
`;

async function compileAndRun(flavour: "legacy" | "tc39"): Promise<unknown> {
  assert.ok(
    existsSync(join(repoRoot, "dist", "index.d.ts")),
    "The built package is missing: run `npm run build` first.",
  );
  const dir = makeTempDir(`bs-${flavour}-`);
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repoRoot, join(dir, "node_modules", "beautyspot"), "dir");
  symlinkSync(join(repoRoot, "node_modules", "@types"), join(dir, "node_modules", "@types"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        noUncheckedIndexedAccess: true,
        experimentalDecorators: flavour === "legacy",
        outDir: "out",
        types: ["node"],
      },
      include: ["main.ts"],
    }),
  );
  writeFileSync(join(dir, "main.ts"), DECORATED_CONSUMER);
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const compiled = await execFileAsync(process.execPath, [tsc, "-p", dir]).catch(
    (error: { stdout: string }) => ({ stdout: error.stdout }),
  );
  assert.equal(compiled.stdout.trim(), "", `tsc reported errors (${flavour})`);
  const run = await execFileAsync(process.execPath, [join(dir, "out", "main.js"), join(dir, "ws")]);
  return JSON.parse(run.stdout);
}

const EXPECTED_RUN = {
  runs: 4,
  texts: ["A", "A"],
  origins: [2, 2],
  echoed: "same",
  streamed: [
    ["to", "be"],
    ["to", "be"],
  ],
  collision: "ConfigurationError",
  functions: ["Pipeline.echo", "Pipeline.origin", "Pipeline.summarize", "Pipeline.tokens"],
};

describe("decorators compiled by tsc", () => {
  it("@spot.mark and @spot.registerType compile without errors under experimentalDecorators and cache each method call once", async () => {
    assert.deepEqual(await compileAndRun("legacy"), EXPECTED_RUN);
  });

  it("@spot.mark and @spot.registerType compile without errors as TC39 decorators and cache each method call once", async () => {
    assert.deepEqual(await compileAndRun("tc39"), EXPECTED_RUN);
  });
});
