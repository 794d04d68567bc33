/**
 * The narrow interface between core and a runtime's FFI. A backend forwards
 * each call to the native shim (native/src/memmap.h) and decides nothing:
 * every validation, message and lifetime rule lives in core.
 *
 * Conventions: 64-bit values (addresses, sizes, offsets) are bigint, the form
 * every runtime passes fastest; results are the shim's `value or -errno`.
 */
export interface Backend {
  /** "bun", "deno", "node:ffi" or "koffi". */
  readonly name: string;
  /** The shim file that was loaded. */
  readonly libraryPath: string;
  /** Largest ArrayBuffer this runtime can create over foreign memory. */
  readonly maxArrayBufferLength: number;

  abiVersion(): number;
  pageSize(): bigint;
  open(path: Uint8Array, flags: number, mode: number): number;
  close(fd: number): number;
  /** Fills `out` (MEMMAP_STAT_SLOTS int64 slots). */
  fstat(fd: number, out: BigInt64Array): number;
  fdAccess(fd: number): number;
  ftruncate(fd: number, size: bigint): number;
  fsync(fd: number): number;
  mmap(length: bigint, prot: number, flags: number, fd: number, offset: bigint): bigint;
  munmap(addr: bigint, length: bigint): number;
  msync(addr: bigint, length: bigint, flags: number): number;
  madvise(addr: bigint, length: bigint, advice: number): number;
  mlock(addr: bigint, length: bigint): number;
  munlock(addr: bigint, length: bigint): number;
  mremap(addr: bigint, oldLength: bigint, newLength: bigint): bigint;
  memfdCreate(name: Uint8Array): number;
  shmOpen(name: Uint8Array, flags: number, mode: number): number;
  shmUnlink(name: Uint8Array): number;
  /** memcpy between two mapped ranges. */
  copy(dst: bigint, src: bigint, length: bigint): void;
  /** In-kernel copy; bytes copied (fewer at the source's end) or -errno. */
  copyFileRange(inFd: number, inOffset: bigint, outFd: number, outOffset: bigint, length: bigint): bigint;
  /** copyFileRange off the JS thread (a worker, Deno's nonblocking symbols, koffi's async calls). */
  copyFileRangeAsync(inFd: number, inOffset: bigint, outFd: number, outOffset: bigint, length: bigint): Promise<bigint>;
  /** copy off the JS thread. */
  copyAsync(dst: bigint, src: bigint, length: bigint): Promise<void>;
  clone(srcFd: number, dstFd: number): number;
  fchmod(fd: number, mode: number): number;
  fallocate(fd: number, offset: bigint, length: bigint): number;
  seekData(fd: number, offset: bigint): bigint;
  seekHole(fd: number, offset: bigint): bigint;
  umask(): number;
  rename(from: Uint8Array, to: Uint8Array): number;
  link(from: Uint8Array, to: Uint8Array): number;
  unlink(path: Uint8Array): number;
  /** Futex wait on the 32-bit word at addr: 0 woken, -EAGAIN not equal, -ETIMEDOUT; timeoutMs < 0 forever. */
  wait(addr: bigint, expected: number, timeoutMs: bigint): number;
  /** wait, off the JS thread. */
  waitAsync(addr: bigint, expected: number, timeoutMs: bigint): Promise<number>;
  notify(addr: bigint, count: number): number;
  /** -ESRCH when the process is gone or a zombie; else > 0, an identity that survives pid reuse, or 0 when the OS does not tell. */
  processTag(pid: number): number;
  /** sched_yield: lets a peer on the same core run. */
  yield(): void;
  /** The address of a view's first byte (subarrays included). */
  address(view: ArrayBufferView): bigint;
  /** Truncation guard: registers a range (returns a slot or -errno), removes it, counts its faults. */
  guardAdd(addr: bigint, length: bigint): number;
  guardRemove(slot: number): number;
  guardFaults(slot: number): bigint;
  /** Writes "ENAME:description" NUL-terminated into `out`, returns its length. */
  errorDescribe(errno: number, out: Uint8Array): number;
  /** Writes "NAME=number\n" for every errno name the shim knows, NUL-terminated, into `out`; returns its length or -ERANGE. */
  errnoTable(out: Uint8Array): number;
  /** A zero-copy ArrayBuffer over `length` bytes at `addr`. */
  arrayBuffer(addr: bigint, length: number): ArrayBuffer;
}

/** The shim's ABI version this core speaks (MEMMAP_ABI_VERSION). */
export const ABI_VERSION = 7;

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
