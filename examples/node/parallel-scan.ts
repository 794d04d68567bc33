// Map a file once and sum its bytes with several Worker threads, each over its own
// part of the same mapping, handed over with mapping.handle() / fromHandle().
// Run: node examples/node/parallel-scan.ts [FILE] [WORKERS]   (a generated 16 MiB file by default)
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { fromHandle, map, type MappingHandle } from "@memmap/node";

function sum(bytes: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < bytes.length; i++) total += bytes[i]!;
  return total;
}

if (!isMainThread) {
  const { handle, from, to } = workerData as { handle: MappingHandle; from: number; to: number };
  using part = fromHandle(handle); // the same memory, no new mmap; close() drops this thread's reference
  parentPort!.postMessage(sum(part.bytes.subarray(from, to)));
} else {
  const generated = process.argv[2] === undefined;
  const path = process.argv[2] ?? join(tmpdir(), `memmap-scan-${process.pid}.bin`);
  const workers = Number(process.argv[3] ?? 2);
  if (generated)
    writeFileSync(
      path,
      new Uint8Array(16 << 20).map((_, i) => i % 251),
    );
  try {
    using m = map(path);
    const handle = m.handle();
    const step = Math.ceil(m.length / workers);
    const parts = await Promise.all(
      Array.from({ length: workers }, (_, i) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: { handle, from: i * step, to: Math.min(m.length, (i + 1) * step) } });
        return new Promise<number>((resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
        });
      }),
    );
    const total = parts.reduce((a, b) => a + b, 0);
    console.log(`${workers} workers summed ${m.length} bytes: ${total}; one thread agrees: ${total === sum(m.bytes)}`);
  } finally {
    if (generated) rmSync(path, { force: true });
  }
}
