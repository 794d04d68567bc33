// npm run bench [-- group...] [--rounds=N] [--runtimes=id,...] [--quick] [--report[=FILE]]:
// runs each benchmark group (bench/groups.ts) on every runtime, each round in a
// process of its own, rounds interleaved across runtimes, and prints one table
// per case with a column per runtime (bench/summary.ts). No group named = all.
// The C baselines (bench/c/) are compiled once into a temporary folder every
// runtime's process runs them from, and removed at the end.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { C_DIR_ENV, compileBaselines, pythonVersion } from "../bench/baselines.ts";
import type { GroupResult } from "../bench/groups.ts";
import { GROUPS } from "../bench/groups.ts";
import { machineInfo } from "../bench/harness.ts";
import { keepEarlierSections, QUICK_BANNER, renderReport } from "../bench/report.ts";
import { caseRows, type Failure, type GroupSummary, summarizeGroup, failures, verdictLines } from "../bench/summary.ts";
import { STOP_SIGNALS, signalGroup } from "./process-group.ts";
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
const IDS = ["node26", "node22", "bun", "deno"] as const;
/** Fewer rounds than this is one run with company: not evidence. */
const MIN_ROUNDS = 3;

const RUNTIMES: RuntimeSpec[] = IDS.map((id) => {
  const rt = TABLE[id];
  const entry = id === "bun" ? "bench/run-bun.ts" : id === "deno" ? "bench/run-deno.ts" : "bench/run-node.ts";
  const [command, args] = scriptCommand(rt, entry, { v8Flags: [V8_FLAGS], allowAll: true });
  return { id, command, args, env: rt.env };
});

function usage(problem: string): never {
  console.error(`bench: ${problem}
usage: npm run bench -- [group...] [--rounds=N] [--runtimes=${IDS.join(",")}] [--quick] [--report[=FILE]]
  groups: ${Object.keys(GROUPS).join(", ")} (default: all)
  --rounds=N     processes per case and runtime (default and minimum ${MIN_ROUNDS})
  --runtimes=…   only these runtimes
  --quick        a smoke run: a tenth of the operations, 64 MiB inputs; checks that every case works, measures nothing
  --report       write docs/benchmarks.md and its charts (docs/benchmarks/*.svg), or FILE and FILE's folder`);
  process.exit(2);
}

const flags = new Map<string, string>();
const requested: string[] = [];
for (const arg of process.argv.slice(2)) {
  const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
  if (m) flags.set(m[1]!, m[2] ?? "");
  else requested.push(arg);
}
for (const name of flags.keys()) if (!["rounds", "runtimes", "quick", "report"].includes(name)) usage(`unknown option --${name}`);
const unknown = requested.filter((g) => !(g in GROUPS));
if (unknown.length > 0) usage(`unknown group${unknown.length > 1 ? "s" : ""} ${unknown.map((g) => `"${g}"`).join(", ")}`);
const rounds = flags.has("rounds") ? Number(flags.get("rounds")) : MIN_ROUNDS;
if (!Number.isInteger(rounds) || rounds < MIN_ROUNDS) usage(`--rounds must be an integer of at least ${MIN_ROUNDS}, got "${flags.get("rounds")}"`);
const runtimeIds = flags.has("runtimes") ? flags.get("runtimes")!.split(",") : [...IDS];
const badRuntimes = runtimeIds.filter((id) => !(IDS as readonly string[]).includes(id));
if (badRuntimes.length > 0 || runtimeIds.length === 0) usage(`unknown runtime "${badRuntimes.join(", ")}"`);
const quick = flags.has("quick");
const reportFile = flags.has("report") ? flags.get("report") || join(ROOT, "docs/benchmarks.md") : undefined;
const groups = requested.length > 0 ? requested : Object.keys(GROUPS);
const runtimes = RUNTIMES.filter((rt) => runtimeIds.includes(rt.id));

// What every runtime's process gets: the quick switch (and the small inputs it implies) and the baselines' folder.
const childEnv: Record<string, string> = quick ? { MEMMAP_BENCH_QUICK: "1", MEMMAP_BENCH_SCAN_MB: "64", MEMMAP_BENCH_COPY_MB: "64" } : {};
for (const [k, v] of Object.entries(childEnv)) process.env[k] ??= v;

const m = machineInfo();
const compiled = compileBaselines();
const tools = ["dir" in compiled ? `C: ${compiled.compiler}, -O2` : `C: ${compiled.error}`, pythonVersion() ?? "python3: not found (its rows are n/a)"];
console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel} ${m.arch}`);
console.log(`baselines: ${tools.join("; ")}`);
console.log(
  `${rounds} rounds (a process each) per case and runtime; a figure is the median of the rounds' medians, (slowest–fastest round); p99 where single ops were timed`,
);
console.log(`GB/s = 10^9 bytes/s; Node and Deno run with ${V8_FLAGS} (see V8_FLAGS in scripts/bench.ts)`);
if (quick) console.log("QUICK RUN: a smoke test of the cases, too short to measure anything");
console.log("");

// A signal would end this process before the finally blocks below remove the 1 GiB input and
// the baselines, and would leave the runtime's process running: note it instead, stop that
// process's group, and stop between steps. The exit status is then a shell's, 128 + the signal.
let interrupted: NodeJS.Signals | undefined;
let running: ChildProcess | undefined;
for (const signal of STOP_SIGNALS) {
  process.on(signal, () => {
    interrupted ??= signal;
    if (running) stopGroup(running);
  });
}
class Interrupted extends Error {}
const stopIfInterrupted = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  if (interrupted) throw new Interrupted(interrupted);
};

