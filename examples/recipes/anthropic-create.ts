import Anthropic from "@anthropic-ai/sdk";
import { Spot } from "../../src/index.js";
import { wrapAnthropic } from "../../src/integrations/anthropic/index.js";

const spot = new Spot("llm");
const anthropic = wrapAnthropic(new Anthropic(), spot, { version: "v1" });

const message = await anthropic.messages.create({
  model: "claude-sonnet-4-5",
  max_tokens: 256,
  messages: [{ role: "user", content: "Name a colour." }],
});
const [block] = message.content;
console.log(block?.type === "text" ? block.text : ""); // a second run: from the cache, no request
await spot.shutdown();
