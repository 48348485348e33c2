/** @module hooks/dispatch.test — hooks run in order, see frozen contexts and never break the call. */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ValidationError } from "../errors.js";
import type { Logger } from "../types.js";
import { HookBase } from "./base.js";
import {
  createHookContext,
  createHookResultContext,
  normalizeHooks,
  runHooks,
} from "./dispatch.js";
import type { HookContext, HookResultContext } from "./types.js";

/** A logger that keeps what it was told. */
class RecordingLogger implements Logger {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
  error(message: string): void {
    this.errors.push(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function makeContext(args: unknown[] = ["hello", { depth: 1 }]): HookContext {
  return createHookContext({
    funcName: "summarize",
    inputId: "input-1",
    cacheKey: "key-1",
    args,
    version: "v1",
  });
}

describe("createHookContext", () => {
  it("freezes the context and a copy of the arguments, leaving the caller's array writable", () => {
    const args: unknown[] = ["hello"];
    const context = makeContext(args);
    assert.ok(Object.isFrozen(context));
    assert.ok(Object.isFrozen(context.args));
    assert.notEqual(context.args, args);
    assert.deepEqual(context.args, ["hello"]);
    assert.throws(() => {
      (context as { funcName: string }).funcName = "other";
    }, TypeError);
    assert.throws(() => {
      (context.args as unknown[]).push("more");
    }, TypeError);
    args.push("still writable");
    assert.equal(context.args.length, 1);
  });

  it("adds the result in a frozen hit/miss context that shares the frozen arguments", () => {
    const context = makeContext();
    const withResult = createHookResultContext(context, { answer: 42 });
    assert.ok(Object.isFrozen(withResult));
    assert.equal(withResult.args, context.args);
    assert.deepEqual(withResult.result, { answer: 42 });
    assert.equal(withResult.version, "v1");
    assert.equal(withResult.cacheKey, "key-1");
    assert.throws(() => {
      (withResult as { result: unknown }).result = 1;
    }, TypeError);
  });
});

describe("normalizeHooks", () => {
  it("accepts HookBase subclasses and plain objects with any hook method", () => {
    class Metrics extends HookBase {}
    const plain = { onCacheHit() {} };
    const hooks = normalizeHooks([new Metrics(), plain], "hooks of summarize");
    assert.equal(hooks.length, 2);
    assert.equal(hooks[1], plain);
  });

  it("treats a missing hooks option as no hooks", () => {
    assert.deepEqual(normalizeHooks(undefined, "hooks of summarize"), []);
  });

  it("returns a copy, so later changes to the caller's array do not leak in", () => {
    const list = [{ preExecute() {} }];
    const hooks = normalizeHooks(list, "hooks of summarize");
    list.push({ preExecute() {} });
    assert.equal(hooks.length, 1);
  });

  const invalid: [string, unknown][] = [
    ["a single hook not in an array", { preExecute() {} }],
    ["a string", "metrics"],
    ["a null entry", [null]],
    ["a function entry", [() => {}]],
    ["an object with no hook method", [{ onHit() {} }]],
    ["a hook method that is not a function", [{ onCacheHit: true }]],
  ];
  for (const [what, hooks] of invalid) {
    it(`refuses ${what}, naming where`, () => {
      assert.throws(
        () => normalizeHooks(hooks, "hooks of summarize"),
        (error: unknown) =>
          error instanceof ValidationError && error.message.startsWith("hooks of summarize"),
      );
    });
  }
});

describe("runHooks", () => {
  const unhandled: unknown[] = [];
  const recordUnhandled = (reason: unknown) => unhandled.push(reason);
  before(() => process.on("unhandledRejection", recordUnhandled));
  after(() => process.off("unhandledRejection", recordUnhandled));

  it("calls hooks in list order, awaiting each async hook before the next", async () => {
    const calls: string[] = [];
    const hooks = normalizeHooks(
      [
        {
          async preExecute() {
            await sleep(30);
            calls.push("slow");
          },
        },
        {
          preExecute() {
            calls.push("sync");
          },
        },
        {
          async preExecute() {
            await sleep(1);
            calls.push("fast");
          },
        },
      ],
      "hooks of summarize",
    );
    await runHooks(hooks, "preExecute", makeContext(), new RecordingLogger());
    assert.deepEqual(calls, ["slow", "sync", "fast"]);
  });

  it("calls only the method of the event, with the context it was given and the hook as this", async () => {
    const seen: [string, unknown][] = [];
    class Recorder extends HookBase {
      readonly label = "recorder";
      override onCacheHit(context: HookResultContext) {
        seen.push([this.label, context.result]);
      }
      override onCacheMiss() {
        seen.push(["miss", undefined]);
      }
    }
    const context = createHookResultContext(makeContext(), "stored");
    await runHooks([new Recorder()], "onCacheHit", context, new RecordingLogger());
    assert.deepEqual(seen, [["recorder", "stored"]]);
  });

  it("logs a throwing hook, names the hook, event and function, and runs the next hook", async () => {
    const logger = new RecordingLogger();
    let reachedNext = false;
    class Exploding extends HookBase {
      override onCacheMiss(): void {
        throw new Error("boom");
      }
    }
    const context = createHookResultContext(makeContext(), 1);
    await runHooks(
      [
        new Exploding(),
        {
          onCacheMiss() {
            reachedNext = true;
          },
        },
      ],
      "onCacheMiss",
      context,
      logger,
    );
    assert.equal(reachedNext, true);
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0]!, /Exploding\.onCacheMiss/);
    assert.match(logger.warnings[0]!, /summarize/);
    assert.match(logger.warnings[0]!, /boom/);
  });

  it("logs a rejecting hook without rejecting or leaving an unhandled rejection", async () => {
    const logger = new RecordingLogger();
    const hook = {
      name: "audit",
      async preExecute() {
        await sleep(1);
        throw new Error("audit store offline");
      },
    };
    const nonErrorHook = {
      preExecute() {
        return Promise.reject("plain string reason");
      },
    };
    await runHooks([hook, nonErrorHook], "preExecute", makeContext(), logger);
    await sleep(20);
    assert.equal(unhandled.length, 0);
    assert.equal(logger.warnings.length, 2);
    assert.match(logger.warnings[0]!, /audit\.preExecute/);
    assert.match(logger.warnings[0]!, /audit store offline/);
    assert.match(logger.warnings[1]!, /plain string reason/);
  });

  it("does not let a hook change the context it observes", async () => {
    const logger = new RecordingLogger();
    const context = makeContext();
    await runHooks(
      [
        {
          preExecute(received: HookContext) {
            (received as { cacheKey: string }).cacheKey = "tampered";
          },
        },
      ],
      "preExecute",
      context,
      logger,
    );
    assert.equal(context.cacheKey, "key-1");
    assert.equal(logger.warnings.length, 1);
  });

  it("survives a logger that throws", async () => {
    const logger: Logger = {
      warn() {
        throw new Error("logger broken");
      },
      error() {},
    };
    const hooks = [
      {
        preExecute() {
          throw new Error("hook broken");
        },
      },
    ];
    await runHooks(hooks, "preExecute", makeContext(), logger);
  });
});
