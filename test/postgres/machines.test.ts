/**
 * @module test/postgres/machines.test — a team's setup with real processes: "machines" with
 * workspaces of their own share one PostgreSQL database and one S3 bucket, see each other's
 * results, and run a function once between them under `singleFlight: "machine"`.
 */

import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeTempDir } from "../helpers.js";
import {
  startChild,
  waitForChild,
  waitForMarker,
  writeChildScript,
} from "../robustness/harness.js";
import { startPostgres, type TestPostgres } from "../servers/postgres.js";
import { S3_TEST_CREDENTIALS, startS3Server, type TestServer } from "../servers/s3.js";
import { requireProgram } from "../system-programs.js";

const BUCKET = "team-cache";

/**
 * One machine: its own workspace, the shared database and bucket. It prints "ready", waits for
 * the go file when there is one, asks for each prompt of BS_PROMPTS and prints the answers.
 */
const MACHINE = `
import { appendFileSync, existsSync } from "node:fs";
import { Spot, S3Storage } from "$ENTRY";
const storage = new S3Storage("s3://${BUCKET}/shared", {
  endpoint: process.env.BS_S3, region: "us-east-1",
  credentials: { accessKeyId: "${S3_TEST_CREDENTIALS.accessKeyId}", secretAccessKey: "${S3_TEST_CREDENTIALS.secretAccessKey}" },
});
const spot = new Spot("team", {
  workspace: process.env.BS_WORKSPACE, db: process.env.BS_PG, storage,
  singleFlight: process.env.BS_SINGLE_FLIGHT ?? "process",
});
const ask = spot.mark(async function ask(prompt) {
  appendFileSync(process.env.BS_RUNS, process.env.BS_MACHINE + " " + prompt + "\\n");
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.BS_WORK_MS ?? 0)));
  return { prompt, answer: "answer to " + prompt, padding: "p".repeat(2000) };
}, { saveBlob: true });
console.log("ready");
if (process.env.BS_GO) {
  while (!existsSync(process.env.BS_GO)) await new Promise((resolve) => setTimeout(resolve, 2));
}
const answers = [];
for (const prompt of process.env.BS_PROMPTS.split(",")) answers.push((await ask(prompt)).answer);
await spot.shutdown();
console.log(JSON.stringify(answers));
`;

describe("machines sharing PostgreSQL and S3", { skip: requireProgram("postgresql") }, () => {
  let postgres: TestPostgres;
  let s3: TestServer;

  before(async () => {
    [postgres, s3] = await Promise.all([startPostgres(), startS3Server([BUCKET])]);
  });

  after(async () => {
    await postgres?.stop();
    await s3?.dispose();
  });

  interface Team {
    folder: string;
    uri: string;
    runs: string;
    script: string;
  }

  async function setUpTeam(): Promise<Team> {
    const folder = makeTempDir();
    const runs = join(folder, "runs.txt");
    writeFileSync(runs, "");
    return {
      folder,
      uri: await postgres.database(),
      runs,
      script: writeChildScript(folder, MACHINE),
    };
  }

  function startMachine(team: Team, name: string, env: Record<string, string>): ChildProcess {
    return startChild(team.script, {
      env: {
        BS_WORKSPACE: join(team.folder, name),
        BS_PG: team.uri,
        BS_S3: s3.endpoint,
        BS_RUNS: team.runs,
        BS_MACHINE: name,
        ...env,
      },
    });
  }

  async function answersOf(child: ChildProcess): Promise<string[]> {
    const outcome = await waitForChild(child);
    assert.equal(outcome.code, 0, `machine failed:\n${outcome.stdout}\n${outcome.stderr}`);
    return JSON.parse(outcome.stdout.trimEnd().split("\n").at(-1) ?? "[]") as string[];
  }

  const runsOf = (team: Team) => readFileSync(team.runs, "utf8").trim().split("\n").filter(Boolean);

  it("each machine finds the results the other stored, rows in PostgreSQL and blobs in S3", async () => {
    const team = await setUpTeam();
    assert.deepEqual(await answersOf(startMachine(team, "alpha", { BS_PROMPTS: "one" })), [
      "answer to one",
    ]);
    assert.deepEqual(await answersOf(startMachine(team, "beta", { BS_PROMPTS: "one,two" })), [
      "answer to one",
      "answer to two",
    ]);
    assert.deepEqual(await answersOf(startMachine(team, "alpha", { BS_PROMPTS: "two,one" })), [
      "answer to two",
      "answer to one",
    ]);
    assert.deepEqual(runsOf(team), ["alpha one", "beta two"]);
    const rows = await postgres.sql(
      `SELECT result_type, result_value FROM ${decodeURIComponent(team.uri).split("search_path=")[1]}.tasks ORDER BY result_value`,
    );
    assert.equal(rows.length, 2);
    for (const [type, location] of rows) {
      assert.equal(type, "FILE");
      assert.match(String(location), new RegExp(`^s3://${BUCKET}/shared/[0-9a-f]{64}\\.bin$`));
    }
  });

  it('with singleFlight: "machine", three machines asking at once run the function once', async () => {
    const team = await setUpTeam();
    const go = join(team.folder, "go");
    const machines = ["alpha", "beta", "gamma"].map((name) =>
      startMachine(team, name, {
        BS_PROMPTS: "the same prompt",
        BS_SINGLE_FLIGHT: "machine",
        BS_GO: go,
        BS_WORK_MS: "400",
      }),
    );
    const answers = machines.map(answersOf);
    await Promise.all(machines.map((machine) => waitForMarker(machine, "ready")));
    writeFileSync(go, "");
    for (const answer of await Promise.all(answers)) {
      assert.deepEqual(answer, ["answer to the same prompt"]);
    }
    assert.equal(runsOf(team).length, 1, `runs: ${runsOf(team).join("; ")}`);
  });
});
