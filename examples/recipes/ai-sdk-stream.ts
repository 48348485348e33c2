import { openai } from "@ai-sdk/openai";
import { streamText, wrapLanguageModel } from "ai";
import { Spot } from "../../src/index.js";
import { beautyspotMiddleware } from "../../src/integrations/ai/index.js";

const spot = new Spot("recipes");
const model = wrapLanguageModel({
  model: openai("gpt-4o-mini"),
  middleware: beautyspotMiddleware(spot),
});

const result = streamText({ model, prompt: "Tell a short story." });
for await (const delta of result.textStream) process.stdout.write(`${delta}|`);
console.log(); // a second run replays the same deltas, without a request

await spot.shutdown();
