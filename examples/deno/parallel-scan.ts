// Map a file once and sum its bytes with several web Workers, each over its own part of
// the same mapping, handed over with mapping.handle() / fromHandle().
// Run: deno run --allow-ffi --allow-read --allow-write examples/deno/parallel-scan.ts [FILE] [WORKERS]
import { fromHandle, map, type MappingHandle } from "@memmap/deno";
import { type Part, scanInParallel, sum, withInput } from "../shared/scan.ts";

// The same file runs as the Worker, told apart by the URL it was started with.
if (new URL(import.meta.url).searchParams.has("worker")) {
  // Deno types self as the main thread's Window; in a Worker it is the Worker's scope.
  const scope = self as unknown as Worker;
  scope.onmessage = ({ data }: MessageEvent<{ handle: MappingHandle } & Part>) => {
    using part = fromHandle(data.handle); // the same memory, no new mmap; close() drops this thread's reference
    scope.postMessage(sum(part.bytes.subarray(data.from, data.to)));
    self.close();
  };
} else {
  const workers = Number(Deno.args[1] ?? 2);
  await withInput(Deno.args[0], async (path) => {
    using m = map(path);
    const result = await scanInParallel(m, workers, (handle, part) => {
      const worker = new Worker(new URL("?worker", import.meta.url).href, { type: "module" });
      worker.postMessage({ handle, ...part });
      return new Promise<number>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = reject;
      });
    });
    console.log(result);
  });
}
