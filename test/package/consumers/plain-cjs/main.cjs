// Plain CommonJS JavaScript.
const { Spot, ValidationError } = require("beautyspot");

async function main() {
  let runs = 0;
  const spot = new Spot("consumer");
  const square = spot.mark(async function square(n) {
    runs += 1;
    return { squared: n * n, pid: process.pid };
  });
  const first = await square(7);
  const second = await square(7);
  let rejects = false;
  try {
    new Spot("");
  } catch (error) {
    rejects = error instanceof ValidationError;
  }
  const squared = second.squared;
  console.log(
    JSON.stringify({ pid: process.pid, runs, values: [first, second], squared, rejects }),
  );
}

void main();
