/**
 * @module test/graduation/bullmq.test — the graduation guide's BullMQ example, run as its own
 * process against a real Redis server that the test starts on a free port in a temp folder:
 * jobs call the marked function, and jobs added again are answered from the cache.
 */

import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { makeTempDir, repoRoot } from "../helpers.js";
import { programPath, requireProgram } from "../system-programs.js";

const example = path.join(repoRoot, "examples", "graduation", "bullmq.ts");
const guide = path.join(repoRoot, "docs", "graduation.md");
const tsxLoader = pathToFileURL(
  path.join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs"),
).href;

// BullMQ reaches Redis through ioredis, a dev dependency of ours: only the server can be missing.
const skip = requireProgram("redis");

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on a free port, persisting nothing, in a temp folder of its own. */
async function startRedis(): Promise<{ port: number; process: ChildProcess }> {
  const folder = makeTempDir("bs-redis-");
  const port = await findFreePort();
  const child = spawn(
    programPath("redis"),
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { cwd: folder, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${output}`)),
      10_000,
    );
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server ended (${code}) before accepting connections:\n${output}`));
    });
  });
  return { port, process: child };
}

function runExample(cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(
      process.execPath,
      ["--import", tsxLoader, example],
      { cwd, timeout: 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the example failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolveRun(stdout);
      },
    );
  });
}

/** Two documents that take a while to "summarize" (a paid call, in real life). */
const DOCUMENTS: Record<string, string> = {
  "/a": "<title>Document A</title> one two three",
  "/b": "<title>Document B</title> four five",
};

describe("the graduation guide's BullMQ example", { skip }, () => {
  const fetched: string[] = [];
  let redis: { port: number; process: ChildProcess };
  let source: http.Server;
  let sourceUrl = "";

  before(async () => {
    redis = await startRedis();
    source = http.createServer((request, response) => {
      fetched.push(request.url ?? "");
      const page = DOCUMENTS[request.url ?? ""];
      setTimeout(() => {
        response.writeHead(page === undefined ? 404 : 200, { "content-type": "text/html" });
        response.end(page ?? "not found");
      }, 200);
    });
    await new Promise<void>((resolve) => source.listen(0, "127.0.0.1", resolve));
    sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}/`;
  });

  after(async () => {
    await new Promise<void>((resolve) => source?.close(() => resolve()));
    if (redis !== undefined) {
      const ended = new Promise((resolve) => redis.process.once("exit", resolve));
      redis.process.kill("SIGTERM");
      await ended;
    }
  });

  it("runs the marked function once per document, and jobs added again are cache hits", async () => {
    const folder = makeTempDir("bs-bullmq-");
    const env = { REDIS_PORT: String(redis.port), SOURCE_URL: sourceUrl };
    const expected = "Document A: 5 words\nDocument B: 4 words\nDocument A: 5 words\n";

    const first = await runExample(folder, env);
    assert.equal(first, expected);
    assert.deepEqual(fetched.sort(), ["/a", "/b"], "three jobs, two documents: two real runs");

    // The same jobs again, from a new process: BullMQ runs them, the cache answers them.
    const second = await runExample(folder, env);
    assert.equal(second, expected);
    assert.deepEqual(fetched, ["/a", "/b"], "no real run for jobs added again");
    assert.ok(fs.existsSync(path.join(folder, ".beautyspot", "pipeline.db")));
  });
});

it("docs/graduation.md shows the BullMQ example as it is", () => {
  const page = fs.readFileSync(guide, "utf8");
  const code = fs.readFileSync(example, "utf8");
  const body = code
    .slice(code.indexOf("\nimport ") + 1)
    .replace('"../../src/index.js"', '"beautyspot"');
  assert.ok(page.includes(body), "docs/graduation.md shows examples/graduation/bullmq.ts");
});
