// The worker thread behind workerOffThread for bun:ffi: its own handle on the shim.
import { dlopen } from "bun:ffi";
import { serveOffThread } from "@memmap/core/backend";
import { SYMBOLS } from "./backend.ts";

serveOffThread((path) => dlopen(path, SYMBOLS).symbols as never);
