/**
 * @module examples/web/express-server — one Express worker: what `cluster.ts` forks four times,
 * and what PM2 runs in cluster mode. docs/recipes/web-servers.md walks through it.
 */

import express from "express";
import { createAnswers } from "./answers.js";

// One Spot per worker process, at module level: created once, shared by every request.
const answers = createAnswers();

const app = express();
app.get("/ask", async (request, response) => {
  const prompt = request.query.prompt;
  if (typeof prompt !== "string" || prompt === "") {
    response.status(400).json({ error: "Pass the question as ?prompt=…" });
    return;
  }
  const answer = await answers.askModel(prompt); // Express 5 passes a rejection to its handler
  response.json({ answer, worker: process.pid });
});

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : undefined;
  console.log(`worker ${process.pid} listening on port ${port}`);
  process.send?.({ listening: port });
});

// SIGTERM (cluster.ts, PM2, Docker, systemd) or Ctrl-C: stop accepting, let the requests in
// progress finish, write what is still pending, then exit.
let draining = false;
async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  await new Promise<void>((resolve) => {
    server.close(() => resolve()); // no new connections; resolves once every one has ended
    // Kept-alive connections (a proxy's, a browser's) go idle as their requests end: close them
    // then, or each would hold the shutdown up until its keep-alive timeout.
    setInterval(() => server.closeIdleConnections(), 100).unref();
    // A client that keeps a connection busy must not hold the shutdown up for ever.
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  });
  await answers.close(); // spot.shutdown(): the background saves are written before exit
  process.exit(0);
}
process.on("SIGTERM", drain);
process.on("SIGINT", drain);
