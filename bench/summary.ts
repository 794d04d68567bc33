// Rounds -> one summary: every case runs in several separate processes (rounds)
// per runtime; a contender's figure is the median of its rounds' medians, shown
// with the range of those medians. The console table (scripts/bench.ts) and the
// report (bench/report.ts) both print this summary, with the formatting below.
import type { CaseResult, Chart, Goal, GroupResult, Ratio } from "./groups.ts";
import type { Outcome, RuntimeInfo } from "./harness.ts";

/** A contender's figure over the rounds: ns per op. */
export interface Cell {
  median: number;
  /** The fastest and slowest round's median. */
  low: number;
  high: number;
  /** The median of the rounds' p99s, where single ops were timed. */
  p99?: number;
  rounds: number;
}

/** A ratio over the rounds: each round's ratio, their median and range. */
export interface RatioCell {
  median: number;
  low: number;
  high: number;
}

export type Failure = { error: string };

export interface CaseSummary {
  title: string;
  bytesPerOp?: number;
  notes: string[];
  chart?: Chart;
  /** Row order: every contender any runtime ran. */
  contenders: string[];
  /** contender -> runtime id -> its cell, or why it did not run (absent: not run there). */
  cells: Record<string, Record<string, Cell | Failure>>;
  /** Figures that are not times (peak memory, say): label -> runtime id -> the rounds' values, as printed. */
  figures: Record<string, Record<string, string>>;
  ratios: { ratio: Ratio; label: string; cells: Record<string, RatioCell> }[];
  goals: Goal[];
}

