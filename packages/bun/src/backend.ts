import { dlopen, ptr, toArrayBuffer } from "bun:ffi";
import { type Backend, OffThreadPool } from "@memmap/core";

/** The shim's symbols (native/src/memmap.h), declared once. */
export const SYMBOLS = {
  memmap_abi_version: { args: [], returns: "i32" },
  memmap_page_size: { args: [], returns: "i64" },
  memmap_open: { args: ["ptr" /* const char *path */, "i32" /* flags */, "i32" /* mode */], returns: "i32" },
  memmap_close: { args: ["i32" /* fd */], returns: "i32" },
  memmap_fstat: { args: ["i32" /* fd */, "ptr" /* int64_t *out */], returns: "i32" },
  memmap_fd_access: { args: ["i32" /* fd */], returns: "i32" },
  memmap_ftruncate: { args: ["i32" /* fd */, "i64" /* size */], returns: "i32" },
  memmap_fsync: { args: ["i32" /* fd */], returns: "i32" },
  memmap_mmap: {
    args: ["i64" /* length */, "i32" /* prot */, "i32" /* flags */, "i32" /* fd */, "i64" /* offset */],
    returns: "i64",
  },
  memmap_munmap: { args: ["i64" /* addr */, "i64" /* length */], returns: "i32" },
  memmap_msync: { args: ["i64" /* addr */, "i64" /* length */, "i32" /* flags */], returns: "i32" },
  memmap_madvise: { args: ["i64" /* addr */, "i64" /* length */, "i32" /* advice */], returns: "i32" },
  memmap_mlock: { args: ["i64" /* addr */, "i64" /* length */], returns: "i32" },
  memmap_munlock: { args: ["i64" /* addr */, "i64" /* length */], returns: "i32" },
  memmap_mremap: { args: ["i64" /* addr */, "i64" /* old_length */, "i64" /* new_length */], returns: "i64" },
  memmap_memfd_create: { args: ["ptr" /* const char *name */], returns: "i32" },
  memmap_shm_open: { args: ["ptr" /* const char *name */, "i32" /* flags */, "i32" /* mode */], returns: "i32" },
  memmap_shm_unlink: { args: ["ptr" /* const char *name */], returns: "i32" },
  memmap_copy: { args: ["i64" /* dst_addr */, "i64" /* src_addr */, "i64" /* length */], returns: "void" },
  memmap_copy_file_range: {
    args: ["i32" /* in_fd */, "i64" /* in_offset */, "i32" /* out_fd */, "i64" /* out_offset */, "i64" /* length */],
    returns: "i64",
  },
  memmap_clone: { args: ["i32" /* src_fd */, "i32" /* dst_fd */], returns: "i32" },
  memmap_fchmod: { args: ["i32" /* fd */, "i32" /* mode */], returns: "i32" },
  memmap_fallocate: { args: ["i32" /* fd */, "i64" /* offset */, "i64" /* length */], returns: "i32" },
  memmap_seek_data: { args: ["i32" /* fd */, "i64" /* offset */], returns: "i64" },
  memmap_seek_hole: { args: ["i32" /* fd */, "i64" /* offset */], returns: "i64" },
  memmap_umask: { args: [], returns: "i32" },
  memmap_rename: { args: ["ptr" /* const char *from */, "ptr" /* const char *to */], returns: "i32" },
  memmap_link: { args: ["ptr" /* const char *from */, "ptr" /* const char *to */], returns: "i32" },
  memmap_unlink: { args: ["ptr" /* const char *path */], returns: "i32" },
  memmap_wait: { args: ["i64" /* addr */, "i32" /* expected */, "i64" /* timeout_ms */], returns: "i32" },
  memmap_notify: { args: ["i64" /* addr */, "i32" /* count */], returns: "i32" },
  memmap_yield: { args: [], returns: "void" },
  memmap_process_tag: { args: ["i32" /* pid */], returns: "i32" },
  memmap_guard_add: { args: ["i64" /* addr */, "i64" /* length */], returns: "i32" },
  memmap_guard_remove: { args: ["i32" /* slot */], returns: "i32" },
  memmap_guard_faults: { args: ["i32" /* slot */], returns: "i64" },
  memmap_error_describe: { args: ["i32" /* err */, "ptr" /* char *buf */, "i32" /* capacity */], returns: "i32" },
  memmap_errno_table: { args: ["ptr" /* char *buf */, "i32" /* capacity */], returns: "i32" },
} as const;

