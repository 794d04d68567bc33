import type { Backend } from "./backend.ts";

/** Fields of an {@linkcode MmapError}, matching Node's system-error shape. */
export interface MmapErrorInit {
  /** "ENOENT", "EACCES", … or an "ERR_…" code for memmap's own conditions. */
  code: string;
  /** Negative errno, as Node reports it; absent for memmap's own conditions. */
  errno?: number;
  syscall?: string;
  path?: string;
  cause?: unknown;
  /** For a child process that ended (ERR_PEER_GONE): its exit code, null if a signal ended it. */
  exitCode?: number | null;
  /** For a child process that ended: the signal that ended it, or null. */
  signal?: string | null;
}

/**
 * Every failure of the operating system, or of a mapping's state, that a user
 * can cause. Wrong argument types and values are TypeError and RangeError.
 */
export class MmapError extends Error {
  override name = "MmapError";
  readonly code: string;
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  readonly path: string | undefined;
  readonly exitCode: number | null | undefined;
  readonly signal: string | null | undefined;

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
function describeErrno(backend: Backend, errno: number): { code: string; description: string } {
  const n = backend.errorDescribe(errno, describeBuffer, describeBuffer.length);
  const text = n > 0 ? decoder.decode(describeBuffer.subarray(0, n)) : "";
  const colon = text.indexOf(":");
  if (colon < 0) return { code: "EUNKNOWN", description: `errno ${errno}` };
  return { code: text.slice(0, colon), description: text.slice(colon + 1) };
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
 */
export function check(backend: Backend, result: number, syscall: string, path?: string, hint?: (code: string) => string | undefined): number {
  if (result >= 0) return result;
  throw errnoError(backend, -result, syscall, path, hint);
}

/** Same as {@linkcode check} for 64-bit results such as addresses. */
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
