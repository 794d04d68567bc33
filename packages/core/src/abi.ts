/**
 * The shim's ABI (native/src/memmap.h), declared once. The Backend type is
 * derived from this table, and each runtime package turns it into its FFI's
 * symbol table with a type mapping; abi.test.ts checks it against memmap.h.
 *
 * Types: "i32" is int32_t (a number), "i64" int64_t (a bigint: addresses,
 * sizes, offsets), "buffer" a pointer to memory the call reads or writes while
 * it runs (a typed array), "void" no result. Results are `value or -errno`.
 */
export type AbiType = "i32" | "i64" | "buffer" | "void";
/** A parameter's type: anything but "void". */
export type AbiParameter = Exclude<AbiType, "void">;
/** No call returns a pointer. */
export type AbiResult = Exclude<AbiType, "buffer">;

/** One row of {@linkcode ABI}: how a shim function is called. */
export interface AbiCall {
  /** The C function. */
  readonly symbol: string;
  /** What it returns ("i32"/"i64": a value or -errno). */
  readonly result: AbiResult;
  /** Its parameters' types, in order. */
  readonly parameters: readonly AbiParameter[];
  /** Also callable off the JS thread, as the Backend's `<name>Async`, returning a Promise. */
  readonly offThread?: true;
}

/** Every shim call by its Backend name: see {@linkcode AbiCall}. */
export const ABI = {
  /** MEMMAP_ABI_VERSION of the loaded shim. */
  abiVersion: { symbol: "memmap_abi_version", result: "i32", parameters: [] },
  /** The page size (Windows: the 64 KiB allocation granularity). */
  pageSize: { symbol: "memmap_page_size", result: "i64", parameters: [] },
  /** (path, flags, mode); path is NUL-terminated. */
  open: { symbol: "memmap_open", result: "i32", parameters: ["buffer", "i32", "i32"] },
  /** (fd) */
  close: { symbol: "memmap_close", result: "i32", parameters: ["i32"] },
  /** (fd, out): fills `out` (STAT_SLOTS int64 slots). */
  fstat: { symbol: "memmap_fstat", result: "i32", parameters: ["i32", "buffer"] },
  /** (fd): ACCESS_READ | ACCESS_WRITE, what the descriptor was opened for. */
  fdAccess: { symbol: "memmap_fd_access", result: "i32", parameters: ["i32"] },
  /** (fd, length) */
  ftruncate: { symbol: "memmap_ftruncate", result: "i32", parameters: ["i32", "i64"] },
  /** (fd) */
  fsync: { symbol: "memmap_fsync", result: "i32", parameters: ["i32"] },
  /** (length, prot, flags, fd, offset): the address or -errno. */
  mmap: { symbol: "memmap_mmap", result: "i64", parameters: ["i64", "i32", "i32", "i32", "i64"] },
  /** (addr, length) */
  munmap: { symbol: "memmap_munmap", result: "i32", parameters: ["i64", "i64"] },
  /** (addr, length, flags) */
  msync: { symbol: "memmap_msync", result: "i32", parameters: ["i64", "i64", "i32"] },
  /** (addr, length, advice) */
  madvise: { symbol: "memmap_madvise", result: "i32", parameters: ["i64", "i64", "i32"] },
  /** (addr, length) */
  mlock: { symbol: "memmap_mlock", result: "i32", parameters: ["i64", "i64"] },
  /** (addr, length) */
  munlock: { symbol: "memmap_munlock", result: "i32", parameters: ["i64", "i64"] },
  /** (addr, oldLength, newLength): the new address or -errno. */
  mremap: { symbol: "memmap_mremap", result: "i64", parameters: ["i64", "i64", "i64"] },
  /** (name): a memfd sealed against shrinking (Linux), or the platform's anonymous shared memory. */
  memfdCreate: { symbol: "memmap_memfd_create", result: "i32", parameters: ["buffer"] },
  /** (name, flags, mode) */
  shmOpen: { symbol: "memmap_shm_open", result: "i32", parameters: ["buffer", "i32", "i32"] },
  /** (name) */
  shmUnlink: { symbol: "memmap_shm_unlink", result: "i32", parameters: ["buffer"] },
  /** (dst, src, length): memcpy between two mapped ranges. */
  copy: { symbol: "memmap_copy", result: "void", parameters: ["i64", "i64", "i64"], offThread: true },
  /** (inFd, inOffset, outFd, outOffset, length): in-kernel copy; bytes copied (fewer at the source's end) or -errno. */
  copyFileRange: {
    symbol: "memmap_copy_file_range",
    result: "i64",
    parameters: ["i32", "i64", "i32", "i64", "i64"],
    offThread: true,
  },
  /** (srcFd, dstFd) */
  clone: { symbol: "memmap_clone", result: "i32", parameters: ["i32", "i32"] },
  /** (fd, mode) */
  fchmod: { symbol: "memmap_fchmod", result: "i32", parameters: ["i32", "i32"] },
  /** (fd, offset, length) */
  fallocate: { symbol: "memmap_fallocate", result: "i32", parameters: ["i32", "i64", "i64"] },
  /** (fd, offset): lseek(SEEK_DATA). */
  seekData: { symbol: "memmap_seek_data", result: "i64", parameters: ["i32", "i64"] },
  /** (fd, offset): lseek(SEEK_HOLE). */
  seekHole: { symbol: "memmap_seek_hole", result: "i64", parameters: ["i32", "i64"] },
  /** The process's umask, read without changing it for good. */
  umask: { symbol: "memmap_umask", result: "i32", parameters: [] },
  /** (from, to) */
  rename: { symbol: "memmap_rename", result: "i32", parameters: ["buffer", "buffer"] },
  /** (existing, newPath) */
  link: { symbol: "memmap_link", result: "i32", parameters: ["buffer", "buffer"] },
  /** (path) */
  unlink: { symbol: "memmap_unlink", result: "i32", parameters: ["buffer"] },
  /** (addr, expected, timeoutMs): futex wait on the 32-bit word at addr: 0 woken, -EAGAIN not equal, -ETIMEDOUT; timeoutMs < 0 forever. */
  wait: { symbol: "memmap_wait", result: "i32", parameters: ["i64", "i32", "i64"], offThread: true },
  /** (addr, count): how many woke. */
  notify: { symbol: "memmap_notify", result: "i32", parameters: ["i64", "i32"] },
  /** sched_yield: lets a peer on the same core run. */
  yield: { symbol: "memmap_yield", result: "void", parameters: [] },
  /** (pid): -ESRCH when the process is gone or a zombie; else > 0, an identity that survives pid reuse, or 0 when the OS does not tell. */
  processTag: { symbol: "memmap_process_tag", result: "i32", parameters: ["i32"] },
  /** (pid): how a child of this process ended, without reaping it: its exit code, 256 + the signal, -EAGAIN while it runs, -ECHILD. */
  childExit: { symbol: "memmap_child_exit", result: "i32", parameters: ["i32"] },
  /** (addr, length): truncation guard: registers a range, returns a slot or -errno. */
  guardAdd: { symbol: "memmap_guard_add", result: "i32", parameters: ["i64", "i64"] },
  /** (slot): unregisters a range from the truncation guard. */
  guardRemove: { symbol: "memmap_guard_remove", result: "i32", parameters: ["i32"] },
  /** (slot): faults absorbed in the slot so far. */
  guardFaults: { symbol: "memmap_guard_faults", result: "i64", parameters: ["i32"] },
  /** The process's key, which handles carry. */
  registryKey: { symbol: "memmap_registry_key", result: "i64", parameters: [] },
  /** (addr, length, fd, guardSlot, flags): registers a mapping with one reference held by this thread; its id or -errno. */
  registryAdd: { symbol: "memmap_registry_add", result: "i64", parameters: ["i64", "i64", "i32", "i32", "i32"] },
  /** (id, key, out): one more reference for this thread; fills `out` (REGISTRY_SLOTS int64 slots). */
  registryAcquire: { symbol: "memmap_registry_acquire", result: "i32", parameters: ["i64", "i64", "buffer"] },
  /** (id): drops one of this thread's references (the last unmaps); the references left or -errno. */
  registryRelease: { symbol: "memmap_registry_release", result: "i32", parameters: ["i64"] },
  /** (id): unregisters the caller's only reference without unmapping; -EBUSY while others hold it. */
  registryTake: { symbol: "memmap_registry_take", result: "i32", parameters: ["i64"] },
  /** (path, fd, perm, offset, length, size, mapFlags, out): map() in one call; 0, -errno at out[MAPFILE_STEP], or a REFUSED_* reason. */
  mapFile: {
    symbol: "memmap_map_file",
    result: "i32",
    parameters: ["buffer", "i32", "i32", "i64", "i64", "i64", "i32", "buffer"],
  },
  /** (addr, length, guardSlot, fd): guard remove + munmap + close in one call; the faults the slot absorbed. */
  unmap: { symbol: "memmap_unmap", result: "i64", parameters: ["i64", "i64", "i32", "i32"] },
  // SharedArrayBuffers over registered mappings (mapping.sharedBuffer).
  /** (id, out): pins a registered, open mapping for a SharedArrayBuffer; fills out's ADDR and LENGTH slots; -ENOSYS on Windows. */
  registrySabPin: { symbol: "memmap_registry_sab_pin", result: "i32", parameters: ["i64", "buffer"] },
  /** (id): drops a pin (the SharedArrayBuffer's finalizer does this); the pins left or -ENOENT. */
  registrySabUnpin: { symbol: "memmap_registry_sab_unpin", result: "i32", parameters: ["i64"] },
  /** How many address ranges are kept only for SharedArrayBuffers (their mappings closed everywhere): for tests. */
  registrySabRetained: { symbol: "memmap_registry_sab_retained", result: "i32", parameters: [] },
  /** (addr, length, out): one byte per page into `out`, 1 when the page is in RAM; -ENOSYS on Windows. */
  mincore: { symbol: "memmap_mincore", result: "i32", parameters: ["i64", "i64", "buffer"] },
  /** (errno, out, capacity): writes "ENAME:description" NUL-terminated into `out`, returns its length. */
  errorDescribe: { symbol: "memmap_error_describe", result: "i32", parameters: ["i32", "buffer", "i32"] },
  /** (out, capacity): writes "NAME=number\n" for every errno name the shim knows, NUL-terminated; its length or -ERANGE. */
  errnoTable: { symbol: "memmap_errno_table", result: "i32", parameters: ["buffer", "i32"] },
} as const satisfies Record<string, AbiCall>;

