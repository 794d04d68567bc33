// The runtimes a conformance run may fork children with, and how a child
// script imports memmap there (from this repository's builds), from runtimes.ts.
import { join } from "node:path";
import process from "node:process";
import { type Runtime, RUNTIMES } from "./runtimes.ts";

export interface ChildRuntime {
  execPath: string;
  /** What a child script imports memmap from. */
  entry: string;
  /** Flags fork() should add (fork() itself adds the permissions a Deno child needs). */
  runtimeArgs: string[];
  /** Environment the child needs. */
  env: Record<string, string>;
}

/**
 * Under an emulator (the arm64 suites) the runtimes are foreign binaries the kernel
 * cannot exec: MEMMAP_CHILD_BIN names a folder of wrappers (node, bun, deno) that start
 * them through qemu, and children are forked with those.
 */
const wrapped = (name: string, host: string) => (process.env.MEMMAP_CHILD_BIN ? join(process.env.MEMMAP_CHILD_BIN, name) : host);

/** A runtime of the table as fork() takes it. */
export function childRuntime(runtime: Runtime, name = ""): ChildRuntime {
  return {
    execPath: name ? wrapped(name, runtime.binary) : runtime.binary,
    entry: runtime.entry,
    runtimeArgs: [...runtime.flags, ...runtime.childFlags, ...runtime.permissions],
    env: runtime.env,
  };
}

/** Emulated runs are 15-50x slower: the runners multiply the cases' timeouts by this. */
export const TIMEOUT_SCALE = Number(process.env.MEMMAP_TIMEOUT_SCALE ?? 1);

export const CHILD_RUNTIMES: Record<"node" | "bun" | "deno", ChildRuntime> = {
  node: childRuntime(RUNTIMES.node26, "node"),
  bun: childRuntime(RUNTIMES.bun, "bun"),
  deno: childRuntime(RUNTIMES.deno, "deno"),
};
