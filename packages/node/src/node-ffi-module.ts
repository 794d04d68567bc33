/**
 * node:ffi (undefined on Node 22-25, which have none), loaded without Node's "ExperimentalWarning:
 * FFI is an experimental feature": the user asked for memmap, not for node:ffi, and can do
 * nothing about it; unfiltered it printed once per process and again in each worker thread.
 * The filter lives only for this synchronous call, in which nothing but Node's own loading runs,
 * lets every other warning through, and puts back whatever process.emitWarning was before.
 */
export function loadNodeFfi(): unknown {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const message = typeof warning === "string" ? warning : warning.message;
    if (type === "ExperimentalWarning" && message.startsWith("FFI ")) return;
    Reflect.apply(emitWarning, this, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    // getBuiltinModule keeps Node 22-25, which have no node:ffi, able to load this file.
    return process.getBuiltinModule?.("node:ffi");
  } finally {
    process.emitWarning = emitWarning;
  }
}
