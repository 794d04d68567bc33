// npm run bench [-- group...]: runs each benchmark group (bench/groups.ts) on
// every runtime, each in its own process, and prints one table per case with
// a column per runtime. No group named = all groups.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import type { CaseResult, Goal, GroupResult, Ratio } from "../bench/groups.ts";
import { GROUPS } from "../bench/groups.ts";
import { machineInfo, type Outcome } from "../bench/harness.ts";
import { ROOT, RUNTIMES as TABLE, scriptCommand } from "./runtimes.ts";

interface RuntimeSpec {
  id: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

// V8's mid tier (Maglev) sometimes keeps a hot loop in code ~5x slower than
// Turbofan's, depending on a race with the concurrent compiler thread (seen on
// Node 26 and Deno): the scan would then time the JIT, not the I/O.
const V8_FLAGS = "--no-maglev";

const RUNTIMES: RuntimeSpec[] = (["node26", "node22", "bun", "deno"] as const).map((id) => {
  const rt = TABLE[id];
  const entry = id === "bun" ? "bench/run-bun.ts" : id === "deno" ? "bench/run-deno.ts" : "bench/run-node.ts";
  const [command, args] = scriptCommand(rt, entry, { v8Flags: [V8_FLAGS], allowAll: true });
  return { id, command, args, env: rt.env };
});

const requested = process.argv.slice(2);
const unknown = requested.filter((g) => !(g in GROUPS));
if (unknown.length > 0) {
  console.error(
    `bench: unknown group${unknown.length > 1 ? "s" : ""} ${unknown.map((g) => `"${g}"`).join(", ")}; known groups: ${Object.keys(GROUPS).join(", ")}`,
  );
  process.exit(2);
}
const groups = requested.length > 0 ? requested : Object.keys(GROUPS);

const m = machineInfo();
console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel} ${m.arch}`);
console.log("times are medians; ±n% is half the p25..p75 spread relative to the median; GB/s = 10^9 bytes/s");
console.log(`Node and Deno run with ${V8_FLAGS} (see V8_FLAGS in scripts/bench.ts)\n`);

// Ctrl-C would end this process before the finally below removes the 1 GiB input:
// note it instead (the children get it too and stop), and stop between steps.
let interrupted = false;
process.on("SIGINT", () => void (interrupted = true));
const stopIfInterrupted = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  if (interrupted) throw new Error("bench: interrupted");
};

let failed = false;
for (const group of groups) {
  const bench = await GROUPS[group]!();
  const dir = mkdtempSync(join(os.tmpdir(), "memmap-bench-"));
  const results: Record<string, GroupResult | { error: string }> = {};
  try {
    console.error(`[${group}] preparing inputs in ${dir}`);
    await bench.prepare(dir);
    for (const rt of RUNTIMES) {
      await stopIfInterrupted();
      console.error(`[${group}] ${rt.id}`);
      results[rt.id] = runChild(rt, group, dir);
      if ("error" in results[rt.id]!) failed = true;
    }
    await stopIfInterrupted();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printGroup(group, results);
}
process.exit(failed ? 1 : 0);

function runChild(rt: RuntimeSpec, group: string, dir: string): GroupResult | { error: string } {
  const started = performance.now();
  const child = spawnSync(rt.command, [...rt.args, group, dir], {
    cwd: ROOT,
    env: { ...process.env, ...rt.env },
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    timeout: 180_000,
    maxBuffer: 16 * 2 ** 20,
  });
  console.error(`[${group}] ${rt.id} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (child.error) return { error: child.error.message };
  if (child.status !== 0) return { error: `exited with ${child.status ?? child.signal}` };
  try {
    return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as GroupResult;
  } catch {
    return { error: "printed no result" };
  }
}

