import OpenAI from "openai";
import { Spot } from "../../src/index.js";
import { wrapOpenAI } from "../../src/integrations/openai/index.js";

const spot = new Spot("llm");
const openai = wrapOpenAI(new OpenAI(), spot);

const stream = await openai.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Tell a short story." }],
  stream: true,
});
for await (const chunk of stream) {
  process.stdout.write(chunk.choices[0]?.delta.content ?? ""); // replayed chunk by chunk on a hit
}
console.log();
await spot.shutdown();
