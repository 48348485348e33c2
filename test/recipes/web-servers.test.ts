/**
 * @module test/recipes/web-servers.test — the web-server recipe's examples, run as they would be
 * deployed: `examples/web/cluster.ts` forks four Express or Fastify workers on 127.0.0.1, the test
 * drives them over HTTP and counts the calls that reach a local stand-in model. The Next.js route
 * handler is called with real `Request` objects in a process of its own.
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { type StandInModel, startStandInModel } from "../../examples/web/stand-in-model.js";
import { SCHEMA_VERSION } from "../../src/db/sqlite/schema.js";
import { makeTempDir, repoRoot } from "../helpers.js";
import { runChildForResult, waitForChild } from "../robustness/harness.js";

const examples = path.join(repoRoot, "examples", "web");
const recipe = path.join(repoRoot, "docs", "recipes", "web-servers.md");
const tsxLoader = pathToFileURL(
  path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs"),
).href;

/** The prompts the stand-in model received, with when (ms, this process's clock). */
interface Asked {
  prompt: string;
  at: number;
}

interface RunningCluster {
  url: string;
  process: ChildProcess;
  output(): string;
}

/** Starts `cluster.ts` in `cwd` with four workers on a free port; resolves once all listen. */
function startCluster(
  server: "express" | "fastify",
  cwd: string,
  env: Record<string, string>,
): Promise<RunningCluster> {
  const child = spawn(
    process.execPath,
    ["--import", tsxLoader, path.join(examples, "cluster.ts"), server],
    { cwd, env: { ...process.env, PORT: "0", WORKERS: "4", ...env } },
  );
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the cluster did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = () => {
      const listening = /listening on (http:\/\/127\.0\.0\.1:\d+) with 4 workers/.exec(output);
      if (listening === null) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      resolve({ url: listening[1] as string, process: child, output: () => output });
    };
    child.stdout.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the cluster ended (${signal ?? code}) before listening:\n${output}`));
    });
  });
}

/** Sends SIGTERM to the primary and resolves with how it ended. */
async function stopCluster(cluster: RunningCluster): Promise<number | null> {
  const ended = waitForChild(cluster.process);
  cluster.process.kill("SIGTERM");
  const outcome = await ended;
  return outcome.code;
}

interface Reply {
  status: number;
  body: { answer?: string; worker?: number; error?: string };
}

/**
 * One GET, by default on a connection of its own (no keep-alive agent), so concurrent requests
 * reach the workers as separate connections, which `node:cluster` deals out in turn.
 */
function get(url: string, agent: http.Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(body) }),
      );
    });
    request.on("error", reject);
  });
}

function ask(
  cluster: RunningCluster,
  prompt: string,
  agent: http.Agent | false = false,
): Promise<Reply> {
  return get(`${cluster.url}/ask?prompt=${encodeURIComponent(prompt)}`, agent);
}

describe("the web-server recipe", () => {
  const asked: Asked[] = [];
  let model: StandInModel;

  before(async () => {
    model = await startStandInModel({
      delayMs: 300,
      onPrompt: (prompt) => asked.push({ prompt, at: performance.now() }),
    });
  });
  after(() => model.close());

  function askedFor(prefix: string): Asked[] {
    return asked.filter((entry) => entry.prompt.startsWith(prefix));
  }

  for (const server of ["express", "fastify"] as const) {
    it(`${server}: four concurrent identical requests on four workers reach the model once`, async () => {
      const cluster = await startCluster(server, makeTempDir("bs-web-"), { MODEL_URL: model.url });
      try {
        const prompt = `${server}: the same question`;
        const replies = await Promise.all(Array.from({ length: 4 }, () => ask(cluster, prompt)));
        for (const reply of replies) {
          assert.deepEqual(reply, {
            status: 200,
            body: { answer: `an answer to "${prompt}"`, worker: reply.body.worker },
          });
        }
        const workers = new Set(replies.map((reply) => reply.body.worker));
        assert.ok(workers.size >= 2, `answered by ${workers.size} worker(s): not across workers`);
        assert.equal(askedFor(prompt).length, 1, "calls that reached the model");

        const again = await ask(cluster, prompt);
        assert.equal(again.body.answer, `an answer to "${prompt}"`);
        assert.equal(askedFor(prompt).length, 1, "a later request is a hit");
        assert.equal((await get(`${cluster.url}/ask`)).status, 400, "a request without a prompt");
      } finally {
        assert.equal(await stopCluster(cluster), 0, cluster.output());
      }
    });
  }

  it("keeps one rate budget across the four workers (600 tokens per minute)", async (t) => {
    const cluster = await startCluster("express", makeTempDir("bs-web-"), {
      MODEL_URL: model.url,
      TOKENS_PER_MINUTE: "600",
    });
    try {
      const prompts = Array.from({ length: 16 }, (_, index) => `budget: question ${index}`);
      const startedAt = performance.now();
      const replies = await Promise.all(prompts.map((prompt) => ask(cluster, prompt)));
      assert.ok(replies.every((reply) => reply.status === 200));
      const workers = new Set(replies.map((reply) => reply.body.worker));
      assert.ok(workers.size >= 2, `answered by ${workers.size} worker(s): not across workers`);
      const times = askedFor("budget: ")
        .map((entry) => entry.at - startedAt)
        .sort((a, b) => a - b);
      assert.equal(times.length, 16);
      // 600 per minute is one slot every 100 ms for the whole machine, the first one free and
      // none before the requests were sent. A call reaches the model at or after its slot (a
      // worker's first fetch is slower), so the n-th arrival is at least (n - 1) × 100 ms late.
      for (const [index, at] of times.entries()) {
        assert.ok(
          at >= index * 100 - 5,
          `call ${index + 1} reached the model ${at.toFixed(0)} ms after the requests were sent`,
        );
      }
      t.diagnostic(
        `16 calls from ${workers.size} workers spread over ${(times.at(-1) as number).toFixed(0)} ms (the budget allows no less than 1,500 ms)`,
      );
    } finally {
      assert.equal(await stopCluster(cluster), 0, cluster.output());
    }
  });

  for (const server of ["express", "fastify"] as const) {
    it(`${server}: SIGTERM during load finishes the requests in progress and loses none of their results`, async (t) => {
      const folder = makeTempDir("bs-web-");
      const env = { MODEL_URL: model.url, TOKENS_PER_MINUTE: "600000" };
      const cluster = await startCluster(server, folder, env);
      const prompts = Array.from({ length: 40 }, (_, index) => `${server} drain: ${index}`);
      // Kept-alive connections, as a reverse proxy holds them: they must not hold the drain up.
      const agent = new http.Agent({ keepAlive: true });
      // Requests the server no longer accepts fail: those were never answered.
      const replies = prompts.map((prompt) =>
        ask(cluster, prompt, agent).then(
          (reply) => ({ prompt, reply }),
          () => ({ prompt, reply: undefined }),
        ),
      );
      while (askedFor(`${server} drain: `).length < 10) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const stoppingAt = performance.now();
      const code = await stopCluster(cluster);
      const stopMs = performance.now() - stoppingAt;
      agent.destroy();
      assert.equal(code, 0, cluster.output());
      // The requests in progress take 300 ms; an idle kept-alive connection left open would hold
      // its worker until the keep-alive timeout (5 s in Node.js, 72 s in Fastify).
      assert.ok(stopMs < 4_000, `the workers took ${stopMs.toFixed(0)} ms to stop`);
      const answered = new Set(
        (await Promise.all(replies))
          .filter(({ reply }) => reply?.status === 200)
          .map(({ prompt }) => prompt),
      );
      // Every call the model took (and would bill) before the shutdown was answered...
      const paid = askedFor(`${server} drain: `).map((entry) => entry.prompt);
      assert.ok(paid.length >= 10);
      assert.deepEqual(
        paid.filter((prompt) => !answered.has(prompt)),
        [],
        "calls the model took whose requests were dropped",
      );
      t.diagnostic(
        `${answered.size} of 40 requests answered; the workers stopped ${stopMs.toFixed(0)} ms after SIGTERM`,
      );

      // ...and stored: a fresh cluster on the same folder answers them all without the model.
      const fresh = await startCluster(server, folder, env);
      try {
        const again = await Promise.all(paid.map((prompt) => ask(fresh, prompt)));
        assert.ok(again.every((reply) => reply.status === 200));
        assert.deepEqual(
          askedFor(`${server} drain: `).slice(paid.length),
          [],
          "prompts that reached the model again (their results were lost at the shutdown)",
        );
      } finally {
        assert.equal(await stopCluster(fresh), 0, fresh.output());
      }
    });
  }

  it("starts four workers at once on a fresh folder and on an old database that needs migrating", async () => {
    for (const prepare of ["fresh", "old"] as const) {
      const folder = makeTempDir("bs-web-");
      const file = path.join(folder, ".beautyspot", "web.db");
      if (prepare === "old") createOldDatabase(file);
      const cluster = await startCluster("express", folder, { MODEL_URL: model.url });
      try {
        const replies = await Promise.all(
          Array.from({ length: 8 }, (_, index) => ask(cluster, `${prepare} start: ${index}`)),
        );
        assert.ok(replies.every((reply) => reply.status === 200));
      } finally {
        assert.equal(await stopCluster(cluster), 0, cluster.output());
      }
      assert.doesNotMatch(cluster.output(), /SQLITE_BUSY|Error/);
      const db = new Database(file, { readonly: true });
      try {
        assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
        assert.equal(db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
        const funcs = db.prepare("SELECT func_name FROM tasks ORDER BY func_name").pluck().all();
        const expected = Array.from({ length: 8 }, () => "askModel");
        assert.deepEqual(funcs, prepare === "old" ? ["add", ...expected] : expected);
      } finally {
        db.close();
      }
    }
  });

  it("Next.js route handler: one Spot across hot reloads, one model call for concurrent requests", async () => {
    const folder = makeTempDir("bs-next-");
    const routeUrl = pathToFileURL(path.join(examples, "next", "app", "api", "ask", "route.ts"));
    const result = await runChildForResult<{
      statuses: number[];
      answers: string[];
      sameSpot: boolean;
      missing: number;
      runtime: string;
    }>(
      folder,
      `
      const route = await import(${JSON.stringify(routeUrl.href)});
      const first = globalThis.beautyspotAnswers;
      // A hot reload evaluates the route and its imports again, as new module instances.
      const reloaded = await import(${JSON.stringify(`${routeUrl.href}?reload=1`)});
      const libUrl = new URL("../../../lib/answers.ts?reload=1", ${JSON.stringify(routeUrl.href)});
      const lib = await import(libUrl.href);
      const url = "http://localhost:3000/api/ask?prompt=" + encodeURIComponent("next: one question");
      const responses = await Promise.all([
        route.GET(new Request(url)), route.GET(new Request(url)),
        reloaded.GET(new Request(url)), reloaded.GET(new Request(url)),
      ]);
      const bodies = await Promise.all(responses.map((response) => response.json()));
      const missing = (await route.GET(new Request("http://localhost:3000/api/ask"))).status;
      await first.close();
      console.log(JSON.stringify({
        statuses: responses.map((response) => response.status),
        answers: bodies.map((body) => body.answer),
        sameSpot: lib.answers === first && globalThis.beautyspotAnswers === first,
        missing,
        runtime: route.runtime,
      }));
      `,
      { env: { MODEL_URL: model.url } },
    );
    assert.deepEqual(result, {
      statuses: [200, 200, 200, 200],
      answers: Array.from({ length: 4 }, () => 'an answer to "next: one question"'),
      sameSpot: true,
      missing: 400,
      runtime: "nodejs",
    });
    assert.equal(askedFor("next: ").length, 1, "calls that reached the model");
    assert.ok(fs.existsSync(path.join(folder, ".beautyspot", "web.db")));
  });

  it("is the code the recipe page shows", () => {
    const page = fs.readFileSync(recipe, "utf8");
    for (const file of [
      "answers.ts",
      "express-server.ts",
      "fastify-server.ts",
      "cluster.ts",
      "next/lib/answers.ts",
      "next/app/api/ask/route.ts",
    ]) {
      const code = fs.readFileSync(path.join(examples, file), "utf8");
      // The page shows each file from its first import on, importing the published package.
      const body = code
        .slice(code.indexOf("\nimport ") + 1)
        .replace('"../../src/index.js"', '"beautyspot"');
      assert.ok(page.includes(body), `docs/recipes/web-servers.md shows examples/web/${file}`);
    }
  });
});

/** A database laid out the way the first versions (and the Python library) left it. */
function createOldDatabase(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.exec(`CREATE TABLE tasks (
    cache_key TEXT PRIMARY KEY, func_name TEXT, func_identifier TEXT, input_id TEXT,
    result_type TEXT, result_value TEXT, result_data BLOB, content_type TEXT, version TEXT,
    expires_at TIMESTAMP, updated_at TIMESTAMP)`);
  db.prepare("INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
    "old-key",
    "add",
    "__main__.add",
    "old-input",
    "DIRECT_BLOB",
    null,
    Buffer.from([0x93, 0x01, 0x02, 0x03]),
    "application/json",
    "v1",
    "2099-12-01 00:00:00.500000+00:00",
    "2026-11-28 15:30:00.123456+00:00",
  );
  db.close();
}
