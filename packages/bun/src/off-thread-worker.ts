// The worker thread behind OffThread for bun:ffi: its own handle on the shim.
import { dlopen } from "bun:ffi";
import { serveOffThread } from "@memmap/core";
import { SYMBOLS } from "./backend.ts";

serveOffThread((path) => {
  const s = dlopen(path, SYMBOLS).symbols;
  return { copyFileRange: s.memmap_copy_file_range as never, copy: s.memmap_copy as never, wait: s.memmap_wait as never };
});
