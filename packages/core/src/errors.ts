import type { Backend } from "./backend.ts";

/**
 * The errno names an {@linkcode MmapError} can carry: exactly the shim's table
 * (native/src/errnos.h, the same on every platform), and EUNKNOWN for a number
 * outside it. errors.test.ts checks this list against that table.
 */
export const ERRNO_CODES = [
  "EPERM",
  "ENOENT",
  "ESRCH",
  "EINTR",
  "EIO",
  "ENXIO",
  "E2BIG",
  "EBADF",
  "EAGAIN",
  "ENOMEM",
  "EACCES",
  "EFAULT",
  "EBUSY",
  "EEXIST",
  "EXDEV",
  "ENODEV",
  "ENOTDIR",
  "EISDIR",
  "EINVAL",
  "ENFILE",
  "EMFILE",
  "ENOTTY",
  "ETXTBSY",
  "EFBIG",
  "ENOSPC",
  "ESPIPE",
  "EROFS",
  "EMLINK",
  "EPIPE",
  "ERANGE",
  "ENAMETOOLONG",
  "ENOSYS",
  "ENOTEMPTY",
  "ELOOP",
  "EOVERFLOW",
  "ENOTSUP",
  "EOPNOTSUPP",
  "ETIMEDOUT",
  "EDQUOT",
  "EUNKNOWN",
] as const;

/**
 * memmap's own conditions, each raised somewhere in the packages and explained in
 * docs/errors.md; errors.test.ts checks both against the sources.
 */
export const MEMMAP_CODES = [
  "ERR_ACCESS_DENIED",
  "ERR_ALREADY_LOADED",
  "ERR_BAD_HANDLE",
  "ERR_CHANNEL_BUSY",
  "ERR_CHANNEL_CLOSED",
  "ERR_CHANNEL_LAYOUT",
  "ERR_CHANNEL_NOT_RESERVED",
  "ERR_CHANNEL_VIEW_HELD",
  "ERR_DANGLING_SYMLINK",
  "ERR_FILE_REPLACED",
  "ERR_FILE_TRUNCATED",
  "ERR_FORK",
  "ERR_INVALID_ENV",
  "ERR_LIBRARY_ABI",
  "ERR_LIBRARY_CHECKSUM",
  "ERR_LIBRARY_LOAD",
  "ERR_MAPPING_CLOSED",
  "ERR_MAPPING_MODE",
  "ERR_MAPPING_SHARED",
  "ERR_MUTEX_HELD",
  "ERR_MUTEX_NOT_HELD",
  "ERR_NOT_REGULAR_FILE",
  "ERR_NOT_RESIZABLE",
  "ERR_NOT_SHAREABLE",
  "ERR_PEER_GONE",
  "ERR_SAME_FILE",
  "ERR_SHARED_BUFFER_LIVE",
  "ERR_SHARED_BUFFER_UNSUPPORTED",
  "ERR_SOURCE_CHANGED",
  "ERR_UNSUPPORTED_PLATFORM",
] as const;

/** An errno name the operating system reported (see {@linkcode ERRNO_CODES}). */
export type ErrnoCode = (typeof ERRNO_CODES)[number];

/**
 * Every `code` an {@linkcode MmapError} can have: an errno name, or one of memmap's
 * own `ERR_*` conditions. docs/errors.md says when each happens and what to do.
 */
