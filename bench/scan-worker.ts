// A Worker of the parallel scan (bench/parallel-scan.ts): for each { handle, from, to } it
// gets, it opens the mapping with fromHandle, sums its part and closes it again.
import { parentPort, workerData } from "node:worker_threads";
import type { MappingHandle, Memmap } from "@memmap/core";
import { scan } from "./scan.ts";

const memmap = (await import(workerData.entry)) as Memmap;
parentPort!.on("message", ({ handle, from, to }: { handle: MappingHandle; from: number; to: number }) => {
  const m = memmap.fromHandle(handle);
  const sum = scan(m.bytes.subarray(from, to));
  m.close();
  parentPort!.postMessage(sum);
});
parentPort!.postMessage("ready");
