// Hand-written SVG charts for docs/benchmarks.md: horizontal bars (a value
// and its range per bar, bars grouped) and lines on log-log axes. Pure
// functions from data to SVG text, so e2e/test/bench-report.test.ts checks
// the scaling without a run.

const FONT = `font-family="DejaVu Sans, Helvetica, Arial, sans-serif"`;
/** Colour-blind-safe (Okabe-Ito), in the order series are given. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A step of 1, 2 or 5 times a power of ten, so about `count` steps cover `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/** Ticks from 0 to the first step at or above `max`. */
export function linearTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const step = niceStep(max, count);
  const n = Math.ceil(max / step - 1e-9);
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** Powers of `base` from the one at or below `min` to the one at or above `max`. */
export function logTicks(min: number, max: number, base = 10): number[] {
  const lo = Math.floor(Math.log(min) / Math.log(base) + 1e-9);
  const hi = Math.max(lo + 1, Math.ceil(Math.log(max) / Math.log(base) - 1e-9));
  return Array.from({ length: hi - lo + 1 }, (_, i) => Number((base ** (lo + i)).toPrecision(12)));
}

/** Maps a value in [d0, d1] to [r0, r1], linearly or on a log scale. */
export function scale(d0: number, d1: number, r0: number, r1: number, log = false): (v: number) => number {
  const f = log ? Math.log : (v: number) => v;
  const a = f(d0);
  const span = f(d1) - a || 1;
  return (v) => r0 + ((f(v) - a) / span) * (r1 - r0);
}

/** The unit a set of nanosecond values reads best in. */
export function timeUnit(maxNs: number): { name: string; ns: number } {
  if (maxNs < 2e3) return { name: "ns", ns: 1 };
  if (maxNs < 2e6) return { name: "µs", ns: 1e3 };
  return { name: "ms", ns: 1e6 };
}

/** A number as a tick label: no trailing zeros, at most 3 significant digits. */
export function tickLabel(v: number): string {
  return String(Number(v.toPrecision(3)));
}

export interface Bar {
  label: string;
  /** ns; low..high is drawn as a whisker. */
  value: number;
  low?: number;
  high?: number;
  /** Colour index: the same contender keeps its colour across groups. */
  color: number;
}

export interface BarChart {
  title: string;
  groups: { label: string; bars: Bar[] }[];
  /** Axis label, with the unit appended. */
  axis: string;
}

const BAR = 18;
const GAP = 6;
const GROUP_GAP = 14;

/** Horizontal bars, a header per group, the value printed after each bar. */
export function barChart(chart: BarChart): string {
  const bars = chart.groups.flatMap((g) => g.bars);
  // Room for the longest label: about 8.2 px a character of DejaVu Sans at 13 px, 9.5 bold at 14 px (measured in rsvg-convert's rendering).
  const left = Math.ceil(Math.max(140, ...bars.map((b) => b.label.length * 8.2), ...chart.groups.map((g) => g.label.length * 9.5))) + 24;
  const width = left + 660;
  const right = 150;
  const top = 48;
  const maxNs = Math.max(...bars.map((b) => Math.max(b.value, b.high ?? 0)));
  const unit = timeUnit(maxNs);
  const ticks = linearTicks(maxNs / unit.ns);
  const x = scale(0, ticks.at(-1)!, left, width - right);
  const parts: string[] = [];
  let y = top + 8;
  for (const group of chart.groups) {
    y += GROUP_GAP;
    parts.push(`<text x="${left - 8}" y="${y + 12}" text-anchor="end" font-weight="bold" font-size="14">${escapeXml(group.label)}</text>`);
    y += BAR + GAP;
    for (const b of group.bars) {
      const w = x(b.value / unit.ns) - left;
      const mid = y + BAR / 2;
      parts.push(`<text x="${left - 8}" y="${mid + 4}" text-anchor="end" font-size="13">${escapeXml(b.label)}</text>`);
      parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, w).toFixed(1)}" height="${BAR}" fill="${PALETTE[b.color % PALETTE.length]}"/>`);
      if (b.low !== undefined && b.high !== undefined && b.high > b.low) {
        const [l, h] = [x(b.low / unit.ns), x(b.high / unit.ns)];
        parts.push(
          `<path d="M${l.toFixed(1)} ${mid}H${h.toFixed(1)}M${l.toFixed(1)} ${mid - 5}V${mid + 5}M${h.toFixed(1)} ${mid - 5}V${mid + 5}" stroke="#222" stroke-width="1.5" fill="none"/>`,
        );
      }
      const end = Math.max(x(b.value / unit.ns), b.high !== undefined ? x(b.high / unit.ns) : 0);
      parts.push(`<text x="${(end + 6).toFixed(1)}" y="${mid + 4}" font-size="13">${tickLabel(b.value / unit.ns)} ${unit.name}</text>`);
      y += BAR + GAP;
    }
  }
  const bottom = y + 4;
  const height = bottom + 48;
  const grid = ticks.map((t) => {
    const tx = x(t).toFixed(1);
    return `<line x1="${tx}" y1="${top}" x2="${tx}" y2="${bottom}" stroke="#ddd"/><text x="${tx}" y="${bottom + 18}" text-anchor="middle" font-size="12">${tickLabel(t)}</text>`;
  });
  return svg(chart.title, width, height, [
    `<text x="${width / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(chart.title)}</text>`,
    ...grid,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#444"/>`,
    ...parts,
    `<text x="${(left + width - right) / 2}" y="${bottom + 40}" text-anchor="middle" font-size="13">${escapeXml(`${chart.axis} (${unit.name}); whiskers: slowest and fastest round`)}</text>`,
  ]);
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** How an x tick is written (a byte count as "4 KiB"). */
  formatX: (x: number) => string;
  /** x ticks: log scales in this base. */
  xBase: number;
  series: { label: string; points: { x: number; y: number }[]; dashed?: boolean }[];
}

