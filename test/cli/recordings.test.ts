/** @module test/cli/recordings — `beautyspot export` and `beautyspot import`, run as the real built command. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { readRecordingFile, Spot } from "../../src/index.js";
import { countEntries, writeSampleCache } from "./fixtures.js";
import { makeTempDir, runCli } from "./run-cli.js";

async function makeProject(): Promise<{ cwd: string; db: string }> {
  const cwd = makeTempDir();
  await writeSampleCache(path.join(cwd, ".beautyspot"));
  return { cwd, db: path.join(".beautyspot", "my_app.db") };
}

describe("beautyspot export", () => {
  it("writes every entry to a recording, the same bytes each time", async () => {
    const { cwd, db } = await makeProject();
    const first = runCli(["export", db, "--out", "fixtures/app.spot"], cwd);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Exported 6 entries to fixtures\/app\.spot/);
    const bytes = fs.readFileSync(path.join(cwd, "fixtures", "app.spot"));
    const again = runCli(["export", db, "--out", "fixtures/app.spot", "--json"], cwd);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).entries, 6);
    assert.deepEqual(fs.readFileSync(path.join(cwd, "fixtures", "app.spot")), bytes);
    assert.equal(readRecordingFile(path.join(cwd, "fixtures", "app.spot"))?.length, 6);
  });

  it("--func and --blob-threshold choose the entries and where large values go", async () => {
    const { cwd, db } = await makeProject();
    const result = runCli(
      ["export", db, "--out", "render.spot", "--func", "pages.render", "--blob-threshold", "4"],
      cwd,
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Exported 2 entries .*2 large values .* in render\.spot\.blobs\//);
    assert.equal(fs.readdirSync(path.join(cwd, "render.spot.blobs")).length, 2);
  });

  it("an unknown function or a bad --since is a usage error (exit 2) saying what to pass", async () => {
    const { cwd, db } = await makeProject();
    const unknown = runCli(["export", db, "--out", "x.spot", "--func", "nope"], cwd);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Known functions: .*summarize/);
    const since = runCli(["export", db, "--out", "x.spot", "--since", "last week"], cwd);
    assert.equal(since.status, 2);
    assert.match(since.stderr, /an age such as 7d/);
    const missingOut = runCli(["export", db], cwd);
    assert.equal(missingOut.status, 2);
    assert.match(missingOut.stderr, /--out/);
  });
});

describe("beautyspot import", () => {
  it("loads a recording into a new database that a Spot then replays from", async () => {
    const { cwd, db } = await makeProject();
    assert.equal(runCli(["export", db, "--out", "app.spot"], cwd).status, 0);
    const target = path.join("restored", "my_app.db");
    const result = runCli(["import", "app.spot", target], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /Imported 6 entries from app\.spot into restored\/my_app\.db \(created\)/,
    );
    assert.equal(await countEntries(path.join(cwd, target)), 6);
    // And back out: the same bytes as the original export.
    assert.equal(runCli(["export", target, "--out", "again.spot"], cwd).status, 0);
    assert.equal(
      fs.readFileSync(path.join(cwd, "again.spot"), "utf8"),
      fs.readFileSync(path.join(cwd, "app.spot"), "utf8"),
    );

    const spot = new Spot("my_app", { workspace: path.join(cwd, "restored"), mode: "replay" });
    const summarize = spot.mark(async (text: string) => `never ${text}`, { name: "summarize" });
    assert.equal(await summarize("beta"), "# Summary\n\nbeta in short.");
    await spot.shutdown();
  });

  it("refuses an altered recording (exit 1), naming the entry and its line, and changes nothing", async () => {
    const { cwd, db } = await makeProject();
    assert.equal(runCli(["export", db, "--out", "app.spot"], cwd).status, 0);
    const file = path.join(cwd, "app.spot");
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const entry = JSON.parse(lines[2] as string) as { key: string; data: string };
    const data = Buffer.from(entry.data, "base64");
    data[data.length - 1] = (data.at(-1) ?? 0) ^ 1;
    lines[2] = (lines[2] as string).replace(entry.data, data.toString("base64"));
    fs.writeFileSync(file, lines.join("\n"));
    const result = runCli(["import", "app.spot", "target.db"], cwd);
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`line 3: the entry ${entry.key}`));
    assert.match(result.stderr, /does not match its digest/);
    assert.match(result.stderr, /Restore the file from version control/);
  });

  it("a missing recording or a file that is not one is an actionable error", async () => {
    const cwd = makeTempDir();
    const missing = runCli(["import", "nope.spot", "x.db"], cwd);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.spot does not exist/);
    fs.writeFileSync(path.join(cwd, "notes.txt"), "hello\n");
    const wrong = runCli(["import", "notes.txt", "x.db"], cwd);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /is not a beautyspot recording/);
    assert.equal(fs.existsSync(path.join(cwd, "x.db")), false, "no empty database is left behind");
  });
});
