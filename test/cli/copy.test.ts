/**
 * @module test/cli/copy.test — `beautyspot copy` as a real subprocess: SQLite → PostgreSQL →
 * SQLite, between a local folder and S3, resumed after an interruption, refusing damaged values.
 */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Spot } from "../../src/index.js";
import { startPostgres, type TestPostgres } from "../servers/postgres.js";
import { S3_TEST_CREDENTIALS, startS3Server, type TestServer } from "../servers/s3.js";
import { requireProgram } from "../system-programs.js";
import { makeTempDir, runCli, startCli } from "./run-cli.js";

const BUCKET = "copy-target";

interface CopyReport {
  copied: number;
  skipped: number;
  blobs: number;
  unverified: number;
  refused: { cacheKey: string; reason: string }[];
}

describe("beautyspot copy", { skip: requireProgram("postgresql") }, () => {
  let server: TestPostgres;
  let s3: TestServer;
  const saved = { ...process.env };

  before(async () => {
    [server, s3] = await Promise.all([startPostgres(), startS3Server([BUCKET])]);
    // The CLI subprocess reaches the test S3 server through the SDK's usual variables.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: "us-east-1",
    });
  });

  after(async () => {
    for (const name of [
      "AWS_ENDPOINT_URL_S3",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_REGION",
    ]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await server?.stop();
    await s3?.dispose();
  });

  /** The functions of the sample cache; `runs` counts real calls. */
  function markSample(spot: Spot, runs: { count: number }) {
    return {
      summarize: spot.mark(async function summarize(text: string) {
        runs.count += 1;
        return `summary of ${text}`;
      }),
      render: spot.mark(
        async function render(size: number) {
          runs.count += 1;
          return "r".repeat(size);
        },
        { saveBlob: true },
      ),
    };
  }

  /** A SQLite cache in `<cwd>/.beautyspot/app.db` with 2 inline entries and 1 blob. */
  async function writeSqliteCache(cwd: string) {
    const spot = new Spot("app", { workspace: path.join(cwd, ".beautyspot") });
    const { summarize, render } = markSample(spot, { count: 0 });
    await summarize("alpha");
    await summarize("beta");
    await render(4000);
    await spot.shutdown();
    return path.join(cwd, ".beautyspot", "app.db");
  }

  /** Reads the sample through a Spot on `db` + `storage`; returns how many calls ran. */
  async function readSample(db: string, storage: string | undefined, cwd: string) {
    const spot = new Spot("app", {
      workspace: path.join(cwd, "reader"),
      db,
      ...(storage === undefined ? {} : { storage }),
    });
    const runs = { count: 0 };
    const { summarize, render } = markSample(spot, runs);
    assert.equal(await summarize("alpha"), "summary of alpha");
    assert.equal(await summarize("beta"), "summary of beta");
    assert.equal((await render(4000)).length, 4000);
    await spot.shutdown();
    return runs.count;
  }

  /**
   * Runs `beautyspot copy … --json` without blocking this process, which serves the S3 test
   * server the subprocess talks to.
   */
  async function copy(
    args: string[],
    cwd: string,
  ): Promise<{ status: number | null; report?: CopyReport; stderr: string }> {
    const child = startCli(["copy", ...args, "--json"], cwd);
    child.stdin.end();
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const result = { status, stdout, stderr };
    const report =
      result.stdout.trim() === "" ? undefined : (JSON.parse(result.stdout) as CopyReport);
    return {
      status: result.status,
      stderr: result.stderr,
      ...(report === undefined ? {} : { report }),
    };
  }

  it("copies a SQLite cache to PostgreSQL with its blobs, and back to a new SQLite file, every value a hit", async () => {
    const cwd = makeTempDir();
    await writeSqliteCache(cwd);
    const uri = await server.database();
    const teamBlobs = path.join(cwd, "team-blobs");
    const up = await copy(["app", uri, "--to-blob-dir", teamBlobs], cwd);
    assert.equal(up.status, 0, up.stderr);
    assert.deepEqual(
      up.report && {
        ...up.report,
        from: undefined,
        to: undefined,
        refused: up.report.refused.length,
      },
      {
        from: undefined,
        to: undefined,
        copied: 3,
        skipped: 0,
        blobs: 1,
        unverified: 0,
        refused: 0,
      },
    );
    assert.equal(await readSample(uri, teamBlobs, cwd), 0);
    const down = await copy([uri, "back/app.db", "--from-blob-dir", teamBlobs], cwd);
    assert.equal(down.status, 0, down.stderr);
    assert.equal(down.report?.copied, 3);
    assert.ok(fs.existsSync(path.join(cwd, "back", "blobs", "app")));
    assert.equal(
      await readSample(
        path.join(cwd, "back", "app.db"),
        path.join(cwd, "back", "blobs", "app"),
        cwd,
      ),
      0,
    );
  });

  it("resumes: a second run skips what is there and copies only what is missing", async () => {
    const cwd = makeTempDir();
    await writeSqliteCache(cwd);
    const uri = await server.database();
    const blobs = path.join(cwd, "team-blobs");
    assert.equal((await copy(["app", uri, "--to-blob-dir", blobs], cwd)).status, 0);
    // An interrupted copy: one entry never arrived.
    const schema = decodeURIComponent(uri).split("search_path=")[1];
    await server.sql(
      `DELETE FROM ${schema}.tasks WHERE cache_key IN (SELECT cache_key FROM ${schema}.tasks LIMIT 1)`,
    );
    const again = await copy(["app", uri, "--to-blob-dir", blobs], cwd);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual([again.report?.copied, again.report?.skipped], [1, 2]);
    assert.equal(await readSample(uri, blobs, cwd), 0);
  });

  it("moves blobs from a local folder to S3, and PostgreSQL rows then point at S3", async () => {
    const cwd = makeTempDir();
    await writeSqliteCache(cwd);
    const uri = await server.database();
    const result = await copy(["app", uri, "--to-blob-dir", `s3://${BUCKET}/app`], cwd);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.report?.blobs, 1);
    const schema = decodeURIComponent(uri).split("search_path=")[1];
    const [row] = await server.sql(
      `SELECT result_value FROM ${schema}.tasks WHERE result_type = 'FILE'`,
    );
    assert.match(String(row?.[0]), new RegExp(`^s3://${BUCKET}/app/[0-9a-f]{64}\\.bin$`));
    // Back to SQLite without naming the source storage: the S3 locations say where blobs are.
    const back = await copy([uri, "local.db"], cwd);
    assert.equal(back.status, 0, back.stderr);
    assert.equal(
      await readSample(path.join(cwd, "local.db"), path.join(cwd, "blobs", "local"), cwd),
      0,
    );
  });

  it("refuses a value that does not match its digest, copies the rest, and exits with 1", async () => {
    const cwd = makeTempDir();
    const db = await writeSqliteCache(cwd);
    const blobFolder = path.join(path.dirname(db), "blobs", "app");
    const [blob] = fs.readdirSync(blobFolder).filter((name) => name.endsWith(".bin"));
    assert.ok(blob);
    const file = path.join(blobFolder, blob);
    const bytes = fs.readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    fs.writeFileSync(file, bytes);
    const result = await copy(
      ["app", await server.database(), "--to-blob-dir", path.join(cwd, "t")],
      cwd,
    );
    assert.equal(result.status, 1);
    assert.equal(result.report?.copied, 2);
    assert.match(
      result.stderr,
      /1 entry was not copied: [0-9a-f]{64}: its value does not match its digest/,
    );
  });

  it("refuses to copy a database onto itself", async () => {
    const cwd = makeTempDir();
    await writeSqliteCache(cwd);
    const result = runCli(["copy", "app", path.join(".beautyspot", "app.db")], cwd);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /both the source and the target/);
  });
});