/** The table's type. */
export type Abi = typeof ABI;
/** The JS type of an ABI type. */
export type JsValue<T extends AbiType> = T extends "i32"
  ? number
  : T extends "i64"
    ? bigint
    : T extends "buffer"
      ? ArrayBufferView
      : // biome-ignore lint/suspicious/noConfusingVoidType: the type of a "void" result, used only as a return type
        void;
/** The JS types of a parameter list. */
export type JsParameters<P extends readonly AbiParameter[]> = { -readonly [I in keyof P]: JsValue<P[I]> };

/** Every shim call as the Backend offers it, one member per table entry. */
export type ShimCalls = {
  [K in keyof Abi]: (...args: JsParameters<Abi[K]["parameters"]>) => JsValue<Abi[K]["result"]>;
};

/** The names of the calls that may run off the JS thread. */
export type OffThreadName = { [K in keyof Abi]: Abi[K] extends { offThread: true } ? K : never }[keyof Abi];

/** The off-thread variants: the same arguments, a Promise of the same result. */
export type OffThreadCalls = {
  [K in OffThreadName as `${K}Async`]: (...args: Parameters<ShimCalls[K]>) => Promise<ReturnType<ShimCalls[K]>>;
};

/** A function of an FFI's symbol table. */
// biome-ignore lint/suspicious/noExplicitAny: each FFI's functions take their own argument types; the ABI table types the calls
export type NativeFunction = (...args: any[]) => unknown;

