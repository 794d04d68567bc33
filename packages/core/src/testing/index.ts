/**
 * @module
 * The memmap conformance suite. Every runtime package runs it unchanged with
 * its own test runner: it only needs `describe` and `it`, and asserts with
 * node:assert/strict, which Bun, Deno and Node all provide.
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import * as memmap from "@memmap/node";
 * import { runConformance } from "@memmap/core/testing";
 * runConformance({ describe, it, memmap, runtime: "node", gc: globalThis.gc });
 * ```
 */
import { anonymousCases } from "./anonymous-cases.ts";
import { argumentCases } from "./argument-cases.ts";
import { copyCases } from "./copy-cases.ts";
import type { Suite } from "./context.ts";
import { fileCases } from "./file-cases.ts";
import { fuzzCases } from "./fuzz-cases.ts";
import { ipcCases } from "./ipc-cases.ts";
import { lifecycleCases } from "./lifecycle-cases.ts";
import { readIntoCases } from "./read-into-cases.ts";
import { truncationCases } from "./truncation-cases.ts";
import { largeCases } from "./large-cases.ts";
import { threadCases } from "./thread-cases.ts";
import { sharedBufferCases } from "./shared-buffer-cases.ts";

export type { MemmapUnderTest, Suite, TestFn } from "./context.ts";

/** The groups of cases, in the order they run. */
export const CONFORMANCE_GROUPS = {
  file: fileCases,
  lifecycle: lifecycleCases,
  readInto: readIntoCases,
  anonymous: anonymousCases,
  large: largeCases,
  copy: copyCases,
  ipc: ipcCases,
  threads: threadCases,
  sharedBuffer: sharedBufferCases,
  truncation: truncationCases,
  fuzz: fuzzCases,
  arguments: argumentCases,
} as const;

/** A group of cases, such as "file" or "ipc". */
export type ConformanceGroup = keyof typeof CONFORMANCE_GROUPS;

/**
 * Registers the conformance cases with the runner's describe/it: every group,
 * or only `groups` (the Windows run under wine takes the mapping and copy groups).
 *
 * @example
 * ```ts
 * runConformance({ describe, it, memmap, runtime: "node", children, self: "node" }, ["file", "copy"]);
 * ```
 */
export function runConformance(suite: Suite, groups?: readonly ConformanceGroup[]): void {
  suite.describe(`memmap conformance (${suite.runtime})`, () => {
    for (const [name, cases] of Object.entries(CONFORMANCE_GROUPS) as [ConformanceGroup, (s: Suite) => void][]) {
      if (!groups || groups.includes(name)) cases(suite);
    }
  });
}