export type MmapErrorCode = ErrnoCode | (typeof MEMMAP_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set<string>([...ERRNO_CODES, ...MEMMAP_CODES]);

/** Whether `code` is one an MmapError may carry (for codes that come from elsewhere, such as node:fs). */
export function isMmapErrorCode(code: string): code is MmapErrorCode {
  return KNOWN_CODES.has(code);
}

/** Fields of an {@linkcode MmapError}, matching Node's system-error shape. */
export interface MmapErrorInit {
  /** An errno name ("ENOENT", "EACCES", …) or an "ERR_…" code for memmap's own conditions. */
  code: MmapErrorCode;
  /** Negative errno, as Node reports it; absent for memmap's own conditions. */
  errno?: number | undefined;
  /** The system call that failed ("open", "mmap", …). */
  syscall?: string | undefined;
  /** The file the call was about, as the caller gave it. */
  path?: string | undefined;
  /** The error this one wraps. */
  cause?: unknown;
  /** For a child process that ended (ERR_PEER_GONE): its exit code, null if a signal ended it. */
  exitCode?: number | null | undefined;
  /** For a child process that ended: the signal that ended it, or null. */
  signal?: string | null | undefined;
}

/**
 * Every failure of the operating system, or of a mapping's state, that a user
 * can cause. Wrong argument types and values are TypeError and RangeError.
 *
 * @example
 * ```ts
 * try {
 *   map("missing.bin");
 * } catch (e) {
 *   if (e instanceof MmapError && e.code === "ENOENT") console.log(e.path, e.message);
 *   else throw e;
 * }
 * ```
 */
export class MmapError extends Error {
  /** Always "MmapError". */
  override name = "MmapError";
  /** What went wrong, as an errno name or an `ERR_*` code; docs/errors.md lists them all. */
  readonly code: MmapErrorCode;
  /** Negative errno, as Node reports it; undefined for memmap's own conditions. */
  readonly errno: number | undefined;
  /** The system call that failed, when one did. */
  readonly syscall: string | undefined;
  /** The file the failure is about, when there is one. */
  readonly path: string | undefined;
  /** ERR_PEER_GONE for a child of this process: its exit code, null if a signal ended it, undefined if unknown. */
  readonly exitCode: number | null | undefined;
  /** ERR_PEER_GONE for a child of this process: the signal that ended it, null if it exited, undefined if unknown. */
  readonly signal: string | null | undefined;

  /** An error whose `message` says what happened and what to do, with the fields of `init`. */
  constructor(message: string, init: MmapErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.errno = init.errno;
    this.syscall = init.syscall;
    this.path = init.path;
    this.exitCode = init.exitCode;
    this.signal = init.signal;
  }
}

const describeBuffer = new Uint8Array(256);
const decoder = new TextDecoder();

/** The errno names core compares results with; the shim knows more (native/src/errnos.h). */
export const ERRNO_NAMES = [
  "EAGAIN",
  "EBADF",
  "EBUSY",
  "EEXIST",
  "EINVAL",
  "EISDIR",
  "ENOENT",
  "ENOSYS",
  "ENOTDIR",
  "ENOTEMPTY",
  "ENOTSUP",
  "ENOTTY",
  "ENXIO",
  "EOPNOTSUPP",
  "ETIMEDOUT",
  "EXDEV",
] as const;
export type ErrnoName = (typeof ERRNO_NAMES)[number];
/** This platform's number for each name, e.g. `errnos(b).ENOSYS`. */
export type Errnos = Readonly<Record<ErrnoName, number>>;

const errnoTables = new WeakMap<Backend, Errnos>();

/**
 * Reads the shim's errno table ("NAME=number" lines) once per backend; api.ts does it at
 * load. A shim without a name core needs cannot be used: the ABI check should have said so.
 */
export function loadErrnos(backend: Backend): Errnos {
  const buffer = new Uint8Array(4096);
  const n = backend.errnoTable(buffer, buffer.length);
  const numbers = new Map<string, number>();
  if (n > 0) {
    for (const line of decoder.decode(buffer.subarray(0, n)).split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0 && !numbers.has(line.slice(0, eq))) numbers.set(line.slice(0, eq), Number(line.slice(eq + 1)));
    }
  }
  const missing = ERRNO_NAMES.filter((name) => !Number.isInteger(numbers.get(name)));
  if (missing.length > 0) {
    throw new MmapError(
      `the native shim at ${backend.libraryPath} has no errno number for ${missing.join(", ")} (errno_table returned ${n}); rebuild it (npm run build:native) or unset MEMMAP_LIBRARY_PATH`,
      { code: "ERR_LIBRARY_ABI", path: backend.libraryPath },
    );
  }
  const table = Object.freeze(Object.fromEntries(ERRNO_NAMES.map((name) => [name, numbers.get(name)!]))) as Errnos;
  errnoTables.set(backend, table);
  return table;
}

