import { describe, it } from "vitest";
import { runConformance } from "@memmap/core/testing";
import * as memmap from "@memmap/node";

runConformance({
  describe,
  it: (name, fn, timeout) => it(name, fn, timeout),
  skip: (name, reason) => it.skip(`${name} [skipped: ${reason}]`, () => {}),
  memmap,
  runtime: process.env.MEMMAP_TEST_RUNTIME ?? `node ${process.version}`,
  gc: (globalThis as { gc?: () => void }).gc,
});
