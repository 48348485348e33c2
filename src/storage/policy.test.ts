/** @module storage/policy.test — storage policies: where values go, and the large-value warning. */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../errors.js";
import type { Logger } from "../types.js";
import {
  AlwaysBlobPolicy,
  DEFAULT_BLOB_WARNING_THRESHOLD,
  ThresholdStoragePolicy,
  WarningOnlyPolicy,
} from "./policy.js";

/** A logger that remembers warnings. */
function makeRecordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (message) => warnings.push(message), error: () => {} };
}

const context = (funcName: string) => ({ funcName, cacheKey: "k" });

describe("ThresholdStoragePolicy", () => {
  it("uses a blob from the threshold upwards", () => {
    const policy = new ThresholdStoragePolicy({ threshold: 100 });
    assert.equal(policy.shouldUseBlob(99, context("f")), false);
    assert.equal(policy.shouldUseBlob(100, context("f")), true);
  });

  it("refuses negative or non-finite thresholds", () => {
    for (const threshold of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new ThresholdStoragePolicy({ threshold }), ValidationError);
    }
  });
});

describe("WarningOnlyPolicy", () => {
  it("never uses a blob", () => {
    const policy = new WarningOnlyPolicy({ logger: makeRecordingLogger() });
    assert.equal(policy.shouldUseBlob(50 * 1024 * 1024, context("f")), false);
  });

  it("warns once per function about values above the threshold, naming the fixes", () => {
    const logger = makeRecordingLogger();
    const policy = new WarningOnlyPolicy({ warningThreshold: 10, logger });
    policy.shouldUseBlob(10, context("small"));
    policy.shouldUseBlob(11, context("big"));
    policy.shouldUseBlob(500, context("big"));
    policy.shouldUseBlob(20, context("other"));
    assert.equal(logger.warnings.length, 2);
    assert.match(logger.warnings[0] ?? "", /^big returned a value of 11 B/);
    assert.match(logger.warnings[0] ?? "", /saveBlob: true/);
    assert.match(logger.warnings[0] ?? "", /ThresholdStoragePolicy/);
  });

  it("defaults to a 1 MiB threshold", () => {
    assert.equal(new WarningOnlyPolicy().warningThreshold, DEFAULT_BLOB_WARNING_THRESHOLD);
    assert.equal(DEFAULT_BLOB_WARNING_THRESHOLD, 1024 * 1024);
  });

  it("refuses a negative threshold", () => {
    assert.throws(() => new WarningOnlyPolicy({ warningThreshold: -5 }), ValidationError);
  });
});

describe("AlwaysBlobPolicy", () => {
  it("uses a blob for every size", () => {
    const policy = new AlwaysBlobPolicy();
    assert.equal(policy.shouldUseBlob(0, context("f")), true);
  });
});
