/**
 * @module examples/web/next/app/api/ask/route — a Next.js App Router route handler (Next.js 15
 * conventions: `app/api/ask/route.ts`, a named `GET` export taking a web `Request`).
 * docs/recipes/web-servers.md shows it; test/recipes/web-servers.test.ts calls it with real
 * `Request` objects.
 */

import { answers } from "../../../lib/answers.js";

// better-sqlite3 is a native module: the route runs in Node.js, not in the Edge runtime.
export const runtime = "nodejs";
// Every request reads the query: never prerender this route at build time.
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const prompt = new URL(request.url).searchParams.get("prompt");
  if (prompt === null || prompt === "") {
    return Response.json({ error: "Pass the question as ?prompt=…" }, { status: 400 });
  }
  return Response.json({ answer: await answers.askModel(prompt), worker: process.pid });
}
