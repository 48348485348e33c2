/** @module keys/params.test — parameter names are read from every form a function can take. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type DeclaredParameter,
  listParameterNames,
  parseParameters,
  resolveParameterName,
} from "./params.js";

/**
 * Builds a function from exact source text. Functions written in this file would be
 * reformatted by the TypeScript compiler first; this keeps the forms under test as written.
 */
function compile(source: string): Function {
  return new Function(`return (${source});`)() as Function;
}

/** A readable summary: a name, or for patterns `name@path` for each binding. */
function summarize(parameters: readonly DeclaredParameter[]): unknown[] {
  return parameters.map((parameter) => {
    const prefix = parameter.rest ? "..." : "";
    if (parameter.name !== undefined) return prefix + parameter.name;
    return parameter.bindings.map(
      (binding) => `${binding.restElement ? "..." : ""}${binding.name}@${binding.path.join(".")}`,
    );
  });
}

function namesOf(source: string): unknown[] {
  return summarize(parseParameters(compile(source)));
}

describe("parseParameters", () => {
  it("reads plain parameters of a function declaration", () => {
    assert.deepEqual(namesOf("function add(a, b) { return a + b; }"), ["a", "b"]);
  });

  it("reads an anonymous function expression", () => {
    assert.deepEqual(namesOf("function (first, second) {}"), ["first", "second"]);
  });

  it("reads async, generator and async generator functions", () => {
    assert.deepEqual(namesOf("async function load(url, options) {}"), ["url", "options"]);
    assert.deepEqual(namesOf("function* walk(tree) {}"), ["tree"]);
    assert.deepEqual(namesOf("async function * stream(prompt, n) {}"), ["prompt", "n"]);
  });

  it("reads arrow functions with and without parentheses", () => {
    assert.deepEqual(namesOf("(a, b) => a + b"), ["a", "b"]);
    assert.deepEqual(namesOf("text => text.length"), ["text"]);
    assert.deepEqual(namesOf("async text => text"), ["text"]);
    assert.deepEqual(namesOf("async (text, n) => text"), ["text", "n"]);
    assert.deepEqual(namesOf("() => 1"), []);
  });

  it("reads an arrow function whose single parameter is named async", () => {
    assert.deepEqual(namesOf("async => async"), ["async"]);
  });

  it("reads defaults that contain commas, parentheses, strings, templates, regexes and arrows", () => {
    const source =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text under test
      'function f(a, b = (1, 2), c = \'x,y)\', d = "q,\\")", e = `t,${(1, 2)},`, ' +
      "g = (p, q) => p + q, h = /[,)]\\//g, i = { k: [1, 2] }, j = a / 2, k = [`,`]) {}";
    assert.deepEqual(namesOf(source), ["a", "b", "c", "d", "e", "g", "h", "i", "j", "k"]);
  });

  it("reads a template default that nests another template", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text under test
    const source = "function f(a = `x${`y${1},`},`, b) {}";
    assert.deepEqual(namesOf(source), ["a", "b"]);
  });

  it("ignores comments, including commas and names inside them", () => {
    const source = "function f(/* a, */ b /* c, */, // d,\n e) {}";
    assert.deepEqual(namesOf(source), ["b", "e"]);
  });

  it("accepts a trailing comma", () => {
    assert.deepEqual(namesOf("function f(a, b,) {}"), ["a", "b"]);
  });

  it("reads a rest parameter", () => {
    const parameters = parseParameters(compile("function f(first, ...others) {}"));
    assert.deepEqual(summarize(parameters), ["first", "...others"]);
    assert.equal(parameters[1]?.rest, true);
    assert.equal(parameters[1]?.position, 1);
  });

  it("reads destructured object parameters with nested and renamed bindings", () => {
    const source =
      "function fetchPage({ url, opts: { verbose, retries: tries = 3 } = {} }, other) {}";
    assert.deepEqual(namesOf(source), [
      ["url@url", "verbose@opts.verbose", "tries@opts.retries"],
      "other",
    ]);
  });

  it("reads destructured array parameters, with holes and defaults", () => {
    assert.deepEqual(namesOf("function f([a, , c = 1, [d]]) {}"), [["a@0", "c@2", "d@3.0"]]);
  });

  it("reads quoted and numeric keys and skips computed ones", () => {
    const source = "({ 'a-b': ab, \"c\": cc, 0: zero, [key]: computed, e = 1 ? 2 : 3 }) => 0";
    assert.deepEqual(namesOf(source), [["ab@a-b", "cc@c", "zero@0", "e@e"]]);
  });

  it("marks rest elements inside patterns", () => {
    assert.deepEqual(namesOf("({ a, ...others }, [first, ...more]) => 0"), [
      ["a@a", "...others@"],
      ["first@0", "...more@1"],
    ]);
  });

  it("reads object and class methods, including async, generator, private and computed names", () => {
    const holder = compile(
      "{ foo(a, b) {}, async bar(c) {}, *gen(d) {}, 'quoted name'(e) {}, [Symbol.iterator](f) {}, get value() { return 1; } }",
    ) as unknown as Record<string | symbol, Function>;
    assert.deepEqual(summarize(parseParameters(holder.foo!)), ["a", "b"]);
    assert.deepEqual(summarize(parseParameters(holder.bar!)), ["c"]);
    assert.deepEqual(summarize(parseParameters(holder.gen!)), ["d"]);
    assert.deepEqual(summarize(parseParameters(holder["quoted name"]!)), ["e"]);
    assert.deepEqual(summarize(parseParameters(holder[Symbol.iterator]!)), ["f"]);
    const getter = Object.getOwnPropertyDescriptor(holder, "value")?.get;
    assert.ok(getter);
    assert.deepEqual(summarize(parseParameters(getter)), []);

    const Example = compile(
      "class Example { static make(config) {} async run(job, { dryRun }) {} #secret(token) {} reveal() { return this.#secret; } }",
    ) as unknown as {
      new (): { reveal(): Function };
      make: Function;
      prototype: { run: Function };
    };
    assert.deepEqual(summarize(parseParameters(Example.make)), ["config"]);
    assert.deepEqual(summarize(parseParameters(Example.prototype.run)), ["job", ["dryRun@dryRun"]]);
    assert.deepEqual(summarize(parseParameters(new Example().reveal())), ["token"]);
  });

  it("reads functions compiled from TypeScript, types and all", () => {
    class Service {
      fetch(url: string, options: { retries?: number } = {}): string {
        return url + String(options.retries);
      }
    }
    const summarizeText = async (text: string, { model }: { model: string }, ...extra: number[]) =>
      `${text}${model}${extra.length}`;
    assert.deepEqual(summarize(parseParameters(Service.prototype.fetch)), ["url", "options"]);
    assert.deepEqual(summarize(parseParameters(summarizeText)), [
      "text",
      ["model@model"],
      "...extra",
    ]);
  });

  it("reads down-levelled output that moved defaults into the body", () => {
    const source = "function f(a, b) { if (b === void 0) { b = 2; } return a + b; }";
    assert.deepEqual(namesOf(source), ["a", "b"]);
  });

  it("returns no parameters for native, bound and class sources instead of failing", () => {
    assert.deepEqual(parseParameters(Math.max), []);
    assert.deepEqual(parseParameters(((a: number) => a).bind(null)), []);
    assert.deepEqual(parseParameters(compile("class K { constructor(a) {} }")), []);
  });
});

