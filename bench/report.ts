// npm run bench -- --report: the summaries of a run as docs/benchmarks.md, with
// an SVG chart (docs/benchmarks/*.svg) for every case that declares one.
// Pure: scripts/bench.ts writes what renderReport returns.
import type { MachineInfo } from "./harness.ts";
import { type Bar, barChart, lineChart } from "./svg.ts";
import { type Cell, type CaseSummary, caseRows, type Failure, failures, type GroupSummary, median, verdictLines } from "./summary.ts";

export interface ReportInput {
  /** ISO date of the run. */
  date: string;
  machine: MachineInfo;
  /** Versions of what ran beside the runtimes: the C compiler, python3. */
  tools: string[];
  rounds: number;
  command: string;
  groups: GroupSummary[];
}

/** A markdown table: the first row is the header; `|` inside a cell is escaped. */
export function markdownTable(rows: string[][]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const [head, ...body] = rows;
  const line = (r: string[]) => `| ${r.map(cell).join(" | ")} |`;
  return [line(head!), `|${head!.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...body.map(line)].join("\n");
}

/** Byte counts as axis labels: 64 B, 4 KiB, 1 MiB. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 20) return `${Number((n / 2 ** 20).toPrecision(3))} MiB`;
  if (n >= 1024) return `${Number((n / 1024).toPrecision(3))} KiB`;
  return `${n} B`;
}

const isCell = (c: Cell | Failure | undefined): c is Cell => c !== undefined && !("error" in c);

/** A contender that does not depend on the runtime (C, Python), measured in every runtime's run: the median over them, the widest range. */
function sharedCell(c: CaseSummary, contender: string): Cell | undefined {
  const cells = Object.values(c.cells[contender] ?? {}).filter(isCell);
  if (cells.length === 0) return undefined;
  return {
    median: median(cells.map((x) => x.median)),
    low: Math.min(...cells.map((x) => x.low)),
    high: Math.max(...cells.map((x) => x.high)),
    rounds: cells.reduce((n, x) => n + x.rounds, 0),
  };
}

/** The case's chart as SVG, or undefined when it declares none or nothing ran. */
export function chartOf(c: CaseSummary, runtimeIds: string[]): string | undefined {
  const chart = c.chart;
  if (!chart) return undefined;
  if (chart.kind === "bars") {
    const colorOf = (name: string) => [...chart.contenders, ...(chart.shared ?? [])].indexOf(name);
    const bar = (name: string, cell: Cell): Bar => ({ label: name, value: cell.median, low: cell.low, high: cell.high, color: colorOf(name) });
    const groups = runtimeIds.map((id) => ({
      label: id,
      bars: chart.contenders.flatMap((name) => {
        const cell = c.cells[name]?.[id];
        return isCell(cell) ? [bar(name, cell)] : [];
      }),
    }));
    const shared = (chart.shared ?? []).flatMap((name) => {
      const cell = sharedCell(c, name);
      return cell ? [bar(name, cell)] : [];
    });
    if (shared.length > 0) groups.push({ label: "baselines (no JS runtime)", bars: shared });
    const nonEmpty = groups.filter((g) => g.bars.length > 0);
    return nonEmpty.length > 0 ? barChart({ title: chart.title, groups: nonEmpty, axis: "time per operation, median of the rounds" }) : undefined;
  }
  const series = new Map<string, { label: string; points: { x: number; y: number }[]; dashed?: boolean }>();
  for (const [name, p] of Object.entries(chart.points)) {
    const cells: [string, Cell | Failure | undefined][] = p.shared ? [["", sharedCell(c, name)]] : runtimeIds.map((id) => [id, c.cells[name]?.[id]]);
    for (const [id, cell] of cells) {
      if (!isCell(cell)) continue;
      const label = p.shared ? p.series : `${id}: ${p.series}`;
      if (!series.has(label)) series.set(label, { label, points: [], dashed: p.shared });
      series.get(label)!.points.push({ x: p.x, y: cell.median });
    }
  }
  if (series.size === 0) return undefined;
  return lineChart({ title: chart.title, xLabel: chart.xLabel, yLabel: "round trip, median", formatX: formatBytes, xBase: 4, series: [...series.values()] });
}

/** The report: markdown, and the charts it links to by file name (in docs/benchmarks/). */
export function renderReport(input: ReportInput): { markdown: string; charts: Record<string, string> } {
  const m = input.machine;
  const charts: Record<string, string> = {};
  const out: string[] = [
    "# Benchmarks",
    "",
    `Made by \`${input.command}\` on ${input.date}. Every case ran in ${input.rounds} separate processes (rounds) per runtime;`,
    "a figure is the median of the rounds' medians, with the slowest and fastest round in brackets, and p99 where every",
    "single operation was timed. Ratios are taken per round; their median and range are shown. Lower times are better.",
    "",
    `**Machine:** ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel} ${m.arch}.`,
    "",
    "| runtime | version | FFI |",
    "|---|---|---|",
  ];
  const seen = new Set<string>();
  for (const g of input.groups) {
    for (const [id, r] of Object.entries(g.runtimes)) {
      if (seen.has(id) || "error" in r) continue;
      seen.add(id);
      out.push(`| ${id} | ${r.runtime.name} ${r.runtime.version} (${r.runtime.engine}) | ${r.backend} |`);
    }
  }
  if (input.tools.length > 0) out.push("", `Baselines: ${input.tools.join("; ")}.`);
  for (const g of input.groups) {
    out.push("", `## ${g.name}`, "");
    const ids = Object.keys(g.runtimes).filter((id) => !("error" in g.runtimes[id]!));
    for (const [id, r] of Object.entries(g.runtimes)) if ("error" in r) out.push(`- ${id} did not run: ${r.error}`);
    for (const [i, c] of g.cases.entries()) {
      out.push("", `### ${c.title}`, "");
      const svg = chartOf(c, ids);
      if (svg) {
        const file = `${g.name}-${i + 1}.svg`;
        charts[file] = svg;
        out.push(`![${c.chart!.title}](benchmarks/${file})`, "");
      }
      out.push(markdownTable(caseRows(c, ids)), "");
      for (const line of verdictLines(c, ids)) out.push(`- ${line}`);
      for (const note of c.notes) out.push(`- ${note}`);
      for (const line of failures(c)) out.push(`- n/a: ${line}`);
    }
  }
  return { markdown: `${out.join("\n")}\n`, charts };
}

