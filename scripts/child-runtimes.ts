// The runtimes a conformance run may fork children with, and how a child
// script imports memmap there (from this repository's builds).
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { BUN, DENO, NODE26, ROOT } from "./suites.ts";

export interface ChildRuntime {
  execPath: string;
  /** What a child script imports memmap from. */
  entry: string;
  /** Flags fork() should add (Deno needs this repository's workspace config for a script in a temp folder). */
  runtimeArgs: string[];
}

/**
 * Under an emulator (npm run test:arm64) the runtimes are foreign binaries the kernel
 * cannot exec: MEMMAP_CHILD_BIN names a folder of wrappers (node, bun, deno) that start
 * them through qemu, and children are forked with those.
 */
const wrapped = (name: string, host: string) => (process.env.MEMMAP_CHILD_BIN ? join(process.env.MEMMAP_CHILD_BIN, name) : host);

/** Emulated runs are 15-50x slower: the runners multiply the cases' timeouts by this. */
export const TIMEOUT_SCALE = Number(process.env.MEMMAP_TIMEOUT_SCALE ?? 1);

export const CHILD_RUNTIMES: Record<"node" | "bun" | "deno", ChildRuntime> = {
  node: {
    execPath: wrapped("node", NODE26),
    entry: pathToFileURL(join(ROOT, "packages/node/dist/index.js")).href,
    runtimeArgs: ["--disable-warning=ExperimentalWarning"],
  },
  bun: { execPath: wrapped("bun", BUN), entry: pathToFileURL(join(ROOT, "packages/bun/dist/index.js")).href, runtimeArgs: [] },
  deno: {
    execPath: wrapped("deno", DENO),
    entry: pathToFileURL(join(ROOT, "packages/deno/mod.ts")).href,
    // --allow-run: some cases' children fork children of their own.
    runtimeArgs: ["--config", join(ROOT, "deno.json"), "--allow-run"],
  },
};
