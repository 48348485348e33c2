import Anthropic from "@anthropic-ai/sdk";
import { Spot } from "../../src/index.js";
import { wrapAnthropic } from "../../src/integrations/anthropic/index.js";

const spot = new Spot("llm");
const anthropic = wrapAnthropic(new Anthropic(), spot);

const stream = await anthropic.messages.create({
  model: "claude-sonnet-4-5",
  max_tokens: 256,
  messages: [{ role: "user", content: "Tell a short story." }],
  stream: true,
});
for await (const event of stream) {
  if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
    process.stdout.write(event.delta.text); // replayed event by event on a hit
  }
}
console.log();
await spot.shutdown();
