/**
 * @module examples/web/fastify-server — one Fastify worker: what `cluster.ts fastify` forks four
 * times, and what PM2 runs in cluster mode. docs/recipes/web-servers.md walks through it.
 */

import Fastify from "fastify";
import { createAnswers } from "./answers.js";

// One Spot per worker process, at module level: created once, shared by every request.
const answers = createAnswers();

const app = Fastify();
app.get<{ Querystring: { prompt?: string } }>("/ask", async (request, reply) => {
  const { prompt } = request.query;
  if (prompt === undefined || prompt === "") {
    return reply.code(400).send({ error: "Pass the question as ?prompt=…" });
  }
  return { answer: await answers.askModel(prompt), worker: process.pid };
});
// Fastify runs onClose hooks after the server stopped and the requests in progress ended.
app.addHook("onClose", async () => {
  await answers.close(); // spot.shutdown(): the background saves are written before exit
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? "127.0.0.1" });
const address = app.server.address();
const port = typeof address === "object" && address !== null ? address.port : undefined;
console.log(`worker ${process.pid} listening on port ${port}`);
process.send?.({ listening: port });

// SIGTERM (cluster.ts, PM2, Docker, systemd) or Ctrl-C: app.close() stops accepting, answers
// 503 on kept-alive connections, waits for the requests in progress, then runs onClose.
let draining = false;
async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  // Kept-alive connections go idle as their requests end: close them then, or each would hold
  // app.close() up until its keep-alive timeout (72 s by default in Fastify).
  setInterval(() => app.server.closeIdleConnections(), 100).unref();
  await app.close();
  process.exit(0);
}
process.on("SIGTERM", drain);
process.on("SIGINT", drain);
