import { type Backend, OPEN_WRITE, STAT_DEV, STAT_INO, STAT_SLOTS } from "./backend.ts";
import { check, MmapError } from "./errors.ts";
import { cString } from "./validate.ts";

/**
 * How a file mapping reaches its file again, for resize() and fork(): by its path, or through
 * the caller's descriptor, with the identity that tells a file replaced since. Plain data, so a
 * map() builds no closures for what most mappings never do.
 */
export interface FileSource {
  /** The path it was mapped by, or undefined when by descriptor. */
  readonly path: string | undefined;
  /** The caller's descriptor it was mapped by, or -1 when by path. */
  readonly fd: number;
  readonly dev: bigint;
  readonly ino: bigint;
}

/** fstat into `out` (STAT_SLOTS int64s, a fresh array by default), or a typed error naming `path`. */
export function fstatOf(backend: Backend, fd: number, path: string | undefined, out = new BigInt64Array(STAT_SLOTS)): BigInt64Array {
  check(backend, backend.fstat(fd, out), "fstat", path);
  return out;
}

/** One stat buffer for reacquire's own use: it reads it before the next fstat. */
const statBuffer = new BigInt64Array(STAT_SLOTS);

/** A descriptor for the mapped file (writable unless `writable` is false), refusing a file that was replaced since; `owned` ones are the caller's to close. */
export function reacquire(backend: Backend, source: FileSource, writable: boolean): { fd: number; owned: boolean } {
  const { path } = source;
  const owned = path !== undefined;
  const d = owned ? check(backend, backend.open(cString(path), writable ? OPEN_WRITE : 0, 0), "open", path) : source.fd;
  try {
    const st = fstatOf(backend, d, path, statBuffer);
    if (st[STAT_DEV] !== source.dev || st[STAT_INO] !== source.ino) {
      throw new MmapError(
        `${owned ? `'${path}'` : `descriptor ${d}`} is no longer the file that was mapped (it was replaced or the descriptor reused); resize and fork cannot follow it`,
        { code: "ERR_FILE_REPLACED", path },
      );
    }
    return { fd: d, owned };
  } catch (e) {
    if (owned) backend.close(d);
    throw e;
  }
}
