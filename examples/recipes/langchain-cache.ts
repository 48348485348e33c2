import { ChatOpenAI } from "@langchain/openai";
import { Spot } from "../../src/index.js";
import { BeautySpotCache } from "../../src/integrations/langchain/index.js";

const spot = new Spot("recipes");
const chat = new ChatOpenAI({ model: "gpt-4o-mini", cache: new BeautySpotCache(spot) });

const reply = await chat.invoke("Name a colour.");
console.log(reply.content); // a second run prints the same, without a request

await spot.shutdown();
