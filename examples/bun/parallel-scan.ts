// Map a file once and sum its bytes with several Workers (web Workers), each over its own
// part of the same mapping, handed over with mapping.handle() / fromHandle().
// Run: bun examples/bun/parallel-scan.ts [FILE] [WORKERS]   (a generated 16 MiB file by default)
import { isMainThread } from "node:worker_threads";
import { fromHandle, map, type MappingHandle } from "@memmap/bun";
import { type Part, scanInParallel, sum, withInput } from "../shared/scan.ts";

// The same file runs as the Worker (Bun's isMainThread tells web Workers apart too).
if (!isMainThread) {
  addEventListener("message", (e) => {
    const { handle, from, to } = e.data as { handle: MappingHandle } & Part;
    using part = fromHandle(handle); // the same memory, no new mmap; close() drops this thread's reference
    postMessage(sum(part.bytes.subarray(from, to)));
  });
} else {
  const workers = Number(process.argv[3] ?? 2);
  await withInput(process.argv[2], async (path) => {
    using m = map(path);
    const result = await scanInParallel(m, workers, (handle, part) => {
      const worker = new Worker(import.meta.url);
      worker.postMessage({ handle, ...part });
      return new Promise<number>((resolve, reject) => {
        worker.onmessage = (e) => {
          resolve(e.data);
          worker.terminate();
        };
        worker.onerror = reject;
      });
    });
    console.log(result);
  });
}
