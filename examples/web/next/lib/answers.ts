/**
 * @module examples/web/next/lib/answers — the Spot of a Next.js server, kept as one per process.
 * `next dev` evaluates a changed module again on every edit (hot reload): a Spot created at
 * module level would open the database once more per edit. Kept on `globalThis`, the first one
 * is reused; `next start` evaluates the module once anyway.
 */

import { type Answers, createAnswers } from "../../answers.js";

const globalForAnswers = globalThis as typeof globalThis & { beautyspotAnswers?: Answers };

globalForAnswers.beautyspotAnswers ??= createAnswers();
export const answers: Answers = globalForAnswers.beautyspotAnswers;
