// Plain ES module JavaScript.
import { ConfigurationError, Spot, ValidationError } from "beautyspot";

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
// The S3 SDK is not installed here: the lazy check says which package to install.
let missingSdk = "";
try {
  new Spot("remote", { storage: "s3://bucket/prefix" });
} catch (error) {
  if (error instanceof ConfigurationError) missingSdk = error.message;
}
const report = { pid: process.pid, runs, values: [first, second], squared, rejects, missingSdk };
console.log(JSON.stringify(report));
