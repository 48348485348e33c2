/**
 * @module examples/web/cluster — the primary process: forks the workers of `express-server.ts`
 * (or `fastify-server.ts` with the argument `fastify`), which share one port, and stops them
 * gracefully on SIGTERM or Ctrl-C. Run: `node --import tsx examples/web/cluster.ts [fastify]`.
 */

import cluster, { type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";

const server = process.argv[2] === "fastify" ? "fastify-server.ts" : "express-server.ts";
const workerCount = Number(process.env.WORKERS ?? 4);

// The workers run the server file; they inherit this process's flags (such as `--import tsx`).
cluster.setupPrimary({ exec: fileURLToPath(new URL(server, import.meta.url)) });

let stopping = false;
const listening = new Set<Worker>();

function fork(): void {
  const worker = cluster.fork();
  worker.on("message", (message: { listening?: number }) => {
    if (message.listening === undefined) return;
    listening.add(worker);
    if (listening.size === workerCount) {
      console.log(`listening on http://127.0.0.1:${message.listening} with ${workerCount} workers`);
    }
  });
  worker.on("exit", (code, signal) => {
    listening.delete(worker);
    // A worker that died on its own (a crash, the OOM killer) is replaced; one we stopped is not.
    if (!stopping) {
      console.log(`worker ${worker.process.pid} ended (${signal ?? code}); starting another`);
      fork();
    }
  });
}

for (let index = 0; index < workerCount; index += 1) fork();

// Each worker drains itself on SIGTERM; the primary only passes the signal on and waits.
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once("exit", () => resolve());
          worker.process.kill("SIGTERM");
        }),
    ),
  );
  console.log("all workers stopped");
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
