// A parent and its child: the parent maps a file and forks; the child reads a
// line from stdin, writes it into the mapping and notifies; the parent waits and prints it.
// Run: echo hello | bun examples/bun/ipc-fork.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fork, inherited, map, notify, waitAsync } from "@memmap/bun";

const { file } = inherited();
if (file) {
  // Child: the first word of the mapping is the length, the text follows.
  let line = "";
  for await (line of console) break; // Bun's console reads stdin line by line
  const text = new TextEncoder().encode(line);
  file.bytes.set(text, 4);
  const length = new Int32Array(file.bytes.buffer, 0, 1);
  Atomics.store(length, 0, text.length);
  notify(length, 0);
} else {
  const dir = mkdtempSync(join(tmpdir(), "memmap-ipc-"));
  try {
    const shared = map(join(dir, "shared.bin"), { mode: "readwrite", size: 4096 });
    const child = fork(import.meta.path, { share: { file: shared } });
    const length = new Int32Array(shared.bytes.buffer, 0, 1);
    // Returns at once if the child was quicker; the race ends it if the child fails instead.
    await Promise.race([waitAsync(length, 0, 0), child.exited]);
    if (length[0] === 0) throw new Error("the child exited without writing");
    console.log(`read data: ${new TextDecoder().decode(shared.bytes.subarray(4, 4 + length[0]!))}`);
    await child.exited;
    shared.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
