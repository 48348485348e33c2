/**
 * @module examples/web/answers — what every worker of the web-server recipes imports: a Spot,
 * a rate budget shared by the machine's workers, and the marked function the routes call.
 * docs/recipes/web-servers.md shows this file; test/recipes/web-servers.test.ts runs it.
 */

import { SharedTokenBucket, Spot } from "../../src/index.js";

/** Where the (paid, slow) model answers: examples/web/stand-in-model.ts plays it locally. */
const MODEL_URL = process.env.MODEL_URL ?? "http://127.0.0.1:8787/";

/** One process's Spot, shared budget and marked function. */
export interface Answers {
  askModel(prompt: string): Promise<string>;
  /** Writes the pending background saves, then closes the database and the budget's file. */
  close(): Promise<void>;
}

export function createAnswers(): Answers {
  // Every worker names the same file (relative to the directory all workers start in): one
  // budget for the machine, however many workers there are.
  const limiter = new SharedTokenBucket({
    tokensPerMinute: Number(process.env.TOKENS_PER_MINUTE ?? 600),
    path: ".beautyspot/limits.sqlite",
  });
  const spot = new Spot("web", {
    singleFlight: "machine", // concurrent identical requests run once across the workers
    saveSync: false, // answer at once, write in the background: close() drains it
  });

  const askModel = spot.mark(
    async function askModel(prompt: string): Promise<string> {
      await limiter.consume(1); // inside the marked function: a hit never spends the budget
      const response = await fetch(MODEL_URL, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt }),
      });
      // A thrown error is never cached: the next request asks again.
      if (!response.ok) throw new Error(`the model answered HTTP ${response.status}`);
      const { answer } = (await response.json()) as { answer: string };
      return answer;
    },
    { retention: "7d" },
  );

  return {
    askModel,
    async close() {
      await spot.shutdown();
      limiter.close();
    },
  };
}
