// Map a file once and sum its bytes with several Worker threads, each over its own
// part of the same mapping, handed over with mapping.handle() / fromHandle().
// Run: node examples/node/parallel-scan.ts [FILE] [WORKERS]   (a generated 16 MiB file by default)
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { fromHandle, map, type MappingHandle } from "@memmap/node";
import { type Part, scanInParallel, sum, withInput } from "../shared/scan.ts";

if (!isMainThread) {
  const { handle, from, to } = workerData as { handle: MappingHandle } & Part;
  using part = fromHandle(handle); // the same memory, no new mmap; close() drops this thread's reference
  parentPort!.postMessage(sum(part.bytes.subarray(from, to)));
} else {
  const workers = Number(process.argv[3] ?? 2);
  await withInput(process.argv[2], async (path) => {
    using m = map(path);
    const result = await scanInParallel(m, workers, (handle, part) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { handle, ...part } });
      return new Promise<number>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
    });
    console.log(result);
  });
}
