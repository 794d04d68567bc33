// The worker thread behind workerOffThread for node:ffi: its own handle on the shim.
import { serveOffThread } from "@memmap/core/backend";
import { type NodeFfi, SYMBOLS } from "./backend-node-ffi.ts";
import { loadNodeFfi } from "./node-ffi-module.ts";

serveOffThread((path) => {
  const ffi = loadNodeFfi() as NodeFfi;
  return ffi.dlopen(path, SYMBOLS).functions;
});
