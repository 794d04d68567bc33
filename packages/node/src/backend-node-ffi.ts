import { type Backend, OffThreadPool } from "@memmap/core";

export type NodeFfi = {
  dlopen(path: string, defs: Record<string, { return: string; arguments: string[] }>): {
    functions: Record<string, (...args: unknown[]) => unknown>;
  };
  toArrayBuffer(addr: bigint, length: number, copy: boolean): ArrayBuffer;
  getRawPointer(view: ArrayBufferView): bigint;
};

/** The shim's symbols (native/src/memmap.h) in node:ffi's vocabulary, declared once. */
export const SYMBOLS = {
  memmap_abi_version: { return: "i32", arguments: [] },
  memmap_page_size: { return: "i64", arguments: [] },
  memmap_open: { return: "i32", arguments: ["pointer" /* const char *path */, "i32" /* flags */, "i32" /* mode */] },
  memmap_close: { return: "i32", arguments: ["i32" /* fd */] },
  memmap_fstat: { return: "i32", arguments: ["i32" /* fd */, "pointer" /* int64_t *out */] },
  memmap_fd_access: { return: "i32", arguments: ["i32" /* fd */] },
  memmap_ftruncate: { return: "i32", arguments: ["i32" /* fd */, "i64" /* size */] },
  memmap_fsync: { return: "i32", arguments: ["i32" /* fd */] },
  memmap_mmap: {
    return: "i64",
    arguments: ["i64" /* length */, "i32" /* prot */, "i32" /* flags */, "i32" /* fd */, "i64" /* offset */],
  },
  memmap_munmap: { return: "i32", arguments: ["i64" /* addr */, "i64" /* length */] },
  memmap_msync: { return: "i32", arguments: ["i64" /* addr */, "i64" /* length */, "i32" /* flags */] },
  memmap_madvise: { return: "i32", arguments: ["i64" /* addr */, "i64" /* length */, "i32" /* advice */] },
  memmap_mlock: { return: "i32", arguments: ["i64" /* addr */, "i64" /* length */] },
  memmap_munlock: { return: "i32", arguments: ["i64" /* addr */, "i64" /* length */] },
  memmap_mremap: { return: "i64", arguments: ["i64" /* addr */, "i64" /* old_length */, "i64" /* new_length */] },
  memmap_memfd_create: { return: "i32", arguments: ["pointer" /* const char *name */] },
  memmap_shm_open: { return: "i32", arguments: ["pointer" /* const char *name */, "i32" /* flags */, "i32" /* mode */] },
  memmap_shm_unlink: { return: "i32", arguments: ["pointer" /* const char *name */] },
  memmap_copy: { return: "void", arguments: ["i64" /* dst_addr */, "i64" /* src_addr */, "i64" /* length */] },
  memmap_copy_file_range: {
    return: "i64",
    arguments: ["i32" /* in_fd */, "i64" /* in_offset */, "i32" /* out_fd */, "i64" /* out_offset */, "i64" /* length */],
  },
  memmap_clone: { return: "i32", arguments: ["i32" /* src_fd */, "i32" /* dst_fd */] },
  memmap_fchmod: { return: "i32", arguments: ["i32" /* fd */, "i32" /* mode */] },
  memmap_fallocate: { return: "i32", arguments: ["i32" /* fd */, "i64" /* offset */, "i64" /* length */] },
  memmap_seek_data: { return: "i64", arguments: ["i32" /* fd */, "i64" /* offset */] },
  memmap_seek_hole: { return: "i64", arguments: ["i32" /* fd */, "i64" /* offset */] },
  memmap_umask: { return: "i32", arguments: [] },
  memmap_rename: { return: "i32", arguments: ["pointer" /* const char *from */, "pointer" /* const char *to */] },
  memmap_link: { return: "i32", arguments: ["pointer" /* const char *from */, "pointer" /* const char *to */] },
  memmap_unlink: { return: "i32", arguments: ["pointer" /* const char *path */] },
  memmap_wait: { return: "i32", arguments: ["i64" /* addr */, "i32" /* expected */, "i64" /* timeout_ms */] },
  memmap_notify: { return: "i32", arguments: ["i64" /* addr */, "i32" /* count */] },
  memmap_yield: { return: "void", arguments: [] },
  memmap_process_tag: { return: "i32", arguments: ["i32" /* pid */] },
  memmap_guard_add: { return: "i32", arguments: ["i64" /* addr */, "i64" /* length */] },
  memmap_guard_remove: { return: "i32", arguments: ["i32" /* slot */] },
  memmap_guard_faults: { return: "i64", arguments: ["i32" /* slot */] },
  memmap_error_describe: { return: "i32", arguments: ["i32" /* err */, "pointer" /* char *buf */, "i32" /* capacity */] },
  memmap_errno_table: { return: "i32", arguments: ["pointer" /* char *buf */, "i32" /* capacity */] },
};

