/** @module keys/keygen.test — KeyGen policies resolve at mark time and shape the input id at call time. */

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { ConfigurationError, ValidationError } from "../errors.js";
import { computeInputId } from "./canonical.js";
import { createInputIdFunction, isKeyGenPolicy, KeyGen } from "./keygen.js";

function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
}

function writeFile(directory: string, name: string, content: string | Uint8Array): string {
  const filePath = path.join(directory, name);
  fs.writeFileSync(filePath, content);
  return filePath;
}

function summarize(text: string, opts: { verbose?: boolean; onProgress?: () => void } = {}) {
  return `${text}${String(opts.verbose)}`;
}

function transcribe(audioPath: string, language: string) {
  return audioPath + language;
}

function fetchPage({ url, opts: { verbose } }: { url: string; opts: { verbose: boolean } }) {
  return url + String(verbose);
}

function mergeFiles(target: string, ...sources: string[]) {
  return target + sources.join();
}

describe("createInputIdFunction without keygen", () => {
  it("gives exactly the canonical input id of the arguments", () => {
    const inputIdOf = createInputIdFunction(summarize, undefined, "summarize");
    assert.equal(
      inputIdOf(["hello", { verbose: true }]),
      computeInputId(["hello", { verbose: true }]),
    );
  });

  it("suggests a keygen that uses the parameter name when an argument cannot be keyed", () => {
    const inputIdOf = createInputIdFunction(summarize, undefined, "summarize");
    assert.throws(
      () => inputIdOf(["hello", { onProgress: () => undefined }]),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message.includes("args[1].onProgress is a function") &&
        error.message.includes('KeyGen.ignore("opts.onProgress")'),
    );
  });
});

describe("KeyGen.ignore", () => {
  it("makes a call with a callback keyable, and any callback gives the same id", () => {
    const inputIdOf = createInputIdFunction(
      summarize,
      KeyGen.ignore("opts.onProgress"),
      "summarize",
    );
    const first = inputIdOf(["hello", { verbose: true, onProgress: () => 1 }]);
    const second = inputIdOf(["hello", { verbose: true, onProgress: () => 2 }]);
    const without = inputIdOf(["hello", { verbose: true }]);
    assert.equal(first, second);
    assert.equal(first, without);
  });

  it("still tells apart the arguments that are not ignored", () => {
    const inputIdOf = createInputIdFunction(
      summarize,
      KeyGen.ignore("opts.onProgress"),
      "summarize",
    );
    assert.notEqual(
      inputIdOf(["hello", { verbose: true }]),
      inputIdOf(["hello", { verbose: false }]),
    );
    assert.notEqual(inputIdOf(["hello", {}]), inputIdOf(["bye", {}]));
  });

  it("ignores a whole argument by name or by position, keeping the others in place", () => {
    for (const policy of [KeyGen.ignore("opts"), KeyGen.ignore(1), KeyGen.ignore("1")]) {
      const inputIdOf = createInputIdFunction(summarize, policy, "summarize");
      assert.equal(inputIdOf(["a", { verbose: true }]), inputIdOf(["a", Symbol("anything")]));
      assert.equal(inputIdOf(["a"]), inputIdOf(["a", { verbose: false }]));
      assert.notEqual(inputIdOf(["a", 1]), inputIdOf(["b", 1]));
    }
  });

  it("does not change the caller's objects", () => {
    const inputIdOf = createInputIdFunction(
      summarize,
      KeyGen.ignore("opts.onProgress"),
      "summarize",
    );
    const onProgress = () => undefined;
    const opts = { verbose: true, onProgress };
    const args = ["hello", opts] as const;
    inputIdOf(args);
    assert.equal(opts.onProgress, onProgress);
    assert.equal(args[1], opts);
  });

  it("resolves a name bound by destructuring to its path inside the argument", () => {
    const inputIdOf = createInputIdFunction(fetchPage, KeyGen.ignore("verbose"), "fetchPage");
    const page = (verbose: boolean) => [{ url: "u", opts: { verbose } }];
    assert.equal(inputIdOf(page(true)), inputIdOf(page(false)));
    assert.notEqual(inputIdOf([{ url: "u", opts: {} }]), inputIdOf([{ url: "v", opts: {} }]));
  });

  it("ignores every argument a rest parameter receives", () => {
    const inputIdOf = createInputIdFunction(mergeFiles, KeyGen.ignore("sources"), "mergeFiles");
    assert.equal(inputIdOf(["t", "a", "b"]), inputIdOf(["t"]));
    assert.notEqual(inputIdOf(["t", "a"]), inputIdOf(["u", "a"]));
  });

  it("ignores one element of an array argument by index path", () => {
    const inputIdOf = createInputIdFunction(
      (items: unknown[]) => items,
      KeyGen.ignore("items.1"),
      "f",
    );
    assert.equal(inputIdOf([[1, () => 1, 3]]), inputIdOf([[1, "x", 3]]));
    assert.notEqual(inputIdOf([[1, 2, 3]]), inputIdOf([[1, 2, 4]]));
  });

  it("ignores a field of a class instance without losing its class in the key", () => {
    class Job {
      constructor(
        readonly name: string,
        readonly logger: unknown,
      ) {}
    }
    const inputIdOf = createInputIdFunction((job: Job) => job, KeyGen.ignore("job.logger"), "run");
    assert.equal(inputIdOf([new Job("a", console)]), inputIdOf([new Job("a", () => 1)]));
    assert.notEqual(inputIdOf([new Job("a", console)]), inputIdOf([{ name: "a" }]));
  });
});

