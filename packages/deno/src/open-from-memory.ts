import { MmapError } from "@memmap/core/backend";
import { isDenied, withLibc } from "./libc.ts";

/**
 * Opens a library held in memory, as dlopen needs a file: on Linux from a memfd (nothing on
 * disk, no permission beyond --allow-ffi), elsewhere (or where memfds are unavailable) from a
 * temporary copy removed as soon as it is open.
 */
export function openFromMemory<T>(bytes: Uint8Array, file: string, open: (path: string) => T): T {
  return (Deno.build.os === "linux" ? openFromMemfd(bytes, open) : undefined) ?? openFromTempCopy(bytes, file, open);
}

/** undefined where no memfd can be made (no glibc, an old kernel, a seccomp filter). Exported for its test. */
export function openFromMemfd<T>(bytes: Uint8Array, open: (path: string) => T): T | undefined {
  try {
    return withLibc((libc) => {
      const fd = libc.memfd_create(new TextEncoder().encode("memmap\0"), 1 /* MFD_CLOEXEC */);
      if (fd < 0) return undefined;
      try {
        for (let at = 0; at < bytes.length; ) {
          const n = Number(libc.write(fd, bytes.subarray(at), BigInt(bytes.length - at)));
          if (n <= 0) return undefined;
          at += n;
        }
        // The loaded library keeps its own mapping of the memfd; the descriptor can go.
        return open(`/proc/self/fd/${fd}`);
      } finally {
        libc.close(fd);
      }
    });
  } catch (cause) {
    if (isDenied(cause)) throw new MmapError(`memmap needs FFI permission: ${(cause as Error).message}`, { code: "ERR_ACCESS_DENIED", cause });
    throw cause;
  }
}

/** Exported for its test; openFromMemory is the API. */
export function openFromTempCopy<T>(bytes: Uint8Array, file: string, open: (path: string) => T): T {
  let path: string;
  try {
    path = Deno.makeTempFileSync({ prefix: "memmap-", suffix: `-${file}` });
    Deno.writeFileSync(path, bytes, { mode: 0o700 });
  } catch (cause) {
    if (!isDenied(cause)) throw cause;
    throw new MmapError(
      `memmap loads its native shim from a temporary copy on ${Deno.build.os}, and Deno denied writing it: run deno with --allow-write ` +
        "(or point MEMMAP_LIBRARY_PATH at a shim and grant --allow-env=MEMMAP_LIBRARY_PATH)",
      { code: "ERR_ACCESS_DENIED", cause },
    );
  }
  try {
    return open(path);
  } finally {
    try {
      Deno.removeSync(path);
    } catch {
      // Windows cannot delete a loaded DLL; the copy stays in the temporary folder.
    }
  }
}
