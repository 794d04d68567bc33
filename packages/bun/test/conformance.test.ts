import * as fc from "fast-check";
import { describe, it } from "bun:test";
import { runConformance } from "@memmap/core/testing";
import * as memmap from "@memmap/bun";
import { CHILD_RUNTIMES } from "../../../scripts/child-runtimes.ts";

runConformance({
  describe,
  it: (name, fn, timeout) => it(name, fn, timeout),
  skip: (name, reason) => it.skip(`${name} [skipped: ${reason}]`, () => {}),
  memmap,
  fc,
  runtime: `bun ${Bun.version}`,
  gc: () => Bun.gc(true),
  self: "bun",
  children: CHILD_RUNTIMES,
});
