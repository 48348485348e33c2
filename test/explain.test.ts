/** @module test/explain — why a call hits or misses, stored arguments and their redaction. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { MaintenanceService, Spot, SQLiteTaskDB } from "../src/index.js";
import { makeTempDir } from "./helpers.js";

const FAKE_KEY = "sk-proj-AbCdEf0123456789XyZ_abcdef0123";

function openSpot(options: ConstructorParameters<typeof Spot>[1] = {}) {
  const workspace = makeTempDir();
  const spot = new Spot("explain", { workspace, ...options });
  return { spot, workspace, dbPath: path.join(workspace, "explain.db") };
}

/** Every file under `dir`, read as bytes. */
function readAllBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(fs.readFileSync(path.join(entry.parentPath, entry.name)));
  }
  return Buffer.concat(parts);
}

describe("wrapper.explain", () => {
  it("tells a hit from a miss and gives the key the call uses", async () => {
    const { spot } = openSpot();
    const double = spot.mark(async function double(n: number) {
      return n * 2;
    });
    await double(2);
    const hit = await double.explain(2);
    assert.equal(hit.status, "hit");
    assert.equal(hit.hit, true);
    assert.equal(hit.cacheKey, double.key(2));
    const miss = await double.explain(3);
    assert.equal(miss.status, "miss");
    assert.equal(miss.hit, false);
    assert.equal(miss.cacheKey, double.key(3));
    assert.equal(miss.nearest.length, 1);
    assert.deepEqual(miss.nearest[0]?.differences, [
      { path: "n", change: "changed", before: "2", after: "3" },
    ]);
    await spot.shutdown();
  });

  it("names a changed nested option with both values", async () => {
    const { spot } = openSpot();
    const complete = spot.mark(async function complete(
      prompt: string,
      opts: { model: string; temperature: number },
    ) {
      return `${prompt}:${opts.temperature}`;
    });
    await complete("hello", { model: "m1", temperature: 0.2 });
    await complete("other prompt entirely", { model: "m2", temperature: 0.9 });
    const explanation = await complete.explain("hello", { model: "m1", temperature: 0.7 });
    assert.equal(explanation.status, "miss");
    const [nearest] = explanation.nearest;
    assert.ok(nearest);
    assert.deepEqual(nearest.differences, [
      { path: "opts.temperature", change: "changed", before: "0.2", after: "0.7" },
    ]);
    assert.match(explanation.summary, /opts\.temperature: 0\.2 → 0\.7/);
    await spot.shutdown();
  });

  it("summarizes a changed long text as a text diff", async () => {
    const { spot } = openSpot();
    const summarize = spot.mark(async function summarize(prompt: string) {
      return prompt.length;
    });
    const lines = Array.from({ length: 40 }, (_, index) => `Line ${index + 1} of the prompt.`);
    await summarize(lines.join("\n"));
    const edited = [...lines];
    edited[11] = "Line 12 says something else now.";
    const explanation = await summarize.explain(edited.join("\n"));
    const [difference] = explanation.nearest[0]?.differences ?? [];
    assert.equal(difference?.path, "prompt");
    assert.equal(
      difference?.textDiff,
      'line 12 of 40 changed: "Line 12 of the prompt." → "Line 12 says something else now."',
    );
    assert.match(explanation.summary, /prompt: text line 12 of 40 changed/);
    await spot.shutdown();
  });

  it("reports a changed version, and counts the entries stored under other versions", async () => {
    const { spot, workspace } = openSpot();
    const v1 = spot.mark(async (text: string) => text.toUpperCase(), {
      name: "shout",
      version: "v1",
    });
    await v1("hi");
    await spot.shutdown();
    const again = new Spot("explain", { workspace });
    const v2 = again.mark(async (text: string) => `${text.toUpperCase()}!`, {
      name: "shout",
      version: "v2",
    });
    const explanation = await v2.explain("hi");
    assert.equal(explanation.status, "miss");
    assert.deepEqual(explanation.nearest[0]?.versionChange, { stored: "v1", current: "v2" });
    assert.deepEqual(explanation.nearest[0]?.differences, []);
    assert.deepEqual(explanation.versions, [{ version: "v1", entries: 1, older: true }]);
    assert.match(explanation.summary, /version: v1 → v2/);
    await again.shutdown();
  });

  it("spot.explain explains a marked function by name with its arguments", async () => {
    const { spot } = openSpot();
    const add = spot.mark(async function add(a: number, b: number) {
      return a + b;
    });
    await add(1, 2);
    assert.equal((await spot.explain("add", [1, 2])).status, "hit");
    const miss = await spot.explain("add", [1, 5]);
    assert.equal(miss.cacheKey, add.key(1, 5));
    assert.deepEqual(miss.nearest[0]?.differences, [
      { path: "b", change: "changed", before: "2", after: "5" },
    ]);
    await spot.shutdown();
  });
});