describe("KeyGen parameter resolution at mark time", () => {
  it("raises a ConfigurationError listing the known parameter names for an unknown name", () => {
    assert.throws(
      () => createInputIdFunction(summarize, KeyGen.ignore("options"), "summarize"),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.ok(!(error instanceof ValidationError));
        assert.match(error.message, /no parameter named "options"/);
        assert.match(error.message, /text, opts/);
        assert.match(error.message, /"summarize"/);
        return true;
      },
    );
  });

  it("checks names given to KeyGen.map, including HASH ones", () => {
    assert.throws(
      () => createInputIdFunction(summarize, KeyGen.map({ txt: KeyGen.HASH }), "summarize"),
      ConfigurationError,
    );
    assert.doesNotThrow(() =>
      createInputIdFunction(summarize, KeyGen.map({ text: KeyGen.HASH, 1: KeyGen.IGNORE }), "s"),
    );
  });

  it("accepts a name a bundler renamed with a numeric suffix (client -> client2) when only one parameter fits", () => {
    // esbuild (tsx) renames a parameter that shadows a module-level name: `client` becomes `client2`.
    const renamed = new Function("return async function ask(client2, prompt) { return prompt; }")();
    const inputIdOf = createInputIdFunction(renamed, KeyGen.ignore("client"), "ask");
    assert.equal(inputIdOf([{ id: 1 }, "hi"]), inputIdOf([{ id: 2 }, "hi"]));
    assert.notEqual(inputIdOf([{ id: 1 }, "hi"]), inputIdOf([{ id: 1 }, "bye"]));
    const destructured = new Function("return function run({ client: client3, query }) {}")();
    const byPath = createInputIdFunction(destructured, KeyGen.ignore("client"), "run");
    assert.equal(byPath([{ client: 1, query: "q" }]), byPath([{ client: 2, query: "q" }]));
  });

  it("refuses a name that matches several renamed parameters, suggesting the position", () => {
    const ambiguous = new Function("return function ask(client2, client3) {}")();
    assert.throws(
      () => createInputIdFunction(ambiguous, KeyGen.ignore("client"), "ask"),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, /client2, client3/);
        assert.match(error.message, /KeyGen\.ignore\(0\)/);
        assert.match(error.message, /renam/);
        return true;
      },
    );
  });

  it("names the positional form of the same builder in an unknown-name error", () => {
    assert.throws(
      () => createInputIdFunction(summarize, KeyGen.fileContent("options"), "summarize"),
      /KeyGen\.fileContent\(0\)/,
    );
    assert.throws(
      () => createInputIdFunction(summarize, KeyGen.map({ options: KeyGen.HASH }), "summarize"),
      /KeyGen\.map\(\{ 0: KeyGen\.HASH \}\)/,
    );
  });

  it("suggests positions when the function's parameter names cannot be read", () => {
    assert.throws(
      () => createInputIdFunction(Math.max, KeyGen.ignore("value"), "max"),
      /0-based position/,
    );
  });

  it("requires an index after a rest parameter's name in a dotted path", () => {
    assert.throws(
      () => createInputIdFunction(mergeFiles, KeyGen.fileContent("sources.name"), "mergeFiles"),
      ConfigurationError,
    );
  });

  it("refuses malformed parameters and strategies when the policy is built", () => {
    assert.throws(() => KeyGen.ignore(), ValidationError);
    assert.throws(() => KeyGen.ignore(""), ValidationError);
    assert.throws(() => KeyGen.ignore("opts..verbose"), ValidationError);
    assert.throws(() => KeyGen.ignore(-1), ValidationError);
    assert.throws(() => KeyGen.ignore(1.5), ValidationError);
    assert.throws(() => KeyGen.map({ text: "md5" as never }), ValidationError);
  });

  it("refuses a keygen option that is neither a policy nor a function", () => {
    assert.throws(
      () => createInputIdFunction(summarize, { rules: [] } as never, "summarize"),
      ConfigurationError,
    );
  });

  it("builds frozen policy objects that can be recognised", () => {
    const policy = KeyGen.ignore("a");
    assert.ok(isKeyGenPolicy(policy));
    assert.ok(Object.isFrozen(policy));
    assert.ok(!isKeyGenPolicy({ kind: "other", rules: [] }));
  });
});

