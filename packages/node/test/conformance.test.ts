import * as fc from "fast-check";
import { describe, it } from "vitest";
import { runConformance } from "@memmap/core/testing";
import * as memmap from "@memmap/node";
import { CHILD_RUNTIMES, TIMEOUT_SCALE } from "../../../scripts/child-runtimes.ts";

runConformance({
  describe,
  it: (name, fn, timeout) => it(name, fn, timeout && timeout * TIMEOUT_SCALE),
  skip: (name, reason) => it.skip(`${name} [skipped: ${reason}]`, () => {}),
  memmap,
  fc,
  runtime: process.env.MEMMAP_TEST_RUNTIME ?? `node ${process.version}`,
  gc: (globalThis as { gc?: () => void }).gc,
  self: "node",
  // This Node (22 or 26) forks its own kind (through the emulator's wrapper when there is one).
  children: { ...CHILD_RUNTIMES, node: { ...CHILD_RUNTIMES.node, execPath: process.env.MEMMAP_CHILD_BIN ? CHILD_RUNTIMES.node.execPath : process.execPath } },
});
