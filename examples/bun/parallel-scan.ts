// Map a file once and sum its bytes with several Workers (web Workers), each over its own
// part of the same mapping, handed over with mapping.handle() / fromHandle().
// Run: bun examples/bun/parallel-scan.ts [FILE] [WORKERS]   (a generated 16 MiB file by default)
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";
import { fromHandle, map, type MappingHandle } from "@memmap/bun";

function sum(bytes: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < bytes.length; i++) total += bytes[i]!;
  return total;
}

// The same file runs as the Worker (Bun's isMainThread tells web Workers apart too).
if (!isMainThread) {
  self.onmessage = (e: MessageEvent<{ handle: MappingHandle; from: number; to: number }>) => {
    using part = fromHandle(e.data.handle); // the same memory, no new mmap; close() drops this thread's reference
    postMessage(sum(part.bytes.subarray(e.data.from, e.data.to)));
  };
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
        const worker = new Worker(import.meta.url);
        worker.postMessage({ handle, from: i * step, to: Math.min(m.length, (i + 1) * step) });
        return new Promise<number>((resolve, reject) => {
          worker.onmessage = (e) => {
            resolve(e.data);
            worker.terminate();
          };
          worker.onerror = reject;
        });
      }),
    );
    const total = parts.reduce((a, b) => a + b, 0);
    console.log(`${workers} workers summed ${m.length} bytes: ${total}; one thread agrees: ${total === sum(m.bytes)}`);
  } finally {
    if (generated) rmSync(path, { force: true });
  }
}
