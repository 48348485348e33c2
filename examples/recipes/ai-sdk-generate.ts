import { openai } from "@ai-sdk/openai";
import { generateObject, generateText, wrapLanguageModel } from "ai";
import { z } from "zod";
import { Spot } from "../../src/index.js";
import { beautyspotMiddleware } from "../../src/integrations/ai/index.js";

const spot = new Spot("recipes");
const model = wrapLanguageModel({
  model: openai("gpt-4o-mini"),
  middleware: beautyspotMiddleware(spot),
});

const { text } = await generateText({ model, prompt: "Name a colour." });
const { object } = await generateObject({
  model,
  schema: z.object({ answer: z.string() }),
  prompt: "Name a colour.",
});
console.log(text, object.answer); // a second run prints the same, without a request

await spot.shutdown();