/**
 * The sections of `previous` (an earlier report's markdown) for groups this run did not measure,
 * appended to `markdown`, each marked with the run it came from: a report of `map ipc` keeps
 * the earlier `formats` section instead of dropping it. `keptCharts`: the chart files those
 * sections link to, which the writer must not delete.
 */
export function keepEarlierSections(previous: string | undefined, markdown: string, ran: string[]): { markdown: string; keptCharts: string[] } {
  // A smoke run's figures measure nothing: none of them is worth keeping.
  if (!previous || previous.startsWith(QUICK_BANNER)) return { markdown, keptCharts: [] };
  const made = /^Made by `([^`]+)` on (\d{4}-\d\d-\d\d)/m.exec(previous);
  const machine = /^\*\*Machine:\*\* (.+)$/m.exec(previous)?.[1];
  const from = made ? `the report of ${made[2]} (\`${made[1]}\`${machine ? `, on ${machine.replace(/\.$/, "")}` : ""})` : "an earlier report";
  const kept: string[] = [];
  // "## name" starts a group's section; it runs to the next one or the end.
  for (const section of previous.split(/^(?=## )/m).slice(1)) {
    const name = /^## (\S+)/.exec(section)?.[1];
    if (!name || ran.includes(name)) continue;
    const [heading, ...rest] = section.trimEnd().split("\n");
    const body = rest.join("\n");
    // A section kept before keeps the note naming the run that measured it.
    kept.push(KEPT.test(body) ? section.trimEnd() : [heading, "", `${KEPT_NOTE} ${from}.`, body].join("\n"));
  }
  if (kept.length === 0) return { markdown, keptCharts: [] };
  const keptCharts = kept.flatMap((s) => [...s.matchAll(/\]\(benchmarks\/([^)]+\.svg)\)/g)].map((m) => m[1]!));
  return { markdown: `${markdown.trimEnd()}\n\n${kept.join("\n\n")}\n`, keptCharts };
}

/** The first line of a `--quick` report. */
export const QUICK_BANNER = "> **Quick smoke run: these figures measure nothing.**";
const KEPT_NOTE = "_Not measured by this run: kept from_";
const KEPT = /^_Not measured by this run: kept from_/m;