export interface GroupSummary {
  name: string;
  /** runtime id -> what ran, or why nothing did. */
  runtimes: Record<string, { runtime: RuntimeInfo; backend: string } | Failure>;
  cases: CaseSummary[];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One contender over its rounds; a round it failed in makes the whole cell a failure (a figure from fewer rounds would hide it). */
export function combineOutcomes(outcomes: Outcome[]): Cell | Failure {
  const failed = outcomes.find((o): o is Failure => "error" in o);
  if (failed) return { error: failed.error };
  const medians = outcomes.map((o) => ("stats" in o ? o.stats.median : 0));
  const p99s = outcomes.flatMap((o) => ("stats" in o && o.stats.p99 !== undefined ? [o.stats.p99] : []));
  return {
    median: median(medians),
    low: Math.min(...medians),
    high: Math.max(...medians),
    ...(p99s.length === outcomes.length ? { p99: median(p99s) } : {}),
    rounds: outcomes.length,
  };
}

export function ratioLabel(r: Ratio): string {
  return r.label ?? `${[r.numerator].flat().join(" | ")} ÷ ${r.denominator}`;
}

/** The median of a contender in one round, or for a list of names the fastest of those that ran. */
function medianOf(c: CaseResult, names: string | string[]): number | undefined {
  const medians = [names].flat().flatMap((name) => {
    const o = c.outcomes[name];
    return o && "stats" in o ? [o.stats.median] : [];
  });
  return medians.length > 0 ? Math.min(...medians) : undefined;
}

/** One round's value of a ratio row: the numerator's names may differ per runtime, so each round's own definition counts. */
function roundRatio(c: CaseResult, r: Ratio): number | undefined {
  const own = c.ratios.find((x) => ratioLabel(x) === ratioLabel(r)) ?? r;
  const a = medianOf(c, own.numerator);
  const b = medianOf(c, own.denominator);
  return a !== undefined && b !== undefined ? a / b : undefined;
}

function unique<T>(items: T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}

/** Combines every runtime's rounds of one group. A runtime's failed round makes it a failure. */
export function summarizeGroup(name: string, rounds: Record<string, (GroupResult | Failure)[]>): GroupSummary {
  const runtimes: GroupSummary["runtimes"] = {};
  const ok: [string, GroupResult[]][] = [];
  for (const [id, results] of Object.entries(rounds)) {
    const failed = results.find((r): r is Failure => "error" in r);
    if (failed || results.length === 0) {
      runtimes[id] = { error: failed?.error ?? "no rounds ran" };
      continue;
    }
    const good = results as GroupResult[];
    runtimes[id] = { runtime: good[0]!.runtime, backend: good[0]!.backend };
    ok.push([id, good]);
  }
  const caseCount = Math.max(0, ...ok.map(([, rs]) => rs[0]!.cases.length));
  const cases: CaseSummary[] = [];
  for (let i = 0; i < caseCount; i++) {
    const all = ok.flatMap(([, rs]) => rs.flatMap((r) => (r.cases[i] ? [r.cases[i]!] : [])));
    const first = all[0]!;
    const contenders = [...new Set(all.flatMap((c) => Object.keys(c.outcomes)))];
    const cells: CaseSummary["cells"] = {};
    for (const contender of contenders) {
      cells[contender] = {};
      for (const [id, rs] of ok) {
        const outcomes = rs.flatMap((r) => (r.cases[i]?.outcomes[contender] ? [r.cases[i]!.outcomes[contender]!] : []));
        if (outcomes.length > 0) cells[contender]![id] = combineOutcomes(outcomes);
      }
    }
    const figures: CaseSummary["figures"] = {};
    for (const label of new Set(all.flatMap((c) => Object.keys(c.figures ?? {})))) {
      figures[label] = {};
      for (const [id, rs] of ok) {
        const values = [...new Set(rs.flatMap((r) => (r.cases[i]?.figures?.[label] !== undefined ? [r.cases[i]!.figures![label]!] : [])))];
        if (values.length > 0) figures[label]![id] = values.join(" / ");
      }
    }
    const ratios = unique(
      all.flatMap((c) => c.ratios),
      ratioLabel,
    ).map((ratio) => {
      const byRuntime: Record<string, RatioCell> = {};
      for (const [id, rs] of ok) {
        const values = rs.flatMap((r) => {
          const v = r.cases[i] ? roundRatio(r.cases[i]!, ratio) : undefined;
          return v === undefined ? [] : [v];
        });
        // Only a ratio every round had: fewer would hide a round that failed.
        if (values.length === rs.length) byRuntime[id] = { median: median(values), low: Math.min(...values), high: Math.max(...values) };
      }
      return { ratio, label: ratioLabel(ratio), cells: byRuntime };
    });
    cases.push({
      title: first.title,
      bytesPerOp: first.bytesPerOp,
      notes: unique(
        all.flatMap((c) => c.notes ?? []),
        (n) => n,
      ).filter((n) => !n.startsWith("load average")),
      chart: first.chart,
      contenders,
      cells,
      figures,
      ratios,
      goals: unique(
        all.flatMap((c) => c.goals ?? []),
        (g) => `${g.contender} ${describeGoal(g)}`,
      ),
    });
  }
  return { name, runtimes, cases };
}

export function formatTime(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e4) return `${(ns / 1e3).toFixed(2)} µs`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

/** GB/s (10^9 bytes/s) of `bytes` in `ns`: bytes per ns. */
export function formatRate(bytes: number, ns: number): string {
  return `${(bytes / ns).toFixed(2)} GB/s`;
}

/** "1.23 µs (1.10–1.40)", with "p99 3.0 µs" where single ops were timed; throughput cases in GB/s. */
export function formatCell(cell: Cell | Failure | undefined, bytesPerOp?: number): string {
  if (!cell) return "-";
  if ("error" in cell) return "n/a";
  const one = (ns: number) => (bytesPerOp ? formatRate(bytesPerOp, ns) : formatTime(ns));
  // For a rate, the slowest round is the lowest figure.
  const [lo, hi] = bytesPerOp ? [cell.high, cell.low] : [cell.low, cell.high];
  const main = one(cell.median);
  const unit = / (ns|µs|ms|GB\/s)$/;
  // A bound in the median's unit drops it; one in another unit keeps it (651 µs–1.4 ms around 1.2 ms).
  const bound = (ns: number) => (one(ns).match(unit)?.[1] === main.match(unit)?.[1] ? one(ns).replace(unit, "") : one(ns));
  const range = cell.rounds > 1 ? ` (${bound(lo)}–${bound(hi)})` : "";
  return `${main}${range}${cell.p99 !== undefined ? `, p99 ${formatTime(cell.p99)}` : ""}`;
}

export function describeTarget(r: Ratio): string {
  return r.target?.max !== undefined ? `≤ ${r.target.max}x` : `≥ ${r.target?.min}x`;
}

/** Whether a ratio meets its target: "met", or how far off. */
export function verdict(r: Ratio, value: number): string {
  const { max, min } = r.target ?? {};
  if (max !== undefined && value > max) return `MISSED by ${(value - max).toFixed(2)}x (${((value / max - 1) * 100).toFixed(0)}% over)`;
  if (min !== undefined && value < min) return `MISSED by ${(min - value).toFixed(2)}x (${((1 - value / min) * 100).toFixed(0)}% short)`;
  return "met";
}

/** "1.52x (1.40–1.61)" with " ok" / " MISS" where the ratio has a target. */
export function formatRatio(r: Ratio, cell: RatioCell | undefined): string {
  if (!cell) return "-";
  const mark = r.target ? (verdict(r, cell.median) === "met" ? " ok" : " MISS") : "";
  return `${cell.median.toFixed(2)}x (${cell.low.toFixed(2)}–${cell.high.toFixed(2)})${mark}`;
}

export function describeGoal(g: Goal): string {
  return g.maxNs !== undefined ? `≤ ${formatTime(g.maxNs)}` : `≥ ${g.minGBps} GB/s`;
}

/** "met" or how far off, for a contender's own median. */
export function goalVerdict(g: Goal, medianNs: number, bytesPerOp: number | undefined): string {
  if (g.maxNs !== undefined) {
    return medianNs > g.maxNs
      ? `MISSED by ${formatTime(medianNs - g.maxNs)} (${((medianNs / g.maxNs - 1) * 100).toFixed(0)}% over; ${formatTime(medianNs)})`
      : `met (${formatTime(medianNs)})`;
  }
  const gbps = (bytesPerOp ?? 0) / medianNs;
  return gbps < g.minGBps!
    ? `MISSED by ${(g.minGBps! - gbps).toFixed(2)} GB/s (${((1 - gbps / g.minGBps!) * 100).toFixed(0)}% short; ${gbps.toFixed(2)} GB/s)`
    : `met (${gbps.toFixed(2)} GB/s)`;
}

/** A case as table rows: a header, a row per contender, a row per ratio; a column per runtime that ran. */
export function caseRows(c: CaseSummary, runtimeIds: string[]): string[][] {
  const rows = [[c.title, ...runtimeIds]];
  for (const name of c.contenders) rows.push([name, ...runtimeIds.map((id) => formatCell(c.cells[name]?.[id], c.bytesPerOp))]);
  for (const [label, byRuntime] of Object.entries(c.figures)) rows.push([label, ...runtimeIds.map((id) => byRuntime[id] ?? "-")]);
  for (const { ratio, label, cells } of c.ratios) {
    rows.push([`${label}${ratio.target ? ` (target ${describeTarget(ratio)})` : ""}`, ...runtimeIds.map((id) => formatRatio(ratio, cells[id]))]);
  }
  return rows;
}

/** Why the contenders marked n/a did not run, one line each: "name (runtime): reason". */
export function failures(c: CaseSummary): string[] {
  return c.contenders.flatMap((name) =>
    Object.entries(c.cells[name] ?? {}).flatMap(([id, cell]) => ("error" in cell ? [`${name} (${id}): ${cell.error}`] : [])),
  );
}

/** Verdict lines for the targets and goals, one per ratio or goal. */
export function verdictLines(c: CaseSummary, runtimeIds: string[]): string[] {
  const lines: string[] = [];
  for (const { ratio, label, cells } of c.ratios.filter((r) => r.ratio.target)) {
    // Only runtimes that have the ratio's contenders (Bun.mmap exists in one column).
    const each = runtimeIds.flatMap((id) => (cells[id] ? [`${id} ${verdict(ratio, cells[id]!.median)} (${cells[id]!.median.toFixed(2)}x)`] : []));
    lines.push(`target ${label} ${describeTarget(ratio)}: ${each.join("; ")}`);
  }
  for (const goal of c.goals) {
    // Only where this runtime ran the contender: some rows (a cross-runtime child) exist in one column.
    const each = runtimeIds.flatMap((id) => {
      const cell = c.cells[goal.contender]?.[id];
      if (!cell) return [];
      return [`${id} ${"error" in cell ? "n/a" : goalVerdict(goal, cell.median, c.bytesPerOp)}`];
    });
    lines.push(`target ${goal.contender} ${describeGoal(goal)}: ${each.join("; ")}`);
  }
  return lines;
}
