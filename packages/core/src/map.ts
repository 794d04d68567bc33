import {
  ADVICE,
  type Advice,
  type Backend,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAPFILE_BASE,
  MAPFILE_GUARD,
  MAPFILE_LENGTH,
  MAPFILE_SLOTS,
  MAPFILE_STEP,
  MAPFILE_STEPS,
  OPEN_CREATE,
  OPEN_EXCL,
  OPEN_WRITE,
  REFUSED_DIRECTORY,
  REFUSED_NOT_REGULAR,
  REFUSED_NOT_WRITABLE,
  REFUSED_OFFSET_PAST_END,
  REFUSED_RANGE_PAST_END,
  REFUSED_WRITE_ONLY,
  STAT_DEV,
  STAT_INO,
  STAT_SIZE,
} from "./backend.ts";
import { check, errnos, MmapError } from "./errors.ts";
import { IS_WINDOWS, windowsUnsupported } from "./host.ts";
import { ADVICE_NAMES, MAP_MODES, type MapMode, Mapping, mapRegion, mmapHint, type Region } from "./mapping.ts";
import { cString, fileMode, oneOf, optionalBoolean, optionalIndex, options, pathText, toFd, toIndex, transientCString } from "./validate.ts";

/** Options of {@linkcode map}. */
export interface MapOptions {
  /**
   * "read" (default): private copy-on-write, so a stray write never reaches the file nor crashes;
   * "readwrite": shared, writes reach the file; "copy": private, writable, never written back.
   */
  mode?: MapMode;
  /** Byte offset into the file; any value, alignment is handled inside. Default 0. */
  offset?: number | bigint;
  /** Bytes to map. Default: to the end of the file. */
  length?: number | bigint;
  /** With "readwrite": create the file if missing and grow it to at least this many bytes (never shrinks). */
  size?: number | bigint;
  /** Pre-fault the pages (MAP_POPULATE). */
  populate?: boolean;
  /** An madvise hint applied right after mapping. */
  advice?: Advice;
  /** Permission bits of a file created by `size` (default 0o666, less the umask). */
  fileMode?: number;
}

/** Options of {@linkcode mapAnonymous}. */
export interface AnonymousOptions {
  /** Pre-fault the pages. */
  populate?: boolean;
  /** A name shown in /proc/PID/fd and /proc/PID/maps, for debugging. */
  name?: string;
}

const pageSizes = new WeakMap<Backend, number>();

export function pageSizeOf(backend: Backend): number {
  let size = pageSizes.get(backend);
  if (size === undefined) pageSizes.set(backend, (size = Number(backend.pageSize())));
  return size;
}

/** Maps a file given by path, file: URL or open descriptor (which stays the caller's). */
export function mapFile(backend: Backend, target: unknown, mapOptions?: MapOptions): Mapping {
  const opts = options<MapOptions>(mapOptions);
  const mode = opts.mode === undefined ? "read" : oneOf(opts.mode, "options.mode", MAP_MODES);
  const offset = optionalIndex(opts.offset, "options.offset") ?? 0;
  const length = optionalIndex(opts.length, "options.length");
  const size = optionalIndex(opts.size, "options.size");
  const populate = optionalBoolean(opts.populate, "options.populate");
  const advice = opts.advice === undefined ? undefined : oneOf(opts.advice, "options.advice", ADVICE_NAMES);
  const perm = fileMode(opts.fileMode, "options.fileMode", 0o666);
  if (size !== undefined && mode !== "readwrite") {
    throw new TypeError(`options.size creates or extends the file, so it needs mode "readwrite" (got "${mode}")`);
  }

  const byPath = typeof target !== "number";
  const path = byPath ? pathText(target, "path") : undefined;
  const fd = byPath ? -1 : toFd(target as number, "fd");
  if (!byPath && IS_WINDOWS) {
    throw windowsUnsupported(
      `map(descriptor ${fd})`,
      "a runtime's descriptors are C-runtime numbers the shim cannot turn into a Windows handle; pass the file's path or file: URL instead",
    );
  }
  const writable = mode === "readwrite";
  // "read" is private copy-on-write: a write through a plain Uint8Array cannot be
  // prevented, and into a PROT_READ page it would kill the process.
  const flags = (mode === "readwrite" ? MAP_SHARED : MAP_PRIVATE | (mode === "read" ? MAP_NORESERVE : 0)) | (populate ? MAP_POPULATE : 0);
  // One crossing opens, checks, maps, guards and closes (map-file.c); an FFI call costs more than a system call.
  const out = mapFileOut;
  const r = backend.mapFile(
    path === undefined ? NO_PATH : transientCString(path),
    fd,
    perm,
    offset === 0 ? 0n : BigInt(offset),
    length === undefined ? -1n : BigInt(length),
    size === undefined ? -1n : BigInt(size),
    flags,
    out,
  );
  if (r !== 0) throw mapFileError(backend, r, out, path, fd, { offset, length, writable });
  const pageSize = pageSizeOf(backend);
  const region: Region = {
    backend,
    pageSize,
    base: out[MAPFILE_BASE]!,
    mapLength: Number(out[MAPFILE_LENGTH]),
    fd: -1,
    released: false,
    guard: Number(out[MAPFILE_GUARD]),
  };
  const mapping = Mapping.create({
    region,
    mode,
    offset,
    delta: offset % pageSize,
    length: length ?? Number(out[STAT_SIZE]) - offset,
    flags,
    path,
    source: { path, fd, dev: out[STAT_DEV]!, ino: out[STAT_INO]! },
  });
  if (advice !== undefined && region.mapLength > 0) mapping.advise(advice);
  return mapping;
}

