#!/usr/bin/env node
/** @module cli/main — the `beautyspot` command line: parses arguments and hands each command to its module. */

import { Command, CommanderError, Option } from "commander";
import picocolors from "picocolors";
import { readVersion } from "./commands/version.js";
import { describeFailure, ExitCode } from "./errors.js";
import { escapeInline } from "./escape.js";
import {
  parseDays,
  parseGraceSeconds,
  parseLimit,
  parseNumberOption,
  parseOffset,
  parsePort,
} from "./number-options.js";
import { isColorTerminal, tolerateClosedReaders } from "./output.js";

/** Default grace period of clean-ups: far longer than any save takes between blob and row. */
const DEFAULT_GRACE_SECONDS = 3600;
const DEFAULT_WORKSPACE = ".beautyspot";

/** Formats examples for the end of a command's help. */
function formatExamples(examples: readonly [command: string, explanation: string][]): string {
  const lines = examples.map(([command, explanation]) => `  # ${explanation}\n  $ ${command}`);
  return `\nExamples:\n${lines.join("\n\n")}\n`;
}

/**
 * Commander's message as one line ending with a pointer to the help that explains the usage.
 * Its suggestion comes on a line of its own, in brackets: it joins the error as a sentence.
 * Typed values are quoted in the message, so they are escaped like any other echoed text.
 */
function appendHelpHint(text: string, helpCommand: string): string {
  const sentences = text
    .trim()
    .split(/\s*\n\s*/)
    .map((line) => line.replace(/^\((Did you mean .*\?)\)$/, "$1"))
    .map((line) => (/[.!?]$/.test(line) ? line : `${line}.`));
  return `${escapeInline(sentences.join(" "))} Run \`${helpCommand}\` for usage.\n`;
}

/** Adds a subcommand whose usage errors end with a pointer to its own help. */
function addCommand(
  program: Command,
  usage: string,
  description: string,
  examples: readonly [string, string][],
): Command {
  const command = program.command(usage).description(description);
  const name = command.name();
  command.addHelpText("after", formatExamples(examples));
  command.configureOutput({
    outputError: (text, write) => write(appendHelpHint(text, `beautyspot ${name} --help`)),
  });
  return command;
}

function addDestructiveOptions(command: Command): Command {
  return command
    .option("-n, --dry-run", "show what would be removed, change nothing")
    .option("-y, --yes", "do not ask for confirmation (needed when stdin is not a terminal)")
    .option("--json", "print the report as JSON");
}

const graceOption = () =>
  new Option("--grace <seconds>", "only files older than this count as garbage")
    .argParser(parseGraceSeconds)
    .default(DEFAULT_GRACE_SECONDS);

const BLOB_DIR_HELP = "blob folder (default: <workspace>/blobs/<name>)";

const DATABASE_ARGUMENT_HELP =
  "a database: a name `beautyspot list` prints, the path of its .db file, or that path without .db";

/** Says in the help what the `db` argument of `command` accepts. */
function describeDatabaseArgument(command: Command): Command {
  for (const argument of command.registeredArguments) {
    if (argument.name() === "db") argument.description = DATABASE_ARGUMENT_HELP;
  }
  return command;
}

/**
 * For a command taking `<db>`: describes the argument in the help and adds `--workspace`, where a
 * database given by name is looked up. Its action passes `db` through `resolveDatabase`.
 */
function takesDatabase(command: Command): Command {
  return describeDatabaseArgument(command).addOption(
    new Option(
      "-w, --workspace <folder>",
      "workspace folder, where a database given by name is looked up",
    ).default(DEFAULT_WORKSPACE),
  );
}

/**
 * The database file a `<db>` argument names: a path, a name `list` prints (looked up in the
 * workspace) or a path without `.db`.
 */
async function resolveDatabase(db: string, workspace: string): Promise<string> {
  const { resolveDatabaseArgument } = await import("./database.js");
  return resolveDatabaseArgument(db, workspace);
}

