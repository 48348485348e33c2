/**
 * @module test/durability.test — what a save fsyncs with each `durability`, and that a blob torn
 * after its row was committed (what a power loss can leave without the fsync) is never returned.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { Spot, ValidationError } from "../src/index.js";
import { entryUrl, makeTempDir, repoRoot } from "./helpers.js";
import { programPath, requireProgram } from "./system-programs.js";

/** One blob store and one row store, each between two marker lookups that strace records. */
const SAVING_SCRIPT = `
import * as fs from "node:fs";
import { Spot } from "$ENTRY";
const durability = process.argv[2];
const spot = new Spot("durable", { workspace: process.cwd(), ...(durability === "default" ? {} : { durability }) });
const large = spot.markSync(function large(seed: number) { return Buffer.alloc(100 * 1024, seed); }, { saveBlob: true });
const small = spot.markSync(function small(seed: number) { return { seed }; });
large(0);
small(0);
fs.existsSync("/BEAUTYSPOT_MARK_BEGIN");
large(1);
small(1);
fs.existsSync("/BEAUTYSPOT_MARK_END");
await spot.shutdown();
`;

/** The fsync and fdatasync calls made between the markers, each as the path of its file. */
async function fsyncedFiles(durability: "default" | "normal" | "full"): Promise<string[]> {
  const cwd = makeTempDir("bs-durable-");
  const script = join(cwd, "save.mts");
  fs.writeFileSync(script, SAVING_SCRIPT.replaceAll("$ENTRY", entryUrl));
  const trace = join(cwd, "trace.txt");
  const loader = pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
  await new Promise<void>((resolve, reject) => {
    execFile(
      programPath("strace"),
      ["-f", "-y", "-o", trace, process.execPath, "--import", loader, script, durability],
      { cwd, timeout: 60_000 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
    );
  });
  const lines = fs.readFileSync(trace, "utf8").split("\n");
  const begin = lines.findIndex((line) => line.includes("/BEAUTYSPOT_MARK_BEGIN"));
  const end = lines.findIndex((line) => line.includes("/BEAUTYSPOT_MARK_END"));
  assert.ok(begin >= 0 && end > begin, "the trace holds both markers");
  return lines
    .slice(begin, end)
    .map((line) => /\b(?:fsync|fdatasync)\(\d+<([^>]*)>/.exec(line)?.[1])
    .filter((file): file is string => file !== undefined);
}

describe("durability: what a save fsyncs", { skip: requireProgram("strace") }, () => {
  it("stores a blob and a row without any fsync by default (they survive a crash of the process)", async () => {
    assert.deepEqual(await fsyncedFiles("default"), []);
    assert.deepEqual(await fsyncedFiles("normal"), []);
  });

  it('fsyncs each blob and each row commit with durability: "full"', async () => {
    const files = await fsyncedFiles("full");
    // The blob is flushed on a helper thread while its row commits: its file has its final name by then.
    const blobs = files.filter((file) => /\/blobs\/durable\/[0-9a-f]{64}\.bin$/.test(file));
    const commits = files.filter((file) => file.endsWith(".db-wal"));
    assert.equal(blobs.length, 1, `one blob fsync, got ${JSON.stringify(files)}`);
    // The blob's row and the small value's row: one commit each.
    assert.ok(commits.length >= 2, `the WAL fsynced at each commit, got ${JSON.stringify(files)}`);
  });
});

describe("durability option", () => {
  it("refuses an unknown durability, naming both choices", () => {
    const workspace = makeTempDir();
    assert.throws(
      () => new Spot("app", { workspace, durability: "fast" as never }),
      (error: unknown) =>
        error instanceof ValidationError &&
        /`durability` must be "normal" .* or "full"/.test(error.message) &&
        error.message.includes('"fast"'),
    );
  });
});

describe("a blob torn after its row was committed", () => {
  const tear = {
    truncated: (file: string) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2)),
    emptied: (file: string) => fs.truncateSync(file, 0),
    zeroed: (file: string) => fs.writeFileSync(file, Buffer.alloc(fs.statSync(file).size)),
  };
  for (const [how, damage] of Object.entries(tear)) {
    it(`is a miss and recomputed when ${how}, never returned`, async () => {
      const workspace = makeTempDir();
      let runs = 0;
      const open = () => {
        const spot = new Spot("torn", { workspace });
        const render = spot.markSync(
          function render(page: number) {
            runs += 1;
            return Buffer.alloc(100 * 1024, page);
          },
          { saveBlob: true },
        );
        return { spot, render };
      };
      const first = open();
      assert.deepEqual(first.render(7), Buffer.alloc(100 * 1024, 7));
      await first.spot.shutdown();
      const folder = join(workspace, "blobs", "torn");
      const blobs = fs.readdirSync(folder).filter((name) => name.endsWith(".bin"));
      assert.equal(blobs.length, 1);
      const file = join(folder, blobs[0]!);
      damage(file);

      // A new process after a power loss: nothing of the first one's memory is left.
      const second = open();
      assert.deepEqual(second.render(7), Buffer.alloc(100 * 1024, 7));
      assert.equal(runs, 2, "the torn blob was recomputed");
      assert.deepEqual(fs.readFileSync(file).byteLength, 100 * 1024 + 5, "and stored again whole");
      assert.deepEqual(second.render(7), Buffer.alloc(100 * 1024, 7));
      assert.equal(runs, 2, "the stored-again blob is a hit");
      await second.spot.shutdown();
    });
  }
});
