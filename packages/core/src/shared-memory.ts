import { type Backend, OPEN_CREATE, OPEN_EXCL, OPEN_WRITE, STAT_SIZE } from "./backend.ts";
import { check } from "./errors.ts";
import { fstatOf } from "./file-source.ts";
import { adoptAnonymous } from "./map.ts";
import type { Mapping } from "./mapping.ts";
import { cString, fileMode, optionalBoolean, optionalIndex, options } from "./validate.ts";

/** Options of openShared(). */
export interface SharedOptions {
  /** Grow the object to at least this many bytes (needed when creating it). */
  size?: number;
  /** Create it if missing (default false: open an existing one). */
  create?: boolean;
  /** With create: fail with EEXIST if it exists. */
  exclusive?: boolean;
  /** Permission bits when creating (default 0o600: only this user). */
  mode?: number;
}

/** "name" or "/name" to the C name "/name", or a RangeError saying what a name may be. */
export function sharedName(name: unknown): string {
  if (typeof name !== "string") throw new TypeError("the shared memory name must be a string");
  const bare = name.startsWith("/") ? name.slice(1) : name;
  if (bare.length === 0 || bare.length > 250 || bare.includes("/") || bare.includes("\0") || bare === "." || bare === "..") {
    throw new RangeError(`invalid shared memory name ${JSON.stringify(name)}: use 1 to 250 characters without "/" (one leading "/" is allowed) or NUL`);
  }
  return `/${bare}`;
}

/**
 * POSIX shared memory that unrelated processes open by name. It lives until
 * unlinkShared(name) (or a reboot), even after every process has unmapped it.
 */
export function openSharedMemory(backend: Backend, name: unknown, sharedOptions?: SharedOptions): Mapping {
  const cName = sharedName(name);
  const opts = options<SharedOptions>(sharedOptions);
  const create = optionalBoolean(opts.create, "options.create");
  const exclusive = optionalBoolean(opts.exclusive, "options.exclusive");
  const size = optionalIndex(opts.size, "options.size");
  const mode = fileMode(opts.mode, "options.mode", 0o600);
  const fd = check(
    backend,
    backend.shmOpen(cString(cName), OPEN_WRITE | (create ? OPEN_CREATE : 0) | (exclusive ? OPEN_EXCL : 0), mode),
    "shm_open",
    cName,
    (code) => (code === "ENOENT" ? "No shared memory has that name; pass { create: true, size } to make it." : undefined),
  );
  try {
    const st = fstatOf(backend, fd, cName);
    let length = Number(st[STAT_SIZE]);
    if (size !== undefined && size > length) {
      check(backend, backend.ftruncate(fd, BigInt(size)), "ftruncate", cName);
      length = size;
    }
    return adoptAnonymous(backend, fd, length);
  } catch (e) {
    backend.close(fd);
    throw e;
  }
}

/** Removes the name; processes that have it mapped keep their memory. */
export function unlinkSharedMemory(backend: Backend, name: unknown): void {
  const cName = sharedName(name);
  check(backend, backend.shmUnlink(cString(cName)), "shm_unlink", cName);
}
