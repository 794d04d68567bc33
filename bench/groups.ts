// The benchmark groups, and the code every per-runtime entry (run-node.ts,
// run-bun.ts, run-deno.ts) shares: they only differ in which memmap they pass.
// Add a group: one module exporting BenchGroup, one line in GROUPS.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Memmap } from "@memmap/core";
import { C_DIR_ENV, compileBaselines } from "./baselines.ts";
import { type MachineInfo, machineInfo, type Outcome, type RuntimeInfo, runtimeInfo } from "./harness.ts";

/** The part of a runtime package's API the benchmarks use. */
export type Api = Pick<Memmap, "map" | "mapAnonymous" | "fromHandle" | "backend" | "copyFile" | "copyFileSync" | "fork" | "inherited" | "Channel">;

/** A child process with the runtime's own message channel (process.send and the like). */
export interface IpcChild {
  send(message: unknown): void;
  /** Called for every message the child sends; replaces the previous listener. */
  onMessage(listener: (message: unknown) => void): void;
  kill(): void;
  exited: Promise<unknown>;
}

/** Starts `script` (a plain .mjs using process.send / process.on("message")) in this runtime with an IPC channel. */
export type SpawnIpc = (script: string, serialization: "json" | "advanced") => IpcChild;

/** What only some runtimes have, measured beside memmap where present. */
export interface Extras {
  /** The module a Worker imports this runtime's memmap from (the parallel scan). */
  entry?: string;
  /** Other ways to map a whole file, by display name (Bun.mmap). They cannot be unmapped explicitly. */
  mapFile?: Record<string, (path: string) => Uint8Array>;
  /** The runtime's own file copy (fs.copyFileSync, Bun.write, Deno.copyFileSync), by display name. */
  copyFile?: { name: string; copy: (src: string, dst: string) => void | Promise<void> };
  /** Other ways this runtime starts a child with an IPC channel (Bun.spawn({ ipc })), by display name. */
  spawnIpc?: Record<string, SpawnIpc>;
}

/** A ratio of two contenders' median times, printed per runtime, with the goal it should meet. */
export interface Ratio {
  /**
   * Contender names: the ratio is median(numerator) / median(denominator). A
   * list means the fastest of those this runtime ran (say, the best built-in).
   */
  numerator: string | string[];
  denominator: string;
  /** Row label when the numerator is a list (whose names may differ per runtime). */
  label?: string;
  target?: { max?: number; min?: number };
}

/** A goal for one contender's own median, not relative to another's. */
export interface Goal {
  contender: string;
  /** Time per op at most this many nanoseconds. */
  maxNs?: number;
  /** Throughput at least this many GB/s (10^9 bytes/s; needs the case's bytesPerOp). */
  minGBps?: number;
}

/**
 * How bench/report.ts draws a case. "bars": a group of bars per runtime, one
 * per contender (its median; whiskers: the range over the rounds), then one
 * group for the `shared` contenders, which do not depend on the runtime (C,
 * Python). "lines": time against `x` (log scales), a line per series and
 * runtime; a `shared` series is drawn once.
 */
export type Chart =
  | { kind: "bars"; title: string; contenders: string[]; shared?: string[] }
  | { kind: "lines"; title: string; xLabel: string; points: Record<string, { series: string; x: number; shared?: boolean }> };

export interface CaseResult {
  title: string;
  chart?: Chart;
  /** Set for throughput cases: printed as GB/s instead of time per op. */
  bytesPerOp?: number;
  notes?: string[];
  outcomes: Record<string, Outcome>;
  /** Rows of figures that are not times (peak memory, say), by label, as printed: a column per runtime beside the outcomes. */
  figures?: Record<string, string>;
  ratios: Ratio[];
  goals?: Goal[];
}

export interface GroupResult {
  runtime: RuntimeInfo;
  backend: string;
  machine: MachineInfo;
  cases: CaseResult[];
}

export interface BenchGroup {
  /** Creates the input files in `dir`; run once per `npm run bench`, before every runtime. */
  prepare(dir: string): void | Promise<void>;
  run(api: Api, dir: string, extras: Extras): CaseResult[] | Promise<CaseResult[]>;
}

export const GROUPS: Record<string, () => Promise<BenchGroup>> = {
  map: () => import("./map.ts"),
  copy: () => import("./copy.ts"),
  ipc: () => import("./ipc.ts"),
  formats: () => import("./formats.ts"),
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
  // Run alone (not from scripts/bench.ts, which compiles them once for every runtime): compile the C baselines here.
  const compiled = process.env[C_DIR_ENV] ? undefined : compileBaselines();
  if (compiled && "dir" in compiled) process.env[C_DIR_ENV] = compiled.dir;
  try {
    if (!givenDir) await bench.prepare(dir);
    const result: GroupResult = {
      runtime: runtimeInfo(),
      backend: api.backend().name,
      machine: machineInfo(),
      cases: await bench.run(api, dir, extras),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (!givenDir) rmSync(dir, { recursive: true, force: true });
    if (compiled && "dir" in compiled) compiled.dispose();
  }
}
