// A CommonJS TypeScript project ("module": "commonjs", as NestJS and many older codebases use):
// tsc turns the import into require("beautyspot").
import { Spot, ValidationError } from "beautyspot";

async function main(): Promise<void> {
  let runs = 0;
  const spot = new Spot("consumer");
  const square = spot.mark(async function square(n: number) {
    runs += 1;
    return { squared: n * n, pid: process.pid };
  });

  // @ts-expect-error the wrapper keeps the function's parameter types
  void (() => square("seven"));

  const first = await square(7);
  const second = await square(7);
  const squared: number = second.squared;
  let rejects = false;
  try {
    new Spot("");
  } catch (error) {
    rejects = error instanceof ValidationError;
  }
  console.log(
    JSON.stringify({ pid: process.pid, runs, values: [first, second], squared, rejects }),
  );
}

void main();
