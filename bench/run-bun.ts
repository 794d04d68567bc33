// Bun entry: bun bench/run-bun.ts <group> [dir]. Also measures Bun's own Bun.mmap.
import * as memmap from "@memmap/bun";
import { runEntry } from "./groups.ts";

await runEntry(memmap, { mapFile: { "Bun.mmap": (path) => Bun.mmap(path) } });
