import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { Mapping } from "../mapping.ts";
import { type Suite, withTempDir } from "./context.ts";

/** The seed every runtime fuzzes with; MEMMAP_FUZZ_SEED replays another. */
export const FUZZ_SEED = Number(process.env.MEMMAP_FUZZ_SEED ?? 20261129);
export const FUZZ_RUNS = Number(process.env.MEMMAP_FUZZ_RUNS ?? 10_000);

/**
 * Property-based fuzzing of every public function's arguments: whatever is
 * passed, a call returns or throws TypeError, RangeError or MmapError with a
 * message; the process never crashes. (wait is left out: valid arguments may
 * legitimately block forever; unlinkShared too: it could remove a name that is
 * not ours.)
 */
export function fuzzCases({ describe, it, skip, memmap, fc }: Suite): void {
  if (!fc) {
    skip("fuzzing every public function", "this runner was given no fast-check");
    return;
  }
  describe("fuzzing", () => {
    it(
      `${FUZZ_RUNS} random calls with seed ${FUZZ_SEED}: only TypeError, RangeError or MmapError, never a crash`,
      () =>
        withTempDir((dir) => {
          process.stdout.write(`memmap fuzz: seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs (MEMMAP_FUZZ_SEED replays)\n`);
          const file = join(dir, "file.bin");
          writeFileSync(file, new Uint8Array(10_000).fill(1));
          mkdirSync(join(dir, "sub"));
          const number = fc.oneof(
            fc.integer({ min: -10, max: 20_000 }),
            fc.integer(),
            fc.double(),
            fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 53, 2 ** 32, -0, 0.5, 4096, 4097),
            fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
          );
          const anything = fc.oneof(
            number,
            fc.string({ maxLength: 12 }),
            fc.constant(undefined),
            fc.constant(null),
            fc.boolean(),
            fc.constant({}),
            fc.constant([]),
            fc.constant(Symbol("s")),
          );
          const target = fc.oneof(fc.constantFrom(file, join(dir, "missing"), join(dir, "sub"), new URL(`file://${file}`), ""), anything);
          const mode = fc.oneof(fc.constantFrom("read", "readwrite", "copy"), anything);
          const advice = fc.oneof(fc.constantFrom("normal", "random", "sequential", "willneed", "dontneed", "hugepage"), anything);
          const opts = fc.oneof(
            fc.record({ mode, offset: number, length: number, size: number, populate: anything, advice, fileMode: number }, { requiredKeys: [] }),
            anything,
          );
          const range = fc.oneof(fc.record({ offset: number, length: number, async: anything }, { requiredKeys: [] }), anything);
          const call = fc.oneof(
            fc.tuple(fc.constant("map"), target, opts),
            fc.tuple(fc.constant("mapAnonymous"), number, fc.oneof(fc.record({ name: anything, populate: anything }, { requiredKeys: [] }), anything)),
            fc.tuple(fc.constant("view"), number, number),
            fc.tuple(
              fc.constant("readInto"),
              number,
              fc.oneof(fc.constantFrom(new Uint8Array(4096), new Uint16Array(3), new DataView(new ArrayBuffer(8)), new Uint8Array(0)), anything),
            ),
            fc.tuple(fc.constant("flush"), range, anything),
            fc.tuple(fc.constant("advise"), advice, range),
            fc.tuple(fc.constant("resize"), fc.oneof(fc.integer({ min: -5, max: 100_000 }), anything), anything),
            fc.tuple(fc.constant("close"), anything, anything),
            fc.tuple(fc.constant("copy"), target, opts),
            fc.tuple(fc.constant("notify"), number, number),
            fc.tuple(fc.constant("openShared"), fc.oneof(fc.string({ maxLength: 300 }), anything), fc.constant(undefined)),
          );
          const counts = { ok: 0, TypeError: 0, RangeError: 0, MmapError: 0 };
          let current: Mapping | undefined;
          const anon = memmap.mapAnonymous(64);
          fc.assert(
            fc.property(call, ([name, a, b]) => {
              if (!current || current.closed) current = memmap.map(file, { mode: "readwrite" });
              try {
                switch (name) {
                  case "map":
                    memmap.map(a as never, b as never).close();
                    break;
                  case "mapAnonymous":
                    memmap.mapAnonymous(a as never, b as never).close();
                    break;
                  case "view":
                    void current.view(a as never, b as never);
                    break;
                  case "readInto":
                    current.readInto(a as never, b as never);
                    break;
                  case "flush":
                    current.flush(a as never);
                    break;
                  case "advise":
                    current.advise(a as never, b as never);
                    break;
                  // Keep the file small: a fuzzed resize may ask for up to 100 kB.
                  case "resize":
                    current.resize(a as never);
                    break;
                  case "close":
                    current.close();
                    break;
                  case "copy":
                    memmap.copyFileSync(a as never, join(dir, "copy.bin"), b as never);
                    break;
                  case "notify":
                    memmap.notify(new Int32Array(anon.bytes.buffer), a as never, b as never);
                    break;
                  case "openShared":
                    memmap.openShared(a as never, b as never).close();
                    break;
                }
                counts.ok++;
              } catch (e) {
                const kind =
                  e instanceof memmap.MmapError ? "MmapError" : e instanceof RangeError ? "RangeError" : e instanceof TypeError ? "TypeError" : undefined;
                if (!kind) throw new Error(`${name}(${String(a)}, ${String(b)}) threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
                if (!(e as Error).message) throw new Error(`${name} threw a ${kind} without a message`);
                counts[kind]++;
              }
            }),
            { seed: FUZZ_SEED, numRuns: FUZZ_RUNS },
          );
          current?.close();
          anon.close();
          process.stdout.write(`memmap fuzz: ${JSON.stringify(counts)}\n`);
          assert.ok(counts.ok > 0 && counts.TypeError > 0 && counts.RangeError > 0 && counts.MmapError > 0, JSON.stringify(counts));
        }),
      120_000,
    );
  });
}