describe("stored arguments", () => {
  it("never write a secret-looking field or value anywhere in the database or blob files", async () => {
    const { spot, workspace } = openSpot();
    const ask = spot.mark(async function ask(request: {
      apiKey: string;
      prompt: string;
      headers: Record<string, string>;
    }) {
      return `answer of ${request.prompt.length} characters`;
    });
    await ask({
      apiKey: FAKE_KEY,
      prompt: `Why is the sky blue? (my key is ${FAKE_KEY})`,
      headers: { Authorization: "Bearer abcdefghijklmnop" },
    });
    const blobbed = spot.mark(
      async function blobbed(password: string, token: string) {
        return password.length + token.length;
      },
      { saveBlob: true },
    );
    await blobbed("hunter2-hunter2", FAKE_KEY);
    const explanation = await ask.explain({
      apiKey: FAKE_KEY,
      prompt: "Why is the sky green?",
      headers: { Authorization: "Bearer abcdefghijklmnop" },
    });
    assert.doesNotMatch(JSON.stringify(explanation), /sk-|hunter2|abcdefghijklmnop/);
    await spot.shutdown();
    const bytes = readAllBytes(workspace);
    assert.equal(bytes.includes("sk-"), false, "sk- found in the workspace files");
    assert.equal(bytes.includes("hunter2"), false);
    assert.equal(bytes.includes("abcdefghijklmnop"), false);
    // The arguments are stored, redacted, and the prompt kept.
    const db = new Database(path.join(workspace, "explain.db"), { readonly: true });
    const previews = db.prepare("SELECT input_preview FROM tasks").pluck().all() as string[];
    db.close();
    assert.ok(previews.some((preview) => preview.includes("Why is the sky blue?")));
    assert.ok(previews.some((preview) => preview.includes('apiKey: "[redacted]"')));
  });

  it("redact option: Spot names and a mark function are both applied", async () => {
    const { spot, workspace } = openSpot({ redact: ["email"] });
    const greet = spot.mark(
      async function greet(user: { email: string; phone: string; name: string }) {
        return `hi ${user.name}`;
      },
      { redact: (field) => field.path === "user.phone" },
    );
    await greet({ email: "ada@example.com", phone: "+44 1234", name: "Ada" });
    await spot.shutdown();
    const bytes = readAllBytes(workspace);
    assert.equal(bytes.includes("ada@example.com"), false);
    assert.equal(bytes.includes("+44 1234"), false);
    assert.equal(bytes.includes("Ada"), true);
  });

  it("refuses an invalid redact option at construction", () => {
    assert.throws(
      () => new Spot("bad", { workspace: makeTempDir(), redact: "email" as never }),
      /Option `redact` of the Spot must be a list/,
    );
  });

  it("over the cap keep the other arguments, and a digest of the one too large", async () => {
    const { spot, dbPath } = openSpot();
    const big = spot.mark(async function big(text: string, opts: { temperature: number }) {
      return text.length + opts.temperature;
    });
    const longText = "x".repeat(100 * 1024);
    assert.equal(await big(longText, { temperature: 0.2 }), longText.length + 0.2);
    const explanation = await big.explain(`${longText}y`, { temperature: 0.7 });
    const [nearest] = explanation.nearest;
    assert.equal(nearest?.argumentsStored, true);
    assert.deepEqual(
      nearest?.differences.map((difference) => difference.path),
      ["text", "opts.temperature"],
    );
    assert.match(
      nearest?.differences[0]?.before ?? "",
      /too large to store: 102405 bytes, sha256 [0-9a-f]{16}/,
    );
    await spot.shutdown();
    const db = new Database(dbPath, { readonly: true });
    const stored = db.prepare("SELECT arguments FROM tasks").pluck().get() as Buffer;
    db.close();
    assert.ok(stored.byteLength < 1024);
  });

  it("that cannot be encoded at all are not stored; the call is still cached", async () => {
    const { spot } = openSpot();
    const lone = spot.mark(async function lone(text: string) {
      return text.length;
    });
    // A lone surrogate cannot be written as UTF-8 text.
    assert.equal(await lone("\ud800"), 1);
    assert.equal((await lone.explain("\ud800")).status, "hit");
    const explanation = await lone.explain("\ud801");
    assert.equal(explanation.nearest[0]?.argumentsStored, false);
    assert.match(explanation.summary, /arguments: not stored/);
    await spot.shutdown();
  });

  it("are not stored with storeArguments: false, and explain still shows the call's own", async () => {
    const { spot, dbPath } = openSpot({ storeArguments: false });
    const double = spot.mark(async function double(n: number) {
      return n * 2;
    });
    await double(4);
    const explanation = await double.explain(5);
    assert.equal(explanation.inputPreview, "n=5");
    assert.equal(explanation.nearest[0]?.argumentsStored, false);
    await spot.shutdown();
    const db = new Database(dbPath, { readonly: true });
    assert.deepEqual(db.prepare("SELECT arguments, input_preview FROM tasks").raw().get(), [
      null,
      null,
    ]);
    db.close();
  });

  it("with background saves are what the call was made with: changing an argument afterwards changes nothing stored", async () => {
    const { spot, workspace } = openSpot({ saveSync: false });
    const ask = spot.mark(async function ask(
      prompt: string,
      options: { temperature: number; tags: string[] },
    ) {
      return `${prompt.length} characters at ${options.temperature}`;
    });
    const settings = { temperature: 0.2, tags: ["a"] };
    await ask(`summarize (key ${FAKE_KEY})`, settings);
    // The caller reuses its objects before the background write has run.
    settings.temperature = 0.9;
    settings.tags.push("b");
    await spot.flush();
    const stored = spot.db.inputsOf?.(
      ask.key(`summarize (key ${FAKE_KEY})`, {
        temperature: 0.2,
        tags: ["a"],
      }),
    ) as { arguments: Uint8Array; inputPreview: string } | undefined;
    assert.ok(stored?.arguments instanceof Uint8Array);
    assert.equal(
      stored.inputPreview,
      'prompt="summarize (key [redacted])", options={temperature: 0.2, tags: ["a"]}',
    );
    const explanation = await ask.explain("summarize", { temperature: 0.2, tags: ["a"] });
    assert.deepEqual(
      explanation.nearest.map((entry) => entry.differences.map((difference) => difference.path)),
      [["prompt"]],
      "the stored options are the ones of the call, not the changed ones",
    );
    await spot.shutdown();
    assert.equal(readAllBytes(workspace).includes("sk-"), false, "a secret in a text is redacted");
  });

  it("a redact function that throws stores no arguments; the result is still stored", async () => {
    for (const saveSync of [true, false]) {
      const { spot, dbPath } = openSpot({ saveSync });
      const greet = spot.mark(
        async function greet(name: string) {
          return `hi ${name}`;
        },
        {
          redact: () => {
            throw new Error("redact failed");
          },
        },
      );
      assert.equal(await greet("Ada"), "hi Ada");
      await spot.shutdown();
      const db = new Database(dbPath, { readonly: true });
      assert.deepEqual(
        db.prepare("SELECT arguments, input_preview, result_type FROM tasks").raw().all(),
        [[null, null, "DIRECT_BLOB"]],
        `saveSync: ${saveSync}`,
      );
      db.close();
    }
  });

  it("are not read by the hit path", async () => {
    const { spot, dbPath } = openSpot();
    const double = spot.mark(async function double(n: number) {
      return n * 2;
    });
    await double(4);
    await spot.shutdown();
    const db = new SQLiteTaskDB(dbPath, { memoryCacheBytes: 0 });
    const row = db.get(double.key(4));
    assert.ok(row);
    assert.equal("arguments" in row, false);
    assert.ok(db.inputsOf(double.key(4))?.arguments instanceof Uint8Array);
    db.close();
  });
});

