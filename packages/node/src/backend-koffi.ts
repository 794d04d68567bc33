import { ABI, type AbiType, type Backend, offThreadCalls, shimCalls, symbolTable } from "@memmap/core/backend";

/** A koffi function: callable, and .async(...args, callback) runs it on koffi's worker threads. */
type KoffiFunction = ((...args: unknown[]) => unknown) & {
  async(...args: [...unknown[], (error: unknown, result: unknown) => void]): void;
};

type Koffi = {
  load(path: string): { func(name: string, result: string, parameters: string[]): KoffiFunction };
  view(addr: number | bigint, length: number): ArrayBuffer;
  address(view: ArrayBufferView): number | bigint;
};

const TYPES = { i32: "int32_t", i64: "int64_t", buffer: "void *", void: "void" } as const satisfies Record<AbiType, string>;

/** Opens the shim with koffi (Node 22-25); koffi returns an int64_t as a number when it fits, so i64 results are widened. */
export function openKoffiBackend(koffi: Koffi, path: string): Backend {
  const lib = koffi.load(path);
  const f = symbolTable((call) =>
    lib.func(
      call.symbol,
      TYPES[call.result],
      call.parameters.map((t) => TYPES[t]),
    ),
  );
  return {
    name: "koffi",
    libraryPath: path,
    maxArrayBufferLength: Number.MAX_SAFE_INTEGER,
    ...shimCalls(f, true),
    ...offThreadCalls(
      (name, args) => new Promise((resolve, reject) => f[ABI[name].symbol]!.async(...args, (error, result) => (error ? reject(error) : resolve(result)))),
    ),
    address: (view) => BigInt(koffi.address(view)),
    arrayBuffer: (addr, length) => koffi.view(addr, length),
  };
}
