import type { Backend } from "@memmap/core";

/** A koffi function: callable, and .async(...args, callback) runs it on koffi's worker threads. */
type KoffiFunction = ((...args: unknown[]) => unknown) & {
  async(...args: [...unknown[], (error: unknown, result: unknown) => void]): void;
};

type Koffi = {
  load(path: string): { func(prototype: string): KoffiFunction };
  view(addr: number | bigint, length: number): ArrayBuffer;
  address(view: ArrayBufferView): number | bigint;
};

/** The shim's symbols (native/src/memmap.h) as koffi C prototypes, declared once. */
const PROTOTYPES = {
  abiVersion: "int32_t memmap_abi_version(void)",
  pageSize: "int64_t memmap_page_size(void)",
  open: "int32_t memmap_open(const void *path, int32_t flags, int32_t mode)",
  close: "int32_t memmap_close(int32_t fd)",
  fstat: "int32_t memmap_fstat(int32_t fd, void *out)",
  fdAccess: "int32_t memmap_fd_access(int32_t fd)",
  ftruncate: "int32_t memmap_ftruncate(int32_t fd, int64_t size)",
  fsync: "int32_t memmap_fsync(int32_t fd)",
  mmap: "int64_t memmap_mmap(int64_t length, int32_t prot, int32_t flags, int32_t fd, int64_t offset)",
  munmap: "int32_t memmap_munmap(int64_t addr, int64_t length)",
  msync: "int32_t memmap_msync(int64_t addr, int64_t length, int32_t flags)",
  madvise: "int32_t memmap_madvise(int64_t addr, int64_t length, int32_t advice)",
  mlock: "int32_t memmap_mlock(int64_t addr, int64_t length)",
  munlock: "int32_t memmap_munlock(int64_t addr, int64_t length)",
  mremap: "int64_t memmap_mremap(int64_t addr, int64_t old_length, int64_t new_length)",
  memfdCreate: "int32_t memmap_memfd_create(const void *name)",
  shmOpen: "int32_t memmap_shm_open(const void *name, int32_t flags, int32_t mode)",
  shmUnlink: "int32_t memmap_shm_unlink(const void *name)",
  copy: "void memmap_copy(int64_t dst_addr, int64_t src_addr, int64_t length)",
  copyFileRange: "int64_t memmap_copy_file_range(int32_t in_fd, int64_t in_offset, int32_t out_fd, int64_t out_offset, int64_t length)",
  clone: "int32_t memmap_clone(int32_t src_fd, int32_t dst_fd)",
  fchmod: "int32_t memmap_fchmod(int32_t fd, int32_t mode)",
  fallocate: "int32_t memmap_fallocate(int32_t fd, int64_t offset, int64_t length)",
  seekData: "int64_t memmap_seek_data(int32_t fd, int64_t offset)",
  seekHole: "int64_t memmap_seek_hole(int32_t fd, int64_t offset)",
  umask: "int32_t memmap_umask(void)",
  rename: "int32_t memmap_rename(const void *from, const void *to)",
  link: "int32_t memmap_link(const void *from, const void *to)",
  unlink: "int32_t memmap_unlink(const void *path)",
  wait: "int32_t memmap_wait(int64_t addr, int32_t expected, int64_t timeout_ms)",
  notify: "int32_t memmap_notify(int64_t addr, int32_t count)",
  yield: "void memmap_yield(void)",
  processTag: "int32_t memmap_process_tag(int32_t pid)",
  guardAdd: "int32_t memmap_guard_add(int64_t addr, int64_t length)",
  guardRemove: "int32_t memmap_guard_remove(int32_t slot)",
  guardFaults: "int64_t memmap_guard_faults(int32_t slot)",
  errorDescribe: "int32_t memmap_error_describe(int32_t err, void *buf, int32_t capacity)",
  errnoTable: "int32_t memmap_errno_table(void *buf, int32_t capacity)",
} as const;

