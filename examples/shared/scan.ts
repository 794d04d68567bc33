// What the parallel-scan examples share, whatever the runtime: the summing loop, how the
// file is split between Workers, and a generated input file when none is given.
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One Worker's part of the mapping: bytes [from, to). */
export interface Part {
  from: number;
  to: number;
}

export function sum(bytes: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < bytes.length; i++) total += bytes[i]!;
  return total;
}

export function parts(length: number, workers: number): Part[] {
  const step = Math.ceil(length / workers);
  return Array.from({ length: workers }, (_, i) => ({ from: i * step, to: Math.min(length, (i + 1) * step) }));
}

/** Runs `scan` on `path`, or on a generated 16 MiB file (removed afterwards) when there is none. */
export async function withInput(path: string | undefined, scan: (path: string) => Promise<void>): Promise<void> {
  if (path !== undefined) return await scan(path);
  const generated = join(tmpdir(), `memmap-scan-${Date.now()}-${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(
    generated,
    new Uint8Array(16 << 20).map((_, i) => i % 251),
  );
  try {
    await scan(generated);
  } finally {
    rmSync(generated, { force: true });
  }
}

/** Sums `mapping` in `workers` parts, each by `inWorker(handle, part)`, and says whether one thread agrees. */
export async function scanInParallel<H>(
  mapping: { length: number; bytes: Uint8Array; handle(): H },
  workers: number,
  inWorker: (handle: H, part: Part) => Promise<number>,
): Promise<string> {
  const handle = mapping.handle();
  const totals = await Promise.all(parts(mapping.length, workers).map((part) => inWorker(handle, part)));
  const total = totals.reduce((a, b) => a + b, 0);
  return `${workers} workers summed ${mapping.length} bytes: ${total}; one thread agrees: ${total === sum(mapping.bytes)}`;
}
