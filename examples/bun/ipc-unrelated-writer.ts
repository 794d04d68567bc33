// Two unrelated processes through a file: this one writes what ipc-unrelated-reader.ts prints.
// Run: bun examples/bun/ipc-unrelated-writer.ts [FILE] [TEXT]
import { tmpdir } from "node:os";
import { join } from "node:path";
import { map, notify } from "@memmap/bun";

const path = process.argv[2] ?? join(tmpdir(), "memmap-unrelated.bin");
const text = new TextEncoder().encode(process.argv[3] ?? "hello from an unrelated process");
const shared = map(path, { mode: "readwrite", size: 4096 });
shared.bytes.set(text, 4);
const length = new Int32Array(shared.bytes.buffer, 0, 1);
Atomics.store(length, 0, text.length);
notify(length, 0);
shared.close();
