import { openai } from "@ai-sdk/openai";
import { streamText, wrapLanguageModel } from "ai";
import { Spot } from "../../src/index.js";
import { beautyspotMiddleware } from "../../src/integrations/ai/index.js";

const spot = new Spot("recipes");
// While you work on the UI: every reload replays the stored answer, one part every 40 ms, as
// if the model were typing it; nothing is asked (or paid for) after the first time.
const model = wrapLanguageModel({
  model: openai("gpt-4o-mini"),
  middleware: beautyspotMiddleware(spot, { replay: { pace: 40 } }),
});

/** The app's chat route (Next.js, Hono, …): a web Request in, a streamed Response out. */
async function POST(request: Request): Promise<Response> {
  const { prompt } = (await request.json()) as { prompt: string };
  return streamText({ model, prompt }).toTextStreamResponse();
}

// What the page does: post the prompt, then show the text as it arrives.
const response = await POST(
  new Request("http://localhost/api/chat", {
    method: "POST",
    body: JSON.stringify({ prompt: "Greet the user." }),
  }),
);
const decoder = new TextDecoder();
let shown = "";
for await (const bytes of response.body ?? []) {
  shown += decoder.decode(bytes, { stream: true });
  console.log(shown); // one line per update of the page
}

await spot.shutdown();
