import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pattern, type Suite, throwsLike, withTempDir } from "./context.ts";

/** Wrong arguments are TypeError (wrong type) or RangeError (wrong value), never a crash. */
export function argumentCases({ describe, it, memmap }: Suite): void {
  const { map } = memmap;

  describe("bad arguments", () => {
    it("map() rejects bad targets and options with TypeError or RangeError", () =>
      withTempDir((dir) => {
        const path = join(dir, "args.bin");
        writeFileSync(path, pattern(100));
        const typeCases: unknown[][] = [
          [null],
          [{}],
          [[]],
          [Symbol("x")],
          [""],
          ["a\0b"],
          [new URL("https://example.invalid/x")],
          [path, 5],
          [path, { mode: 1 }],
          [path, { offset: "3" }],
          [path, { length: {} }],
          [path, { populate: "yes" }],
          [path, { size: 10 }],
          [path, { advice: 3 }],
        ];
        for (const args of typeCases) {
          throwsLike(() => map(...(args as [string])), TypeError);
        }
        const rangeCases: unknown[][] = [
          [-1],
          [1.5],
          [Number.NaN],
          [2 ** 31],
          [path, { mode: "write" }],
          [path, { offset: -1 }],
          [path, { offset: Number.NaN }],
          [path, { offset: 0.5 }],
          [path, { offset: Infinity }],
          [path, { offset: -1n }],
          [path, { offset: 2n ** 60n }],
          [path, { length: -5 }],
          [path, { length: 2 ** 53 }],
          [path, { advice: "fast" }],
          [path, { mode: "readwrite", fileMode: 0o10000 }],
        ];
        for (const args of rangeCases) {
          throwsLike(() => map(...(args as [string])), RangeError);
        }
      }));

    it("Mapping methods reject bad arguments with TypeError or RangeError", () =>
      withTempDir((dir) => {
        const path = join(dir, "args.bin");
        writeFileSync(path, pattern(100));
        const m = map(path, { mode: "readwrite" });
        throwsLike(() => m.view(-1), RangeError);
        throwsLike(() => m.view(101), RangeError, /past the end/);
        throwsLike(() => m.view(50, 51), RangeError, /past the end/);
        throwsLike(() => m.view("1" as never), TypeError);
        throwsLike(() => m.advise("bogus" as never), RangeError);
        throwsLike(() => m.advise(undefined as never), TypeError);
        throwsLike(() => m.advise("normal", { offset: 1.5 }), RangeError);
        throwsLike(() => m.flush({ async: 1 as never }), TypeError);
        throwsLike(() => m.flush("sync" as never), TypeError);
        throwsLike(() => m.resize(-1), RangeError);
        throwsLike(() => m.resize(Number.NaN), RangeError);
        throwsLike(() => m.resize(null as never), TypeError);
        m.close();
      }));
  });
}
