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
import { truncationCases } from "./truncation-cases.ts";
import { largeCases } from "./large-cases.ts";

export type { MemmapUnderTest, Suite, TestFn } from "./context.ts";

/** Registers every conformance case with the runner's describe/it. */
export function runConformance(suite: Suite): void {
  suite.describe(`memmap conformance (${suite.runtime})`, () => {
    fileCases(suite);
    lifecycleCases(suite);
    anonymousCases(suite);
    largeCases(suite);
    copyCases(suite);
    ipcCases(suite);
    truncationCases(suite);
    fuzzCases(suite);
    argumentCases(suite);
  });
}
