// An ES module TypeScript project (strict, nodenext): `import` resolves the ES entry and its types.
import { ContentType, Spot, ValidationError } from "beautyspot";

let runs = 0;
const spot = new Spot("consumer");
const square = spot.mark(
  async function square(n: number) {
    runs += 1;
    return { squared: n * n, pid: process.pid };
  },
  { version: "v1", contentType: ContentType.JSON },
);

// @ts-expect-error the wrapper keeps the function's parameter types
void (() => square("seven"));

const first = await square(7);
const second = await square(7);
const squared: number = second.squared;
const rejects = (() => {
  try {
    new Spot("");
    return false;
  } catch (error) {
    return error instanceof ValidationError;
  }
})();
console.log(JSON.stringify({ pid: process.pid, runs, values: [first, second], squared, rejects }));