/** Opens the shim with node:ffi (Node 26+) and forwards the Backend calls to it. */
export function openNodeFfiBackend(ffi: NodeFfi, path: string): Backend {
  // deno-lint-ignore no-explicit-any
  const s = ffi.dlopen(path, SYMBOLS).functions as any;
  // node:ffi calls only on the calling thread: copies and waits run on workers (off-thread-worker-node-ffi.ts).
  const offThread = new OffThreadPool(new URL("./off-thread-worker-node-ffi.js", import.meta.url), path);
  return {
    name: "node:ffi",
    libraryPath: path,
    maxArrayBufferLength: Number.MAX_SAFE_INTEGER,
    abiVersion: () => s.memmap_abi_version(),
    pageSize: () => s.memmap_page_size(),
    open: (p, flags, mode) => s.memmap_open(p, flags, mode),
    close: (fd) => s.memmap_close(fd),
    fstat: (fd, out) => s.memmap_fstat(fd, out),
    fdAccess: (fd) => s.memmap_fd_access(fd),
    ftruncate: (fd, size) => s.memmap_ftruncate(fd, size),
    fsync: (fd) => s.memmap_fsync(fd),
    mmap: (length, prot, flags, fd, offset) => s.memmap_mmap(length, prot, flags, fd, offset),
    munmap: (addr, length) => s.memmap_munmap(addr, length),
    msync: (addr, length, flags) => s.memmap_msync(addr, length, flags),
    madvise: (addr, length, advice) => s.memmap_madvise(addr, length, advice),
    mlock: (addr, length) => s.memmap_mlock(addr, length),
    munlock: (addr, length) => s.memmap_munlock(addr, length),
    mremap: (addr, oldLength, newLength) => s.memmap_mremap(addr, oldLength, newLength),
    memfdCreate: (name) => s.memmap_memfd_create(name),
    shmOpen: (name, flags, mode) => s.memmap_shm_open(name, flags, mode),
    shmUnlink: (name) => s.memmap_shm_unlink(name),
    copy: (dst, src, length) => s.memmap_copy(dst, src, length),
    copyFileRange: (inFd, inOffset, outFd, outOffset, length) =>
      s.memmap_copy_file_range(inFd, inOffset, outFd, outOffset, length),
    copyFileRangeAsync: (inFd, inOffset, outFd, outOffset, length) =>
      offThread.call("copyFileRange", [inFd, inOffset, outFd, outOffset, length]),
    copyAsync: async (dst, src, length) => {
      await offThread.call("copy", [dst, src, length]);
    },
    clone: (srcFd, dstFd) => s.memmap_clone(srcFd, dstFd),
    fchmod: (fd, mode) => s.memmap_fchmod(fd, mode),
    fallocate: (fd, offset, length) => s.memmap_fallocate(fd, offset, length),
    seekData: (fd, offset) => s.memmap_seek_data(fd, offset),
    seekHole: (fd, offset) => s.memmap_seek_hole(fd, offset),
    umask: () => s.memmap_umask(),
    rename: (from, to) => s.memmap_rename(from, to),
    link: (from, to) => s.memmap_link(from, to),
    unlink: (path) => s.memmap_unlink(path),
    wait: (addr, expected, timeoutMs) => s.memmap_wait(addr, expected, timeoutMs),
    waitAsync: async (addr, expected, timeoutMs) => Number(await offThread.call("wait", [addr, expected, timeoutMs])),
    notify: (addr, count) => s.memmap_notify(addr, count),
    yield: () => s.memmap_yield(),
    processTag: (pid) => s.memmap_process_tag(pid),
    address: (view) => BigInt(ffi.getRawPointer(view)),
    guardAdd: (addr, length) => s.memmap_guard_add(addr, length),
    guardRemove: (slot) => s.memmap_guard_remove(slot),
    guardFaults: (slot) => s.memmap_guard_faults(slot),
    errorDescribe: (errno, out) => s.memmap_error_describe(errno, out, out.length),
    errnoTable: (out) => s.memmap_errno_table(out, out.length),
    arrayBuffer: (addr, length) => ffi.toArrayBuffer(addr, length, false),
  };
}