describe("KeyGen.fileContent", () => {
  it("gives a renamed copy with the same extension the same id", () => {
    const directory = makeTempDir();
    const original = writeFile(directory, "talk.wav", "RIFF-bytes");
    const copy = path.join(directory, "renamed-talk.wav");
    fs.copyFileSync(original, copy);
    const inputIdOf = createInputIdFunction(
      transcribe,
      KeyGen.fileContent("audioPath"),
      "transcribe",
    );
    assert.equal(inputIdOf([original, "en"]), inputIdOf([copy, "en"]));
  });

  it("changes the id when the content changes", () => {
    const directory = makeTempDir();
    const file = writeFile(directory, "talk.wav", "first");
    const inputIdOf = createInputIdFunction(
      transcribe,
      KeyGen.fileContent("audioPath"),
      "transcribe",
    );
    const before = inputIdOf([file, "en"]);
    fs.writeFileSync(file, "second");
    assert.notEqual(inputIdOf([file, "en"]), before);
  });

  it("tells apart the same bytes under different extensions", () => {
    const directory = makeTempDir();
    const wav = writeFile(directory, "a.wav", "same");
    const mp3 = writeFile(directory, "a.mp3", "same");
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.fileContent(0), "transcribe");
    assert.notEqual(inputIdOf([wav, "en"]), inputIdOf([mp3, "en"]));
  });

  it("tells apart the file's digest from its path given as a plain string", () => {
    const directory = makeTempDir();
    const file = writeFile(directory, "a.txt", "x");
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.fileContent(0), "transcribe");
    assert.notEqual(inputIdOf([file, "en"]), computeInputId([file, "en"]));
  });

  it("hashes files larger than one read chunk completely", () => {
    const directory = makeTempDir();
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const first = writeFile(directory, "big.bin", big);
    big[big.length - 1] = 8;
    const second = writeFile(directory, "big2.bin", big);
    const same = path.join(directory, "big3.bin");
    fs.copyFileSync(first, same);
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.fileContent(0), "transcribe");
    assert.notEqual(inputIdOf([first, "en"]), inputIdOf([second, "en"]));
    assert.equal(inputIdOf([first, "en"]), inputIdOf([same, "en"]));
  });

  it("accepts file: URLs", () => {
    const directory = makeTempDir();
    const file = writeFile(directory, "a.txt", "x");
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.fileContent(0), "transcribe");
    assert.equal(inputIdOf([pathToFileURL(file), "en"]), inputIdOf([file, "en"]));
  });

  it("applies to a path inside an object argument", () => {
    const directory = makeTempDir();
    const file = writeFile(directory, "a.png", "png");
    const copy = path.join(directory, "b.png");
    fs.copyFileSync(file, copy);
    const describeImage = (request: { image: string; prompt: string }) => request;
    const inputIdOf = createInputIdFunction(
      describeImage,
      KeyGen.fileContent("request.image"),
      "d",
    );
    assert.equal(
      inputIdOf([{ image: file, prompt: "p" }]),
      inputIdOf([{ image: copy, prompt: "p" }]),
    );
    assert.notEqual(
      inputIdOf([{ image: file, prompt: "p" }]),
      inputIdOf([{ image: file, prompt: "q" }]),
    );
  });

  it("applies to every argument of a rest parameter", () => {
    const directory = makeTempDir();
    const a = writeFile(directory, "a.txt", "A");
    const b = writeFile(directory, "b.txt", "B");
    const aCopy = path.join(directory, "a-copy.txt");
    fs.copyFileSync(a, aCopy);
    const inputIdOf = createInputIdFunction(
      mergeFiles,
      KeyGen.fileContent("sources"),
      "mergeFiles",
    );
    assert.equal(inputIdOf(["t", a, b]), inputIdOf(["t", aCopy, b]));
    assert.notEqual(inputIdOf(["t", a, b]), inputIdOf(["t", b, a]));
  });

  it("raises a ValidationError naming the path and the parameter when the file is missing", () => {
    const directory = makeTempDir();
    const missing = path.join(directory, "gone.wav");
    const inputIdOf = createInputIdFunction(
      transcribe,
      KeyGen.fileContent("audioPath"),
      "transcribe",
    );
    assert.throws(
      () => inputIdOf([missing, "en"]),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.ok(error.message.includes(missing));
        assert.match(error.message, /KeyGen\.fileContent\("audioPath"\)/);
        assert.match(error.message, /args\[0\]/);
        assert.match(error.message, /does not exist/);
        return true;
      },
    );
  });

  it("raises a ValidationError for a directory or a value that is not a path", () => {
    const directory = makeTempDir();
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.fileContent(0), "transcribe");
    assert.throws(() => inputIdOf([directory, "en"]), /is a directory/);
    assert.throws(() => inputIdOf([42, "en"]), /number 42, not a file path/);
  });

  it("leaves an omitted optional file argument as an absent input", () => {
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.fileContent(0), "transcribe");
    assert.equal(inputIdOf([undefined, "en"]), computeInputId([undefined, "en"]));
  });
});

