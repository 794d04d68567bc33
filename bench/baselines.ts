// Baselines that are not JavaScript: the C programs in bench/c/ (compiled with
// `cc -O2` at bench time into a temporary folder) and Python's mmap
// (bench/py/mmap_baseline.py). Each prints one JSON line per contender with
// its stats; a group adds those outcomes to a case beside its own contenders.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type MeasureOptions, type Outcome, type Stats, scaled } from "./harness.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const C_SOURCES = join(HERE, "c");
const PYTHON_SCRIPT = join(HERE, "py", "mmap_baseline.py");
/** Where the compiled baselines are: set by scripts/bench.ts for every runtime it starts. */
export const C_DIR_ENV = "MEMMAP_BENCH_C_DIR";

/** Compiles every bench/c/*.c into a new temporary folder; `dispose()` removes it. `error` says why nothing could be built. */
export function compileBaselines(): { dir: string; compiler: string; dispose(): void } | { error: string } {
  const version = spawnSync("cc", ["--version"], { encoding: "utf8" });
  if (version.error || version.status !== 0) return { error: "no C compiler (cc) on PATH: the C baselines are left out" };
  const dir = mkdtempSync(join(os.tmpdir(), "memmap-bench-c-"));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  for (const file of readdirSync(C_SOURCES).filter((f) => f.endsWith(".c"))) {
    const out = join(dir, file.slice(0, -2));
    // -pthread: parallel-scan.c's threads (glibc before 2.34 keeps them in libpthread).
    const built = spawnSync("cc", ["-O2", "-Wall", "-pthread", "-o", out, join(C_SOURCES, file)], { encoding: "utf8" });
    if (built.status !== 0) {
      dispose();
      return { error: `cc -O2 ${file} failed: ${(built.stderr || built.error?.message || "").trim()}` };
    }
  }
  return { dir, compiler: version.stdout.split("\n")[0]!.trim(), dispose };
}

/** The counts a baseline program takes after its own arguments. */
function counts(measure: MeasureOptions): string[] {
  const { ops, samples, warmup } = scaled(measure);
  return [ops, samples, warmup].map(String);
}

/**
 * Runs a program that prints `{"contender", "stats", "first"}` or
 * `{"contender", "error"}` lines; `expected` names the contenders it should
 * print, so each still gets a row ("n/a: why") when the program cannot run.
 */
export function runBaseline(command: string, args: string[], expected: string[]): Record<string, Outcome> {
  const run = spawnSync(command, args, { encoding: "utf8", timeout: 300_000, stdio: ["ignore", "pipe", "pipe"] });
  const out: Record<string, Outcome> = {};
  for (const line of (run.stdout ?? "").split("\n")) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line) as { contender: string; stats?: Stats; first?: number; error?: string };
    out[r.contender] = r.stats ? { stats: r.stats, first: r.first ?? 0 } : { error: r.error ?? "no stats" };
  }
  const why =
    run.error?.message ?? (run.status !== 0 ? `exited with ${run.status ?? run.signal}: ${(run.stderr ?? "").trim().slice(0, 200)}` : "printed nothing");
  for (const name of expected) out[name] ??= { error: `${command.split("/").at(-1)}: ${why}` };
  return out;
}

/** Runs the compiled C baseline `program` (bench/c/<program>.c) with its arguments, then the counts. */
export function cBaseline(program: string, args: string[], measure: MeasureOptions, expected: string[]): Record<string, Outcome> {
  const dir = process.env[C_DIR_ENV];
  if (!dir) return Object.fromEntries(expected.map((name) => [name, { error: "the C baselines were not compiled (no cc, or run outside npm run bench)" }]));
  return runBaseline(join(dir, program), [...args, ...counts(measure)], expected);
}

/** Runs bench/py/mmap_baseline.py's `mode` with python3 (Python's own mmap module). */
export function pythonBaseline(mode: string, args: string[], measure: MeasureOptions, expected: string[]): Record<string, Outcome> {
  return runBaseline("python3", [PYTHON_SCRIPT, mode, ...args, ...counts(measure)], expected);
}

/** python3's version, or undefined when there is none. */
export function pythonVersion(): string | undefined {
  const r = spawnSync("python3", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
