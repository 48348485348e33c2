// A .cts file in a nodenext project: TypeScript resolves the "require" types, Node the CommonJS build.
import beautyspot = require("beautyspot");

async function main(): Promise<void> {
  let runs = 0;
  const spot = new beautyspot.Spot("consumer");
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
    new beautyspot.Spot("");
  } catch (error) {
    rejects = error instanceof beautyspot.ValidationError;
  }
  console.log(
    JSON.stringify({ pid: process.pid, runs, values: [first, second], squared, rejects }),
  );
}

void main();
