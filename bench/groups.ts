// The benchmark groups, and the code every per-runtime entry (run-node.ts,
// run-bun.ts, run-deno.ts) shares: they only differ in which memmap they pass.
// Add a group: one module exporting BenchGroup, one line in GROUPS.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Memmap } from "@memmap/core";
import { type MachineInfo, machineInfo, type Outcome, type RuntimeInfo, runtimeInfo } from "./harness.ts";

/** The part of a runtime package's API the benchmarks use. */
export type Api = Pick<Memmap, "map" | "mapAnonymous" | "backend">;

/** What only some runtimes have, measured beside memmap where present. */
export interface Extras {
  /** Other ways to map a whole file, by display name (Bun.mmap). They cannot be unmapped explicitly. */
  mapFile?: Record<string, (path: string) => Uint8Array>;
}

/** A ratio of two contenders' median times, printed per runtime, with the goal it should meet. */
export interface Ratio {
  /** Contender names: the ratio is median(numerator) / median(denominator). */
  numerator: string;
  denominator: string;
  target?: { max?: number; min?: number };
}

export interface CaseResult {
  title: string;
  /** Set for throughput cases: printed as GB/s instead of time per op. */
  bytesPerOp?: number;
  notes?: string[];
  outcomes: Record<string, Outcome>;
  ratios: Ratio[];
}

export interface GroupResult {
  runtime: RuntimeInfo;
  backend: string;
  machine: MachineInfo;
  cases: CaseResult[];
}

export interface BenchGroup {
  /** Creates the input files in `dir`; run once per `npm run bench`, before every runtime. */
  prepare(dir: string): void;
  run(api: Api, dir: string, extras: Extras): CaseResult[];
}

export const GROUPS: Record<string, () => Promise<BenchGroup>> = {
  map: () => import("./map.ts"),
};

/**
 * A per-runtime entry's body: `<entry> <group> [dir]`. Prints the GroupResult
 * as one JSON line on stdout (progress goes to stderr). Without `dir` it makes
 * its own inputs in a temporary directory and removes them afterwards.
 */
export async function runEntry(api: Api, extras: Extras = {}): Promise<void> {
  const [group = "", givenDir] = process.argv.slice(2);
  const load = GROUPS[group];
  if (!load) {
    console.error(`unknown benchmark group "${group}"; known groups: ${Object.keys(GROUPS).join(", ")}`);
    process.exit(2);
  }
  const bench = await load();
  const dir = givenDir ?? mkdtempSync(join(os.tmpdir(), "memmap-bench-"));
  try {
    if (!givenDir) bench.prepare(dir);
    const result: GroupResult = {
      runtime: runtimeInfo(),
      backend: api.backend().name,
      machine: machineInfo(),
      cases: bench.run(api, dir, extras),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (!givenDir) rmSync(dir, { recursive: true, force: true });
  }
}