/** Builds the command tree. Each action loads its module on demand, so `--help` stays fast. */
export function createProgram(): Command {
  const program = new Command("beautyspot")
    .description(
      "Inspect and maintain beautyspot caches: list, show, stats, clean-up and the dashboard.\nExit codes: 0 success, 1 runtime error, 2 usage error.",
    )
    .version(readVersion(), "-V, --version", "print the version")
    .showSuggestionAfterError()
    .configureOutput({
      outputError: (text, write) => write(appendHelpHint(text, "beautyspot --help")),
    })
    .exitOverride();

  describeDatabaseArgument(
    addCommand(
      program,
      "list [db]",
      "list the databases of a workspace (every command takes the names it prints), or the entries of one database",
      [
        [
          "beautyspot list",
          "every database in ./.beautyspot with size, entries and last update (its name is what commands take)",
        ],
        [
          "beautyspot list my_app --func summarize --limit 20",
          "the newest 20 entries of one function",
        ],
        [
          "beautyspot list --workspace ~/cache --json",
          "databases of another workspace, for scripts",
        ],
      ],
    ),
  )
    .option(
      "-w, --workspace <folder>",
      "workspace folder: its databases are listed, and a db given by name is looked up there",
      DEFAULT_WORKSPACE,
    )
    .option("--func <name>", "only this function: its full identity, or a short name only it has")
    .option("--content-type <type>", "only this content type, such as text/markdown")
    .option("--search <text>", "only entries whose key, input id or function contains this")
    .option("--limit <n>", "entries per page (1 or more)", parseLimit, 50)
    .option("--offset <n>", "entries to skip", parseOffset, 0)
    .option("--json", "print JSON")
    .action(async (db: string | undefined, options) => {
      const { runList } = await import("./commands/list.js");
      await runList(
        db === undefined ? undefined : await resolveDatabase(db, options.workspace),
        options,
      );
    });

  takesDatabase(
    addCommand(
      program,
      "show <db> <key-or-prefix>",
      "show one entry: metadata and its decoded value",
      [
        ["beautyspot show my_app 3f9a2c", "an entry by the start of its key"],
        ["beautyspot show my_app 3f9a2c --raw", "a binary value as a hex dump"],
        ["beautyspot show my_app 3f9a2c --full", "a long value in full on a terminal too"],
        ["beautyspot show my_app 3f9a2c --json | jq .value", "the value as JSON"],
      ],
    ),
  )
    .option(
      "--raw",
      "print binary values as a hex dump, and text with its control characters as stored (not escaped)",
    )
    .option(
      "--full",
      "print the whole value on a terminal too (there a long value is cut to its first 40 lines; piped output never is)",
    )
    .option("--blob-dir <folder>", BLOB_DIR_HELP)
    .option("--json", "print JSON")
    .action(async (db: string, key: string, options) => {
      const { runShow } = await import("./commands/show.js");
      await runShow(await resolveDatabase(db, options.workspace), key, options);
    });

  takesDatabase(
    addCommand(
      program,
      "why <db> [key-prefix]",
      "why an entry was stored beside the others of its function: the nearest ones and what differs",
      [
        ["beautyspot why my_app 3f9a2c", "an entry by the start of its key"],
        ["beautyspot why my_app --func summarize", "the newest entry of a function"],
      ],
    ),
  )
    .option("--func <name>", "explain the newest entry of this function")
    .option("--blob-dir <folder>", BLOB_DIR_HELP)
    .option("--json", "print JSON")
    .action(async (db: string, key: string | undefined, options) => {
      const { runWhy } = await import("./commands/why.js");
      await runWhy(await resolveDatabase(db, options.workspace), key, options);
    });

  takesDatabase(
    addCommand(
      program,
      "stats <db>",
      "totals: entries, bytes, expired, hits, hit rate, time and tokens saved, by function and content type",
      [
        [
          "beautyspot stats .beautyspot/my_app.db",
          "totals of one database, named by the path of its file",
        ],
        ["beautyspot stats my_app --json | jq .byFunction", "per-function totals for scripts"],
      ],
    ),
  )
    .option("--json", "print JSON")
    .action(async (db: string, options) => {
      const { runStats } = await import("./commands/stats.js");
      await runStats(await resolveDatabase(db, options.workspace), options);
    });

  addDestructiveOptions(
    takesDatabase(
      addCommand(
        program,
        "clear <db>",
        "remove every entry (or every entry of one function) with its blobs",
        [
          [
            "beautyspot clear my_app --func summarize --dry-run",
            "how many entries of one function would go",
          ],
          ["beautyspot clear my_app --yes", "empty the whole cache without asking"],
        ],
      ),
    ),
  )
    .option("--func <name>", "only this function: its full identity, or a short name only it has")
    .option("--blob-dir <folder>", BLOB_DIR_HELP)
    .action(async (db: string, options) => {
      const { runClear } = await import("./commands/clear.js");
      await runClear(await resolveDatabase(db, options.workspace), options);
    });

  addDestructiveOptions(
    takesDatabase(
      addCommand(
        program,
        "clean <db>",
        "remove orphan blobs and temporary files of finished writes (only names beautyspot writes)",
        [
          ["beautyspot clean my_app --dry-run", "list the orphan blobs that would go"],
          [
            "beautyspot clean .beautyspot/my_app.db --blob-dir /data/blobs/my_app -y",
            "clean a blob folder kept elsewhere",
          ],
        ],
      ),
    ),
  )
    .option("--blob-dir <folder>", BLOB_DIR_HELP)
    .addOption(graceOption())
    .action(async (db: string, options) => {
      const { runClean } = await import("./commands/clean.js");
      await runClean(await resolveDatabase(db, options.workspace), {
        ...options,
        graceSeconds: options.grace,
      });
    });

  addDestructiveOptions(
    addCommand(
      program,
      "gc [postgres-uri]",
      "expired entries and orphan blobs in every database, and blob folders whose databases are provably gone (or in one postgres:// database)",
      [
        ["beautyspot gc --dry-run", "what a clean-up of ./.beautyspot would remove"],
        [
          "beautyspot gc --workspace ~/cache --no-expired -y",
          "only orphans and leftover folders, without asking",
        ],
        [
          "beautyspot gc postgres://app@db.internal/cache --blob-dir s3://team-cache/my_app -y",
          "expired entries and orphan blobs of a team's database",
        ],
      ],
    ),
  )
    .option("-w, --workspace <folder>", "workspace folder", DEFAULT_WORKSPACE)
    .option("--no-expired", "keep expired entries")
    .option(
      "--blob-dir <folder-or-uri>",
      "with a postgres:// database: its blob storage, scanned for orphans",
    )
    .addOption(graceOption())
    .action(async (db: string | undefined, options) => {
      const { runGc, runGcOnPostgres } = await import("./commands/gc.js");
      if (db === undefined) await runGc({ ...options, graceSeconds: options.grace });
      else await runGcOnPostgres(db, { ...options, graceSeconds: options.grace });
    });

  addDestructiveOptions(
    takesDatabase(
      addCommand(program, "prune <db>", "remove entries last written more than N days ago", [
        ["beautyspot prune my_app --days 30 --dry-run", "count entries older than a month"],
        [
          "beautyspot prune my_app --days 7 --func scrape -y",
          "drop week-old results of one function",
        ],
      ]),
    ),
  )
    .requiredOption("--days <n>", "age in days (0 or more, fractions allowed)", parseDays)
    .option("--func <name>", "only this function: its full identity, or a short name only it has")
    .option("--blob-dir <folder>", BLOB_DIR_HELP)
    .action(async (db: string, options) => {
      const { runPrune } = await import("./commands/prune.js");
      await runPrune(await resolveDatabase(db, options.workspace), options);
    });

  takesDatabase(
    addCommand(program, "ui <db>", "serve the dashboard for a database on this machine", [
      ["beautyspot ui my_app", "serve on http://127.0.0.1:8787"],
      ["beautyspot ui my_app --port 9000 --open", "another port, and open a browser"],
    ]),
  )
    .option("--port <port>", "port (taken: a free one is picked)", parsePort, 8787)
    .option(
      "--host <host>",
      "address to bind (other than loopback: reachable from the network)",
      "127.0.0.1",
    )
    .option(
      "--allow-remote-delete",
      "with a non-loopback --host, let other machines delete entries",
    )
    .option("--open", "open the dashboard in a browser")
    .option("--blob-dir <folder>", BLOB_DIR_HELP)
    .action(async (db: string, options) => {
      const { runUi } = await import("./commands/ui.js");
      await runUi(await resolveDatabase(db, options.workspace), options);
    });

  takesDatabase(
    addCommand(
      program,
      "export <db>",
      "write entries to a recording file for git (deterministic; values verified by digest)",
      [
        ["beautyspot export llm --out test/fixtures/llm.spot", "every entry, as test fixtures"],
        [
          "beautyspot export llm --out llm.spot --func summarize --since 7d",
          "one function's entries of the last week",
        ],
      ],
    ),
  )
    .requiredOption("--out <file>", "the recording file to write (replaced)")
    .option("--func <name>", "only this function (short name or full identity)")
    .option("--since <when>", "only entries written since a date (2026-01-31) or an age (7d, 12h)")
    .option(
      "--blob-threshold <bytes>",
      "values larger than this go to <out>.blobs/ (default 262144)",
      parseNumberOption({ integer: true, min: 0, unit: "bytes" }),
    )
    .option("--blob-dir <folder>", BLOB_DIR_HELP)
    .option("--json", "print the report as JSON")
    .action(async (db: string, options) => {
      const { runExport } = await import("./commands/export.js");
      await runExport(await resolveDatabase(db, options.workspace), options);
    });

  addCommand(
    program,
    "import <file> <db>",
    "load a recording file into a database (created when missing); refuses altered entries",
    [["beautyspot import test/fixtures/llm.spot .beautyspot/llm.db", "load recorded results"]],
  )
    .option("--blob-dir <folder>", BLOB_DIR_HELP)
    .option("--json", "print the report as JSON")
    .action(async (file: string, db: string, options) => {
      const { runImport } = await import("./commands/import.js");
      await runImport(file, db, options);
    });

  takesDatabase(
    addCommand(
      program,
      "copy <from> <to>",
      "copy entries and their blobs to another database (SQLite file or postgres:// URI), verifying digests; run again to resume",
      [
        [
          "beautyspot copy my_app postgres://me@db.internal/cache --to-blob-dir s3://team-cache/my_app",
          "move a local cache to the team's PostgreSQL and S3",
        ],
        [
          "beautyspot copy postgres://me@db.internal/cache backup.db",
          "a local copy of the team's cache (blobs on S3 are read from their locations)",
        ],
      ],
    ),
  )
    .option(
      "--from-blob-dir <folder-or-uri>",
      "blob storage of <from> (default: next to a .db file; for postgres://, the S3/GCS locations in the rows)",
    )
    .option(
      "--to-blob-dir <folder-or-uri>",
      "blob storage of <to> (default: next to a .db file; for postgres://, blob rows keep their S3/GCS locations)",
    )
    .option("--json", "print the report as JSON")
    .action(async (from: string, to: string, options) => {
      const { runCopy } = await import("./commands/copy.js");
      await runCopy(await resolveDatabase(from, options.workspace), to, options);
    });

  addCommand(program, "version", "print the version", [
    ["beautyspot version", "the installed version"],
  ]).action(async () => {
    const { runVersion } = await import("./commands/version.js");
    runVersion();
  });

  return program;
}

/** Parses `argv`, runs the command and sets the exit code; never lets a stack trace through. */
export async function runCommandLine(argv: readonly string[]): Promise<void> {
  tolerateClosedReaders();
  try {
    await createProgram().parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message already; only --help and --version exit with 0.
      process.exitCode = error.exitCode === 0 ? ExitCode.SUCCESS : ExitCode.USAGE_ERROR;
      return;
    }
    const failure = describeFailure(error);
    const { red } = picocolors.createColors(isColorTerminal(process.stderr));
    // Messages may quote stored text (function names, keys): it must not act on the terminal.
    process.stderr.write(`${red("beautyspot:")} ${escapeInline(failure.message)}\n`);
    if (process.env.BEAUTYSPOT_DEBUG === "1" && error instanceof Error) {
      process.stderr.write(`${error.stack ?? ""}\n`);
    }
    process.exitCode = failure.exitCode;
  }
}

await runCommandLine(process.argv.slice(2));