/**
 * An FFI's symbol table: every call's C name with `describe(call)`, its declaration in that FFI's vocabulary.
 *
 * @example
 * ```ts
 * const symbols = symbolTable((call) => ({ args: call.parameters.map((p) => FFI_TYPES[p]), returns: FFI_TYPES[call.result] }));
 * ```
 */
export function symbolTable<T>(describe: (call: AbiCall) => T): Record<string, T> {
  return Object.fromEntries(Object.values(ABI).map((call: AbiCall) => [call.symbol, describe(call)]));
}

/**
 * The Backend's shim calls over an FFI's functions (keyed by C name). Each is
 * the FFI's function itself; where the FFI may return an i64 as a number
 * (`i64MayBeNumber`), one closure of the call's arity turns it into a bigint.
 *
 * @example
 * ```ts
 * const calls = shimCalls(library.symbols, false);
 * ```
 */
export function shimCalls(functions: Record<string, NativeFunction>, i64MayBeNumber: boolean): ShimCalls {
  const calls: Record<string, NativeFunction> = {};
  for (const [name, call] of Object.entries(ABI) as [string, AbiCall][]) {
    const fn = functions[call.symbol];
    if (!fn) throw new Error(`memmap's FFI table has no ${call.symbol}`);
    calls[name] = i64MayBeNumber && call.result === "i64" ? bigintResult(fn, call.parameters.length) : fn;
  }
  return calls as ShimCalls;
}

// Fixed arities, not rest parameters: mmap and unmap (close) are on the hot paths.
function bigintResult(fn: NativeFunction, arity: number): NativeFunction {
  switch (arity) {
    case 0:
      return () => BigInt(fn() as number);
    case 1:
      return (a) => BigInt(fn(a) as number);
    case 2:
      return (a, b) => BigInt(fn(a, b) as number);
    case 3:
      return (a, b, c) => BigInt(fn(a, b, c) as number);
    case 4:
      return (a, b, c, d) => BigInt(fn(a, b, c, d) as number);
    case 5:
      return (a, b, c, d, e) => BigInt(fn(a, b, c, d, e) as number);
    default:
      return (...args) => BigInt(fn(...args) as number);
  }
}

const FROM_NATIVE: Record<AbiResult, (raw: unknown) => unknown> = {
  i32: Number,
  i64: (raw) => BigInt(raw as number),
  void: () => undefined,
};

/**
 * The Backend's off-thread calls over `run`, which makes one call off the JS
 * thread (a worker, Deno's nonblocking symbols, koffi's async calls) and
 * resolves to its raw result; results are converted to the table's types.
 *
 * @example
 * ```ts
 * const calls = offThreadCalls((name, args) => nonblocking[ABI[name].symbol](...args));
 * ```
 */
export function offThreadCalls(run: (name: OffThreadName, args: unknown[]) => Promise<unknown>): OffThreadCalls {
  const calls: Record<string, NativeFunction> = {};
  for (const [name, call] of Object.entries(ABI) as [OffThreadName, AbiCall][]) {
    if (!call.offThread) continue;
    const convert = FROM_NATIVE[call.result];
    calls[`${name}Async`] = async (...args) => convert(await run(name, args));
  }
  return calls as OffThreadCalls;
}