function formatTime(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

function formatOutcome(o: Outcome | undefined, bytesPerOp: number | undefined, footnotes: string[]): string {
  if (!o) return "-";
  if ("error" in o) {
    footnotes.push(o.error);
    return `n/a [${footnotes.length}]`;
  }
  const { median, p25, p75 } = o.stats;
  const spread = `±${((50 * (p75 - p25)) / median).toFixed(0)}%`;
  // GB/s in 10^9 bytes: bytes per ns.
  return `${bytesPerOp ? `${(bytesPerOp / median).toFixed(2)} GB/s` : formatTime(median)} ${spread}`;
}

/** The median of a contender, or for a list of names the fastest of those that ran. */
function medianOf(c: CaseResult | undefined, names: string | string[]): number | undefined {
  const medians = [names].flat().flatMap((name) => {
    const o = c?.outcomes[name];
    return o && "stats" in o ? [o.stats.median] : [];
  });
  return medians.length > 0 ? Math.min(...medians) : undefined;
}

function ratioKey(r: Ratio): string {
  return r.label ?? `${[r.numerator].flat().join(" | ")} ÷ ${r.denominator}`;
}

/** This runtime's ratio of the given row: the numerator's names may differ per runtime. */
function ratioOf(c: CaseResult | undefined, r: Ratio): number | undefined {
  const own = c?.ratios.find((x) => ratioKey(x) === ratioKey(r)) ?? r;
  const a = medianOf(c, own.numerator);
  const b = medianOf(c, own.denominator);
  return a !== undefined && b !== undefined ? a / b : undefined;
}

function describeGoal(g: Goal): string {
  return g.maxNs !== undefined ? `≤ ${formatTime(g.maxNs)}` : `≥ ${g.minGBps} GB/s`;
}

/** "met" or how far off, for a contender's own median. */
function goalVerdict(g: Goal, median: number, bytesPerOp: number | undefined): string {
  if (g.maxNs !== undefined) {
    return median > g.maxNs
      ? `MISSED by ${formatTime(median - g.maxNs)} (${((median / g.maxNs - 1) * 100).toFixed(0)}% over; ${formatTime(median)})`
      : `met (${formatTime(median)})`;
  }
  const gbps = (bytesPerOp ?? 0) / median;
  return gbps < g.minGBps!
    ? `MISSED by ${(g.minGBps! - gbps).toFixed(2)} GB/s (${((1 - gbps / g.minGBps!) * 100).toFixed(0)}% short; ${gbps.toFixed(2)} GB/s)`
    : `met (${gbps.toFixed(2)} GB/s)`;
}

function describeTarget(r: Ratio): string {
  return r.target?.max !== undefined ? `≤ ${r.target.max}x` : `≥ ${r.target?.min}x`;
}

/** "met" or how far off, from the ratio and its target. */
function verdict(r: Ratio, value: number): string {
  const { max, min } = r.target!;
  if (max !== undefined && value > max) return `MISSED by ${(value - max).toFixed(2)}x (${((value / max - 1) * 100).toFixed(0)}% over)`;
  if (min !== undefined && value < min) return `MISSED by ${(min - value).toFixed(2)}x (${((1 - value / min) * 100).toFixed(0)}% short)`;
  return "met";
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join("   ")
        .trimEnd(),
    );
}

function printGroup(group: string, results: Record<string, GroupResult | { error: string }>): void {
  const ok = Object.entries(results).filter((e): e is [string, GroupResult] => !("error" in e[1]));
  console.log(`== ${group}`);
  for (const [id, r] of Object.entries(results)) {
    console.log(`${id}: ${"error" in r ? `did not run: ${r.error}` : `${r.runtime.name} ${r.runtime.version} (${r.runtime.engine}), backend ${r.backend}`}`);
  }
  const caseCount = Math.max(0, ...ok.map(([, r]) => r.cases.length));
  for (let i = 0; i < caseCount; i++) {
    const c = ok.find(([, r]) => r.cases[i])![1].cases[i]!;
    const footnotes: string[] = [];
    const names = [...new Set(ok.flatMap(([, r]) => Object.keys(r.cases[i]?.outcomes ?? {})))];
    const ratios = [...new Map(ok.flatMap(([, r]) => r.cases[i]?.ratios ?? []).map((r) => [ratioKey(r), r])).values()];
    const goals = [...new Map(ok.flatMap(([, r]) => r.cases[i]?.goals ?? []).map((g) => [`${g.contender} ${describeGoal(g)}`, g])).values()];
    const rows = [[c.title, ...ok.map(([id]) => id)]];
    for (const name of names) rows.push([`  ${name}`, ...ok.map(([, r]) => formatOutcome(r.cases[i]?.outcomes[name], c.bytesPerOp, footnotes))]);
    const figures = [...new Set(ok.flatMap(([, r]) => Object.keys(r.cases[i]?.figures ?? {})))];
    for (const label of figures) rows.push([`  ${label}`, ...ok.map(([, r]) => r.cases[i]?.figures?.[label] ?? "-")]);
    for (const ratio of ratios) {
      rows.push([
        `  ${ratioKey(ratio)}${ratio.target ? ` (target ${describeTarget(ratio)})` : ""}`,
        ...ok.map(([, r]) => {
          const value = ratioOf(r.cases[i], ratio);
          return value === undefined ? "-" : `${value.toFixed(2)}x${ratio.target ? (verdict(ratio, value) === "met" ? " ok" : " MISS") : ""}`;
        }),
      ]);
    }
    console.log("");
    printTable(rows);
    for (const note of c.notes ?? []) console.log(`  note: ${note}`);
    for (const [n, text] of footnotes.entries()) console.log(`  [${n + 1}] ${text}`);
    for (const ratio of ratios.filter((r) => r.target)) {
      const verdicts = ok.map(([id, r]) => {
        const value = ratioOf(r.cases[i], ratio);
        return `${id} ${value === undefined ? "n/a" : `${verdict(ratio, value)} (${value.toFixed(2)}x)`}`;
      });
      console.log(`  target ${ratioKey(ratio)} ${describeTarget(ratio)}: ${verdicts.join("; ")}`);
    }
    for (const goal of goals) {
      // Only where this runtime ran the contender: some rows (a cross-runtime child) exist in one column.
      const verdicts = ok.flatMap(([id, r]) => {
        const cr = r.cases[i];
        if (!cr || !(goal.contender in cr.outcomes)) return [];
        const o = cr.outcomes[goal.contender]!;
        return [`${id} ${"stats" in o ? goalVerdict(goal, o.stats.median, cr.bytesPerOp) : "n/a"}`];
      });
      console.log(`  target ${goal.contender} ${describeGoal(goal)}: ${verdicts.join("; ")}`);
    }
  }
  console.log("");
}
