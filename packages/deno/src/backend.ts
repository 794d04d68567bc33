import type { Backend } from "@memmap/core";

/** The shim's symbols (native/src/memmap.h) in Deno's vocabulary, declared once. */
const SYMBOLS = {
  memmap_abi_version: { parameters: [], result: "i32" },
  memmap_page_size: { parameters: [], result: "i64" },
  memmap_open: { parameters: ["buffer" /* const char *path */, "i32" /* flags */, "i32" /* mode */], result: "i32" },
  memmap_close: { parameters: ["i32" /* fd */], result: "i32" },
  memmap_fstat: { parameters: ["i32" /* fd */, "buffer" /* int64_t *out */], result: "i32" },
  memmap_fd_access: { parameters: ["i32" /* fd */], result: "i32" },
  memmap_ftruncate: { parameters: ["i32" /* fd */, "i64" /* size */], result: "i32" },
  memmap_fsync: { parameters: ["i32" /* fd */], result: "i32" },
  memmap_mmap: {
    parameters: ["i64" /* length */, "i32" /* prot */, "i32" /* flags */, "i32" /* fd */, "i64" /* offset */],
    result: "i64",
  },
  memmap_munmap: { parameters: ["i64" /* addr */, "i64" /* length */], result: "i32" },
  memmap_msync: { parameters: ["i64" /* addr */, "i64" /* length */, "i32" /* flags */], result: "i32" },
  memmap_madvise: { parameters: ["i64" /* addr */, "i64" /* length */, "i32" /* advice */], result: "i32" },
  memmap_mlock: { parameters: ["i64" /* addr */, "i64" /* length */], result: "i32" },
  memmap_munlock: { parameters: ["i64" /* addr */, "i64" /* length */], result: "i32" },
  memmap_mremap: { parameters: ["i64" /* addr */, "i64" /* old_length */, "i64" /* new_length */], result: "i64" },
  memmap_memfd_create: { parameters: ["buffer" /* const char *name */], result: "i32" },
  memmap_shm_open: { parameters: ["buffer" /* const char *name */, "i32" /* flags */, "i32" /* mode */], result: "i32" },
  memmap_shm_unlink: { parameters: ["buffer" /* const char *name */], result: "i32" },
  memmap_copy: { parameters: ["i64" /* dst_addr */, "i64" /* src_addr */, "i64" /* length */], result: "void" },
  memmap_copy_file_range: {
    parameters: ["i32" /* in_fd */, "i64" /* in_offset */, "i32" /* out_fd */, "i64" /* out_offset */, "i64" /* length */],
    result: "i64",
  },
  // The same two calls again, run by Deno on its own threads, returning a Promise.
  memmap_copy_file_range_nonblocking: {
    name: "memmap_copy_file_range",
    parameters: ["i32" /* in_fd */, "i64" /* in_offset */, "i32" /* out_fd */, "i64" /* out_offset */, "i64" /* length */],
    result: "i64",
    nonblocking: true,
  },
  memmap_copy_nonblocking: {
    name: "memmap_copy",
    parameters: ["i64" /* dst_addr */, "i64" /* src_addr */, "i64" /* length */],
    result: "void",
    nonblocking: true,
  },
  memmap_clone: { parameters: ["i32" /* src_fd */, "i32" /* dst_fd */], result: "i32" },
  memmap_fchmod: { parameters: ["i32" /* fd */, "i32" /* mode */], result: "i32" },
  memmap_fallocate: { parameters: ["i32" /* fd */, "i64" /* offset */, "i64" /* length */], result: "i32" },
  memmap_seek_data: { parameters: ["i32" /* fd */, "i64" /* offset */], result: "i64" },
  memmap_seek_hole: { parameters: ["i32" /* fd */, "i64" /* offset */], result: "i64" },
  memmap_umask: { parameters: [], result: "i32" },
  memmap_rename: { parameters: ["buffer" /* const char *from */, "buffer" /* const char *to */], result: "i32" },
  memmap_link: { parameters: ["buffer" /* const char *from */, "buffer" /* const char *to */], result: "i32" },
  memmap_unlink: { parameters: ["buffer" /* const char *path */], result: "i32" },
  memmap_error_describe: { parameters: ["i32" /* err */, "buffer" /* char *buf */, "i32" /* capacity */], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Opens the shim with Deno.dlopen and forwards the Backend calls to it. */
export function openBackend(path: string): Backend {
  const s = Deno.dlopen(path, SYMBOLS).symbols;
  return {
    name: "deno",
    libraryPath: path,
    maxArrayBufferLength: Number.MAX_SAFE_INTEGER,
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
    copyFileRangeAsync: async (inFd, inOffset, outFd, outOffset, length) =>
      BigInt(await s.memmap_copy_file_range_nonblocking(inFd, inOffset, outFd, outOffset, length)),
    copyAsync: (dst, src, length) => s.memmap_copy_nonblocking(dst, src, length),
    clone: (srcFd, dstFd) => s.memmap_clone(srcFd, dstFd),
    fchmod: (fd, mode) => s.memmap_fchmod(fd, mode),
    fallocate: (fd, offset, length) => s.memmap_fallocate(fd, offset, length),
    seekData: (fd, offset) => BigInt(s.memmap_seek_data(fd, offset)),
    seekHole: (fd, offset) => BigInt(s.memmap_seek_hole(fd, offset)),
    umask: () => s.memmap_umask(),
    rename: (from, to) => s.memmap_rename(from, to),
    link: (from, to) => s.memmap_link(from, to),
    unlink: (path) => s.memmap_unlink(path),
    errorDescribe: (errno, out) => s.memmap_error_describe(errno, out, out.length),
    arrayBuffer: (addr, length) =>
      Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(addr)!, length),
  };
}
