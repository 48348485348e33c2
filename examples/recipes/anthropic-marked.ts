import Anthropic from "@anthropic-ai/sdk";
import { Spot } from "../../src/index.js";

const spot = new Spot("llm");

// The client is keyed by its kind and baseURL, never by its API key.
const summarize = spot.mark(
  async function summarize(client: Anthropic, text: string) {
    const message = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      messages: [{ role: "user", content: `Summarize: ${text}` }],
    });
    const [block] = message.content;
    return block?.type === "text" ? block.text : "";
  },
  { version: "v1" },
);

console.log(await summarize(new Anthropic(), "beautyspot keeps function results."));
await spot.shutdown();
