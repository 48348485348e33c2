import { openai } from "@ai-sdk/openai";
import { generateText, wrapLanguageModel } from "ai";
import { Spot } from "../../src/index.js";
import { beautyspotMiddleware } from "../../src/integrations/ai/index.js";

const spot = new Spot("recipes");
const model = wrapLanguageModel({
  model: openai("gpt-4o-mini"),
  middleware: beautyspotMiddleware(spot),
});

// The dataset: a prompt per case and what the answer must contain.
const cases = [
  { prompt: "Say the word red.", expected: "red" },
  { prompt: "Say the word green.", expected: "green" },
  { prompt: "Say the word blue.", expected: "blue" },
];
const system = "Answer with exactly what the user asks for.";

let passed = 0;
for (const { prompt, expected } of cases) {
  const { text } = await generateText({ model, system, prompt, temperature: 0 });
  const ok = text.toLowerCase().includes(expected);
  if (ok) passed += 1;
  console.log(`${ok ? "pass" : "FAIL"}  ${prompt}  →  ${text}`);
}
console.log(`${passed}/${cases.length} passed`); // rerun: free; edit one prompt: one request

await spot.shutdown();
