// The conformance suite under node:test, for a Node that vitest cannot run on:
// npm run test:arm64 runs Node for arm64 under qemu, where vite's bundler has no
// native binding. Run: node --expose-gc --test packages/node/test/conformance-node-test.ts
import * as fc from "fast-check";
import { describe, it } from "node:test";
import { runConformance } from "@memmap/core/testing";
import * as memmap from "@memmap/node";
import { CHILD_RUNTIMES, TIMEOUT_SCALE } from "../../../scripts/child-runtimes.ts";

runConformance({
  describe,
  it: (name, fn, timeout) => it(name, { timeout: (timeout ?? 5000) * TIMEOUT_SCALE }, fn),
  skip: (name, reason) => it.skip(`${name} [skipped: ${reason}]`, () => {}),
  memmap,
  fc,
  runtime: `node ${process.version} ${process.arch}`,
  gc: (globalThis as { gc?: () => void }).gc,
  self: "node",
  children: { ...CHILD_RUNTIMES, node: { ...CHILD_RUNTIMES.node, execPath: process.env.MEMMAP_CHILD_BIN ? CHILD_RUNTIMES.node.execPath : process.execPath } },
});
