import { ABI, type AbiCall, type AbiType, type Backend, offThreadCalls, shimCalls, symbolTable } from "@memmap/core/backend";

const TYPES = { i32: "i32", i64: "i64", buffer: "buffer", void: "void" } as const satisfies Record<AbiType, Deno.NativeResultType>;
const declare = (call: AbiCall) => ({ parameters: call.parameters.map((t) => TYPES[t]), result: TYPES[call.result] });

/** core's ABI table in Deno's vocabulary; each off-thread call again as `<symbol>_nonblocking`, run by Deno on its own threads. */
const SYMBOLS: Deno.ForeignLibraryInterface = symbolTable(declare);
for (const call of Object.values(ABI) as AbiCall[]) {
  if (call.offThread) SYMBOLS[`${call.symbol}_nonblocking`] = { ...declare(call), name: call.symbol, nonblocking: true };
}

/**
 * Opens the shim with Deno.dlopen; Deno may return an i64 as a number, so i64 results are widened.
 * libraryPath is what messages name it by (a shim loaded from memory has no path of its own).
 */
export function openBackend(path: string, libraryPath = path): Backend {
  // biome-ignore lint/suspicious/noExplicitAny: the symbols are typed by the ABI table, not by Deno's inference
  const s = Deno.dlopen(path, SYMBOLS).symbols as Record<string, (...args: any[]) => unknown>;
  return {
    name: "deno",
    libraryPath,
    maxArrayBufferLength: Number.MAX_SAFE_INTEGER,
    ...shimCalls(s, true),
    ...offThreadCalls((name, args) => s[`${ABI[name].symbol}_nonblocking`]!(...args) as Promise<unknown>),
    address: (view) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(view as Uint8Array<ArrayBuffer>))),
    arrayBuffer: (addr, length) => Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(addr)!, length),
  };
}
