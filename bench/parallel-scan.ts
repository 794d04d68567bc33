// The scan of bench/map.ts by 1 and by 2 Workers over one mapping, handed over with
// mapping.handle(): a Worker per part, each fromHandle + sum + close per op.
import { Worker } from "node:worker_threads";
import { cBaseline } from "./baselines.ts";
import type { Api, CaseResult } from "./groups.ts";
import { type MeasureOptions, type Outcome, scaled, summarize } from "./harness.ts";

/** The same scan in C with 1 and 2 threads (bench/c/parallel-scan.c): how far this machine scales at all. */
const C_SCALAR = ["C 1 thread", "C 2 threads"];
const C_VECTOR = ["C 1 thread, vectorized", "C 2 threads, vectorized"];

interface ScanWorker {
  sum(message: unknown): Promise<number>;
  stop(): Promise<number>;
}

async function startWorker(entry: string): Promise<ScanWorker> {
  const worker = new Worker(new URL("./scan-worker.ts", import.meta.url), { workerData: { entry } });
  // Each wait takes its listeners off again: one left per op added up past Node's warning at 10.
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      const settle = (done: () => void) => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        done();
      };
      const onMessage = (message: unknown) => settle(() => resolve(message));
      const onError = (error: unknown) => settle(() => reject(error));
      worker.on("message", onMessage);
      worker.on("error", onError);
    });
  await next();
  return {
    sum: async (message) => {
      worker.postMessage(message);
      return (await next()) as number;
    },
    stop: () => worker.terminate(),
  };
}

/** One case: the whole file summed by `counts` Workers each, samples interleaved. */
export async function parallelScan(api: Api, path: string, entry: string, reference: number): Promise<CaseResult> {
  const m = api.map(path);
  const handle = m.handle();
  const counts = [1, 2];
  const pools = await Promise.all(counts.map((n) => Promise.all(Array.from({ length: n }, () => startWorker(entry)))));
  const times = counts.map((): number[] => []);
  const outcomes: Record<string, Outcome> = {};
  const name = (n: number) => `${n} Worker${n === 1 ? "" : "s"}`;
  // 15 samples: with 5, one slow round (this 2-core VM's neighbours) moved a median ratio by 5-10%.
  const measure: MeasureOptions = { ops: 1, samples: 15, warmup: 2 };
  try {
    // As many as the C baseline gets (scaled() also applies --quick).
    const { samples: SAMPLES, warmup: WARMUP } = scaled(measure);
    let first: number[] = [];
    for (let round = 0; round < WARMUP + SAMPLES; round++) {
      for (const [i, pool] of pools.entries()) {
        // Parts are multiples of 4 bytes, so the wrapping sums add up to the whole file's.
        const step = Math.ceil(m.length / pool.length / 4) * 4;
        const start = performance.now();
        const parts = await Promise.all(pool.map((w, k) => w.sum({ handle, from: k * step, to: Math.min(m.length, (k + 1) * step) })));
        const ns = (performance.now() - start) * 1e6;
        const total = parts.reduce((a, b) => (a + b) | 0, 0);
        if (round === 0) first = [...first, total];
        if (round >= WARMUP) times[i]!.push(ns);
      }
    }
    for (const [i, n] of counts.entries()) {
      outcomes[name(n)] =
        first[i] === reference ? { stats: summarize(times[i]!), first: first[i]! } : { error: `sum ${first[i]} differs from map()'s ${reference}` };
    }
  } finally {
    for (const pool of pools) for (const w of pool) await w.stop();
    m.close();
  }
  // After the Workers stopped, so the C threads have both cores.
  for (const [name, outcome] of Object.entries(cBaseline("parallel-scan", [path], measure, [...C_SCALAR, ...C_VECTOR]))) {
    outcomes[name] = "stats" in outcome && outcome.first !== reference ? { error: `sum ${outcome.first} differs from map()'s ${reference}` } : outcome;
  }
  return {
    title: `(d) the scan of (b) by Workers over one mapping (handle() / fromHandle())`,
    bytesPerOp: m.length,
    notes: [
      "each op: every Worker gets the handle and its part, opens it with fromHandle, sums it, closes it; the file is mapped once",
      "C: the same sum over one mapping by 1 and 2 threads started once (bench/c/parallel-scan.c); one word at a time, and vectorized",
    ],
    outcomes,
    ratios: [
      { numerator: name(1), denominator: name(2), target: { min: 1.8 } },
      { numerator: C_SCALAR[0]!, denominator: C_SCALAR[1]! },
      { numerator: C_VECTOR[0]!, denominator: C_VECTOR[1]! },
      { numerator: C_SCALAR[0]!, denominator: name(1) },
    ],
  };
}
