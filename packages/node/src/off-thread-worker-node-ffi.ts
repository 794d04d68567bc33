// The worker thread behind workerOffThread for node:ffi: its own handle on the shim.
import { serveOffThread } from "@memmap/core/backend";
import { type NodeFfi, SYMBOLS } from "./backend-node-ffi.ts";

serveOffThread((path) => {
  const ffi = process.getBuiltinModule("node:ffi") as unknown as NodeFfi;
  return ffi.dlopen(path, SYMBOLS).functions;
});
