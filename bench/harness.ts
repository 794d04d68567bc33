// The measuring code every runtime shares: Bun, Deno and Node run this file as
// is, so it uses only performance.now() and node: modules all three provide.
import { readFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";

/** Nanoseconds per operation over the timed samples. */
export interface Stats {
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
  samples: number;
  /** Where single operations were timed (latency: the C ping-pong), the 99th percentile of them. */
  p99?: number;
}

/**
 * A contender's result: its stats and the value its first op returned (to
 * check contenders against each other), or why it could not run ("n/a: reason").
 */
export type Outcome = { stats: Stats; first: number } | { error: string };

export interface Contender {
  /** Runs once before the samples (outside timing), e.g. to open what `op` reuses; may throw to skip the contender. */
  setup?: () => void;
  /** One operation; its result is folded into a sink so the engine cannot drop the work. */
  op: () => number;
  teardown?: () => void;
}

export interface MeasureOptions {
  /** Operations per sample: enough that one sample lasts well above the timer's resolution. */
  ops: number;
  samples: number;
  /** Untimed samples first, so every contender is JIT-compiled (and its pages faulted, if it keeps any) alike. */
  warmup: number;
  /** compareAsync: time every op on its own and take the stats (p99 too) over single ops, not per-sample means: for latency. */
  perOp?: boolean;
}

/** MEMMAP_BENCH_QUICK=1 (npm run bench -- --quick): a smoke run that checks every case works, far too short to measure anything. */
export const QUICK = process.env.MEMMAP_BENCH_QUICK === "1";

/** The counts a case asks for, or in a quick run a tenth of its ops (at least 1), 3 samples and 1 warmup. */
export function scaled(measure: MeasureOptions): MeasureOptions {
  const { ops, samples, warmup } = measure;
  return QUICK ? { ...measure, ops: Math.max(1, Math.ceil(ops / 10)), samples: Math.min(samples, 3), warmup: Math.min(warmup, 1) } : measure;
}

/** Every op's result is folded in here: a module-level value the engine cannot prove unused. */
let sink = 0;

function percentile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo]! + (sorted[Math.ceil(i)]! - sorted[lo]!) * (i - lo);
}

