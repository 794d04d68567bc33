// The short version of npm run torture (15% of its kills, and each forced case
// with either parent): Mutex workers and Channel peers of every runtime SIGKILLed;
// no hang, no lost update or message, nothing left behind.
import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { torture } from "../../scripts/torture.ts";

describe("torture, short", () => {
  it("12 Mutex kills, 6 Channel kills across runtimes: ownerDied exactly when held, half-made updates rolled back, no hang, no message lost", async () => {
    const { checks } = await torture({ MEMMAP_TORTURE_SCALE: "0.15" }, () => {});
    assert.deepEqual(
      checks.filter((c) => !c.pass).map((c) => `${c.name}: ${c.detail}`),
      [],
    );
    // Per Mutex round 6 kills of 3 checks and one at rest, per Channel round 2, and nothing left behind.
    assert.equal(checks.length, 2 * (6 * 3 + 1) + 6 * 2 + 1);
  }, 150_000);
});
