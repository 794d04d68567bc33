// Two unrelated processes through a file: this one writes what ipc-unrelated-reader.ts prints.
// Run: deno run --allow-ffi --allow-read --allow-write --allow-env examples/deno/ipc-unrelated-writer.ts [FILE] [TEXT]
import { tmpdir } from "node:os";
import { join } from "node:path";
import { map, notify } from "@memmap/deno";

const path = Deno.args[0] ?? join(tmpdir(), "memmap-unrelated.bin");
const text = new TextEncoder().encode(Deno.args[1] ?? "hello from an unrelated process");
const shared = map(path, { mode: "readwrite", size: 4096 });
shared.bytes.set(text, 4);
const length = new Int32Array(shared.bytes.buffer, 0, 1);
Atomics.store(length, 0, text.length);
notify(length, 0);
shared.close();
