/**
 * @module test/dashboard/write-row — a separate program that writes one entry, as a user's running
 * script would while the dashboard is open. Usage: `write-row.ts <workspace> <name> <function>`.
 */

import { Spot } from "../../src/index.js";

const [workspace, name, functionName] = process.argv.slice(2);
if (workspace === undefined || name === undefined || functionName === undefined) {
  throw new Error("Usage: write-row.ts <workspace> <name> <function>");
}
const spot = new Spot(name, { workspace });
const write = spot.mark(async (text: string) => `written by process ${process.pid}: ${text}`, {
  name: functionName,
});
await write(String(Date.now()));
await spot.shutdown();