describe("databases of the previous schema", () => {
  /** A database as the previous release wrote it: no arguments or input_preview column. */
  function writePreviousSchemaDatabase(file: string): void {
    const db = new Database(file);
    db.exec(
      "CREATE TABLE tasks (cache_key TEXT PRIMARY KEY, func_name TEXT, func_identifier TEXT, input_id TEXT, result_type TEXT, result_value TEXT, result_data BLOB, content_type TEXT, version TEXT, expires_at TIMESTAMP, updated_at TIMESTAMP, size INTEGER, digest TEXT)",
    );
    const insert = db.prepare(
      "INSERT INTO tasks VALUES (?, 'double', 'double', ?, 'DIRECT_BLOB', NULL, X'02', NULL, NULL, NULL, '2026-01-01 00:00:00.000000+00:00', 1, 'x')",
    );
    insert.run("a".repeat(64), "1".repeat(64));
    insert.run("b".repeat(64), "2".repeat(64));
    db.pragma("user_version = 2");
    db.close();
  }

  function columnsOf(file: string): string[] {
    const db = new Database(file, { readonly: true });
    const names = (db.prepare("PRAGMA table_info(tasks)").all() as { name: string }[]).map(
      (column) => column.name,
    );
    db.close();
    return names;
  }

  it("are explained read-only without being migrated", async () => {
    const file = path.join(makeTempDir(), "old.db");
    writePreviousSchemaDatabase(file);
    const service = MaintenanceService.fromPath(file);
    const explanation = await service.explainEntry("a".repeat(64));
    service.close();
    assert.equal(explanation?.status, "stored");
    assert.equal(explanation?.nearest[0]?.cacheKey, "b".repeat(64));
    assert.equal(explanation?.nearest[0]?.argumentsStored, false);
    assert.equal(columnsOf(file).includes("arguments"), false);
  });

  it("gain the new columns when a Spot opens them, and keep their entries", async () => {
    const workspace = makeTempDir();
    writePreviousSchemaDatabase(path.join(workspace, "old.db"));
    const spot = new Spot("old", { workspace });
    const double = spot.mark(async function double(n: number) {
      return n * 2;
    });
    await double(21);
    await spot.shutdown();
    const file = path.join(workspace, "old.db");
    assert.ok(columnsOf(file).includes("arguments"));
    assert.ok(columnsOf(file).includes("input_preview"));
    const db = new Database(file, { readonly: true });
    assert.equal(db.prepare("SELECT COUNT(*) FROM tasks").pluck().get(), 3);
    assert.equal(db.pragma("user_version", { simple: true }), 3);
    db.close();
  });

  it("opened with migrate: false still accept saves without the new columns", () => {
    const file = path.join(makeTempDir(), "old.db");
    writePreviousSchemaDatabase(file);
    const db = new SQLiteTaskDB(file, { migrate: false });
    db.saveMany([
      {
        cacheKey: "c".repeat(64),
        funcName: "double",
        funcIdentifier: "double",
        inputId: "3".repeat(64),
        version: null,
        resultType: "DIRECT_BLOB",
        resultValue: null,
        resultData: new Uint8Array([6]),
        contentType: null,
        size: 1,
        digest: "x",
        expiresAt: null,
        updatedAt: Date.now(),
        arguments: new Uint8Array([0x90]),
        inputPreview: "n=3",
      },
    ]);
    assert.equal(db.inputsOf("c".repeat(64))?.arguments, null);
    db.close();
  });
});

describe("describeMiss", () => {
  it("names the nearest entry and what differs, in one sentence for error messages", async () => {
    const { describeMiss } = await import("../src/keys/explain.js");
    const { spot } = openSpot();
    const complete = spot.mark(
      async function complete(prompt: string, opts: { temperature: number }) {
        return prompt.length + opts.temperature;
      },
      { version: "v1" },
    );
    await complete("hello", { temperature: 0.2 });
    const explanation = await complete.explain("hello", { temperature: 0.7 });
    assert.equal(
      describeMiss(explanation),
      `Nearest stored entry (of 1 compared, key ${complete.key("hello", { temperature: 0.2 }).slice(0, 12)}…): opts.temperature: 0.2 → 0.7.`,
    );
    await spot.shutdown();
  });
});
