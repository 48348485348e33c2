// TC39 (standard) decorators: no "experimentalDecorators", compiled by tsc for Node 20.
import { Spot, ValidationError } from "beautyspot";

const spot = new Spot("consumer");
let runs = 0;

class Geometry {
  constructor(private readonly scale: number) {}

  @spot.mark({ version: "v1" })
  async square(n: number): Promise<{ squared: number; pid: number }> {
    runs += 1;
    return { squared: n * n * this.scale, pid: process.pid };
  }
}

const geometry = new Geometry(1);
const first = await geometry.square(7);
const second = await geometry.square(7);
const squared: number = second.squared;
let rejects = false;
try {
  new Spot("");
} catch (error) {
  rejects = error instanceof ValidationError;
}
console.log(JSON.stringify({ pid: process.pid, runs, values: [first, second], squared, rejects }));