describe("KeyGen.pathStat", () => {
  it("keeps the id while the file is unchanged and changes it when size or mtime change", () => {
    const directory = makeTempDir();
    const file = writeFile(directory, "data.csv", "a,b\n");
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.pathStat("audioPath"), "transcribe");
    const first = inputIdOf([file, "en"]);
    assert.equal(inputIdOf([file, "en"]), first);

    fs.utimesSync(file, new Date(2_000_000_000_000), new Date(2_000_000_000_000));
    const touched = inputIdOf([file, "en"]);
    assert.notEqual(touched, first);

    fs.appendFileSync(file, "1,2\n");
    fs.utimesSync(file, new Date(2_000_000_000_000), new Date(2_000_000_000_000));
    assert.notEqual(inputIdOf([file, "en"]), touched);
  });

  it("tells apart copies at different paths, unlike fileContent", () => {
    const directory = makeTempDir();
    const file = writeFile(directory, "a.csv", "same");
    const copy = path.join(directory, "b.csv");
    fs.copyFileSync(file, copy);
    const time = new Date(1_700_000_000_000);
    fs.utimesSync(file, time, time);
    fs.utimesSync(copy, time, time);
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.pathStat(0), "transcribe");
    assert.notEqual(inputIdOf([file, "en"]), inputIdOf([copy, "en"]));
  });

  it("raises a ValidationError naming the path when the file is missing", () => {
    const missing = path.join(makeTempDir(), "none.csv");
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.pathStat(0), "transcribe");
    assert.throws(
      () => inputIdOf([missing, "en"]),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message.includes(missing) &&
        error.message.includes("KeyGen.pathStat(0)"),
    );
  });
});

describe("KeyGen.map", () => {
  it("applies one strategy per parameter", () => {
    const directory = makeTempDir();
    const image = writeFile(directory, "cat.png", "cat");
    const renamed = path.join(directory, "kitty.png");
    fs.copyFileSync(image, renamed);
    const caption = (prompt: string, imagePath: string, logger: unknown) => [
      prompt,
      imagePath,
      logger,
    ];
    const inputIdOf = createInputIdFunction(
      caption,
      KeyGen.map({ prompt: KeyGen.HASH, imagePath: KeyGen.FILE_CONTENT, logger: KeyGen.IGNORE }),
      "caption",
    );
    assert.equal(inputIdOf(["p", image, console]), inputIdOf(["p", renamed, () => 1]));
    assert.notEqual(inputIdOf(["p", image, console]), inputIdOf(["q", image, console]));
  });

  it("accepts positions as keys", () => {
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.map({ 1: KeyGen.IGNORE }), "t");
    assert.equal(inputIdOf(["a", "en"]), inputIdOf(["a", "fr"]));
  });

  it("with only HASH entries gives the default id", () => {
    const inputIdOf = createInputIdFunction(transcribe, KeyGen.map({ language: KeyGen.HASH }), "t");
    assert.equal(inputIdOf(["a", "en"]), computeInputId(["a", "en"]));
  });
});

describe("custom keygen function", () => {
  it("uses the returned string as the input id, as-is", () => {
    const inputIdOf = createInputIdFunction(
      transcribe,
      (audioPath: string, language: string) => `${language}:${path.basename(audioPath)}`,
      "transcribe",
    );
    assert.equal(inputIdOf(["/x/a.wav", "en"]), "en:a.wav");
  });

  it("raises a ValidationError at call time when it returns something other than a string", () => {
    const inputIdOf = createInputIdFunction(transcribe, (() => 42) as never, "transcribe");
    assert.throws(
      () => inputIdOf(["a", "en"]),
      (error: unknown) =>
        error instanceof ValidationError &&
        /keygen function of "transcribe" returned number 42/.test(error.message),
    );
  });
});
