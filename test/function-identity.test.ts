/**
 * @module test/function-identity — within one Spot an identity belongs to one function (SPEC
 * 7.1): a second function under a taken identity is refused at mark time, so two functions never
 * return each other's stored results.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigurationError, Spot } from "../src/index.js";
import { makeTempDir, recordingLogger } from "./helpers.js";

function newSpot(name = "app") {
  return new Spot(name, { workspace: makeTempDir(), logger: recordingLogger() });
}

/** Two functions named `summarize`, as two modules of one program would define them. */
function chatModule() {
  return async function summarize(text: string) {
    return `chat summary of ${text}`;
  };
}
function batchModule() {
  return async function summarize(text: string) {
    return `batch summary of ${text}`;
  };
}

/** A ConfigurationError about `identity` that names both functions and the `name` option. */
function isCollision(identity: string, ...fragments: RegExp[]) {
  return (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.ok(error.message.includes(`"${identity}"`), error.message);
    assert.match(error.message, /`name` option/);
    for (const fragment of fragments) assert.match(error.message, fragment);
    return true;
  };
}

describe("one identity, one function", () => {
  it("refuses a second function with the same name, naming both and the name option", async () => {
    const spot = newSpot();
    const chat = spot.mark(chatModule());
    assert.throws(
      () => spot.mark(batchModule()),
      isCollision("summarize", /chat summary|summarize\(text\)/, /spot\.mark\(fn, \{ name:/),
    );
    const batch = spot.mark(batchModule(), { name: "batch.summarize" });
    assert.equal(await chat("x"), "chat summary of x");
    assert.equal(await batch("x"), "batch summary of x");
    assert.equal(await chat("x"), "chat summary of x");
    await spot.shutdown();
  });

  it("refuses two different functions given the same name", async () => {
    const spot = newSpot();
    spot.mark(chatModule(), { name: "summary" });
    assert.throws(() => spot.mark(batchModule(), { name: "summary" }), isCollision("summary"));
    assert.throws(() => spot.markSync(() => "other", { name: "summary" }), isCollision("summary"));
    await spot.shutdown();
  });

  it("says so when the functions have the same code but are different objects (a factory)", async () => {
    const spot = newSpot();
    spot.mark(chatModule());
    assert.throws(() => spot.mark(chatModule()), isCollision("summarize", /same code/));
    await spot.shutdown();
  });

  it("needs a name for bound functions, and keeps two bound copies apart", async () => {
    const spot = newSpot();
    const client = {
      kind: "chat",
      async create(input: string) {
        return `${this.kind}:${input}`;
      },
    };
    const embeddings = { kind: "embeddings", create: client.create };
    assert.throws(
      () => spot.mark(client.create.bind(client)),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        /bound create/.test(error.message) &&
        /name/.test(error.message),
    );
    const chat = spot.mark(client.create.bind(client), { name: "chat.create" });
    const embed = spot.mark(embeddings.create.bind(embeddings), { name: "embeddings.create" });
    assert.equal(await chat("hi"), "chat:hi");
    assert.equal(await embed("hi"), "embeddings:hi");
    assert.throws(
      () => spot.mark(embeddings.create.bind(embeddings), { name: "chat.create" }),
      isCollision("chat.create"),
    );
    await spot.shutdown();
  });

  it("lets two versions of a function stand side by side, but not two functions of one version", async () => {
    const spot = newSpot();
    const v1 = spot.mark(chatModule(), { version: "v1" });
    const v2 = spot.mark(batchModule(), { version: "v2" });
    assert.equal(await v1("x"), "chat summary of x");
    assert.equal(await v2("x"), "batch summary of x");
    assert.throws(
      () => spot.mark(batchModule(), { version: "v1" }),
      isCollision("summarize", /version "v1"/),
    );
    await spot.shutdown();
  });

  it("keeps identities per Spot: the same name on another Spot is another cache", async () => {
    const first = newSpot("first");
    const second = newSpot("second");
    first.mark(chatModule());
    const batch = second.mark(batchModule());
    assert.equal(await batch("x"), "batch summary of x");
    await first.shutdown();
    await second.shutdown();
  });
});

describe("marking the same function again", () => {
  it("is allowed, with other options too, and the wrappers share stored results", async () => {
    const spot = newSpot();
    let calls = 0;
    async function produce(seed: number) {
      calls += 1;
      return seed * 10;
    }
    const strict = spot.mark(produce);
    const relaxed = spot.mark(produce, { saveSync: false });
    assert.equal(await strict(1), 10);
    assert.equal(await relaxed(1), 10);
    assert.equal(calls, 1);
    function square(x: number) {
      calls += 1;
      return x * x;
    }
    const squareSync = spot.markSync(square);
    const squareAsync = spot.mark(square);
    assert.equal(squareSync(3), 9);
    assert.equal(await squareAsync(3), 9);
    assert.equal(calls, 2);
    await spot.shutdown();
  });

  it("through spot.consume wrappers is the same function; another function behind one is not", async () => {
    const spot = newSpot();
    async function fetchPage(url: string) {
      return `<html>${url}</html>`;
    }
    spot.mark(fetchPage);
    spot.mark(spot.consume(fetchPage, { cost: 1 }));
    spot.mark(spot.consume(fetchPage, { cost: 2 }));
    const impostor = {
      async fetchPage(url: string) {
        return url;
      },
    }.fetchPage;
    assert.throws(() => spot.mark(spot.consume(impostor)), isCollision("fetchPage"));
    await spot.shutdown();
  });

  it("refuses a wrapper that is already marked, saying to call it or mark the original", async () => {
    const spot = newSpot();
    const summarize = spot.mark(chatModule());
    for (const mark of [
      () => spot.mark(summarize),
      () => spot.markSync(summarize as never),
      () => spot.mark(spot.consume(summarize)),
      () => newSpot("other").mark(summarize),
    ]) {
      assert.throws(mark, (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, /already marked \(identity "summarize"\)/);
        assert.match(error.message, /mark the original function/);
        return true;
      });
    }
    await spot.shutdown();
  });
});

describe("cachedRun and identities", () => {
  it("can be called again with the same function, or with one created afresh each run", async () => {
    const spot = newSpot();
    async function fetchPage(url: string) {
      return `<html>${url}</html>`;
    }
    for (let run = 0; run < 3; run += 1) {
      assert.equal(await spot.cachedRun(fetchPage, {}, (fetch) => fetch("a")), "<html>a</html>");
    }
    for (let run = 0; run < 3; run += 1) {
      const step = async function step(value: number) {
        return value + 1;
      };
      assert.equal(await spot.cachedRun(step, {}, (wrapped) => wrapped(run)), run + 1);
    }
    await spot.shutdown();
  });

  it("refuses a different function under an identity held by mark, or by a running body", async () => {
    const spot = newSpot();
    spot.mark(chatModule());
    await assert.rejects(
      spot.cachedRun(batchModule(), {}, (summarize) => summarize("x")),
      isCollision("summarize"),
    );
    async function report(day: string) {
      return day;
    }
    await spot.cachedRun(report, {}, async () => {
      const other = async function report(day: string) {
        return day.toUpperCase();
      };
      assert.throws(() => spot.mark(other), isCollision("report"));
    });
    // The body ended: the identity held only by cachedRun is free again.
    const later = async function report(day: string) {
      return day.toUpperCase();
    };
    assert.equal(await spot.mark(later)("mon"), "MON");
    await spot.shutdown();
  });
});

describe("decorated methods", () => {
  it("keep working when the class is evaluated again with the same code", async () => {
    const spot = newSpot();
    let calls = 0;
    const defineClient = () => {
      class Client {
        @spot.mark()
        async fetchText(url: string) {
          calls += 1;
          return url.length;
        }
      }
      return Client;
    };
    const First = defineClient();
    const Second = defineClient();
    assert.notEqual(First, Second);
    assert.equal(await new First().fetchText("abc"), 3);
    assert.equal(await new Second().fetchText("abc"), 3);
    assert.equal(calls, 1);
    await spot.shutdown();
  });

  it("refuse a second class of the same name whose method differs, at its first call", async () => {
    const spot = newSpot();
    const First = (() => {
      class Scraper {
        @spot.mark()
        async page(n: number) {
          return n;
        }
      }
      return Scraper;
    })();
    const Second = (() => {
      class Scraper {
        @spot.mark()
        async page(n: number) {
          return n * 2;
        }
      }
      return Scraper;
    })();
    assert.equal(await new First().page(2), 2);
    await assert.rejects(new Second().page(2), isCollision("Scraper.page", /n \* 2|page\(n\)/));
    await assert.rejects(new Second().page(2), ConfigurationError);
    assert.equal(await new First().page(2), 2);
    await spot.shutdown();
  });
});
