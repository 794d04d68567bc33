import { dlopen, ptr, toArrayBuffer } from "bun:ffi";
import { type AbiType, type Backend, napiSharedBuffer, shimCalls, symbolTable, workerOffThread } from "@memmap/core/backend";

const TYPES = { i32: "i32", i64: "i64", buffer: "ptr", void: "void" } as const satisfies Record<AbiType, string>;

/** core's ABI table in bun:ffi's vocabulary. */
export const SYMBOLS = symbolTable((call) => ({ args: call.parameters.map((t) => TYPES[t]), returns: TYPES[call.result] }));

/** Bun cannot make an ArrayBuffer over foreign memory of 4 GiB or more. */
const MAX_ARRAY_BUFFER = 2 ** 32 - 1;

/** Opens the shim at `path`: the Backend's calls are bun:ffi's functions themselves (its i64 is always a bigint). */
export function openBackend(path: string): Backend {
  return {
    name: "bun",
    libraryPath: path,
    maxArrayBufferLength: MAX_ARRAY_BUFFER,
    ...shimCalls(dlopen(path, SYMBOLS).symbols, false),
    // bun:ffi calls only on the calling thread: copies and waits run on workers (off-thread-worker.ts).
    ...workerOffThread(new URL("./off-thread-worker.js", import.meta.url), path),
    address: (view) => BigInt(ptr(view as Uint8Array)),
    arrayBuffer: (addr, length) => toArrayBuffer(Number(addr) as never, 0, length),
    // Bun's Node-API makes the SharedArrayBuffer (process.dlopen), on the platforms that have the entry.
    sharedBuffer: napiSharedBuffer(new URL("../prebuilt/", import.meta.url), path),
  };
}
