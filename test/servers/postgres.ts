/**
 * @module test/servers/postgres — a throwaway PostgreSQL server for tests: `initdb` into a temp
 * folder, started on a free port of 127.0.0.1 with its socket in that folder, stopped and removed
 * at the end. As root (postgres refuses to run as root) it runs as the `postgres` user. One server
 * per test file: each test takes a fresh schema (`database()`), which costs milliseconds.
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { programPath } from "../system-programs.js";

/** A running test server. */
export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the whole database. */
  readonly uri: string;
  /**
   * A URI for a fresh, empty schema of its own (the connection's `search_path`), so each test
   * starts from nothing without the cost of a new database.
   */
  database(): Promise<string>;
  /** Runs SQL as the superuser (for tests that look behind the TaskDB API). */
  sql(text: string, values?: unknown[]): Promise<unknown[][]>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Runs a server program as `postgres` when this process is root, else as ourselves. */
function asServerUser(program: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ["runuser", ["-u", "postgres", "--", program, ...args]];
  return [program, args];
}

let schemas = 0;

/** Starts a server; `stop()` it in an `after` hook. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = programPath("postgresql");
  const folder = mkdtempSync(join(tmpdir(), "bs-pg-"));
  const data = join(folder, "data");
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(folder, uid, gid);
  }
  const [initProgram, initArgs] = asServerUser(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "--no-sync",
    "--encoding=UTF8",
    "--locale=C.UTF-8",
  ]);
  execFileSync(initProgram, initArgs, { stdio: "pipe" });
  const port = await findFreePort();
  const [program, args] = asServerUser(join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    folder,
    "-c",
    "listen_addresses=127.0.0.1",
    // A test server: durability is not what is tested here.
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200",
  ]);
  const child: ChildProcess = spawn(program, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  const uri = `postgres://postgres@127.0.0.1:${port}/postgres`;

  /** The postmaster's own pid (runuser stands between it and us). */
  const postmasterPid = (): number | undefined => {
    const file = join(data, "postmaster.pid");
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  };
  const killNow = () => {
    const pid = postmasterPid();
    try {
      if (pid !== undefined) process.kill(pid, "SIGQUIT");
    } catch {
      // Already gone.
    }
    rmSync(folder, { recursive: true, force: true });
  };
  process.on("exit", killNow);

  const deadline = Date.now() + 30_000;
  const admin = new pg.Pool({ connectionString: uri, max: 2, allowExitOnIdle: true });
  admin.on("error", () => undefined);
  for (;;) {
    try {
      await admin.query("SELECT 1");
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        killNow();
        throw new Error(`The test PostgreSQL server did not start: ${String(error)}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  return {
    uri,
    async database() {
      schemas += 1;
      const schema = `t${process.pid}_${schemas}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      return `${uri}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    },
    async sql(text, values = []) {
      return (await admin.query({ text, values, rowMode: "array" })).rows;
    },
    async stop() {
      await admin.end();
      const pid = postmasterPid();
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once("exit", () => resolve());
      });
      // SIGQUIT: immediate shutdown, no checkpoint: the folder is removed next anyway.
      if (pid !== undefined) process.kill(pid, "SIGQUIT");
      await exited;
      process.off("exit", killNow);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
