import * as fc from "fast-check";
import { describe, it } from "bun:test";
import { runConformance } from "@memmap/core/testing";
import * as memmap from "@memmap/bun";
import { CHILD_RUNTIMES, TIMEOUT_SCALE } from "../../../scripts/child-runtimes.ts";

runConformance({
  describe,
  it: (name, fn, timeout) => it(name, fn, (timeout ?? 5000) * TIMEOUT_SCALE),
  skip: (name, reason) => it.skip(`${name} [skipped: ${reason}]`, () => {}),
  memmap,
  fc,
  runtime: `bun ${Bun.version}`,
  gc: () => Bun.gc(true),
  self: "bun",
  children: CHILD_RUNTIMES,
});
