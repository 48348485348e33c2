/**
 * @module test/toolchains — the library as other toolchains deliver it: code run by tsx
 * (esbuild renames shadowing parameters), and decorators compiled by `tsc` in both flavours.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeTempDir, runScript } from "./helpers.js";

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
