// The same as ipc-fork.ts over anonymous shared memory (a memfd: no file, no name).
// Run: echo hello | deno run --allow-ffi --allow-read --allow-write --allow-env --allow-run examples/deno/ipc-anonymous.ts
import process from "node:process";
import { createInterface } from "node:readline";
import { fork, inherited, mapAnonymous, notify, waitAsync } from "@memmap/deno";

const { memory } = inherited();
if (memory) {
  let line = "";
  for await (line of createInterface({ input: process.stdin })) break;
  const text = new TextEncoder().encode(line);
  memory.bytes.set(text, 4);
  const length = new Int32Array(memory.bytes.buffer, 0, 1);
  Atomics.store(length, 0, text.length);
  notify(length, 0);
} else {
  const shared = mapAnonymous(4096);
  const child = fork(import.meta.filename!, { share: { memory: shared } });
  const length = new Int32Array(shared.bytes.buffer, 0, 1);
  await Promise.race([waitAsync(length, 0, 0), child.exited]);
  if (length[0] === 0) throw new Error("the child exited without writing");
  console.log(`read data: ${new TextDecoder().decode(shared.bytes.subarray(4, 4 + length[0]!))}`);
  await child.exited;
  shared.close();
}
