/** @module test/cli/robustness — hostile stored text, closed pipes, locked databases, ambiguous names and unusable workspaces. */

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { MaintenanceService, Spot } from "../../src/index.js";
import { countEntries, writeSampleCache } from "./fixtures.js";
import { cliPath, makeTempDir, runCli } from "./run-cli.js";

/** Asserts a one-line failure with `status` whose message matches `pattern`. */
function assertFailure(
  result: { status: number | null; stderr: string },
  status: number,
  pattern: RegExp,
): void {
  assert.equal(result.status, status, result.stderr);
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, `one line: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /Unexpected error|ENOTDIR|ENOENT/);
}

describe("workspaces that cannot be used", () => {
  it("names a --workspace that is a file, a link to nothing or a path below a file (exit 2)", () => {
    const cwd = makeTempDir();
    fs.writeFileSync(path.join(cwd, "file"), "");
    fs.symlinkSync("nowhere", path.join(cwd, "dangling"));
    for (const command of [["list"], ["gc", "-y"], ["gc", "--dry-run"]]) {
      assertFailure(
        runCli([...command, "--workspace", "file"], cwd),
        2,
        /^beautyspot: No beautyspot workspace at file: it is a file, not a folder\. .*--workspace <folder>\./,
      );
      assertFailure(
        runCli([...command, "--workspace", "dangling"], cwd),
        2,
        /^beautyspot: No beautyspot workspace at dangling: it is a symbolic link to nowhere, which does not exist\./,
      );
      assertFailure(
        runCli([...command, "--workspace", "file/cache"], cwd),
        2,
        /^beautyspot: No beautyspot workspace at file\/cache: part of that path is a file, not a folder\./,
      );
    }
  });
});

describe("database paths that cannot be used", () => {
  it("names a database path below a file or a link to nothing as not existing, and why (exit 2)", () => {
    const cwd = makeTempDir();
    fs.writeFileSync(path.join(cwd, "file"), "");
    fs.symlinkSync("nowhere.db", path.join(cwd, "dangling.db"));
    assertFailure(
      runCli(["list", "file/my_app.db"], cwd),
      2,
      /^beautyspot: Database file\/my_app\.db does not exist \(part of that path is a file, not a folder\)\. Check the path;/,
    );
    assertFailure(
      runCli(["clear", "dangling.db", "-y"], cwd),
      2,
      /^beautyspot: Database dangling\.db does not exist \(it is a symbolic link to nowhere\.db, which does not exist\)\. Check the path;/,
    );
  });
});

describe("output into a reader that closes early", () => {
  it("exits quietly with 0 when the reader of stdout stops after a few lines", async () => {
    const cwd = makeTempDir();
    const spot = new Spot("my_app", { workspace: path.join(cwd, ".beautyspot") });
    const echo = spot.mark(async (n: number) => `${n}\n`.repeat(20_000), { name: "echo" });
    for (let n = 0; n < 300; n += 1) await echo(n);
    await spot.shutdown();
    const db = path.join(".beautyspot", "my_app.db");
    const key = JSON.parse(runCli(["list", db, "--limit", "1", "--json"], cwd).stdout).tasks[0]
      .cacheKey;
    for (const command of [
      `list ${db} --limit 300`,
      `list ${db} --limit 300 --json`,
      `show ${db} ${key}`,
      "--help",
    ]) {
      const result = spawnSync(
        "bash",
        [
          "-c",
          `node "${cliPath}" ${command} 2>err.txt | head -3 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`,
        ],
        { cwd, encoding: "utf8" },
      );
      const errors = fs.readFileSync(path.join(cwd, "err.txt"), "utf8");
      assert.equal(result.stderr, "status=0\n", `${command}: ${errors}`);
      assert.doesNotMatch(errors, /EPIPE|Error/, command);
    }
  });
});

/** Sets the write time of one entry to a number no `Date` can hold, as a foreign writer might. */
function writeOutOfRangeTimestamp(databasePath: string): void {
  const raw = new Database(databasePath);
  raw
    .prepare("UPDATE tasks SET updated_at = ? WHERE rowid = (SELECT MIN(rowid) FROM tasks)")
    .run(1e20);
  raw.close();
}

/**
 * Starts a process that takes the write lock of `databasePath` (BEGIN IMMEDIATE) and holds it
 * until killed; resolves once the lock is held.
 */
async function holdWriteLock(databasePath: string): Promise<ChildProcess> {
  const holder = spawn(
    process.execPath,
    [
      "-e",
      `const db = new (require("better-sqlite3"))(process.argv[1]); db.exec("BEGIN IMMEDIATE"); console.log("locked"); setInterval(() => {}, 1000);`,
      databasePath,
    ],
    { cwd: path.dirname(path.dirname(cliPath)), stdio: ["ignore", "pipe", "inherit"] },
  );
  await once(holder.stdout, "data");
  return holder;
}

describe("clear and prune finish what they did, and say why when they cannot", () => {
  it("clear -y removes every entry and exits 0 even when a row holds a timestamp no date can hold", async () => {
    const cwd = makeTempDir();
    const db = await writeSampleCache(path.join(cwd, ".beautyspot"));
    writeOutOfRangeTimestamp(db);
    const result = runCli(["clear", db, "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Removed 6 entries from /);
    assert.equal(result.stderr, "");
    assert.equal(await countEntries(db), 0);
  });

  it("prune -y removes old entries and exits 0 with such a row among them", async () => {
    const cwd = makeTempDir();
    const db = await writeSampleCache(path.join(cwd, ".beautyspot"));
    writeOutOfRangeTimestamp(db);
    const result = runCli(["prune", db, "--days", "0", "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.equal(await countEntries(db), 0);
  });

  it("the library's clear and prune return their counts with such a row among them", async () => {
    for (const operation of ["clear", "prune"] as const) {
      const db = await writeSampleCache(path.join(makeTempDir(), ".beautyspot"));
      writeOutOfRangeTimestamp(db);
      const service = MaintenanceService.fromPath(db);
      try {
        const removed =
          operation === "clear" ? await service.clear() : await service.prune({ olderThanDays: 0 });
        assert.equal(removed, 6, operation);
      } finally {
        service.close();
      }
    }
  });

  it("names the locked database and who may hold the lock, never calling it unexpected (exit 1)", async () => {
    const cwd = makeTempDir();
    const db = await writeSampleCache(path.join(cwd, ".beautyspot"));
    const holder = await holdWriteLock(db);
    try {
      const result = runCli(["clear", db, "-y"], cwd);
      assertFailure(
        result,
        1,
        /^beautyspot: .*my_app\.db is locked: another process holds a write lock on it \(a running program using this cache, a `beautyspot ui` dashboard, or another beautyspot command\).*Wait for that process to finish, or stop it, then run the command again\./,
      );
    } finally {
      holder.kill();
    }
    assert.equal(await countEntries(db), 6);
  });
});

/** Clears the screen, plants a link, writes the clipboard, sends a C1 CSI and reverses the line. */
const HOSTILE_TEXT =
  "before\u001b[2J\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007\u001b]52;c;aGk=\u0007\u009b31m\u202egnp.exe\nsecond line";

/** The code of the first character in `text` a terminal would act on (line breaks aside). */
function findRawControl(text: string): number | undefined {
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 0x20 && code !== 0x0a) return code;
    if ((code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e)) return code;
  }
  return undefined;
}

/**
 * A workspace whose database (itself named with an escape sequence) holds a hostile value under
 * a hostile function name, version and content type. Returns the database path and the key.
 */
async function writeHostileCache(cwd: string): Promise<{ db: string; key: string }> {
  const workspace = path.join(cwd, ".beautyspot");
  const spot = new Spot("plain", { workspace });
  await spot.mark(async () => HOSTILE_TEXT, { name: "hostile" })();
  await spot.shutdown();
  const db = path.join(workspace, "evil\u001b[2J.db");
  fs.renameSync(path.join(workspace, "plain.db"), db);
  const raw = new Database(db);
  raw
    .prepare("UPDATE tasks SET func_name = ?, func_identifier = ?, content_type = ?, version = ?")
    .run("run\u001b[2J", "m.run\u001b[2J", "text/\u001b]52;c;aGk=\u0007", "v\u202e1");
  const { cache_key: key } = raw.prepare("SELECT cache_key FROM tasks").get() as {
    cache_key: string;
  };
  raw.close();
  return { db: path.relative(cwd, db), key };
}

describe("stored text never acts on the terminal", () => {
  it("escapes control characters of values, names and content types in show, list, stats and messages", async () => {
    const cwd = makeTempDir();
    const { db, key } = await writeHostileCache(cwd);
    const runs = [
      ["show", db, key.slice(0, 8)],
      ["list", db],
      ["list"],
      ["stats", db],
      ["list", db, "--func", "nothing"],
      ["show", db, key, "--json"],
      ["list", db, "--json"],
    ];
    for (const args of runs) {
      const result = runCli(args, cwd);
      for (const [stream, text] of [
        ["stdout", result.stdout],
        ["stderr", result.stderr],
      ] as const) {
        const code = findRawControl(text);
        assert.equal(
          code,
          undefined,
          `${args.join(" ")} ${stream} has U+${code?.toString(16)}: ${text}`,
        );
      }
    }
    const shown = runCli(["show", db, key], cwd).stdout;
    assert.ok(
      shown.includes(
        "before\\x1b[2J\\x1b]8;;https://evil.example\\x07link\\x1b]8;;\\x07\\x1b]52;c;aGk=\\x07\\x9b31m\\u202egnp.exe\nsecond line",
      ),
      shown,
    );
    assert.match(shown, /^Function: {5}run\\x1b\[2J \(m\.run\\x1b\[2J\)$/m);
    const json = JSON.parse(runCli(["show", db, key, "--json"], cwd).stdout);
    assert.equal(json.value, HOSTILE_TEXT, "--json keeps the exact text, escaped as JSON");
  });

  it("prints the exact stored text with --raw", async () => {
    const cwd = makeTempDir();
    const { db, key } = await writeHostileCache(cwd);
    const result = runCli(["show", db, key, "--raw"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(result.stdout.endsWith(`\n${HOSTILE_TEXT}\n`), result.stdout);
  });

  it("escapes them on a real terminal too, where tables have borders and colour", async () => {
    const cwd = makeTempDir();
    const { db, key } = await writeHostileCache(cwd);
    for (const command of [`show '${db}' ${key}`, `list '${db}'`, "list", `stats '${db}'`]) {
      const result = spawnSync(
        "script",
        ["-qec", `"${process.execPath}" "${cliPath}" ${command}`, "/dev/null"],
        { cwd, encoding: "utf8", env: { ...process.env, TERM: "xterm-256color" } },
      );
      assert.equal(result.status, 0, result.stdout);
      assert.ok(result.stdout.includes("\u001b["), "a terminal gets colour");
      for (const attack of ["\u001b[2J", "\u001b]", "\u0007", "\u009b", "\u202e"]) {
        assert.ok(!result.stdout.includes(attack), `${command}: ${JSON.stringify(attack)} passed`);
      }
    }
  });
});

describe("a damaged database", () => {
  it("is named as damaged with what to do, by read and destructive commands alike (exit 1)", async () => {
    const cwd = makeTempDir();
    const db = await writeSampleCache(path.join(cwd, ".beautyspot"));
    // The header page stays whole (the file still opens); the pages holding the rows do not.
    const bytes = fs.readFileSync(db);
    bytes.fill(0xab, 4096 + 100, Math.min(bytes.length, 4096 * 3));
    fs.writeFileSync(db, bytes);
    for (const command of [
      ["list", db],
      ["stats", db],
      ["clear", db, "-y"],
    ]) {
      assertFailure(
        runCli(command, cwd),
        1,
        /^beautyspot: .*my_app\.db is damaged \(database disk image is malformed\)\. Restore it from a backup, or delete it \(with its -wal and -shm files\) to start the cache afresh\./,
      );
    }
  });
});

describe("--func names one function", () => {
  /** A project with `A.run` (2 entries), `B.run` (3), `run` (1), `A.load` and `B.load` (1 each). */
  async function writeJobsCache(): Promise<{ cwd: string; db: string }> {
    const cwd = makeTempDir();
    const spot = new Spot("jobs", { workspace: path.join(cwd, ".beautyspot") });
    const counts: [string, number][] = [
      ["A.run", 2],
      ["B.run", 3],
      ["run", 1],
      ["A.load", 1],
      ["B.load", 1],
    ];
    for (const [name, count] of counts) {
      const fn = spot.mark(async (n: number) => `${name} ${n}`, { name });
      for (let n = 0; n < count; n += 1) await fn(n);
    }
    await spot.shutdown();
    return { cwd, db: path.join(".beautyspot", "jobs.db") };
  }

  it("matches the function whose identity is exactly the name, not others sharing the short name", async () => {
    const { cwd, db } = await writeJobsCache();
    const listed = JSON.parse(runCli(["list", db, "--func", "run", "--json"], cwd).stdout);
    assert.deepEqual(
      listed.tasks.map((task: { funcIdentifier: string }) => task.funcIdentifier),
      ["run"],
    );
    const result = runCli(["clear", db, "--func", "run", "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `Removed 1 entry of run from ${db}.\n`);
    assert.equal(await countEntries(path.join(cwd, db)), 7);
  });

  it("refuses a short name several functions share, listing their identities (exit 2), and removes nothing", async () => {
    const { cwd, db } = await writeJobsCache();
    for (const command of [
      ["clear", db, "--func", "load", "-y"],
      ["prune", db, "--days", "0", "--func", "load", "-y"],
      ["list", db, "--func", "load"],
    ]) {
      assertFailure(
        runCli(command, cwd),
        2,
        /^beautyspot: --func load is ambiguous in \.beautyspot\/jobs\.db: it is the short name of 2 functions \(A\.load, B\.load\)\. Pass the full identity of the one you mean, such as --func A\.load\./,
      );
    }
    assert.equal(await countEntries(path.join(cwd, db)), 8);
  });

  it("takes a short name only one function has, and says which identity it removed", async () => {
    const { cwd, db } = await writeJobsCache();
    const result = runCli(["prune", db, "--days", "0", "--func", "B.run", "-y"], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Removed 3 entries of B\.run older than 0 days/);
    const cache = await makeProject();
    const render = runCli(["clear", cache.db, "--func", "render", "-y"], cache.cwd);
    assert.equal(render.status, 0, render.stderr);
    assert.match(render.stdout, /^Removed 2 entries of pages\.render from /);
  });
});

/** A project holding the sample cache (`summarize`, `pages.render`, `profile`). */
async function makeProject(): Promise<{ cwd: string; db: string }> {
  const cwd = makeTempDir();
  await writeSampleCache(path.join(cwd, ".beautyspot"));
  return { cwd, db: path.join(".beautyspot", "my_app.db") };
}