/** mapFile()'s results, read before the next map(). */
const mapFileOut = new BigInt64Array(MAPFILE_SLOTS);
/** The path argument when mapping a descriptor: an empty C string the shim does not read. */
const NO_PATH = new Uint8Array(1);

/** The typed error for a map_file result that is not 0: the failed call's errno, or the reason it refused. */
function mapFileError(
  backend: Backend,
  r: number,
  out: BigInt64Array,
  path: string | undefined,
  fd: number,
  request: { offset: number; length: number | undefined; writable: boolean },
): Error {
  const name = path !== undefined ? `'${path}'` : `descriptor ${fd}`;
  const { offset, writable } = request;
  const fileSize = Number(out[STAT_SIZE]);
  switch (r) {
    case REFUSED_DIRECTORY:
      return new MmapError(`EISDIR: ${name} is a directory; memmap maps regular files`, { code: "EISDIR", syscall: "mmap", path });
    case REFUSED_NOT_REGULAR:
      return new MmapError(`${name} is not a regular file (a device, pipe or socket); memmap maps regular files`, {
        code: "ERR_NOT_REGULAR_FILE",
        path,
      });
    case REFUSED_WRITE_ONLY:
      return new MmapError(`EACCES: descriptor ${fd} is open write-only; mmap needs a descriptor opened for reading ('r' or 'r+')`, {
        code: "EACCES",
        syscall: "mmap",
      });
    case REFUSED_NOT_WRITABLE:
      return new MmapError(
        `EACCES: descriptor ${fd} is not writable (opened read-only); mode 'readwrite' needs one opened ` +
          `for reading and writing ('r+'). Use mode 'copy' for private changes.`,
        { code: "EACCES", syscall: "mmap" },
      );
    case REFUSED_OFFSET_PAST_END:
      return new RangeError(`options.offset ${offset} is past the end of ${name} (${fileSize} bytes)`);
    case REFUSED_RANGE_PAST_END:
      return new RangeError(
        `options.offset + options.length (${offset + (request.length ?? 0)}) is past the end of ${name} (${fileSize} bytes)` +
          (writable ? "; options.size extends the file" : ""),
      );
  }
  const syscall = MAPFILE_STEPS[Number(out[MAPFILE_STEP])] ?? "mmap";
  try {
    check(backend, r, syscall, path, (code) => (syscall === "open" ? openHint(code, writable) : syscall === "mmap" ? mmapHint(code) : undefined));
  } catch (e) {
    return e as Error;
  }
  return new MmapError(`map ${name}: the shim's map_file returned ${r}, which this memmap does not know; the shim and core disagree`, {
    code: "ERR_LIBRARY_ABI",
    path,
  });
}

/** What to do about a failed open of the file to map. */
function openHint(code: string, writable: boolean): string | undefined {
  if (code === "EACCES" || code === "EROFS") {
    return writable
      ? `Mode 'readwrite' needs write permission on the file; use mode 'read' or 'copy' to map it without writing back.`
      : "Reading the file is not permitted.";
  }
  return code === "EISDIR" ? "memmap maps regular files, not directories." : undefined;
}

let anonymousCounter = 0;

/**
 * Zero-filled shared memory backed by an anonymous file (a memfd on Linux,
 * an immediately unlinked POSIX shm object elsewhere), so it can be shared
 * with child processes. The mapping owns that descriptor until close().
 */
export function mapAnonymous(backend: Backend, size: unknown, anonOptions?: AnonymousOptions): Mapping {
  const n = toIndex(size, "size");
  const opts = options<AnonymousOptions>(anonOptions);
  const populate = optionalBoolean(opts.populate, "options.populate");
  if (opts.name !== undefined && typeof opts.name !== "string") throw new TypeError("options.name must be a string");
  const label = `memmap:${opts.name ?? "anonymous"}`;
  let fd = backend.memfdCreate(cString(label));
  if (fd === -errnos(backend).ENOSYS) fd = anonymousShm(backend);
  check(backend, fd, "memfd_create");
  const pageSize = pageSizeOf(backend);
  const region: Region = { backend, pageSize, base: 0n, mapLength: 0, fd, released: false };
  const flags = MAP_SHARED | (populate ? MAP_POPULATE : 0);
  try {
    if (n > 0) {
      check(backend, backend.ftruncate(fd, BigInt(n)), "ftruncate");
      mapRegion(region, n, flags, fd, 0);
    }
  } catch (e) {
    backend.close(fd);
    throw e;
  }
  return Mapping.create({ region, mode: "readwrite", offset: 0, delta: 0, length: n, flags });
}

/** Maps anonymous memory a parent handed down as descriptor `fd`; the Mapping owns the descriptor. */
export function adoptAnonymous(backend: Backend, fd: number, length: number): Mapping {
  const region: Region = { backend, pageSize: pageSizeOf(backend), base: 0n, mapLength: 0, fd, released: false };
  if (length > 0) mapRegion(region, length, MAP_SHARED, fd, 0);
  return Mapping.create({ region, mode: "readwrite", offset: 0, delta: 0, length, flags: MAP_SHARED });
}

/** Where there is no memfd: a POSIX shm object, unlinked at once so no name outlives us. */
function anonymousShm(backend: Backend): number {
  const name = cString(`/memmap-${Date.now().toString(36)}-${(anonymousCounter++).toString(36)}-${Math.random().toString(36).slice(2)}`);
  const fd = check(backend, backend.shmOpen(name, OPEN_WRITE | OPEN_CREATE | OPEN_EXCL, 0o600), "shm_open");
  backend.shmUnlink(name);
  return fd;
}

export { ADVICE };
