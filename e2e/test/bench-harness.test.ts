// The benchmark harness's interleaving, without a benchmark: which contender runs after which.
import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { type AsyncContender, type Contender, compare, compareAsync } from "../../bench/harness.ts";

/** Contenders named A, B, C, D whose ops log their name; the log's neighbours, by contender. */
function logged() {
  const log: string[] = [];
  const names = ["A", "B", "C", "D"];
  const sync = Object.fromEntries(names.map((n): [string, Contender] => [n, { op: () => log.push(n) }]));
  const async = Object.fromEntries(names.map((n): [string, AsyncContender] => [n, { op: async () => log.push(n) }]));
  /** The contenders each one ran right after. */
  const after = () => {
    const seen = new Map<string, Set<string>>();
    for (let i = 1; i < log.length; i++) {
      if (log[i] !== log[i - 1]) seen.set(log[i]!, (seen.get(log[i]!) ?? new Set()).add(log[i - 1]!));
    }
    return seen;
  };
  return { log, names, sync, async, after };
}

describe("bench harness", () => {
  for (const kind of ["compare", "compareAsync"] as const) {
    it(`${kind}: no contender always runs after the same one, nor every round starts with the same one`, async () => {
      const { log, names, sync, async, after } = logged();
      const measure = { ops: 1, samples: 7, warmup: 1 };
      const out = kind === "compare" ? compare(sync, measure) : await compareAsync(async, measure);
      assert.deepEqual(Object.keys(out), names, "results keep the contenders' order");
      assert.equal(log.length, names.length * 8, "one op per contender and round");
      const firsts = [0, 1, 2, 3, 4, 5, 6, 7].map((round) => log[round * names.length]);
      assert.ok(new Set(firsts).size > 1, `every round started with ${firsts[0]}`);
      for (const [name, before] of after()) assert.ok(before.size > 1, `${name} always ran right after ${[...before].join("")}`);
    });
  }
});