/** Opens the shim with koffi (Node 22-25) and forwards the Backend calls to it. */
export function openKoffiBackend(koffi: Koffi, path: string): Backend {
  const lib = koffi.load(path);
  // deno-lint-ignore no-explicit-any
  const f = Object.fromEntries(Object.entries(PROTOTYPES).map(([k, proto]) => [k, lib.func(proto)])) as any;
  const later = (fn: KoffiFunction, ...args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => fn.async(...args, (error, result) => (error ? reject(error) : resolve(result))));
  return {
    name: "koffi",
    libraryPath: path,
    maxArrayBufferLength: Number.MAX_SAFE_INTEGER,
    abiVersion: () => f.abiVersion(),
    // koffi returns int64_t as a number when it fits: core speaks bigint.
    pageSize: () => BigInt(f.pageSize()),
    open: (p, flags, mode) => f.open(p, flags, mode),
    close: (fd) => f.close(fd),
    fstat: (fd, out) => f.fstat(fd, out),
    fdAccess: (fd) => f.fdAccess(fd),
    ftruncate: (fd, size) => f.ftruncate(fd, size),
    fsync: (fd) => f.fsync(fd),
    mmap: (length, prot, flags, fd, offset) => BigInt(f.mmap(length, prot, flags, fd, offset)),
    munmap: (addr, length) => f.munmap(addr, length),
    msync: (addr, length, flags) => f.msync(addr, length, flags),
    madvise: (addr, length, advice) => f.madvise(addr, length, advice),
    mlock: (addr, length) => f.mlock(addr, length),
    munlock: (addr, length) => f.munlock(addr, length),
    mremap: (addr, oldLength, newLength) => BigInt(f.mremap(addr, oldLength, newLength)),
    memfdCreate: (name) => f.memfdCreate(name),
    shmOpen: (name, flags, mode) => f.shmOpen(name, flags, mode),
    shmUnlink: (name) => f.shmUnlink(name),
    copy: (dst, src, length) => f.copy(dst, src, length),
    copyFileRange: (inFd, inOffset, outFd, outOffset, length) => BigInt(f.copyFileRange(inFd, inOffset, outFd, outOffset, length)),
    copyFileRangeAsync: async (inFd, inOffset, outFd, outOffset, length) =>
      BigInt(await later(f.copyFileRange, inFd, inOffset, outFd, outOffset, length) as number),
    copyAsync: async (dst, src, length) => {
      await later(f.copy, dst, src, length);
    },
    clone: (srcFd, dstFd) => f.clone(srcFd, dstFd),
    fchmod: (fd, mode) => f.fchmod(fd, mode),
    fallocate: (fd, offset, length) => f.fallocate(fd, offset, length),
    seekData: (fd, offset) => BigInt(f.seekData(fd, offset)),
    seekHole: (fd, offset) => BigInt(f.seekHole(fd, offset)),
    umask: () => f.umask(),
    rename: (from, to) => f.rename(from, to),
    link: (from, to) => f.link(from, to),
    unlink: (path) => f.unlink(path),
    wait: (addr, expected, timeoutMs) => f.wait(addr, expected, timeoutMs),
    waitAsync: async (addr, expected, timeoutMs) => Number(await later(f.wait, addr, expected, timeoutMs)),
    notify: (addr, count) => f.notify(addr, count),
    yield: () => f.yield(),
    processTag: (pid) => f.processTag(pid),
    address: (view) => BigInt(koffi.address(view)),
    guardAdd: (addr, length) => f.guardAdd(addr, length),
    guardRemove: (slot) => f.guardRemove(slot),
    guardFaults: (slot) => BigInt(f.guardFaults(slot)),
    errorDescribe: (errno, out) => f.errorDescribe(errno, out, out.length),
    errnoTable: (out) => f.errnoTable(out, out.length),
    arrayBuffer: (addr, length) => koffi.view(addr, length),
  };
}
