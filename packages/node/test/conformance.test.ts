import * as fc from "fast-check";
import { describe, it } from "vitest";
import { runConformance } from "@memmap/core/testing";
import * as memmap from "@memmap/node";
import { CHILD_RUNTIMES } from "../../../scripts/child-runtimes.ts";

runConformance({
  describe,
  it: (name, fn, timeout) => it(name, fn, timeout),
  skip: (name, reason) => it.skip(`${name} [skipped: ${reason}]`, () => {}),
  memmap,
  fc,
  runtime: process.env.MEMMAP_TEST_RUNTIME ?? `node ${process.version}`,
  gc: (globalThis as { gc?: () => void }).gc,
  self: "node",
  // This Node (22 or 26) forks its own kind.
  children: { ...CHILD_RUNTIMES, node: { ...CHILD_RUNTIMES.node, execPath: process.execPath } },
});