let failed = false;
const summaries: GroupSummary[] = [];
try {
  if ("dir" in compiled) process.env[C_DIR_ENV] = compiled.dir;
  for (const group of groups) {
    const bench = await GROUPS[group]!();
    const dir = mkdtempSync(join(os.tmpdir(), "memmap-bench-"));
    const results: Record<string, (GroupResult | Failure)[]> = Object.fromEntries(runtimes.map((rt) => [rt.id, []]));
    try {
      console.error(`[${group}] preparing inputs in ${dir}`);
      await bench.prepare(dir);
      // Round-robin: each round of every runtime before the next round, so drift on the machine hits all alike.
      for (let round = 1; round <= rounds; round++) {
        for (const rt of runtimes) {
          await stopIfInterrupted();
          console.error(`[${group}] ${rt.id} round ${round}/${rounds}`);
          const r = await runChild(rt, group, dir);
          if ("error" in r) failed = true;
          results[rt.id]!.push(r);
        }
      }
      await stopIfInterrupted();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const summary = summarizeGroup(group, results);
    summaries.push(summary);
    printGroup(summary);
  }
} catch (e) {
  if (!(e instanceof Interrupted)) throw e;
} finally {
  if ("dir" in compiled) compiled.dispose();
}
if (interrupted) {
  console.error(`bench: interrupted by ${interrupted}; its processes are stopped and its inputs removed`);
  process.exit(128 + os.constants.signals[interrupted]);
}
if (reportFile) writeReport(reportFile);
process.exit(failed ? 1 : 0);

function writeReport(file: string): void {
  const rendered = renderReport({
    date: new Date().toISOString().slice(0, 10),
    machine: m,
    tools,
    rounds,
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    groups: summaries,
  });
  const charts = rendered.charts;
  // Groups this run left out keep their earlier sections (and charts), marked with their run;
  // a smoke run keeps none, so no real figure ends up under its banner.
  const previous = !quick && existsSync(file) ? readFileSync(file, "utf8") : undefined;
  const { markdown, keptCharts } = keepEarlierSections(
    previous,
    rendered.markdown,
    summaries.map((g) => g.name),
  );
  const chartDir = join(dirname(file), "benchmarks");
  mkdirSync(chartDir, { recursive: true });
  // Charts of an earlier report that this one no longer has would linger unlinked.
  for (const old of readdirSync(chartDir).filter((f) => f.endsWith(".svg") && !keptCharts.includes(f))) rmSync(join(chartDir, old));
  for (const [name, svg] of Object.entries(charts)) writeFileSync(join(chartDir, name), svg);
  writeFileSync(file, quick ? `${QUICK_BANNER}\n\n${markdown}` : markdown);
  console.log(`report: ${relative(process.cwd(), file)} and ${Object.keys(charts).length} chart(s) in ${relative(process.cwd(), chartDir)}/`);
}

/**
 * Runs one round of a group in a runtime's process, in a process group of its own: a signal
 * to this script then stops that process and whatever it started (channel peers, cat), and
 * whatever it left running is stopped when it ends.
 */
async function runChild(rt: RuntimeSpec, group: string, dir: string): Promise<GroupResult | Failure> {
  const started = performance.now();
  const child = spawn(rt.command, [...rt.args, group, dir], {
    cwd: ROOT,
    env: { ...process.env, ...rt.env },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  running = child;
  let stdout = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  const timer = setTimeout(() => stopGroup(child), 600_000);
  const ended = await new Promise<{ status: number | null; signal: NodeJS.Signals | null } | { error: Error }>((resolve) => {
    child.once("error", (error) => resolve({ error }));
    child.once("close", (status, signal) => resolve({ status, signal }));
  });
  clearTimeout(timer);
  running = undefined;
  // The group outlives its first process while anything it started runs; its id is not reused until then.
  if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
  console.error(`[${group}] ${rt.id} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if ("error" in ended) return { error: ended.error.message };
  if (ended.status !== 0) return { error: `exited with ${ended.status ?? ended.signal}` };
  try {
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as GroupResult;
  } catch {
    return { error: "printed no result" };
  }
}

/** SIGTERM to a round's process group, and SIGKILL if its first process is still there 5 s later. */
function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const pid = child.pid;
  signalGroup(pid, "SIGTERM");
  const escalate = setTimeout(() => signalGroup(pid, "SIGKILL"), 5000);
  child.once("close", () => clearTimeout(escalate));
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const [r, row] of rows.entries())
    console.log(
      row
        .map((cell, i) => (i === 0 ? `${r === 0 ? "" : "  "}${cell}`.padEnd(widths[i]! + 2) : cell.padStart(widths[i]!)))
        .join("   ")
        .trimEnd(),
    );
}

function printGroup(g: GroupSummary): void {
  console.log(`== ${g.name}`);
  for (const [id, r] of Object.entries(g.runtimes)) {
    console.log(`${id}: ${"error" in r ? `did not run: ${r.error}` : `${r.runtime.name} ${r.runtime.version} (${r.runtime.engine}), backend ${r.backend}`}`);
  }
  const ids = Object.keys(g.runtimes).filter((id) => !("error" in g.runtimes[id]!));
  for (const c of g.cases) {
    console.log("");
    printTable(caseRows(c, ids));
    for (const note of c.notes) console.log(`  note: ${note}`);
    for (const line of failures(c)) console.log(`  n/a: ${line}`);
    for (const line of verdictLines(c, ids)) console.log(`  ${line}`);
  }
  console.log("");
}
