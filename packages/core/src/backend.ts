import type { OffThreadCalls, ShimCalls } from "./abi.ts";

/**
 * The narrow interface between core and a runtime's FFI. A backend forwards
 * each call to the native shim and decides nothing: every validation, message
 * and lifetime rule lives in core. The shim calls (and their off-thread
 * variants) are derived from the ABI table in abi.ts; the members below are
 * what each FFI supplies itself.
 */
export interface Backend extends ShimCalls, OffThreadCalls {
  /** "bun", "deno", "node:ffi" or "koffi". */
  readonly name: string;
  /** The shim file that was loaded. */
  readonly libraryPath: string;
  /** Largest ArrayBuffer this runtime can create over foreign memory. */
  readonly maxArrayBufferLength: number;
  /** The address of a view's first byte (subarrays included). */
  address(view: ArrayBufferView): bigint;
  /** A zero-copy ArrayBuffer over `length` bytes at `addr`. */
  arrayBuffer(addr: bigint, length: number): ArrayBuffer;
}

/** The shim's ABI version this core speaks (MEMMAP_ABI_VERSION). */
export const ABI_VERSION = 10;

// Flag bits of the shim's ABI, mirrored from native/src/memmap.h.
export const OPEN_WRITE = 1;
export const OPEN_CREATE = 2;
export const OPEN_EXCL = 4;
export const OPEN_TRUNC = 8;

export const STAT_SIZE = 0;
export const STAT_KIND = 1;
export const STAT_PERM = 2;
export const STAT_DEV = 3;
export const STAT_INO = 4;
export const STAT_SLOTS = 5;
export const KIND_FILE = 1;
export const KIND_DIRECTORY = 2;

export const ACCESS_READ = 1;
export const ACCESS_WRITE = 2;

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;
export const MAP_NORESERVE = 4;
export const MAP_POPULATE = 8;

export const SYNC_ASYNC = 1;

export const REGISTRY_ADDR = 0;
export const REGISTRY_LENGTH = 1;
export const REGISTRY_FD = 2;
export const REGISTRY_GUARD = 3;
export const REGISTRY_FLAGS = 4;
export const REGISTRY_SLOTS = 5;

/** madvise hints by public name, valued as the shim's MEMMAP_ADVICE_*. */
export const ADVICE = {
  normal: 0,
  random: 1,
  sequential: 2,
  willneed: 3,
  dontneed: 4,
  hugepage: 5,
  nohugepage: 6,
} as const;

export type Advice = keyof typeof ADVICE;