/** Stats of times in ns; `withP99` when they are single ops (a p99 of per-sample means would mean little). */
export function summarize(perOp: number[], withP99 = false): Stats {
  const s = [...perOp].sort((a, b) => a - b);
  const stats: Stats = { median: percentile(s, 0.5), p25: percentile(s, 0.25), p75: percentile(s, 0.75), min: s[0]!, max: s.at(-1)!, samples: s.length };
  if (withP99) stats.p99 = percentile(s, 0.99);
  return stats;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

/**
 * The live contenders in the order one round runs them: shuffled, the same way in every run
 * (a PRNG seeded with the round), so that no contender always runs right after the same one.
 * (A fixed order, or one rotated, keeps each one's predecessor: in the ipc group the first
 * Channel contender always ran right after the slow runtime-IPC and pipe ones, while its
 * child had slept longest, so its samples were not taken like the others'.)
 */
export function inTurn<T>(live: Map<string, T>, round: number): [string, T][] {
  const all = [...live];
  let seed = (round + 1) * 0x9e3779b9;
  const random = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  for (let i = all.length - 1; i > 0; i--) {
    const k = Math.floor(random() * (i + 1));
    [all[i], all[k]] = [all[k]!, all[i]!];
  }
  return all;
}

/**
 * Times the contenders with their samples interleaved (A B C, C A B, B C A, ... see inTurn()), so
 * drift on a noisy machine (another process, frequency changes) hits all of
 * them alike instead of whichever happened to run during it.
 */
export function compare(contenders: Record<string, Contender>, measure: MeasureOptions): Record<string, Outcome> {
  const { ops, samples, warmup } = scaled(measure);
  const live = new Map<string, Contender>();
  const times = new Map<string, number[]>();
  const firsts = new Map<string, number>();
  const out: Record<string, Outcome> = {};
  for (const [name, c] of Object.entries(contenders)) {
    try {
      c.setup?.();
      live.set(name, c);
      times.set(name, []);
    } catch (e) {
      out[name] = { error: errorText(e) };
    }
  }
  try {
    for (let round = 0; round < warmup + samples; round++) {
      for (const [name, c] of inTurn(live, round)) {
        if (!live.has(name)) continue; // dropped this round
        try {
          let n = ops;
          if (round === 0) {
            firsts.set(name, c.op());
            // That op was part of the (untimed) warmup.
            if (warmup > 0) n--;
          }
          const start = performance.now();
          for (let i = 0; i < n; i++) sink = (sink + c.op()) | 0;
          const ns = ((performance.now() - start) * 1e6) / ops;
          if (round >= warmup) times.get(name)!.push(ns);
        } catch (e) {
          // A contender that fails (say, a runtime's buffer limit) drops out; the others go on.
          out[name] = { error: errorText(e) };
          live.delete(name);
          c.teardown?.();
        }
      }
    }
  } finally {
    for (const c of live.values()) c.teardown?.();
  }
  for (const name of live.keys()) out[name] = { stats: summarize(times.get(name)!), first: firsts.get(name)! };
  // Keep the contenders' order.
  return Object.fromEntries(Object.keys(contenders).map((name) => [name, out[name]!]));
}

/** A contender for compareAsync: any step may be async (a copy, a message to another process). */
export interface AsyncContender {
  /** Runs once before the samples (outside timing); may throw to skip the contender. */
  setup?: () => void | Promise<void>;
  /** Runs before every op, outside timing (say, removing what the last op wrote); each op is then timed on its own. */
  beforeOp?: () => void | Promise<void>;
  /** One operation; a number it returns synchronously is taken without an await (no microtask per op). */
  op: () => number | Promise<number>;
  /** Runs after the very first op, outside timing; its value becomes `first` instead of the op's (a checksum of what the op wrote, say). */
  verify?: () => number | Promise<number>;
  teardown?: () => void | Promise<void>;
}

/**
 * compare() for contenders with async steps: the same interleaved rounds and
 * stats. Kept apart from compare() so the map group's synchronous loops stay
 * free of awaits.
 */
export async function compareAsync(contenders: Record<string, AsyncContender>, measure: MeasureOptions): Promise<Record<string, Outcome>> {
  const { ops, samples, warmup, perOp = false } = scaled(measure);
  const live = new Map<string, AsyncContender>();
  const times = new Map<string, number[]>();
  const firsts = new Map<string, number>();
  const out: Record<string, Outcome> = {};
  const drop = async (name: string, c: AsyncContender, e: unknown) => {
    out[name] = { error: errorText(e) };
    live.delete(name);
    try {
      await c.teardown?.();
    } catch {
      // Its error is the one to report.
    }
  };
  for (const [name, c] of Object.entries(contenders)) {
    try {
      await c.setup?.();
      live.set(name, c);
      times.set(name, []);
    } catch (e) {
      out[name] = { error: errorText(e) };
      // A setup that got halfway (a child started, no answer) cleans up in teardown.
      try {
        await c.teardown?.();
      } catch {
        // Reported above.
      }
    }
  }
  try {
    for (let round = 0; round < warmup + samples; round++) {
      for (const [name, c] of inTurn(live, round)) {
        if (!live.has(name)) continue; // dropped this round
        try {
          let ms = 0;
          if (c.beforeOp || round === 0 || perOp) {
            for (let i = 0; i < ops; i++) {
              await c.beforeOp?.();
              const start = performance.now();
              const r = c.op();
              const value = typeof r === "number" ? r : await r;
              const took = performance.now() - start;
              ms += took;
              if (perOp && round >= warmup) times.get(name)!.push(took * 1e6);
              sink = (sink + value) | 0;
              if (round === 0 && i === 0) firsts.set(name, c.verify ? await c.verify() : value);
            }
          } else {
            const start = performance.now();
            for (let i = 0; i < ops; i++) {
              const r = c.op();
              sink = (sink + (typeof r === "number" ? r : await r)) | 0;
            }
            ms = performance.now() - start;
          }
          if (round >= warmup && !perOp) times.get(name)!.push((ms * 1e6) / ops);
        } catch (e) {
          await drop(name, c, e);
        }
      }
    }
  } finally {
    // Every teardown runs (each may stop a child process); the first failure is thrown after.
    const failures: unknown[] = [];
    for (const c of live.values())
      await Promise.resolve()
        .then(() => c.teardown?.())
        .catch((e) => failures.push(e));
    // biome-ignore lint/correctness/noUnsafeFinally: the rounds catch each contender's errors (drop), so nothing thrown there is hidden
    if (failures.length > 0) throw failures[0];
  }
  for (const name of live.keys()) out[name] = { stats: summarize(times.get(name)!, perOp), first: firsts.get(name)! };
  return Object.fromEntries(Object.keys(contenders).map((name) => [name, out[name]!]));
}

export interface RuntimeInfo {
  name: string;
  version: string;
  engine: string;
}

export function runtimeInfo(): RuntimeInfo {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string; v8: string } } };
  if (g.Bun) return { name: "bun", version: g.Bun.version, engine: "JavaScriptCore" };
  if (g.Deno) return { name: "deno", version: g.Deno.version.deno, engine: `V8 ${g.Deno.version.v8}` };
  return { name: "node", version: process.versions.node, engine: `V8 ${process.versions.v8}` };
}

/** How busy the machine was (other processes compete for the cores), for a case's notes. */
export function loadNote(): string {
  const [one] = os.loadavg();
  return `load average ${one!.toFixed(2)} (1 min, ${os.cpus().length} cores) when the case started: above 0 means other processes were running`;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  arch: string;
}

export function machineInfo(): MachineInfo {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    // /proc/cpuinfo names the CPU even where os.cpus() is empty or generic.
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch {
    // Not Linux: keep os.cpus().
  }
  return {
    cpu,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    arch: os.arch(),
  };
}