/** The backend's errno numbers (read from the shim on first use if api.ts did not). */
export function errnos(backend: Backend): Errnos {
  return errnoTables.get(backend) ?? loadErrnos(backend);
}

/** "ENOENT" and "No such file or directory" for a positive errno, from the shim's table: for messages, not for decisions (compare with errnos()). */
function describeErrno(backend: Backend, errno: number): { code: ErrnoCode; description: string } {
  const n = backend.errorDescribe(errno, describeBuffer, describeBuffer.length);
  const text = n > 0 ? decoder.decode(describeBuffer.subarray(0, n)) : "";
  const colon = text.indexOf(":");
  if (colon < 0) return { code: "EUNKNOWN", description: `errno ${errno}` };
  // The names come from the same table as ERRNO_CODES (errors.test.ts checks them).
  return { code: text.slice(0, colon) as ErrnoCode, description: text.slice(colon + 1) };
}

/** What to do about an error, keyed by errno name, for the generic cases. */
const HINTS: Record<string, string> = {
  ENOENT: "Check the path; with mode 'readwrite' and a size, memmap creates the file.",
  EACCES: "Check the file's permissions and how it was opened.",
  EPERM: "The operation is not permitted for this process or file.",
  EISDIR: "memmap maps regular files, not directories.",
  ENOMEM: "The address space or memory limit is exhausted; map a smaller window.",
  EMFILE: "The process has too many open descriptors; close some.",
  ENFILE: "The system has too many open files.",
  ENOSPC: "The file system is full.",
  EFBIG: "The file would exceed the file system's or the process's size limit (RLIMIT_FSIZE).",
  EROFS: "The file system is read-only; map with mode 'read' or 'copy'.",
  ENODEV: "This kind of file cannot be memory-mapped.",
  EAGAIN: "A lock limit was reached (for lock(), RLIMIT_MEMLOCK); raise the limit or lock less.",
  EBADF: "The descriptor is closed or invalid.",
};

/**
 * Turns a shim result into a value: a negative result becomes an MmapError
 * naming the syscall, the path and what to do. `hint` overrides the generic one.
 *
 * @example
 * ```ts
 * const fd = check(backend, backend.open(cString(path), 0, 0), "open", path);
 * ```
 */
export function check(backend: Backend, result: number, syscall: string, path?: string, hint?: (code: string) => string | undefined): number {
  if (result >= 0) return result;
  throw errnoError(backend, -result, syscall, path, hint);
}

/**
 * Same as {@linkcode check} for 64-bit results such as addresses.
 *
 * @example
 * ```ts
 * const addr = checkBig(backend, backend.mmap(length, PROT_READ, MAP_SHARED, fd, 0n), "mmap", path);
 * ```
 */
export function checkBig(backend: Backend, result: bigint, syscall: string, path?: string, hint?: (code: string) => string | undefined): bigint {
  if (result >= 0n || result < -4095n) return result;
  throw errnoError(backend, -Number(result), syscall, path, hint);
}

export function errnoError(backend: Backend, errno: number, syscall: string, path?: string, hint?: (code: string) => string | undefined): MmapError {
  const { code, description } = describeErrno(backend, errno);
  const advice = hint?.(code) ?? HINTS[code];
  const where = path === undefined ? syscall : `${syscall} '${path}'`;
  const message = `${code}: ${description.toLowerCase()}, ${where}${advice ? `. ${advice}` : ""}`;
  return new MmapError(message, { code, errno: -errno, syscall, path });
}

/** The error every use of a closed mapping gets. */
export function closedError(what: string): MmapError {
  return new MmapError(`${what}: the mapping is closed. Map the file again to keep using it.`, {
    code: "ERR_MAPPING_CLOSED",
  });
}
