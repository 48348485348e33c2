import type { ChatMessage } from "@llamaindex/core/llms";
import { OpenAI, OpenAIEmbedding } from "@llamaindex/openai";
import { Spot } from "../../src/index.js";

const spot = new Spot("recipes");
const llm = new OpenAI({ model: "gpt-4o-mini", temperature: 0 });
const embedModel = new OpenAIEmbedding({ model: "text-embedding-3-small" });

/** The model's answer to `messages`: stored under the model, its settings and the messages. */
function chat(messages: ChatMessage[]): Promise<string> {
  const key = { model: llm.model, temperature: llm.temperature, messages };
  return spot.wrap("llamaindex.chat", key, async () => {
    const response = await llm.chat({ messages });
    return String(response.message.content);
  });
}

/** Embeddings of `texts`, stored under the embedding model and the texts. */
function embed(texts: string[]): Promise<number[][]> {
  return spot.wrap("llamaindex.embed", { model: embedModel.model, texts }, () =>
    embedModel.getTextEmbeddings(texts),
  );
}

const answer = await chat([{ role: "user", content: "Name a colour." }]);
const [vector] = await embed([answer]);
console.log(answer, vector?.length); // a second run prints the same, without a request

await spot.shutdown();