/** Lines on log-log axes (y in ns, shown in the unit that suits), a legend on the right. */
export function lineChart(chart: LineChart): string {
  const width = 960;
  const height = 520;
  const left = 80;
  const right = 260;
  const top = 48;
  const bottom = height - 64;
  const points = chart.series.flatMap((s) => s.points);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  // The unit of the values' geometric middle: on a log axis spanning decades, ticks then read 0.1 .. 10000, not 0.001 or 10000000.
  const unit = timeUnit(Math.sqrt(Math.min(...ys) * Math.max(...ys)));
  const xTicks = logTicks(Math.min(...xs), Math.max(...xs), chart.xBase);
  const yTicks = logTicks(Math.min(...ys) / unit.ns, Math.max(...ys) / unit.ns);
  const x = scale(xTicks[0]!, xTicks.at(-1)!, left, width - right, true);
  const y = scale(yTicks[0]!, yTicks.at(-1)!, bottom, top, true);
  const parts: string[] = [`<text x="${width / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(chart.title)}</text>`];
  for (const t of xTicks) {
    const tx = x(t).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${top}" x2="${tx}" y2="${bottom}" stroke="#ddd"/><text x="${tx}" y="${bottom + 18}" text-anchor="middle" font-size="12">${escapeXml(chart.formatX(t))}</text>`,
    );
  }
  for (const t of yTicks) {
    const ty = y(t).toFixed(1);
    parts.push(
      `<line x1="${left}" y1="${ty}" x2="${width - right}" y2="${ty}" stroke="#ddd"/><text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="12">${tickLabel(t)}</text>`,
    );
  }
  parts.push(`<rect x="${left}" y="${top}" width="${width - right - left}" height="${bottom - top}" fill="none" stroke="#444"/>`);
  for (const [i, s] of chart.series.entries()) {
    const color = PALETTE[i % PALETTE.length];
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    const d = sorted.map((p, j) => `${j === 0 ? "M" : "L"}${x(p.x).toFixed(1)} ${y(p.y / unit.ns).toFixed(1)}`).join("");
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2.5"${s.dashed ? ` stroke-dasharray="7 5"` : ""}/>`);
    for (const p of sorted) parts.push(`<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y / unit.ns).toFixed(1)}" r="3.5" fill="${color}"/>`);
    const ly = top + 10 + i * 22;
    parts.push(
      `<line x1="${width - right + 16}" y1="${ly}" x2="${width - right + 44}" y2="${ly}" stroke="${color}" stroke-width="2.5"${s.dashed ? ` stroke-dasharray="7 5"` : ""}/>`,
      `<text x="${width - right + 50}" y="${ly + 4}" font-size="13">${escapeXml(s.label)}</text>`,
    );
  }
  parts.push(
    `<text x="${(left + width - right) / 2}" y="${height - 22}" text-anchor="middle" font-size="13">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(20 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="13">${escapeXml(`${chart.yLabel} (${unit.name})`)}</text>`,
  );
  return svg(chart.title, width, height, parts);
}

/** The document; its <title> is what screen readers (and biome's a11y rule) take for the chart. */
function svg(title: string, width: number, height: number, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>\n<title>${escapeXml(title)}</title>\n<rect width="100%" height="100%" fill="#fff"/>\n${body.join("\n")}\n</svg>\n`;
}
