// The benchmark report without a benchmark run: chart scaling, the rounds'
// summary and the markdown tables, from made-up results.
import assert from "node:assert/strict";
import { describe, it } from "vitest";
import type { CaseResult, GroupResult } from "../../bench/groups.ts";
import type { Outcome } from "../../bench/harness.ts";
import { chartOf, formatBytes, keepEarlierSections, markdownTable, QUICK_BANNER, renderReport } from "../../bench/report.ts";
import { barChart, escapeXml, linearTicks, lineChart, logTicks, niceStep, scale, timeUnit } from "../../bench/svg.ts";
import { caseRows, combineOutcomes, formatCell, summarizeGroup } from "../../bench/summary.ts";

const MACHINE = { cpu: "Test CPU", cores: 2, memoryGiB: 4, kernel: "Linux 6.0", arch: "x64" };

const ok = (median: number, p99?: number): Outcome => ({
  stats: { median, p25: median, p75: median, min: median, max: median, samples: 5, ...(p99 ? { p99 } : {}) },
  first: 1,
});

function round(runtime: string, outcomes: Record<string, Outcome>, extra: Partial<CaseResult> = {}): GroupResult {
  return {
    runtime: { name: runtime, version: "1.0", engine: "V8" },
    backend: "test",
    machine: MACHINE,
    cases: [{ title: "(a) map", outcomes, ratios: [{ numerator: "map()", denominator: "C", target: { max: 1.1 } }], ...extra }],
  };
}

/** The numbers an SVG places at the given attribute, in order. */
const attrs = (svg: string, name: string) => [...svg.matchAll(new RegExp(` ${name}="([-\\d.]+)"`, "g"))].map((m) => Number(m[1]));

