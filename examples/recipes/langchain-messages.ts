import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { Spot } from "../../src/index.js";
import { registerLangChainMessages } from "../../src/integrations/langchain/index.js";

const spot = new Spot("recipes");
await registerLangChainMessages(spot);
const chat = new ChatOpenAI({ model: "gpt-4o-mini" });

const ask = spot.mark(async function ask(question: string) {
  return chat.invoke([new HumanMessage(question)]); // an AIMessage, stored as such
});

const reply = await ask("Name a colour.");
console.log(reply instanceof AIMessage, reply.content); // a hit is a real AIMessage

await spot.shutdown();
