/** @module logger — the default Logger: the console, with a `[beautyspot]` prefix. */

import type { Logger } from "./types.js";

/** Writes warnings and errors to the console, prefixed so they are easy to find in output. */
export const consoleLogger: Logger = {
  warn: (message, ...details) => console.warn(`[beautyspot] ${message}`, ...details),
  error: (message, ...details) => console.error(`[beautyspot] ${message}`, ...details),
};
