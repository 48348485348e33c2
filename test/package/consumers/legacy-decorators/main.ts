// Legacy decorators ("experimentalDecorators", as NestJS, Angular and TypeORM projects use), in a
// CommonJS project compiled by tsc for Node 20.
import { Spot, ValidationError } from "beautyspot";

const spot = new Spot("consumer");
let runs = 0;

@spot.registerType({
  code: 20,
  encode: (point: Point) => [point.x, point.y],
  decode: ([x, y]) => new Point(x, y),
})
class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

class Geometry {
  constructor(private readonly scale: number) {}

  @spot.mark({ version: "v1" })
  async square(n: number): Promise<{ squared: number; pid: number; corner: Point }> {
    runs += 1;
    return { squared: n * n * this.scale, pid: process.pid, corner: new Point(n, n) };
  }
}

async function main(): Promise<void> {
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
  if (!(second.corner instanceof Point)) throw new Error("the registered class did not come back");
  console.log(
    JSON.stringify({
      pid: process.pid,
      runs,
      values: [first, second].map(({ squared, pid }) => ({ squared, pid })),
      squared,
      rejects,
    }),
  );
}

void main();
