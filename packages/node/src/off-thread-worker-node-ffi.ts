// The worker thread behind OffThread for node:ffi: its own handle on the shim.
import { serveOffThread } from "@memmap/core";
import { type NodeFfi, SYMBOLS } from "./backend-node-ffi.ts";

serveOffThread((path) => {
  const ffi = process.getBuiltinModule("node:ffi") as unknown as NodeFfi;
  const s = ffi.dlopen(path, SYMBOLS).functions;
  return { copyFileRange: s.memmap_copy_file_range!, copy: s.memmap_copy!, wait: s.memmap_wait! };
});