describe("bench report: chart scaling", () => {
  it("linear ticks are 1, 2 or 5 times a power of ten, from 0 to the first at or above the maximum", () => {
    assert.deepEqual(linearTicks(4.2), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(linearTicks(113), [0, 50, 100, 150]);
    assert.deepEqual(linearTicks(0.37), [0, 0.1, 0.2, 0.3, 0.4]);
    assert.deepEqual(linearTicks(200), [0, 50, 100, 150, 200], "a maximum on a step gets no extra step");
    assert.deepEqual(linearTicks(0), [0, 1], "nothing to scale still gives an axis");
    assert.equal(niceStep(7, 5), 2);
    assert.equal(niceStep(30, 5), 10);
  });

  it("log ticks cover the data with whole powers, at least two", () => {
    assert.deepEqual(logTicks(64, 2 ** 20, 4), [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576]);
    assert.deepEqual(logTicks(2.8, 1400), [1, 10, 100, 1000, 10000]);
    assert.deepEqual(logTicks(5, 5), [1, 10]);
    assert.deepEqual(logTicks(0.5, 0.9), [0.1, 1]);
  });

  it("scale maps the domain's ends onto the range's, linearly or logarithmically", () => {
    const lin = scale(0, 10, 100, 200);
    assert.equal(lin(0), 100);
    assert.equal(lin(5), 150);
    const log = scale(1, 100, 0, 200, true);
    assert.equal(log(10), 100);
    const flipped = scale(1, 1000, 400, 40, true);
    assert.ok(Math.abs(flipped(10) - 280) < 1e-9, "an upward y axis runs from bottom to top");
  });

  it("times get the unit they read best in", () => {
    assert.equal(timeUnit(900).name, "ns");
    assert.equal(timeUnit(120_000).name, "µs");
    assert.equal(timeUnit(5e6).name, "ms");
  });

  it("a bar chart puts every bar inside the plot, its length proportional to its value, labels escaped", () => {
    const svg = barChart({
      title: "a <b> & c",
      axis: "time",
      groups: [
        {
          label: "node26",
          bars: [
            { label: "map()", value: 10_000, low: 9_000, high: 12_000, color: 0 },
            { label: "raw", value: 5_000, color: 1 },
          ],
        },
      ],
    });
    assert.match(svg, /a &lt;b&gt; &amp; c/);
    assert.match(svg, /time \(µs\)/, "the axis names its unit");
    const [plotWidth, ...barWidths] = attrs(svg, "width");
    assert.ok(plotWidth! > 0);
    // The svg's own width first, then the background's 100% (not a number), then the bars.
    const bars = barWidths.slice(-2);
    assert.ok(Math.abs(bars[0]! / bars[1]! - 2) < 0.01, `bar lengths ${bars} are proportional to 10 and 5 µs`);
    const width = Number(/viewBox="0 0 (\d+)/.exec(svg)![1]);
    for (const x of attrs(svg, "x")) assert.ok(x >= 0 && x <= width, `x=${x} lies inside the chart (0..${width})`);
  });

  it("the bar chart's left margin grows with its longest label", () => {
    const chart = (label: string) => barChart({ title: "t", axis: "a", groups: [{ label: "g", bars: [{ label, value: 1, color: 0 }] }] });
    const barX = (svg: string) => Number(/<rect x="(\d+)"/.exec(svg.replace('<rect width="100%"', ""))![1]);
    assert.ok(barX(chart("C open+fstat+mmap+close+touch+munmap")) > barX(chart("raw")) + 100);
  });

  it("a line chart places points on log axes with a legend entry per series", () => {
    const svg = lineChart({
      title: "t",
      xLabel: "message size",
      yLabel: "round trip",
      formatX: formatBytes,
      xBase: 4,
      series: [
        { label: "node26: Channel", points: [64, 4096, 2 ** 20].map((x, i) => ({ x, y: 1000 * 10 ** i })) },
        { label: "C spin", points: [{ x: 64, y: 500 }], dashed: true },
      ],
    });
    for (const label of ["64 B", "4 KiB", "1 MiB", "node26: Channel", "C spin", "round trip (µs)", "message size"]) assert.ok(svg.includes(label), label);
    const cx = attrs(svg, "cx");
    const cy = attrs(svg, "cy");
    // Equal steps on both log scales: 64 -> 4 KiB -> 1 MiB are 3 and 4 powers of 4, 1 -> 10 -> 100 µs one power of ten each.
    assert.ok(Math.abs((cx[1]! - cx[0]!) / (cx[2]! - cx[1]!) - 3 / 4) < 0.01);
    assert.ok(Math.abs(cy[0]! - cy[1]! - (cy[1]! - cy[2]!)) < 0.01, "y spacing is logarithmic");
    assert.ok(cy[0]! > cy[2]!, "larger times are higher up");
    assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2, "the dashed series' line and its legend");
  });

  it("escapes what XML cannot hold", () => assert.equal(escapeXml(`a<b>&"c"`), "a&lt;b&gt;&amp;&quot;c&quot;"));
});

describe("bench report: rounds and tables", () => {
  it("a cell is the median of the rounds' medians, with their range and the median p99", () => {
    const cell = combineOutcomes([ok(30, 90), ok(10, 50), ok(20, 70)]);
    assert.deepEqual(cell, { median: 20, low: 10, high: 30, p99: 70, rounds: 3 });
    assert.equal(formatCell(cell), "20 ns (10–30), p99 70 ns");
    assert.deepEqual(combineOutcomes([ok(1), { error: "boom" }, ok(3)]), { error: "boom" }, "a round that failed is not hidden");
    assert.equal(formatCell(combineOutcomes([ok(651_000), ok(1_200_000), ok(1_400_000)])), "1.2 ms (651.0 µs–1.4)", "a bound in another unit keeps it");
    assert.equal(
      formatCell(combineOutcomes([ok(2000), ok(4000)]), 8000),
      "2.67 GB/s (2.00–4.00)",
      "a rate: the median time's, its range from the slowest round up",
    );
  });

  it("ratios are taken per round, then summarized; missing runtimes and failures show as such", () => {
    const rounds = {
      node26: [
        round("node", { "map()": ok(12_000), C: ok(10_000) }),
        round("node", { "map()": ok(11_000), C: ok(10_000) }),
        round("node", { "map()": ok(15_000), C: ok(10_000) }),
      ],
      bun: [round("bun", { "map()": ok(9_000), C: ok(10_000) }), { error: "exited with 1" }, round("bun", { "map()": ok(9_000), C: ok(10_000) })],
    };
    const g = summarizeGroup("map", rounds);
    assert.deepEqual(g.runtimes.bun, { error: "exited with 1" });
    const c = g.cases[0]!;
    assert.deepEqual(c.ratios[0]!.cells.node26, { median: 1.2, low: 1.1, high: 1.5 });
    const rows = caseRows(c, ["node26"]);
    assert.deepEqual(rows[0], ["(a) map", "node26"]);
    assert.deepEqual(rows[1], ["map()", "12.0 µs (11.0–15.0)"]);
    assert.deepEqual(rows[3], ["map() ÷ C (target ≤ 1.1x)", "1.20x (1.10–1.50) MISS"]);
  });

  it("figures that are not times show every round's distinct value per runtime", () => {
    const withFigure = (peak: string) => round("node", { "map()": ok(1000), C: ok(1000) }, { figures: { "peak RSS": peak } });
    const g = summarizeGroup("formats", { node26: [withFigure("40 MiB"), withFigure("40 MiB"), withFigure("41 MiB")] });
    assert.deepEqual(
      caseRows(g.cases[0]!, ["node26"]).find((r) => r[0] === "peak RSS"),
      ["peak RSS", "40 MiB / 41 MiB"],
    );
  });

  it("markdown tables right-align the figures and escape pipes", () => {
    assert.equal(
      markdownTable([
        ["case", "node26"],
        ["a | b", "1 µs"],
      ]),
      "| case | node26 |\n|---|---:|\n| a \\| b | 1 µs |",
    );
  });

  it("the report lists the machine and runtimes, links each chart it returns, and draws shared baselines once", () => {
    const chart = { kind: "bars" as const, title: "map cost", contenders: ["map()"], shared: ["C"] };
    const three = (rt: string, m: number) => [0, 1, 2].map(() => round(rt, { "map()": ok(m), C: ok(10_000) }, { chart }));
    const g = summarizeGroup("map", { node26: three("node", 12_000), deno: three("deno", 11_000) });
    const { markdown, charts } = renderReport({ date: "2026-12-02", machine: MACHINE, tools: ["C: cc 12"], rounds: 3, command: "npm run bench", groups: [g] });
    assert.deepEqual(Object.keys(charts), ["map-1.svg"]);
    assert.match(markdown, /!\[map cost\]\(benchmarks\/map-1\.svg\)/);
    assert.match(markdown, /\*\*Machine:\*\* Test CPU, 2 cores, 4 GiB, Linux 6\.0 x64/);
    assert.match(markdown, /\| deno \| deno 1\.0 \(V8\) \| test \|/);
    assert.match(markdown, /3 separate processes \(rounds\)/);
    const svg = chartOf(g.cases[0]!, ["node26", "deno"])!;
    assert.equal((svg.match(/>C</g) ?? []).length, 1, "the C bar once, in the baselines group");
    assert.equal((svg.match(/>map\(\)</g) ?? []).length, 2, "a map() bar per runtime");
  });

  it("a report of some groups keeps the earlier report's other sections and their charts, marked with the run that measured them", () => {
    const three = (rt: string) => [0, 1, 2].map(() => round(rt, { "map()": ok(12_000), C: ok(10_000) }));
    const report = (groups: string[], date: string, command: string) =>
      renderReport({ date, machine: MACHINE, tools: [], rounds: 3, command, groups: groups.map((name) => summarizeGroup(name, { node26: three("node") })) })
        .markdown;
    const withChart = (md: string, group: string) => md.replace(`## ${group}\n`, `## ${group}\n\n![chart](benchmarks/${group}-1.svg)\n`);
    const first = withChart(report(["map", "formats"], "2026-12-01", "npm run bench -- map formats --report"), "formats");
    const second = keepEarlierSections(first, report(["map"], "2026-12-02", "npm run bench -- map --report"), ["map"]);
    assert.equal(second.markdown.match(/^## map$/gm)?.length, 1, "the rerun group's old section is dropped");
    assert.match(
      second.markdown,
      /^## formats\n\n_Not measured by this run: kept from_ the report of 2026-12-01 \(`npm run bench -- map formats --report`, on Test CPU, 2 cores, 4 GiB, Linux 6\.0 x64\)\.$/m,
    );
    assert.ok(second.markdown.indexOf("## formats") > second.markdown.indexOf("## map"), "kept sections come after this run's");
    assert.deepEqual(second.keptCharts, ["formats-1.svg"]);
    // Kept again by a third run, it still names the run that measured it, once.
    const third = keepEarlierSections(second.markdown, report(["ipc"], "2026-12-03", "npm run bench -- ipc --report"), ["ipc"]);
    assert.equal(third.markdown.match(/_Not measured by this run/g)?.length, 2, "map and formats, each noted once");
    assert.match(third.markdown, /## formats\n\n_Not measured by this run: kept from_ the report of 2026-12-01/);
    assert.match(third.markdown, /## map\n\n_Not measured by this run: kept from_ the report of 2026-12-02/);
    assert.equal(keepEarlierSections(undefined, "# Benchmarks\n", ["map"]).markdown, "# Benchmarks\n", "no earlier report: nothing to keep");
    const quick = keepEarlierSections(`${QUICK_BANNER}\n\n${first}`, report(["map"], "2026-12-02", "npm run bench -- map --report"), ["map"]);
    assert.doesNotMatch(quick.markdown, /## formats/, "a smoke run's sections are never kept");
  });
});
