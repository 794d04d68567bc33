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
  /**
   * A SharedArrayBuffer over `length` bytes at `offset` into the registered mapping `id`, or
   * -errno; absent where the runtime cannot make one (Deno, Windows). See shared-buffer.ts.
   */
  sharedBuffer?(id: bigint, offset: number, length: number): SharedArrayBuffer | number;
}

/** The shim's ABI version this core speaks (MEMMAP_ABI_VERSION). */
export const ABI_VERSION = 11;

// Flag bits of the shim's ABI, mirrored from native/src/memmap.h.
/** open(): for writing too. */
export const OPEN_WRITE = 1;
/** open(): create the file if missing. */
export const OPEN_CREATE = 2;
/** open(): with OPEN_CREATE, fail with EEXIST if it exists. */
export const OPEN_EXCL = 4;
/** open(): truncate to 0 bytes. */
export const OPEN_TRUNC = 8;

/** fstat() slot: size in bytes. */
export const STAT_SIZE = 0;
/** fstat() slot: KIND_FILE, KIND_DIRECTORY or another kind. */
export const STAT_KIND = 1;
/** fstat() slot: permission bits. */
export const STAT_PERM = 2;
/** fstat() slot: device number. */
export const STAT_DEV = 3;
/** fstat() slot: inode number. */
export const STAT_INO = 4;
/** How many int64 slots fstat() fills. */
export const STAT_SLOTS = 5;
/** STAT_KIND of a regular file. */
export const KIND_FILE = 1;
/** STAT_KIND of a directory. */
export const KIND_DIRECTORY = 2;

/** fdAccess(): the descriptor reads. */
export const ACCESS_READ = 1;
/** fdAccess(): the descriptor writes. */
export const ACCESS_WRITE = 2;

/** mmap() protection: readable. */
export const PROT_READ = 1;
/** mmap() protection: writable. */
export const PROT_WRITE = 2;
/** mmap() flag: shared with the file and other processes. */
export const MAP_SHARED = 1;
/** mmap() flag: private copy-on-write. */
export const MAP_PRIVATE = 2;
/** mmap() flag: reserve no swap. */
export const MAP_NORESERVE = 4;
/** mmap() flag: pre-fault the pages. */
export const MAP_POPULATE = 8;

/** msync() flag: schedule the write-back instead of waiting for it. */
export const SYNC_ASYNC = 1;

/** An madvise hint, for Mapping.advise() and map()'s `advice` option. */
export type Advice = "normal" | "random" | "sequential" | "willneed" | "dontneed" | "hugepage" | "nohugepage";

/** Slots of registryAcquire()'s `out` array, as memmap.h's MEMMAP_REGISTRY_*: the mapping's address. */
export const REGISTRY_ADDR = 0;
/** registryAcquire()'s `out`: its length in bytes. */
export const REGISTRY_LENGTH = 1;
/** registryAcquire()'s `out`: the descriptor it owns, or -1. */
export const REGISTRY_FD = 2;
/** registryAcquire()'s `out`: its truncation guard slot, or -1. */
export const REGISTRY_GUARD = 3;
/** registryAcquire()'s `out`: its flags (MEMMAP_REGISTRY_* bits). */
export const REGISTRY_FLAGS = 4;
/** registryAcquire()'s `out`: how many slots `out` needs. */
export const REGISTRY_SLOTS = 5;

/** mapFile()'s `out`, after the STAT_* slots: the page-aligned address mapped (0 when nothing was). */
export const MAPFILE_BASE = 5;
/** mapFile()'s `out`: bytes mapped from MAPFILE_BASE. */
export const MAPFILE_LENGTH = 6;
/** mapFile()'s `out`: the truncation guard's slot, or -1. */
export const MAPFILE_GUARD = 7;
/** mapFile()'s `out`: the step reached, a STEP_* (on failure, the call that failed). */
export const MAPFILE_STEP = 8;
/** mapFile()'s `out`: how many slots `out` needs. */
export const MAPFILE_SLOTS = 9;
/** The system call of each STEP_* value (open, fstat, fcntl, ftruncate, mmap), for error messages. */
export const MAPFILE_STEPS = ["open", "fstat", "fcntl", "ftruncate", "mmap"] as const;
/** mapFile() refused: the path is a directory. */
export const REFUSED_DIRECTORY = 1;
/** mapFile() refused: not a regular file. */
export const REFUSED_NOT_REGULAR = 2;
/** mapFile() refused: the caller's descriptor is write-only. */
export const REFUSED_WRITE_ONLY = 3;
/** mapFile() refused: mode "readwrite" with a read-only descriptor. */
export const REFUSED_NOT_WRITABLE = 4;
/** mapFile() refused: the offset is past the end of the file. */
export const REFUSED_OFFSET_PAST_END = 5;
/** mapFile() refused: offset + length is past the end of the file. */
export const REFUSED_RANGE_PAST_END = 6;

/** madvise hints by public name, valued as the shim's MEMMAP_ADVICE_*. */
export const ADVICE = {
  normal: 0,
  random: 1,
  sequential: 2,
  willneed: 3,
  dontneed: 4,
  hugepage: 5,
  nohugepage: 6,
} as const satisfies Record<Advice, number>;
