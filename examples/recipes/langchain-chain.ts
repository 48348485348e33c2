import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { ChatOpenAI } from "@langchain/openai";
import { Spot } from "../../src/index.js";
import { BeautySpotCache } from "../../src/integrations/langchain/index.js";

const spot = new Spot("recipes");
const chat = new ChatOpenAI({ model: "gpt-4o-mini", cache: new BeautySpotCache(spot) });

// Every model call of the chain goes through the cache, keyed by the prompt as filled in.
const translate = ChatPromptTemplate.fromMessages([
  ["system", "Translate the user's text into {language}."],
  ["user", "{text}"],
]);
const chain = translate.pipe(chat).pipe(new StringOutputParser());

const answers = await chain.batch([
  { language: "French", text: "Good morning." },
  { language: "German", text: "Good morning." },
]);
console.log(answers); // a second run prints the same, without a request

await spot.shutdown();
