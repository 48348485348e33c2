/**
 * @module test/system-programs — the programs outside npm that some tests need. A test file asks
 * `requireProgram(name)` for its suite's `skip` option: found, the suite runs; missing, it is
 * skipped with one line saying what and how to install it, or fails when
 * `BEAUTYSPOT_REQUIRE_ALL=1` (CI sets it, so CI always runs everything).
 *
 * Run as a script (`node --import tsx test/system-programs.ts`, which `npm test` does before the
 * tests) it prints one line per missing program.
 * Adding a program is one entry in `SYSTEM_PROGRAMS` and one line in `.ci/run`'s install list.
 */

import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** The variable that turns every skip for a missing program into a failure. */
export const REQUIRE_ALL_VARIABLE = "BEAUTYSPOT_REQUIRE_ALL";

export interface SystemProgram {
  /** The name a person knows it by. */
  title: string;
  /** The tests that need it, as a sentence fragment. */
  neededBy: string;
  /**
   * A variable that points at the program instead of the usual places (a path that does not
   * exist makes the program missing, which is how its absence is tested).
   */
  variable: string;
  /** Where to look, in order, when the variable is unset. */
  candidates: readonly string[];
  /** Whether the program at `path` does what the tests need. */
  works(path: string): boolean;
  /** How to install it, per platform. */
  install: { debian: string; macos: string };
}

export const SYSTEM_PROGRAMS = {
  chromium: {
    title: "Chromium",
    neededBy: "the dashboard tests in a real browser",
    variable: "BEAUTYSPOT_CHROMIUM",
    candidates: [
      "/usr/bin/chromium",
      "/usr/bin/chromium-browser",
      "/snap/bin/chromium",
      "/Applications/Chromium.app/Contents/MacOS/Chromium",
      "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    ],
    works: isExecutableFile,
    install: { debian: "apt-get install -y chromium", macos: "brew install --cask chromium" },
  },
  "python-msgpack": {
    title: "Python 3 with msgpack",
    neededBy: "the Python compatibility tests (msgpack format, the Python library's databases)",
    variable: "BEAUTYSPOT_PYTHON",
    candidates: ["/usr/bin/python3", "python3"],
    works: (path) => spawnSync(path, ["-c", "import msgpack"], { stdio: "ignore" }).status === 0,
    install: {
      debian: "apt-get install -y python3-msgpack",
      macos: "python3 -m pip install --user msgpack",
    },
  },
  strace: {
    title: "strace",
    neededBy: "the tests that count a save's fsyncs (durability)",
    variable: "BEAUTYSPOT_STRACE",
    candidates: ["/usr/bin/strace", "strace"],
    // Tracing can be forbidden in a container: the program only counts when it can trace.
    works: (path) =>
      spawnSync(path, ["-f", "-o", "/dev/null", "true"], { stdio: "ignore" }).status === 0,
    install: { debian: "apt-get install -y strace", macos: "(none: Linux only)" },
  },
  postgresql: {
    title: "PostgreSQL (server binaries)",
    neededBy: "the PostgreSQL task database tests (each starts its own server in a temp folder)",
    variable: "BEAUTYSPOT_POSTGRES_BIN",
    // The folder holding `initdb`, `pg_ctl` and `postgres`: Debian keeps them off PATH.
    candidates: [
      ...["18", "17", "16", "15", "14", "13"].map((major) => `/usr/lib/postgresql/${major}/bin`),
      "/opt/homebrew/opt/postgresql@17/bin",
      "/opt/homebrew/opt/postgresql@16/bin",
      "/usr/local/opt/postgresql@16/bin",
    ],
    works: (folder) =>
      ["initdb", "pg_ctl", "postgres"].every((tool) => isExecutableFile(`${folder}/${tool}`)),
    install: { debian: "apt-get install -y postgresql", macos: "brew install postgresql@17" },
  },
  redis: {
    title: "Redis",
    neededBy: "the job-queue example of the graduation guide (BullMQ)",
    variable: "BEAUTYSPOT_REDIS_SERVER",
    candidates: ["/usr/bin/redis-server", "redis-server"],
    works: (path) => spawnSync(path, ["--version"], { stdio: "ignore" }).status === 0,
    install: { debian: "apt-get install -y redis-server", macos: "brew install redis" },
  },
} as const satisfies Record<string, SystemProgram>;

export type SystemProgramName = keyof typeof SYSTEM_PROGRAMS;

const located = new Map<SystemProgramName, string | undefined>();

/** The path of a working `name`, or `undefined` when it is missing. Probed once per process. */
export function locateProgram(name: SystemProgramName): string | undefined {
  if (located.has(name)) return located.get(name);
  const program: SystemProgram = SYSTEM_PROGRAMS[name];
  const chosen = process.env[program.variable];
  const candidates = chosen ? [chosen] : program.candidates;
  const found = candidates.find((candidate) => program.works(candidate));
  located.set(name, found);
  return found;
}

/** The path of `name` for a suite that `requireProgram` let run. */
export function programPath(name: SystemProgramName): string {
  const path = locateProgram(name);
  if (path === undefined) throw new Error(`The ${explainMissingProgram(name)}`);
  return path;
}

/** Which tests need `name`, that it is missing, and how to install it. */
function explainMissingProgram(name: SystemProgramName): string {
  const program: SystemProgram = SYSTEM_PROGRAMS[name];
  const chosen = process.env[program.variable];
  const where = chosen
    ? `${program.variable}=${chosen} does not work`
    : `not found in ${program.candidates.join(", ")}`;
  return (
    `${program.neededBy} need ${program.title}, ${where} — install it with ` +
    `\`${program.install.debian}\` (Debian/Ubuntu) or \`${program.install.macos}\` (macOS), ` +
    `or point ${program.variable} at it`
  );
}

/** The one line printed for a missing program: what is skipped and how to install it. */
export function describeMissingProgram(name: SystemProgramName): string {
  return `skipped: ${explainMissingProgram(name)}`;
}

/**
 * For a suite's `skip` option: `false` when `name` works, else the line saying what is skipped
 * and how to install it. Throws instead under `BEAUTYSPOT_REQUIRE_ALL=1`, failing the test file.
 */
export function requireProgram(name: SystemProgramName): string | false {
  if (locateProgram(name) !== undefined) return false;
  if (process.env[REQUIRE_ALL_VARIABLE] === "1") {
    throw new Error(
      `${REQUIRE_ALL_VARIABLE}=1 (set by .ci/run) makes a missing program a failure: ` +
        explainMissingProgram(name),
    );
  }
  return describeMissingProgram(name);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Prints one line per missing program. It never fails by itself: under `BEAUTYSPOT_REQUIRE_ALL=1`
 * the test files that need the program fail, and the test run says which.
 */
function reportMissingPrograms(): void {
  const requireAll = process.env[REQUIRE_ALL_VARIABLE] === "1";
  for (const name of Object.keys(SYSTEM_PROGRAMS) as SystemProgramName[]) {
    if (locateProgram(name) !== undefined) continue;
    console.log(
      requireAll
        ? `missing, so failing under ${REQUIRE_ALL_VARIABLE}=1: ${explainMissingProgram(name)}`
        : describeMissingProgram(name),
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  reportMissingPrograms();
}
