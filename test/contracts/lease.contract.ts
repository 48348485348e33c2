/**
 * @module test/contracts/lease.contract — what every TaskDB offering the optional lease methods
 * (`singleFlight: "machine"`) must do. Two connections to the same storage stand for two processes.
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { LeaseMethods, TaskDB } from "../../src/db/types.js";

/** Builds two connections to the same fresh storage, and removes that storage afterwards. */
export type MakeLeaseDBs = () => Promise<{
  first: TaskDB & LeaseMethods;
  second: TaskDB & LeaseMethods;
  cleanup(): Promise<void>;
}>;

const holder = (id: string) => ({ id, pid: 4242, host: "contract-host" });

/** Runs the shared lease suite under `name`. */
export function runLeaseContract(name: string, makeDbs: MakeLeaseDBs): void {
  describe(`Lease contract: ${name}`, () => {
    let first: TaskDB & LeaseMethods;
    let second: TaskDB & LeaseMethods;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ first, second, cleanup } = await makeDbs());
    });

    afterEach(async () => {
      await first.close();
      await second.close();
      await cleanup();
    });

    it("claimLease gives a free key to the first claimer and refuses the next until expiry", async () => {
      assert.equal(await first.claimLease("k", holder("a"), 1_000, 11_000), true);
      assert.equal(await second.claimLease("k", holder("b"), 10_999, 20_000), false);
      assert.equal(await second.claimLease("k", holder("b"), 11_000, 21_000), true);
    });

    it("of many claims at once on one key, exactly one succeeds", async () => {
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          (index % 2 === 0 ? first : second).claimLease("k", holder(`h${index}`), 0, 10_000),
        ),
      );
      assert.equal(claims.filter(Boolean).length, 1);
    });

    it("getLease returns the holder and expiry, undefined for a free key", async () => {
      assert.equal(await first.getLease("k"), undefined);
      await first.claimLease("k", holder("a"), 0, 10_000);
      assert.deepEqual(await second.getLease("k"), { ...holder("a"), expiresAt: 10_000 });
    });

    it("renewLease moves the expiry only for the current holder", async () => {
      await first.claimLease("k", holder("a"), 0, 10_000);
      assert.equal(await second.renewLease("k", "b", 50_000), false);
      assert.equal(await first.renewLease("k", "a", 20_000), true);
      assert.equal((await second.getLease("k"))?.expiresAt, 20_000);
      assert.equal(await second.claimLease("k", holder("b"), 15_000, 30_000), false);
    });

    it("releaseLease frees the key only when called by its holder", async () => {
      await first.claimLease("k", holder("a"), 0, 10_000);
      await second.releaseLease("k", "b");
      assert.equal((await first.getLease("k"))?.id, "a");
      await first.releaseLease("k", "a");
      assert.equal(await first.getLease("k"), undefined);
      assert.equal(await second.claimLease("k", holder("b"), 1, 10_001), true);
    });

    it("claimLease with takeOverFrom replaces that holder before expiry, and no other", async () => {
      await first.claimLease("k", holder("a"), 0, 10_000);
      assert.equal(await second.claimLease("k", holder("b"), 1, 10_001, "c"), false);
      assert.equal(await second.claimLease("k", holder("b"), 1, 10_001, "a"), true);
      assert.equal((await first.getLease("k"))?.id, "b");
    });

    it("keeps leases of different keys apart", async () => {
      assert.equal(await first.claimLease("k1", holder("a"), 0, 10_000), true);
      assert.equal(await second.claimLease("k2", holder("b"), 0, 10_000), true);
    });
  });
}
