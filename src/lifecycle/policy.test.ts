/** @module lifecycle/policy.test — glob rules, their precedence and their validation. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../errors.js";
import {
  compileGlob,
  createDefaultLifecyclePolicy,
  DEFAULT_RETENTION_MS,
  LifecyclePolicy,
} from "./policy.js";
import { Retention } from "./retention.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("compileGlob", () => {
  const cases: [string, string, boolean][] = [
    ["fetch_*", "fetch_page", true],
    ["fetch_*", "fetch_", true],
    ["fetch_*", "prefetch_page", false],
    ["*.summarize", "Agent.summarize", true],
    ["**summarize", "Agent.summarize", true],
    ["job?", "job1", true],
    ["job?", "job12", false],
    ["job[abc]", "jobb", true],
    ["job[abc]", "jobd", false],
    ["job[a-c]", "jobc", true],
    ["job[!abc]", "jobd", true],
    ["job[!abc]", "joba", false],
    ["a.b", "a.b", true],
    ["a.b", "axb", false],
    ["f(x)+", "f(x)+", true],
    ["cost$", "cost$", true],
    ["lit[", "lit[", true],
    ["[]]x", "]x", true],
    ["a/b", "a/b", true],
    ["a-b", "a-b", true],
    ["^start", "^start", true],
    ["multi*", "multi\nline", true],
  ];
  for (const [pattern, name, expected] of cases) {
    it(`${expected ? "matches" : "does not match"} ${JSON.stringify(name)} with ${JSON.stringify(pattern)}`, () => {
      assert.equal(compileGlob(pattern).test(name), expected);
    });
  }

  it("refuses a backwards range", () => {
    assert.throws(() => compileGlob("x[z-a]"), ValidationError);
  });
});

describe("LifecyclePolicy", () => {
  it("gives the first rule matching the identity", () => {
    const policy = new LifecyclePolicy({
      rules: [
        { pattern: "app.fetch_*", retention: "1h" },
        { pattern: "app.*", retention: "2d" },
      ],
      defaultRetention: "7d",
    });
    assert.equal(policy.resolve("app.fetch_page", "fetch_page"), HOUR);
    assert.equal(policy.resolve("app.render", "render"), 2 * DAY);
  });

  it("checks every rule against the identity before trying the short name", () => {
    const policy = new LifecyclePolicy({
      rules: [
        { pattern: "summarize", retention: "1h" },
        { pattern: "reports.*", retention: "3d" },
      ],
    });
    assert.equal(policy.resolve("reports.summarize", "summarize"), 3 * DAY);
  });

  it("falls back to the short name when no rule matches the identity", () => {
    const policy = new LifecyclePolicy({
      rules: [{ pattern: "summar?ze", retention: "10m" }],
      defaultRetention: "7d",
    });
    assert.equal(policy.resolve("module-x:summarize", "summarize"), 10 * 60_000);
  });

  it("uses the default when nothing matches, 30 days when no default is given", () => {
    const policy = new LifecyclePolicy({
      rules: [{ pattern: "x*", retention: "1h" }],
      defaultRetention: 60,
    });
    assert.equal(policy.resolve("other", "other"), 60_000);
    assert.equal(new LifecyclePolicy({ rules: [] }).resolve("a", "a"), DEFAULT_RETENTION_MS);
    assert.equal(DEFAULT_RETENTION_MS, 30 * DAY);
  });

  it("keeps forever as null, from a rule or from the default", () => {
    const policy = new LifecyclePolicy({
      rules: [{ pattern: "keep_*", retention: Retention.FOREVER }],
      defaultRetention: Retention.FOREVER,
    });
    assert.equal(policy.resolve("keep_me", "keep_me"), null);
    assert.equal(policy.resolve("other", "other"), null);
  });

  it("the default policy keeps every entry 30 days", () => {
    const policy = createDefaultLifecyclePolicy();
    assert.equal(policy.resolve("anything", "anything"), 30 * DAY);
  });

  const invalid: [string, unknown][] = [
    ["rules that are not an array", { rules: { pattern: "*", retention: "1d" } }],
    ["a rule that is not an object", { rules: ["*"] }],
    ["an empty pattern", { rules: [{ pattern: "", retention: "1d" }] }],
    ["a pattern that is not a string", { rules: [{ pattern: 5, retention: "1d" }] }],
    ["a bad rule retention", { rules: [{ pattern: "a*", retention: "soon" }] }],
    ["a missing rule retention", { rules: [{ pattern: "a*" }] }],
    ["a bad default retention", { defaultRetention: -1 }],
    ["a backwards range in a pattern", { rules: [{ pattern: "[z-a]", retention: "1d" }] }],
    ["options that are not an object", "30d"],
  ];
  for (const [what, options] of invalid) {
    it(`refuses ${what} at construction`, () => {
      assert.throws(
        () => new LifecyclePolicy(options as ConstructorParameters<typeof LifecyclePolicy>[0]),
        ValidationError,
      );
    });
  }

  it("names the rule and its pattern when a rule retention is bad", () => {
    assert.throws(
      () =>
        new LifecyclePolicy({
          rules: [
            { pattern: "ok", retention: "1d" },
            // @ts-expect-error: "3x" is not a duration; checked at run time too (plain JavaScript)
            { pattern: "fetch_*", retention: "3x" },
          ],
        }),
      /rule 1 of LifecyclePolicy \("fetch_\*"\)/,
    );
  });
});
