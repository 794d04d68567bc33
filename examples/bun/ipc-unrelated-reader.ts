// Two unrelated processes through a file: this one waits for ipc-unrelated-writer.ts.
// Run: bun examples/bun/ipc-unrelated-reader.ts [FILE] & bun examples/bun/ipc-unrelated-writer.ts [FILE] hello
import { tmpdir } from "node:os";
import { join } from "node:path";
import { map, waitAsync } from "@memmap/bun";

const path = process.argv[2] ?? join(tmpdir(), "memmap-unrelated.bin");
// Both sides create the file at this size if it is missing, so either may start first.
const shared = map(path, { mode: "readwrite", size: 4096 });
const length = new Int32Array(shared.bytes.buffer, 0, 1);
while (Atomics.load(length, 0) === 0) {
  if ((await waitAsync(length, 0, 0, 30_000)) === "timed-out") throw new Error("no writer within 30 s");
}
console.log(`read data: ${new TextDecoder().decode(shared.bytes.subarray(4, 4 + length[0]!))}`);
Atomics.store(length, 0, 0); // ready for the next message
shared.close();
