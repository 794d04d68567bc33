/** The few glibc calls this package makes itself, outside the shim (Deno for Linux is built against glibc). */
const CALLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Whether Deno refused an operation for want of a permission. */
export const isDenied = (cause: unknown): boolean => cause instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.PermissionDenied;

/** glibc's calls of CALLS. */
export type Libc = Deno.DynamicLibrary<typeof CALLS>["symbols"];

/**
 * Runs `use` with libc open, and closes it after; undefined where it cannot be opened (no
 * glibc). A denied FFI permission is thrown as Deno's error: the caller says what to grant.
 */
export function withLibc<T>(use: (libc: Libc) => T): T | undefined {
  let libc: Deno.DynamicLibrary<typeof CALLS>;
  try {
    libc = Deno.dlopen("libc.so.6", CALLS);
  } catch (cause) {
    if (isDenied(cause)) throw cause;
    return undefined;
  }
  try {
    return use(libc.symbols);
  } finally {
    libc.close();
  }
}
