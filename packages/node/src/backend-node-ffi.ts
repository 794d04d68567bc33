import { type AbiType, type Backend, shimCalls, symbolTable, workerOffThread } from "@memmap/core/backend";

export type NodeFfi = {
  dlopen(
    path: string,
    defs: Record<string, { return: string; arguments: string[] }>,
  ): {
    functions: Record<string, (...args: unknown[]) => unknown>;
  };
  toArrayBuffer(addr: bigint, length: number, copy: boolean): ArrayBuffer;
  getRawPointer(view: ArrayBufferView): bigint;
};

const TYPES = { i32: "i32", i64: "i64", buffer: "pointer", void: "void" } as const satisfies Record<AbiType, string>;

/** core's ABI table in node:ffi's vocabulary. */
export const SYMBOLS = symbolTable((call) => ({ return: TYPES[call.result], arguments: call.parameters.map((t) => TYPES[t]) }));

/** Opens the shim with node:ffi (Node 26+): the Backend's calls are its functions themselves (its i64 is a bigint). */
export function openNodeFfiBackend(ffi: NodeFfi, path: string): Backend {
  return {
    name: "node:ffi",
    libraryPath: path,
    maxArrayBufferLength: Number.MAX_SAFE_INTEGER,
    ...shimCalls(ffi.dlopen(path, SYMBOLS).functions, false),
    // node:ffi calls only on the calling thread: copies and waits run on workers (off-thread-worker-node-ffi.ts).
    ...workerOffThread(new URL("./off-thread-worker-node-ffi.js", import.meta.url), path),
    address: (view) => BigInt(ffi.getRawPointer(view)),
    arrayBuffer: (addr, length) => ffi.toArrayBuffer(addr, length, false),
  };
}
