import OpenAI from "openai";
import { Spot } from "../../src/index.js";

const spot = new Spot("llm");

// The client is keyed by its kind and baseURL, never by its API key.
const summarize = spot.mark(
  async function summarize(client: OpenAI, text: string) {
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: `Summarize: ${text}` }],
    });
    return completion.choices[0]?.message.content ?? "";
  },
  { version: "v1" },
);

console.log(await summarize(new OpenAI(), "beautyspot keeps function results."));
await spot.shutdown();
