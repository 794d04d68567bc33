// Node entry (node:ffi on Node 26+, koffi before; MEMMAP_NODE_FFI picks): node bench/run-node.ts <group> [dir]
import { copyFileSync } from "node:fs";
import * as memmap from "@memmap/node";
import { runEntry } from "./groups.ts";

await runEntry(memmap, { entry: import.meta.resolve("@memmap/node"), copyFile: { name: "fs.copyFileSync", copy: copyFileSync } });
