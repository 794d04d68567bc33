// The "formats" benchmark group: real file formats read through a mapping against
// readFileSync: the time to the first result and the peak memory it takes. Peak RSS only
// means something for a whole process, so every run of every contender is a fresh child
// (bench/formats-child.ts, forked with memmap's fork()), and the runs are interleaved.
import { join } from "node:path";
import process from "node:process";
import type { Readable } from "node:stream";
import { tableFromIPC } from "apache-arrow";
import { sumColumn, writeArrowFile } from "../examples/formats/arrow.ts";
import { mib } from "../examples/formats/memory.ts";
import { readSafetensors, sumTensor, writeSafetensors } from "../examples/formats/safetensors.ts";
import { RUNTIMES as TABLE } from "../scripts/runtimes.ts";
import type { Api, CaseResult } from "./groups.ts";
import { loadNote, type Outcome, summarize } from "./harness.ts";

const MiB = 2 ** 20;
const ARROW = "table.arrow";
const SAFETENSORS = "model.safetensors";
/** Tensors in the model; a case reads one of them. */
const TENSORS = 16;
/** Fresh processes per contender and case. */
const RUNS = 5;
const CONTENDERS = ["map()", "readFileSync"] as const;
type Contender = (typeof CONTENDERS)[number];

/** MEMMAP_BENCH_FORMATS_MB shrinks the 1 GiB files for quick runs. */
function fileSize(): number {
  const mb = Number(process.env.MEMMAP_BENCH_FORMATS_MB ?? 1024);
  if (!Number.isInteger(mb) || mb < TENSORS) {
    throw new RangeError(`MEMMAP_BENCH_FORMATS_MB must be a whole number, ${TENSORS} or more, got "${process.env.MEMMAP_BENCH_FORMATS_MB}"`);
  }
  return mb * MiB;
}

/** What one child does once its file's bytes are in hand: the result is a number, checked across contenders. */
export const CASES: Record<string, { file: string; title: string; result: (bytes: Uint8Array) => number }> = {
  "arrow-value": {
    file: ARROW,
    title: "Arrow IPC file: tableFromIPC, then one value (the middle row's)",
    result: (bytes) => {
      const table = tableFromIPC(bytes);
      return table.getChild("value")!.get(Math.floor(table.numRows / 2)) as number;
    },
  },
  "arrow-sum": {
    file: ARROW,
    title: 'Arrow IPC file: tableFromIPC, then the sum of the "value" column (2/3 of the file)',
    result: (bytes) => Number(sumColumn(tableFromIPC(bytes), "value")),
  },
  "safetensors-one": {
    file: SAFETENSORS,
    title: `safetensors file: the header, then the sum of one tensor of ${TENSORS}`,
    result: (bytes) => Number(sumTensor(readSafetensors(bytes).tensors.find((t) => t.name === "layers.7.weight")!.data)),
  },
};

/** What a child reports: milliseconds from nothing to the result, the result, and its memory then (bytes). */
export interface ChildReport {
  ms: number;
  result: number;
  peak: number;
  anon: number;
}

export async function prepare(dir: string): Promise<void> {
  await writeArrowFile(join(dir, ARROW), fileSize());
  const side = Math.round(Math.sqrt(fileSize() / TENSORS / 4));
  writeSafetensors(
    join(dir, SAFETENSORS),
    Array.from({ length: TENSORS }, (_, layer) => ({
      name: `layers.${layer}.weight`,
      dtype: "F32" as const,
      shape: [side, side],
      data: () => Float32Array.from({ length: side * side }, (_, i) => ((i + layer) % 97) / 4),
    })),
  );
}

/** The memmap a child imports: this runtime's package, as this repository builds it. */
function entry(): string {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  return g.Bun ? TABLE.bun.entry : g.Deno ? TABLE.deno.entry : TABLE.node26.entry;
}

async function text(stream: Readable | null): Promise<string> {
  let out = "";
  for await (const chunk of stream ?? []) out += new TextDecoder().decode(chunk as Uint8Array);
  return out;
}

/** One fresh child of this runtime (same flags), running one case with one contender, or nothing but its imports. */
async function runChild(api: Api, dir: string, id: string, contender: Contender | "baseline"): Promise<ChildReport> {
  const child = api.fork(join(import.meta.dirname!, "formats-child.ts"), { args: [id, contender, dir, entry()], stdio: "pipe" });
  child.stdin?.end();
  child.stderr?.on("data", (chunk: Uint8Array) => process.stderr.write(chunk));
  const [out, exit] = await Promise.all([text(child.stdout), child.exited]);
  if (exit.code !== 0) throw new Error(`the ${contender} child for ${id} exited with ${exit.code ?? exit.signal}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as ChildReport;
}

const median = (values: number[]) => summarize(values).median;

export async function run(api: Api, dir: string): Promise<CaseResult[]> {
  const size = fileSize();
  const baseline = await runChild(api, dir, "arrow-value", "baseline");
  const cases: CaseResult[] = [];
  for (const [id, c] of Object.entries(CASES)) {
    console.error(`  ${id}`);
    const reports: Record<Contender, ChildReport[]> = { "map()": [], readFileSync: [] };
    const outcomes: Record<string, Outcome> = {};
    for (let i = 0; i < RUNS; i++) {
      for (const contender of CONTENDERS) {
        try {
          if (!(contender in outcomes)) reports[contender].push(await runChild(api, dir, id, contender));
        } catch (e) {
          outcomes[contender] = { error: e instanceof Error ? e.message : String(e) };
        }
      }
    }
    for (const contender of CONTENDERS) {
      const r = reports[contender];
      if (!(contender in outcomes) && r.length > 0) outcomes[contender] = { stats: summarize(r.map((x) => x.ms * 1e6)), first: r[0]!.result };
    }
    const results = new Set(Object.values(reports).flatMap((r) => r.map((x) => x.result)));
    const memory = (contender: Contender, key: "peak" | "anon") => {
      const r = reports[contender];
      return r.length > 0 && r.every((x) => Number.isFinite(x[key])) ? mib(median(r.map((x) => x[key]))) : "n/a";
    };
    cases.push({
      title: `${c.title}, ${mib(size)}, time to the result`,
      notes: [
        "each run is a new process: the time runs from opening the file (map() includes loading the shim) to the result; the file is in the page cache (written just before), so no run reads the disk",
        `peak RSS: VmHWM at the result, median of ${RUNS} processes; "alone": a process that only made the same imports`,
        "anonymous RSS: RssAnon at the result; mapped pages the result touched count as file pages (the page cache's, shared, reclaimable), not as anonymous ones",
        results.size > 1 ? `RESULTS DIFFER between runs or contenders: ${[...results].join(", ")}` : `every run gave ${[...results][0]}`,
        loadNote(),
      ],
      figures: {
        "peak RSS, map()": memory("map()", "peak"),
        "peak RSS, readFileSync": memory("readFileSync", "peak"),
        "peak RSS, the runtime and imports alone": Number.isFinite(baseline.peak) ? mib(baseline.peak) : "n/a",
        "anonymous RSS, map()": memory("map()", "anon"),
        "anonymous RSS, readFileSync": memory("readFileSync", "anon"),
      },
      outcomes,
      ratios: [{ numerator: "readFileSync", denominator: "map()" }],
    });
  }
  return cases;
}
