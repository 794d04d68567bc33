// The scan of bench/map.ts by 1 and by 2 Workers over one mapping, handed over with
// mapping.handle(): a Worker per part, each fromHandle + sum + close per op.
import { Worker } from "node:worker_threads";
import type { Api, CaseResult } from "./groups.ts";
import { type Outcome, summarize } from "./harness.ts";

interface ScanWorker {
  sum(message: unknown): Promise<number>;
  stop(): Promise<number>;
}

async function startWorker(entry: string): Promise<ScanWorker> {
  const worker = new Worker(new URL("./scan-worker.ts", import.meta.url), { workerData: { entry } });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
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
  try {
    const SAMPLES = 5;
    const WARMUP = 2;
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
  return {
    title: `(d) the scan of (b) by Workers over one mapping (handle() / fromHandle())`,
    bytesPerOp: m.length,
    notes: ["each op: every Worker gets the handle and its part, opens it with fromHandle, sums it, closes it; the file is mapped once"],
    outcomes,
    ratios: [{ numerator: name(1), denominator: name(2), target: { min: 1.8 } }],
  };
}