describe("resolveParameterName", () => {
  const parameters = parseParameters(
    compile("function f(text, { url, opts: { verbose } }, [first], ...rest) {}"),
  );

  it("resolves a plain parameter to its position", () => {
    assert.deepEqual(resolveParameterName(parameters, "text"), {
      position: 0,
      path: [],
      spread: false,
    });
  });

  it("resolves a destructured name to its position and path", () => {
    assert.deepEqual(resolveParameterName(parameters, "verbose"), {
      position: 1,
      path: ["opts", "verbose"],
      spread: false,
    });
    assert.deepEqual(resolveParameterName(parameters, "first"), {
      position: 2,
      path: [0],
      spread: false,
    });
  });

  it("resolves a rest parameter to every argument from its position", () => {
    assert.deepEqual(resolveParameterName(parameters, "rest"), {
      position: 3,
      path: [],
      spread: true,
    });
  });

  it("resolves names bound by a destructured rest parameter to their own positions", () => {
    const spread = parseParameters(compile("function f(a, ...[b, { c }]) {}"));
    assert.deepEqual(resolveParameterName(spread, "c"), {
      position: 2,
      path: ["c"],
      spread: false,
    });
  });

  it("does not resolve unknown names or rest elements inside patterns", () => {
    assert.equal(resolveParameterName(parameters, "nope"), undefined);
    const withRest = parseParameters(compile("({ a, ...others }) => 0"));
    assert.equal(resolveParameterName(withRest, "others"), undefined);
  });

  it("lists every usable name for messages", () => {
    assert.deepEqual(listParameterNames(parameters), [
      "text",
      "url (destructured from argument 1)",
      "verbose (destructured from argument 1)",
      "first (destructured from argument 2)",
      "...rest",
    ]);
  });
});