/** Bun cannot make an ArrayBuffer over foreign memory of 4 GiB or more. */
const MAX_ARRAY_BUFFER = 2 ** 32 - 1;

/** Opens the shim at `path` and forwards the Backend calls to it. */
export function openBackend(path: string): Backend {
  const s = dlopen(path, SYMBOLS).symbols;
  // bun:ffi calls only on the calling thread: copies and waits run on workers (off-thread-worker.ts).
  const offThread = new OffThreadPool(new URL("./off-thread-worker.js", import.meta.url), path);
  return {
    name: "bun",
    libraryPath: path,
    maxArrayBufferLength: MAX_ARRAY_BUFFER,
    abiVersion: () => s.memmap_abi_version(),
    pageSize: () => BigInt(s.memmap_page_size()),
    open: (p, flags, mode) => s.memmap_open(p, flags, mode),
    close: (fd) => s.memmap_close(fd),
    fstat: (fd, out) => s.memmap_fstat(fd, out),
    fdAccess: (fd) => s.memmap_fd_access(fd),
    ftruncate: (fd, size) => s.memmap_ftruncate(fd, size),
    fsync: (fd) => s.memmap_fsync(fd),
    mmap: (length, prot, flags, fd, offset) => BigInt(s.memmap_mmap(length, prot, flags, fd, offset)),
    munmap: (addr, length) => s.memmap_munmap(addr, length),
    msync: (addr, length, flags) => s.memmap_msync(addr, length, flags),
    madvise: (addr, length, advice) => s.memmap_madvise(addr, length, advice),
    mlock: (addr, length) => s.memmap_mlock(addr, length),
    munlock: (addr, length) => s.memmap_munlock(addr, length),
    mremap: (addr, oldLength, newLength) => BigInt(s.memmap_mremap(addr, oldLength, newLength)),
    memfdCreate: (name) => s.memmap_memfd_create(name),
    shmOpen: (name, flags, mode) => s.memmap_shm_open(name, flags, mode),
    shmUnlink: (name) => s.memmap_shm_unlink(name),
    copy: (dst, src, length) => s.memmap_copy(dst, src, length),
    copyFileRange: (inFd, inOffset, outFd, outOffset, length) =>
      BigInt(s.memmap_copy_file_range(inFd, inOffset, outFd, outOffset, length)),
    copyFileRangeAsync: (inFd, inOffset, outFd, outOffset, length) =>
      offThread.call("copyFileRange", [inFd, inOffset, outFd, outOffset, length]),
    copyAsync: async (dst, src, length) => {
      await offThread.call("copy", [dst, src, length]);
    },
    clone: (srcFd, dstFd) => s.memmap_clone(srcFd, dstFd),
    fchmod: (fd, mode) => s.memmap_fchmod(fd, mode),
    fallocate: (fd, offset, length) => s.memmap_fallocate(fd, offset, length),
    seekData: (fd, offset) => BigInt(s.memmap_seek_data(fd, offset)),
    seekHole: (fd, offset) => BigInt(s.memmap_seek_hole(fd, offset)),
    umask: () => s.memmap_umask(),
    rename: (from, to) => s.memmap_rename(from, to),
    link: (from, to) => s.memmap_link(from, to),
    unlink: (path) => s.memmap_unlink(path),
    wait: (addr, expected, timeoutMs) => s.memmap_wait(addr, expected, timeoutMs),
    waitAsync: async (addr, expected, timeoutMs) => Number(await offThread.call("wait", [addr, expected, timeoutMs])),
    notify: (addr, count) => s.memmap_notify(addr, count),
    yield: () => s.memmap_yield(),
    processTag: (pid) => s.memmap_process_tag(pid),
    address: (view) => BigInt(ptr(view as Uint8Array)),
    guardAdd: (addr, length) => s.memmap_guard_add(addr, length),
    guardRemove: (slot) => s.memmap_guard_remove(slot),
    guardFaults: (slot) => BigInt(s.memmap_guard_faults(slot)),
    errorDescribe: (errno, out) => s.memmap_error_describe(errno, out, out.length),
    errnoTable: (out) => s.memmap_errno_table(out, out.length),
    arrayBuffer: (addr, length) => toArrayBuffer(Number(addr) as never, 0, length),
  };
}
