// The runtimes a conformance run may fork children with, and how a child
// script imports memmap there (from this repository's builds).
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BUN, DENO, NODE26, ROOT } from "./suites.ts";

export interface ChildRuntime {
  execPath: string;
  /** What a child script imports memmap from. */
  entry: string;
  /** Flags fork() should add (Deno needs this repository's workspace config for a script in a temp folder). */
  runtimeArgs: string[];
}

export const CHILD_RUNTIMES: Record<"node" | "bun" | "deno", ChildRuntime> = {
  node: {
    execPath: NODE26,
    entry: pathToFileURL(join(ROOT, "packages/node/dist/index.js")).href,
    runtimeArgs: ["--disable-warning=ExperimentalWarning"],
  },
  bun: { execPath: BUN, entry: pathToFileURL(join(ROOT, "packages/bun/dist/index.js")).href, runtimeArgs: [] },
  deno: {
    execPath: DENO,
    entry: pathToFileURL(join(ROOT, "packages/deno/mod.ts")).href,
    // --allow-run: some cases' children fork children of their own.
    runtimeArgs: ["--config", join(ROOT, "deno.json"), "--allow-run"],
  },
};
