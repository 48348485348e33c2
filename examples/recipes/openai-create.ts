import OpenAI from "openai";
import { Spot } from "../../src/index.js";
import { wrapOpenAI } from "../../src/integrations/openai/index.js";

const spot = new Spot("llm");
const openai = wrapOpenAI(new OpenAI(), spot, { version: "v1" });

const completion = await openai.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Name a colour." }],
});
console.log(completion.choices[0]?.message.content); // a second run: from the cache, no request
await spot.shutdown();
